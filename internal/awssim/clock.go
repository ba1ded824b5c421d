package awssim

import (
	"container/heap"
	"sync"
	"time"
)

// Clock tells the simulated time.
type Clock interface {
	Now() time.Time
}

// ScaledClock runs simulated time at a multiple of wall time.
type ScaledClock struct {
	wallStart time.Time
	simStart  time.Time
	speed     float64
}

// NewScaledClock returns a clock that reads start now and advances speed
// simulated seconds per wall second.
func NewScaledClock(start time.Time, speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	return &ScaledClock{wallStart: time.Now(), simStart: start, speed: speed}
}

// Now implements Clock.
func (c *ScaledClock) Now() time.Time {
	elapsed := time.Since(c.wallStart)
	return c.simStart.Add(time.Duration(float64(elapsed) * c.speed))
}

// Speed is the number of simulated seconds per wall second.
func (c *ScaledClock) Speed() float64 { return c.speed }

// ManualClock stands still until a test moves it.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock reading t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now implements Clock.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// event is something that happens at a simulated time.
type event struct {
	at  time.Time
	seq uint64 // keeps events scheduled for the same time in order
	fn  func()
}

type eventQueue struct {
	items []*event
	seq   uint64
}

func (q *eventQueue) Len() int { return len(q.items) }
func (q *eventQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if a.at.Equal(b.at) {
		return a.seq < b.seq
	}
	return a.at.Before(b.at)
}
func (q *eventQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *eventQueue) Push(x any)    { q.items = append(q.items, x.(*event)) }
func (q *eventQueue) Pop() any {
	n := len(q.items)
	it := q.items[n-1]
	q.items[n-1] = nil
	q.items = q.items[:n-1]
	return it
}

func (q *eventQueue) push(at time.Time, fn func()) {
	q.seq++
	heap.Push(q, &event{at: at, seq: q.seq, fn: fn})
}

// popDue removes and returns the earliest event due at or before t.
func (q *eventQueue) popDue(t time.Time) (*event, bool) {
	if len(q.items) == 0 || q.items[0].at.After(t) {
		return nil, false
	}
	return heap.Pop(q).(*event), true
}
