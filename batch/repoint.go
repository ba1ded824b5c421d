package batch

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/ecsctl/ecsctl/internal/config"
)

// Repointed is one rule or schedule Repoint changed or checked.
type Repointed struct {
	Batch string `json:"batch"`
	Kind  Kind   `json:"kind"`
	Name  string `json:"name"`
	// From and To are task definition ARNs; equal when it already ran To.
	From string `json:"from"`
	To   string `json:"to"`
	// Changed is false when it already ran To.
	Changed bool `json:"changed"`
}

// String reads "batch nightly: rule ecsctl.app.nightly app:12 -> app:13".
func (r Repointed) String() string {
	if !r.Changed {
		return fmt.Sprintf("batch %s: %s %s already runs %s", r.Batch, r.Kind, r.Name, shortARN(r.To))
	}
	return fmt.Sprintf("batch %s: %s %s now runs %s (was %s)", r.Batch, r.Kind, r.Name, shortARN(r.To), shortARN(r.From))
}

// Repoint points the schedules of every batch that follows service (set
// with `service: <name>` in the batch) at taskDefinitionARN, the revision
// `ecsctl deploy` just rolled out successfully, so a nightly job never runs
// code older than the service it belongs to. Call it after the deploy
// succeeded, with the service's name as the config names it.
//
// Only the task definition of each owned rule target or schedule changes;
// everything else stays as it is. Batches that are not scheduled yet are
// skipped (a later `ecsctl batch schedule` creates them with the service's
// revision). Before writing anything, the new revision is checked against
// each batch's overrides (the containers must exist): a mismatch is a
// *config.Error and nothing is written. It returns what it repointed
// (empty when no batch follows service) and logs each change to
// opts.Progress, which is how deploy shows it.
func Repoint(ctx context.Context, opts Options, service, taskDefinitionARN string) ([]Repointed, error) {
	cfg := opts.Config
	var followers []*config.Batch
	var wantCluster string
	if s := cfg.Service(service); s != nil {
		wantCluster = cfg.ServiceCluster(s)
	}
	res := newResolver(opts)
	for _, b := range cfg.Batches {
		if b.Service == service && (wantCluster == "" || res.serviceCluster(b) == wantCluster) {
			followers = append(followers, b)
		}
	}
	if len(followers) == 0 {
		return nil, nil
	}
	if !ValidConfigName(cfg.Name) {
		return nil, cfg.Errors(checkOffline(cfg, nil))
	}
	td, err := describeTaskDefinition(ctx, opts.ECS, taskDefinitionARN)
	var nf *notFoundError
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("repoint batches of service %s: task definition %s: %v", service, taskDefinitionARN, nf)
	}
	if err != nil {
		return nil, err
	}
	to := aws.ToString(td.TaskDefinitionArn)
	for _, b := range followers {
		res.checkTaskDefinition(b, td)
	}
	if err := cfg.Errors(res.problems); err != nil {
		return nil, err
	}

	only := map[string]bool{}
	for _, b := range followers {
		only[placeOf(cfg.Name, b).name] = true
	}
	l, err := observe(ctx, opts, cfg.Name, only, adoptedPlaces(cfg.Name, followers))
	if err != nil {
		return nil, err
	}
	var ruleNames []string
	for _, b := range followers {
		if pl := placeOf(cfg.Name, b); l.rules[pl.name] != nil && !pl.adopted {
			ruleNames = append(ruleNames, pl.name)
		}
	}
	if err := l.readRuleTags(ctx, opts, ruleNames); err != nil {
		return nil, err
	}

	var out []Repointed
	var errs []error
	for _, b := range followers {
		pl := placeOf(cfg.Name, b)
		name := pl.name
		scheduled := false
		if lr := l.rules[name]; lr != nil && lr.ecsTargetID() != "" && (pl.adopted || lr.ownTarget() != nil) {
			scheduled = true
			if !pl.adopted && lr.tags[TagConfig] != cfg.Name {
				opts.warnf("batch %s: rule %s is not tagged %s=%s; left alone", b.Name, name, TagConfig, cfg.Name)
			} else {
				r, err := repointRule(ctx, opts, b.Name, name, *lr.target(lr.ecsTargetID()), to)
				if err != nil {
					errs = append(errs, err)
				} else {
					out = append(out, r)
				}
			}
		}
		if s := l.schedule(pl); s != nil && (l.groupOwned(cfg.Name) || pl.adopted) {
			scheduled = true
			r, err := repointSchedule(ctx, opts, b.Name, s, to)
			if err != nil {
				errs = append(errs, err)
			} else {
				out = append(out, r)
			}
		}
		if !scheduled {
			opts.logf("batch %s follows service %s but is not scheduled yet; run ecsctl batch schedule", b.Name, service)
		}
	}
	for _, r := range out {
		opts.logf("%s", r)
	}
	return out, errors.Join(errs...)
}

func repointRule(ctx context.Context, opts Options, batchName, rule string, t evtypes.Target, to string) (Repointed, error) {
	r := Repointed{Batch: batchName, Kind: KindRule, Name: rule, To: to}
	if t.EcsParameters == nil {
		return r, fmt.Errorf("batch %s: rule %s: its target is not an ECS task", batchName, rule)
	}
	r.From = aws.ToString(t.EcsParameters.TaskDefinitionArn)
	if r.From == to {
		return r, nil
	}
	p := *t.EcsParameters
	p.TaskDefinitionArn = aws.String(to)
	t.EcsParameters = &p
	out, err := opts.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: []evtypes.Target{t}})
	if err == nil && out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
		err = fmt.Errorf("%s: %s", aws.ToString(out.FailedEntries[0].ErrorCode), aws.ToString(out.FailedEntries[0].ErrorMessage))
	}
	if err != nil {
		return r, fmt.Errorf("batch %s: repoint rule %s: put targets: %w", batchName, rule, err)
	}
	r.Changed = true
	return r, nil
}

func repointSchedule(ctx context.Context, opts Options, batchName string, s *scheduler.GetScheduleOutput, to string) (Repointed, error) {
	name := aws.ToString(s.Name)
	r := Repointed{Batch: batchName, Kind: KindSchedule, Name: name, To: to}
	if s.Target == nil || s.Target.EcsParameters == nil {
		return r, fmt.Errorf("batch %s: schedule %s: its target is not an ECS task", batchName, name)
	}
	r.From = aws.ToString(s.Target.EcsParameters.TaskDefinitionArn)
	if r.From == to {
		return r, nil
	}
	t := *s.Target
	p := *t.EcsParameters
	p.TaskDefinitionArn = aws.String(to)
	t.EcsParameters = &p
	window := s.FlexibleTimeWindow
	if window == nil {
		window = &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff}
	}
	_, err := opts.Scheduler.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
		Name: s.Name, GroupName: s.GroupName,
		ScheduleExpression: s.ScheduleExpression, ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
		State: s.State, Description: s.Description, FlexibleTimeWindow: window,
		ActionAfterCompletion: s.ActionAfterCompletion, StartDate: s.StartDate, EndDate: s.EndDate, KmsKeyArn: s.KmsKeyArn,
		Target: &t,
	})
	if err != nil {
		return r, fmt.Errorf("batch %s: repoint schedule %s: update schedule: %w", batchName, name, err)
	}
	r.Changed = true
	return r, nil
}
