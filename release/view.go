package release

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ecsctl/ecsctl/internal/output"
)

// renderer draws snapshots through an output.Board: one status line per
// service, and as events below it what changed (service events, stopped
// tasks with their exit codes and last log lines, target health changes,
// what ecsctl did). It holds only what it needs to print changes once.
type renderer struct {
	p     *output.Printer
	board *output.Board

	mu      sync.Mutex
	targets map[string]map[string]string // service -> target key -> last state shown
}

// newRenderer starts drawing on p's stderr; a nil p draws nothing.
func newRenderer(p *output.Printer) *renderer {
	r := &renderer{p: p, targets: map[string]map[string]string{}}
	if p != nil {
		r.board = p.NewBoard()
	}
	return r
}

// Close draws the final state and releases stderr.
func (r *renderer) Close() {
	if r.board != nil {
		r.board.Close()
	}
}

// Draw shows s.
func (r *renderer) Draw(s Snapshot) {
	if r.board == nil {
		return
	}
	key := s.Service
	for _, e := range s.Events {
		r.board.Event(key, "ecs: "+e.Message)
	}
	for _, t := range s.Stopped {
		r.board.Event(key, r.stoppedText(t))
	}
	for _, line := range r.targetChanges(key, s.Targets) {
		r.board.Event(key, line)
	}
	for _, n := range s.Notes {
		r.board.Event(key, n)
	}
	if st := r.status(s); st != "" {
		r.board.Set(key, st)
	}
}

func (r *renderer) green(s string) string {
	if r.p == nil {
		return s
	}
	return r.p.Green(s)
}

func (r *renderer) red(s string) string {
	if r.p == nil {
		return s
	}
	return r.p.Red(s)
}

// Finish sets a service's last status line.
func (r *renderer) Finish(key string, o Outcome, msg string) {
	if r.board == nil {
		return
	}
	mark := r.red("✗ ")
	switch o {
	case OutcomeSucceeded, OutcomeUnchanged, OutcomePlanned:
		mark = r.green("✓ ")
	case OutcomeInterrupted:
		mark = r.p.Yellow("… ")
	}
	r.board.Set(key, mark+string(o)+": "+msg)
}

// Warn prints a warning about a service.
func (r *renderer) Warn(key, msg string) {
	if r.board == nil {
		return
	}
	r.board.Event(key, r.p.Yellow("warning: ")+msg)
}

func (r *renderer) status(s Snapshot) string {
	switch s.Phase {
	case PhaseDone:
		return ""
	case PhaseWaitingForLock:
		if s.Following == nil {
			return "waiting for the deployment in progress to finish"
		}
		return "waiting for deployment " + s.Following.ID + " to finish: " + deploymentLine(*s.Following)
	}
	if s.Following == nil {
		return ""
	}
	var sb strings.Builder
	switch s.Phase {
	case PhaseBreakerRollback:
		sb.WriteString("circuit breaker rolling back to ")
	case PhaseRollingBack:
		sb.WriteString("rolling back to ")
	}
	sb.WriteString(deploymentLine(*s.Following))
	for _, d := range s.Others {
		sb.WriteString(" | ")
		if d.Status == "PRIMARY" {
			sb.WriteString("primary ")
		} else {
			sb.WriteString("old ")
		}
		sb.WriteString(deploymentLine(d))
	}
	if len(s.Targets) > 0 {
		counts := map[string]int{}
		for _, t := range s.Targets {
			counts[t.State]++
		}
		states := make([]string, 0, len(counts))
		for st := range counts {
			states = append(states, st)
		}
		sort.Strings(states)
		parts := make([]string, len(states))
		for i, st := range states {
			parts[i] = fmt.Sprintf("%d %s", counts[st], st)
		}
		sb.WriteString(" | targets " + strings.Join(parts, ", "))
	}
	return sb.String()
}

// deploymentLine is "web:43 IN_PROGRESS running 2/3 pending 1 failed 0".
func deploymentLine(d Deployment) string {
	state := d.RolloutState
	if state == "" {
		state = d.Status
	}
	return fmt.Sprintf("%s %s running %d/%d pending %d failed %d",
		familyRevision(d.TaskDefinition), state, d.Running, d.Desired, d.Pending, d.Failed)
}

func (r *renderer) stoppedText(t StoppedTask) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "task %s stopped", shortID(t.ID))
	if t.Reason != "" {
		sb.WriteString(": " + t.Reason)
	}
	if t.StopCode != "" {
		sb.WriteString(" (" + t.StopCode + ")")
	}
	if t.Brief {
		if t.SameAs != "" {
			fmt.Fprintf(&sb, "; like task %s", shortID(t.SameAs))
		}
		for _, c := range t.Containers {
			if c.ExitCode != nil && *c.ExitCode != 0 {
				fmt.Fprintf(&sb, "; %s exited %d", c.Name, *c.ExitCode)
			}
		}
		return sb.String()
	}
	for _, c := range t.Containers {
		sb.WriteString("\n  container " + c.Name)
		switch {
		case c.ExitCode != nil:
			fmt.Fprintf(&sb, " exited with code %d", *c.ExitCode)
			if c.Reason != "" {
				sb.WriteString(": " + c.Reason)
			}
		case c.Reason != "":
			sb.WriteString(": " + c.Reason)
		default:
			sb.WriteString(": no exit code (it did not run)")
		}
		switch {
		case len(c.LogLines) > 0:
			fmt.Fprintf(&sb, "\n  last %d log lines of %s (%s):", len(c.LogLines), c.Name, c.LogSource)
			for _, l := range c.LogLines {
				sb.WriteString("\n    | " + l)
			}
		case c.LogSource != "":
			fmt.Fprintf(&sb, "\n  no log lines of %s (%s)", c.Name, c.LogSource)
		}
	}
	return sb.String()
}

// targetChanges returns a line for every target whose state differs from
// what was last shown for service key.
func (r *renderer) targetChanges(key string, targets []Target) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	shown := r.targets[key]
	if shown == nil {
		shown = map[string]string{}
		r.targets[key] = shown
	}
	var lines []string
	for _, t := range targets {
		state := t.State
		if t.Reason != "" {
			state += " (" + t.Reason
			if t.Description != "" {
				state += ": " + t.Description
			}
			state += ")"
		}
		if shown[t.Key()] == state {
			continue
		}
		shown[t.Key()] = state
		who := fmt.Sprintf("%s:%d", t.ID, t.Port)
		if t.TaskID != "" {
			who += " (task " + shortID(t.TaskID) + ")"
		}
		lines = append(lines, fmt.Sprintf("target %s in %s: %s", who, t.TargetGroup, state))
	}
	return lines
}

// shortID shortens a task ID the way the console does.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
