package output

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Board shows the state of several things at once — images building,
// services rolling out. Each item has one status line and may log events.
//
// On a terminal the status lines are redrawn in place (at most every 100 ms)
// and events scroll above them. Otherwise a status line is printed, stamped
// and prefixed with its item, only when it changes, and events as they come:
// nothing repeats itself in a CI log.
type Board struct {
	p *Printer

	mu      sync.Mutex
	keys    []string          // items in the order they appeared
	status  map[string]string // current status line per item
	printed map[string]string // plain mode: the last status printed per item
	pending []string          // live mode: events not drawn yet
	drawn   int               // live mode: status lines on screen
	dirty   bool
	closed  bool
	stop    chan struct{}
	done    chan struct{}
}

// NewBoard starts a board on stderr. Close it when done; until then the
// Printer's Logf and Warnf go through it.
func (p *Printer) NewBoard() *Board {
	b := &Board{p: p, status: map[string]string{}, printed: map[string]string{}}
	p.mu.Lock()
	p.board = b
	p.mu.Unlock()
	if p.live {
		b.stop, b.done = make(chan struct{}), make(chan struct{})
		go b.loop()
	}
	return b
}

// Set replaces the status line of item key.
func (b *Board) Set(key, status string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if _, ok := b.status[key]; !ok {
		b.keys = append(b.keys, key)
	}
	b.status[key] = status
	if b.p.live {
		b.dirty = true
		return
	}
	if b.printed[key] == status {
		return
	}
	b.printed[key] = status
	b.writePlain(key, status)
}

// Event logs a line for item key ("" for none) that stays in the output.
func (b *Board) Event(key, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || !b.p.live {
		b.writePlain(key, msg)
		return
	}
	if key != "" {
		msg = b.p.Bold("["+key+"]") + " " + msg
	}
	b.pending = append(b.pending, msg)
	b.dirty = true
}

func (b *Board) writePlain(key, msg string) {
	prefix := ""
	if key != "" {
		prefix = "[" + key + "] "
	}
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintln(b.p.err, b.p.stamp()+prefix+line)
	}
}

func (b *Board) loop() {
	defer close(b.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			if b.dirty {
				b.redraw()
			}
			b.mu.Unlock()
		}
	}
}

// redraw erases the status lines, prints pending events, and draws the
// status lines again. Call with b.mu held.
func (b *Board) redraw() {
	var sb strings.Builder
	if b.drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", b.drawn)
	}
	width := b.p.width()
	for _, ev := range b.pending {
		for _, line := range strings.Split(ev, "\n") {
			sb.WriteString("\r\x1b[2K" + line + "\n")
		}
	}
	b.pending = nil
	for _, k := range b.keys {
		line := b.p.Bold(k) + "  " + b.status[k]
		sb.WriteString("\r\x1b[2K" + truncate(line, width) + "\n")
	}
	sb.WriteString("\x1b[J") // clear anything below (a shorter board than before)
	b.drawn = len(b.keys)
	b.dirty = false
	b.p.mu.Lock()
	fmt.Fprint(b.p.err, sb.String())
	b.p.mu.Unlock()
}

// Close draws the final state and hands stderr back to the Printer.
func (b *Board) Close() {
	if b.p.live {
		close(b.stop)
		<-b.done
	}
	b.mu.Lock()
	if b.p.live && !b.closed {
		b.redraw()
	}
	b.closed = true
	b.mu.Unlock()
	b.p.mu.Lock()
	if b.p.board == b {
		b.p.board = nil
	}
	b.p.mu.Unlock()
}
