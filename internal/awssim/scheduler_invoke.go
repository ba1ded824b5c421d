package awssim

import (
	"sort"
	"time"

	"github.com/ecsctl/ecsctl/internal/awscron"
)

// Schedules whose target is an ECS cluster start their tasks at the
// scheduled times through ECS's RunTask path, as EventBridge Scheduler does:
// on the wall clock of the schedule's time zone with the Scheduler's
// daylight-saving rules (see awscron), not before StartDate nor after
// EndDate, once for at(). ActionAfterCompletion DELETE deletes a schedule
// after its last run. Tasks show startedBy "chronos-schedule/<name>". The
// flexible time window is not simulated: runs happen at its start.

// schedArm plans a schedule's next run after `after`. Call with s.mu held
// after anything that changes whether or when the schedule runs.
func (s *Server) schedArm(sc *schedSchedule, after time.Time) {
	sc.armed++
	if sc.in.State != "ENABLED" || !(sc.runsTask() || sc.in.ActionAfterCompletion == "DELETE") {
		return
	}
	next, ok := sc.nextRun(after)
	if !ok {
		return
	}
	armed := sc.armed
	s.at(next, func() {
		if sc.armed != armed || !s.schedLive(sc) {
			return // the schedule changed or was deleted since
		}
		if sc.runsTask() {
			s.schedRun(sc)
		}
		if _, more := sc.nextRun(s.now()); !more && sc.in.ActionAfterCompletion == "DELETE" {
			delete(s.scheduler.groups[sc.group].schedules, sc.name)
			return
		}
		s.schedArm(sc, s.now())
	})
}

// nextRun is the schedule's first run after `after`, within its StartDate
// (rate() counts from it, or from creation) and EndDate.
func (sc *schedSchedule) nextRun(after time.Time) (time.Time, bool) {
	start := sc.created
	if sc.in.StartDate != nil {
		start = time.Time(*sc.in.StartDate)
	}
	runs := sc.plan.NextSince(start, after, sc.loc, 1)
	if len(runs) == 0 {
		return time.Time{}, false
	}
	if sc.in.EndDate != nil && sc.plan.Kind() != awscron.At && runs[0].After(time.Time(*sc.in.EndDate)) {
		return time.Time{}, false
	}
	return runs[0], true
}

func (sc *schedSchedule) runsTask() bool {
	return isECSClusterARN(sc.spec.Arn) && sc.spec.EcsParameters != nil
}

// schedLive reports whether sc is still the schedule of its name.
func (s *Server) schedLive(sc *schedSchedule) bool {
	g := s.scheduler.groups[sc.group]
	return g != nil && g.schedules[sc.name] == sc
}

// schedRun starts the schedule's tasks.
func (s *Server) schedRun(sc *schedSchedule) {
	p := sc.spec.EcsParameters
	var tags []ecsTag
	for _, m := range p.Tags {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tags = append(tags, ecsTag{Key: k, Value: m[k]})
		}
	}
	_, _, _ = s.ecsRunTaskLocked(p.runTaskInput(sc.spec.Arn, sc.spec.Input, tags, "chronos-schedule/"+sc.name))
}
