package batch

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/internal/awscron"
)

// NextRuns is how many upcoming run times List computes per schedule.
const NextRuns = 3

// Entry is one owned rule or schedule, as List shows it.
type Entry struct {
	Batch string `json:"batch"`
	Kind  Kind   `json:"kind"`
	Name  string `json:"name"`
	Group string `json:"group,omitempty"`
	// State is "enabled" or "disabled".
	State    string `json:"state"`
	Schedule string `json:"schedule"`
	// Timezone is the zone the schedule is read in (always UTC for rules).
	Timezone string `json:"timezone"`
	// TaskDefinition is the ARN the schedule runs; Revision shows it as family:revision.
	TaskDefinition string `json:"task_definition"`
	Revision       string `json:"revision"`
	// InConfig tells whether the config still has the batch.
	InConfig bool `json:"in_config"`
	// Next are the next run times, in Timezone; empty when disabled or done.
	Next []RunTime `json:"next_runs"`
	Note string    `json:"note,omitempty"`
}

// RunTime is one upcoming run, in the schedule's zone and in UTC.
type RunTime struct {
	Local time.Time `json:"local"`
	UTC   time.Time `json:"utc"`
}

// ListResult is what List returns; it prints itself as a table.
type ListResult struct {
	Config  string  `json:"config"`
	Entries []Entry `json:"schedules"`
	// Missing lists the config's batches that have no schedule yet.
	Missing []string `json:"not_scheduled,omitempty"`
}

// List returns the config's owned rules and schedules with their state,
// target revision and next run times (computed locally with AWS's cron
// semantics, in the schedule's zone and UTC).
func List(ctx context.Context, opts Options) (*ListResult, error) {
	cfg := opts.Config
	if !ValidConfigName(cfg.Name) {
		return nil, cfg.Errors(checkOffline(cfg, nil))
	}
	l, err := observe(ctx, opts, cfg.Name, nil, adoptedPlaces(cfg.Name, cfg.Batches))
	if err != nil {
		return nil, err
	}
	now := opts.now()
	res := &ListResult{Config: cfg.Name}
	ruleOf := map[string]string{}     // rule name -> batch
	scheduleOf := map[string]string{} // schedule key -> batch
	for _, b := range cfg.Batches {
		p := placeOf(cfg.Name, b)
		ruleOf[p.name] = b.Name
		scheduleOf[scheduleKey(p.group, p.name)] = b.Name
	}
	scheduled := map[string]bool{} // batch names
	for _, name := range l.ruleNames() {
		r := l.rules[name]
		e := Entry{
			Kind: KindRule, Name: name,
			State:    strings.ToLower(string(r.rule.State)),
			Schedule: aws.ToString(r.rule.ScheduleExpression), Timezone: "UTC",
		}
		e.Batch, e.InConfig = ruleOf[name]
		if !e.InConfig {
			e.Batch = batchOfName(l.prefix, name)
		}
		if id := r.ecsTargetID(); id != "" && r.target(id).EcsParameters != nil {
			e.TaskDefinition = aws.ToString(r.target(id).EcsParameters.TaskDefinitionArn)
		}
		e.Next, e.Note = nextRuns(e.Schedule, time.UTC, e.State, nil, now, true)
		scheduled[e.Batch] = true
		res.Entries = append(res.Entries, e)
	}
	foreignGroup := l.groupARN != "" && !l.groupOwned(cfg.Name)
	if foreignGroup {
		opts.warnf("schedule group %s is not tagged %s=%s; its schedules are not listed", l.group, TagConfig, cfg.Name)
	}
	keys := make([]string, 0, len(l.schedules))
	for k := range l.schedules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := l.schedules[k]
		batchName, inConfig := scheduleOf[k]
		if foreignGroup && aws.ToString(s.GroupName) == l.group && !inConfig {
			continue
		}
		e := scheduleEntry(s, now)
		e.Batch, e.InConfig = batchName, inConfig
		if !inConfig {
			e.Batch = batchOfName(l.prefix, e.Name)
		}
		scheduled[e.Batch] = true
		res.Entries = append(res.Entries, e)
	}
	for _, b := range cfg.Batches {
		if !scheduled[b.Name] {
			res.Missing = append(res.Missing, b.Name)
		}
	}
	sort.SliceStable(res.Entries, func(i, j int) bool { return res.Entries[i].Batch < res.Entries[j].Batch })
	for i := range res.Entries {
		res.Entries[i].Revision = shortARN(res.Entries[i].TaskDefinition)
	}
	return res, nil
}

func scheduleEntry(s *scheduler.GetScheduleOutput, now time.Time) Entry {
	zone := aws.ToString(s.ScheduleExpressionTimezone)
	if zone == "" {
		zone = "UTC"
	}
	e := Entry{
		Kind: KindSchedule, Name: aws.ToString(s.Name), Group: aws.ToString(s.GroupName),
		State:    strings.ToLower(string(s.State)),
		Schedule: aws.ToString(s.ScheduleExpression), Timezone: zone,
	}
	if t := s.Target; t != nil && t.EcsParameters != nil {
		e.TaskDefinition = aws.ToString(t.EcsParameters.TaskDefinitionArn)
	}
	loc, err := awscron.LoadZone(zone)
	if err != nil {
		e.Note = err.Error()
		return e
	}
	start := s.StartDate
	if start == nil {
		start = s.CreationDate
	}
	e.Next, e.Note = nextRuns(e.Schedule, loc, e.State, start, now, false)
	if s.EndDate != nil {
		kept := e.Next[:0]
		for _, t := range e.Next {
			if !t.UTC.After(*s.EndDate) {
				kept = append(kept, t)
			}
		}
		e.Next = kept
	}
	return e
}

// nextRuns computes the next run times of expr in loc. start is when a
// rate schedule started counting (nil: unknown, counted from now).
func nextRuns(expr string, loc *time.Location, state string, start *time.Time, now time.Time, rule bool) ([]RunTime, string) {
	if state == "disabled" {
		return nil, "disabled: no runs"
	}
	var sch *awscron.Schedule
	var err error
	if rule {
		sch, err = awscron.ParseRule(expr)
	} else {
		sch, err = awscron.ParseSchedule(expr)
	}
	if err != nil {
		return nil, err.Error()
	}
	note := ""
	from := now
	if start != nil {
		from = *start
	} else if sch.Kind() == awscron.Rate {
		note = "rate: EventBridge counts from the rule's creation, which it does not report; times counted from now"
	}
	var out []RunTime
	for _, t := range sch.NextSince(from, now, loc, NextRuns) {
		out = append(out, RunTime{Local: t.In(loc), UTC: t.UTC()})
	}
	if len(out) == 0 && sch.Kind() == awscron.At {
		note = "at(): the time has passed"
	}
	return out, note
}

// WriteText prints the result as a table, each schedule followed by its
// next run times.
func (r *ListResult) WriteText(w io.Writer) error {
	if len(r.Entries) == 0 {
		fmt.Fprintf(w, "No schedules of config %s.\n", r.Config)
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "BATCH\tVIA\tSTATE\tSCHEDULE\tZONE\tTASK DEFINITION")
		for _, e := range r.Entries {
			batch := e.Batch
			if !e.InConfig {
				batch += " (not in config)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", batch, e.Kind, e.State, e.Schedule, e.Timezone, e.Revision)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		for _, e := range r.Entries {
			fmt.Fprintf(w, "%s next runs:", e.Batch)
			if len(e.Next) == 0 {
				fmt.Fprint(w, " none")
			}
			fmt.Fprintln(w)
			for _, t := range e.Next {
				if e.Timezone == "UTC" {
					fmt.Fprintf(w, "  %s\n", t.UTC.Format("Mon 2006-01-02 15:04 MST"))
				} else {
					fmt.Fprintf(w, "  %s  (%s)\n", t.Local.Format("Mon 2006-01-02 15:04 MST"), t.UTC.Format("2006-01-02 15:04 MST"))
				}
			}
			if e.Note != "" {
				fmt.Fprintf(w, "  note: %s\n", e.Note)
			}
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "Not scheduled yet (run ecsctl batch schedule): %s\n", strings.Join(r.Missing, ", "))
	}
	return nil
}
