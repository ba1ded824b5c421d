package batch

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ecsctl/ecsctl/internal/awscron"
	"github.com/ecsctl/ecsctl/internal/config"
)

// Validate checks cfg's batches without AWS, as `ecsctl validate` does: it
// returns a *config.Error listing every problem, or nil.
func Validate(cfg *config.Config) error {
	if len(cfg.Batches) == 0 {
		return nil
	}
	return cfg.Errors(checkOffline(cfg, cfg.Batches))
}

// checkOffline finds, without AWS, what the config loader does not check
// and AWS would refuse: schedule expressions (with AWS's cron dialect),
// time zones, the config's name as a marker, overrides, and the size of a
// rule target's Input. Each problem names the batch and field.
func checkOffline(cfg *config.Config, batches []*config.Batch) []config.Problem {
	var probs []config.Problem
	add := func(path, format string, args ...any) {
		probs = append(probs, cfg.Problem(path, format, args...))
	}
	if cfg.Name == "" {
		add("name", "name is required: ecsctl marks the schedules it owns with it and finds them by it (e.g. name: myapp-production)")
	} else if !ValidConfigName(cfg.Name) {
		add("name", "name %q cannot mark schedules: use letters, digits, '-' and '_' (no dots), starting with a letter or digit, e.g. myapp-production", cfg.Name)
	}
	names := map[string]string{}
	for _, b := range batches {
		checkBatch(b, add)
		if cfg.Name != "" {
			n := placeOf(cfg.Name, b).name
			if other, dup := names[n]; dup {
				add(batchPath(b, ""), "batches %q and %q would share the schedule name %s; rename one", other, b.Name, n)
			}
			names[n] = b.Name
		}
	}
	return probs
}

func checkBatch(b *config.Batch, add func(path, format string, args ...any)) {
	via := b.Via
	if via == "" {
		via = config.ViaRule
	}
	// Time zones and their fit with rules are checked when the config loads.
	if b.Schedule != "" {
		var err error
		if via == config.ViaRule {
			_, err = awscron.ParseRule(b.Schedule)
		} else {
			_, err = awscron.ParseSchedule(b.Schedule)
		}
		if err != nil {
			var ce *awscron.Error
			if errors.As(err, &ce) && ce.Field != "" {
				add(batchPath(b, "schedule"), "%s: %s field: %s", ce.Expr, ce.Field, ce.Msg)
			} else if errors.As(err, &ce) {
				add(batchPath(b, "schedule"), "%s: %s", ce.Expr, ce.Msg)
			} else {
				add(batchPath(b, "schedule"), "%v", err)
			}
		}
	}
	if b.AWSName != "" && !validAWSName(b.AWSName) {
		add(batchPath(b, "aws_name"), "%q is not a rule or schedule name: 1-64 letters, digits, '.', '_' and '-'", b.AWSName)
	}
	if b.ScheduleGroup != "" {
		if via != config.ViaScheduler {
			add(batchPath(b, "schedule_group"), "schedule_group is where a Scheduler schedule lives; set via: scheduler or remove it")
		} else if !validAWSName(b.ScheduleGroup) {
			add(batchPath(b, "schedule_group"), "%q is not a schedule group name: 1-64 letters, digits, '.', '_' and '-'", b.ScheduleGroup)
		}
	}
	if w := b.FlexibleWindow.Std(); w > 0 && w%time.Minute != 0 {
		add(batchPath(b, "flexible_window"), "%s is not a whole number of minutes; the Scheduler counts the window in minutes (e.g. 15m)", w)
	}
	if r := b.Retry; r != nil {
		if age := r.MaximumEventAge.Std(); age%time.Second != 0 {
			add(batchPath(b, "retry.maximum_event_age"), "%s is not a whole number of seconds (e.g. 1h)", age)
		}
	}
	for _, o := range b.Overrides {
		p := batchPath(b, "overrides."+o.Name)
		if len(o.Command) == 0 && len(o.Environment) == 0 && o.CPU == 0 && o.Memory == 0 {
			add(p, "the override of container %q changes nothing; set command, environment, cpu or memory, or remove it", o.Name)
		}
		for i, arg := range o.Command {
			if i == 0 && strings.TrimSpace(arg) == "" {
				add(p+".command", "the command's first element (the program) is empty; write e.g. command: [/app, report]")
			}
		}
		for k := range o.Environment {
			if k == "" || strings.ContainsAny(k, "= \t\n") {
				add(p+".environment", "environment variable name %q is not valid: no '=', spaces or empty names", k)
			}
		}
	}
	if via == config.ViaRule {
		if input, err := OverridesInput(b); err == nil && len(input) > MaxRuleInput {
			add(batchPath(b, "overrides"), "the overrides make a rule target Input of %d characters; EventBridge rules accept at most %d. Shorten the command or environment, move settings into the task definition, or set via: scheduler", len(input), MaxRuleInput)
		}
	}
	if b.CPU != "" {
		if msg := fargateSize(b.CPU, ""); msg != "" {
			add(batchPath(b, "cpu"), "%s", msg)
		}
	}
	if b.Memory != "" && !isDigits(b.Memory) {
		add(batchPath(b, "memory"), "task memory %q is not a number of MiB, e.g. 2048", b.Memory)
	}
}

// awsNameRE is what rule, schedule and schedule group names may be.
var awsNameRE = regexp.MustCompile(`^[.\-_A-Za-z0-9]+$`)

func validAWSName(name string) bool { return len(name) <= 64 && awsNameRE.MatchString(name) }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// selectBatches returns the config's batches named in names (all when
// names is empty), and problems for names that are not batches.
func selectBatches(cfg *config.Config, names []string) ([]*config.Batch, []string) {
	if len(names) == 0 {
		return cfg.Batches, nil
	}
	var out []*config.Batch
	var unknown []string
	for _, n := range names {
		if b := cfg.Batch(n); b != nil {
			out = append(out, b)
		} else {
			unknown = append(unknown, n)
		}
	}
	return out, unknown
}

func knownBatches(cfg *config.Config) string {
	var names []string
	for _, b := range cfg.Batches {
		names = append(names, b.Name)
	}
	if len(names) == 0 {
		return "the config defines no batches"
	}
	return fmt.Sprintf("the config's batches are: %s", strings.Join(names, ", "))
}
