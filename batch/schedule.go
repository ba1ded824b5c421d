package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// ScheduleOptions tune Schedule.
type ScheduleOptions struct {
	Options
	// Names limits the run to these batches (default: every batch). A name
	// no longer in the config selects its schedule for --prune.
	Names []string
	// Prune deletes owned schedules that are not in the config.
	Prune bool
	// DryRun computes and prints the plan and writes nothing.
	DryRun bool
	// Diff receives the plan as a readable diff before anything is written;
	// nil prints nothing.
	Diff io.Writer
	// Paint styles the diff; nil is plain text.
	Paint Painter
}

// Schedule makes the config's schedules exist as written: it validates the
// batches (offline, then read-only against AWS), reads what exists, prints
// the difference, and applies only the changes, creates and updates first,
// then deletions. Nothing is written when anything is invalid (the error
// is a *config.Error, exit code 2) or when nothing changed.
func Schedule(ctx context.Context, opts ScheduleOptions) (*Plan, error) {
	cfg := opts.Config
	batches, unknown := selectBatches(cfg, opts.Names)
	probs := checkOffline(cfg, batches)
	if err := cfg.Errors(probs); err != nil {
		return nil, err
	}

	res := newResolver(opts.Options)
	resolved, err := res.resolve(ctx, batches)
	if err != nil {
		return nil, err
	}

	var only, scope map[string]bool
	if len(opts.Names) > 0 {
		only, scope = map[string]bool{}, map[string]bool{}
		for _, n := range opts.Names {
			only[ResourceName(cfg.Name, n)] = true
			scope[ResourceName(cfg.Name, n)] = true
		}
	}
	l, err := observe(ctx, opts.Options, cfg.Name, only, adoptedPlaces(cfg.Name, batches))
	if err != nil {
		return nil, err
	}
	for _, n := range unknown {
		rn := ResourceName(cfg.Name, n)
		if _, ok := l.rules[rn]; ok {
			continue
		}
		if _, ok := l.schedules[scheduleKey(l.group, rn)]; ok {
			continue
		}
		res.problem("batches", "no batch named %q in the config and no schedule of it in AWS; %s", n, knownBatches(cfg))
	}

	p, more, err := plan(ctx, opts.Options, planInput{cfg: cfg, batches: batches, resolved: resolved, live: l, scope: scope, prune: opts.Prune})
	if err != nil {
		return nil, err
	}
	if err := cfg.Errors(append(res.problems, more...)); err != nil {
		return nil, err
	}
	p.DryRun = opts.DryRun
	if opts.Diff != nil {
		if err := WriteDiff(opts.Diff, p, opts.Paint); err != nil {
			return nil, err
		}
	}
	if opts.DryRun || p.Empty() {
		return p, nil
	}
	if err := apply(ctx, opts.Options, p); err != nil {
		return p, err
	}
	p.Applied = true
	return p, nil
}

// ApplyError says which changes of a plan failed; the others were applied.
type ApplyError struct {
	Failed []string // "rule ecsctl.example.nightly: put targets: ..."
	Total  int
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("%d of %d changes failed (the others were applied; run ecsctl batch schedule again to retry):\n  %s",
		len(e.Failed), e.Total, strings.Join(e.Failed, "\n  "))
}

// apply writes a plan: the schedule group if needed, then creations and
// updates, then deletions (targets before their rule).
func apply(ctx context.Context, opts Options, p *Plan) error {
	if p.CreateGroup {
		_, err := opts.Scheduler.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{
			Name: aws.String(p.Group),
			Tags: []schtypes.Tag{{Key: aws.String(TagConfig), Value: aws.String(p.Config)}},
		})
		var conflict *schtypes.ConflictException
		if err != nil && !errors.As(err, &conflict) {
			return fmt.Errorf("create schedule group %s: %w", p.Group, err)
		}
		opts.logf("created schedule group %s", p.Group)
	}
	var (
		mu     sync.Mutex
		failed []string
		total  int
	)
	for _, phase := range []func(*Change) bool{
		func(c *Change) bool { return c.Action == ActionCreate || c.Action == ActionUpdate },
		func(c *Change) bool { return c.Action == ActionDelete },
	} {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(min(opts.concurrency(), 4))
		for _, c := range p.Changes {
			if !phase(c) {
				continue
			}
			total++
			g.Go(func() error {
				err := applyChange(gctx, opts, c)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					failed = append(failed, c.title()+": "+err.Error())
					return nil
				}
				c.Done = true
				opts.logf("%s %s (batch %s)", pastTense(c.Action), c.title(), c.Batch)
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return &ApplyError{Failed: failed, Total: total}
	}
	return nil
}

func pastTense(a Action) string {
	switch a {
	case ActionCreate:
		return "created"
	case ActionUpdate:
		return "updated"
	case ActionDelete:
		return "deleted"
	}
	return string(a)
}

func applyChange(ctx context.Context, opts Options, c *Change) error {
	if c.putRule != nil {
		if _, err := opts.Events.PutRule(ctx, c.putRule); err != nil {
			return fmt.Errorf("put rule: %w", err)
		}
	}
	if c.putTargets != nil {
		out, err := opts.Events.PutTargets(ctx, c.putTargets)
		if err != nil {
			return fmt.Errorf("put targets: %w", err)
		}
		if out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
			f := out.FailedEntries[0]
			return fmt.Errorf("put targets: %s: %s", aws.ToString(f.ErrorCode), aws.ToString(f.ErrorMessage))
		}
	}
	if len(c.removeTargets) > 0 {
		out, err := opts.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(c.Name), Ids: c.removeTargets})
		if err != nil {
			return fmt.Errorf("remove targets: %w", err)
		}
		if out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
			f := out.FailedEntries[0]
			return fmt.Errorf("remove targets: %s: %s", aws.ToString(f.ErrorCode), aws.ToString(f.ErrorMessage))
		}
	}
	if c.deleteRule {
		if _, err := opts.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(c.Name)}); err != nil {
			return fmt.Errorf("delete rule: %w", err)
		}
	}
	if c.createSchedule != nil {
		if _, err := opts.Scheduler.CreateSchedule(ctx, c.createSchedule); err != nil {
			return fmt.Errorf("create schedule: %w", err)
		}
	}
	if c.updateSchedule != nil {
		if _, err := opts.Scheduler.UpdateSchedule(ctx, c.updateSchedule); err != nil {
			return fmt.Errorf("update schedule: %w", err)
		}
	}
	if c.deleteSchedule {
		_, err := opts.Scheduler.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(c.Name), GroupName: aws.String(c.Group)})
		var nf *schtypes.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete schedule: %w", err)
		}
	}
	return nil
}

// badInput marks errors about what the user asked (exit code 2).
func badInput(format string, args ...any) error {
	return exitcode.BadInput(fmt.Errorf(format, args...))
}

// WriteText prints the plan as a diff (for --output text results).
func (p *Plan) WriteText(w io.Writer) error { return WriteDiff(w, p, nil) }
