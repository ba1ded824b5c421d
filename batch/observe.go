package batch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecsctl/ecsctl/internal/config"
)

// live is what exists in AWS under a config's prefix and group, read with
// paged list calls (ListRules with NamePrefix, ListSchedules with GroupName
// and NamePrefix) plus the per-item calls AWS offers no batch form of
// (ListTargetsByRule, GetSchedule).
type live struct {
	prefix string
	rules  map[string]*liveRule // by rule name

	group     string
	groupARN  string // "" when the group does not exist
	groupTags map[string]string
	// schedules, by scheduleKey(group, name): those of the config's group
	// under the prefix, and adopted ones.
	schedules map[string]*scheduler.GetScheduleOutput
}

// schedule returns the schedule at p, or nil.
func (l *live) schedule(p place) *scheduler.GetScheduleOutput {
	return l.schedules[scheduleKey(p.group, p.name)]
}

type liveRule struct {
	rule    evtypes.Rule
	targets []evtypes.Target
	tags    map[string]string // nil until readRuleTags
}

// ownTarget returns the rule's ecsctl target, if any.
func (r *liveRule) ownTarget() *evtypes.Target { return r.target(TargetID) }

// target returns the rule's target with Id id, if any.
func (r *liveRule) target(id string) *evtypes.Target {
	for i := range r.targets {
		if aws.ToString(r.targets[i].Id) == id {
			return &r.targets[i]
		}
	}
	return nil
}

// ecsTargetID is the Id of the rule's target that runs an ECS task: ecsctl's
// own, else the first (an adopted rule keeps its target's Id).
func (r *liveRule) ecsTargetID() string {
	if r.ownTarget() != nil {
		return TargetID
	}
	for _, t := range r.targets {
		if t.EcsParameters != nil {
			return aws.ToString(t.Id)
		}
	}
	return ""
}

// adoptedPlaces lists where the batches that adopt a rule or schedule live.
func adoptedPlaces(cfgName string, batches []*config.Batch) []place {
	var out []place
	for _, b := range batches {
		if p := placeOf(cfgName, b); p.adopted {
			out = append(out, p)
		}
	}
	return out
}

func (l *live) ruleNames() []string {
	names := make([]string, 0, len(l.rules))
	for n := range l.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// scheduleNames lists the schedules in the config's group under the prefix.
func (l *live) scheduleNames() []string {
	var names []string
	for _, s := range l.schedules {
		if n := aws.ToString(s.Name); aws.ToString(s.GroupName) == l.group && strings.HasPrefix(n, l.prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// groupOwned reports whether the schedule group exists and is this config's.
func (l *live) groupOwned(cfgName string) bool {
	return l.groupARN != "" && l.groupTags[TagConfig] == cfgName
}

// observe reads the rules and schedules of config cfgName, and the adopted
// ones at adopted. only, when not nil, limits the per-item reads under the
// prefix to those names.
func observe(ctx context.Context, opts Options, cfgName string, only map[string]bool, adopted []place) (*live, error) {
	l := &live{
		prefix:    Prefix(cfgName),
		rules:     map[string]*liveRule{},
		group:     GroupName(cfgName),
		schedules: map[string]*scheduler.GetScheduleOutput{},
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return l.readRules(gctx, opts, only) })
	g.Go(func() error { return l.readSchedules(gctx, opts, only) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := l.readAdopted(ctx, opts, adopted); err != nil {
		return nil, err
	}
	return l, nil
}

// readAdopted reads the rules and schedules the config adopts by name (a
// rule or a schedule may be there: both are looked up, so a batch that
// moved between them is seen).
func (l *live) readAdopted(ctx context.Context, opts Options, adopted []place) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.concurrency())
	for _, p := range adopted {
		g.Go(func() error {
			mu.Lock()
			_, haveRule := l.rules[p.name]
			mu.Unlock()
			if !haveRule {
				in := &eventbridge.ListRulesInput{NamePrefix: aws.String(p.name), Limit: aws.Int32(100)}
				for {
					out, err := opts.Events.ListRules(gctx, in)
					if err != nil {
						return fmt.Errorf("list rules: %w", err)
					}
					for _, r := range out.Rules {
						if aws.ToString(r.Name) != p.name {
							continue
						}
						ts, err := listTargets(gctx, opts.Events, p.name)
						if err != nil {
							return err
						}
						mu.Lock()
						l.rules[p.name] = &liveRule{rule: r, targets: ts}
						mu.Unlock()
					}
					if aws.ToString(out.NextToken) == "" {
						break
					}
					in.NextToken = out.NextToken
				}
			}
			key := scheduleKey(p.group, p.name)
			mu.Lock()
			_, haveSchedule := l.schedules[key]
			mu.Unlock()
			if haveSchedule || (p.group == l.group && l.groupARN == "") {
				return nil
			}
			s, err := opts.Scheduler.GetSchedule(gctx, &scheduler.GetScheduleInput{Name: aws.String(p.name), GroupName: aws.String(p.group)})
			var nf *schtypes.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("get schedule %s/%s: %w", p.group, p.name, err)
			}
			if s.GroupName == nil {
				s.GroupName = aws.String(p.group)
			}
			mu.Lock()
			l.schedules[key] = s
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (l *live) readRules(ctx context.Context, opts Options, only map[string]bool) error {
	in := &eventbridge.ListRulesInput{NamePrefix: aws.String(l.prefix), Limit: aws.Int32(100)}
	for {
		out, err := opts.Events.ListRules(ctx, in)
		if err != nil {
			return fmt.Errorf("list rules: %w", err)
		}
		for _, r := range out.Rules {
			name := aws.ToString(r.Name)
			if !strings.HasPrefix(name, l.prefix) || (only != nil && !only[name]) {
				continue
			}
			l.rules[name] = &liveRule{rule: r}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.concurrency())
	for _, r := range l.rules {
		g.Go(func() error {
			ts, err := listTargets(gctx, opts.Events, aws.ToString(r.rule.Name))
			r.targets = ts
			return err
		})
	}
	return g.Wait()
}

func listTargets(ctx context.Context, api EventsAPI, rule string) ([]evtypes.Target, error) {
	var out []evtypes.Target
	in := &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule), Limit: aws.Int32(100)}
	for {
		page, err := api.ListTargetsByRule(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list targets of rule %s: %w", rule, err)
		}
		out = append(out, page.Targets...)
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

// readRuleTags reads the tags of the named rules (only those about to be
// changed or deleted: tags have no batch read).
func (l *live) readRuleTags(ctx context.Context, opts Options, names []string) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.concurrency())
	for _, n := range names {
		r := l.rules[n]
		if r == nil || r.tags != nil {
			continue
		}
		g.Go(func() error {
			out, err := opts.Events.ListTagsForResource(gctx, &eventbridge.ListTagsForResourceInput{ResourceARN: r.rule.Arn})
			if err != nil {
				return fmt.Errorf("list tags of rule %s: %w", n, err)
			}
			tags := map[string]string{}
			for _, t := range out.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			mu.Lock()
			r.tags = tags
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (l *live) readSchedules(ctx context.Context, opts Options, only map[string]bool) error {
	grp, err := opts.Scheduler.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: aws.String(l.group)})
	var nf *schtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get schedule group %s: %w", l.group, err)
	}
	l.groupARN = aws.ToString(grp.Arn)
	tags, err := opts.Scheduler.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: grp.Arn})
	if err != nil {
		return fmt.Errorf("list tags of schedule group %s: %w", l.group, err)
	}
	l.groupTags = map[string]string{}
	for _, t := range tags.Tags {
		l.groupTags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var names []string
	in := &scheduler.ListSchedulesInput{GroupName: aws.String(l.group), NamePrefix: aws.String(l.prefix), MaxResults: aws.Int32(100)}
	for {
		out, err := opts.Scheduler.ListSchedules(ctx, in)
		if err != nil {
			return fmt.Errorf("list schedules: %w", err)
		}
		for _, s := range out.Schedules {
			name := aws.ToString(s.Name)
			if !strings.HasPrefix(name, l.prefix) || (only != nil && !only[name]) {
				continue
			}
			names = append(names, name)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.concurrency())
	for _, n := range names {
		g.Go(func() error {
			s, err := opts.Scheduler.GetSchedule(gctx, &scheduler.GetScheduleInput{Name: aws.String(n), GroupName: aws.String(l.group)})
			if errors.As(err, &nf) {
				return nil // deleted meanwhile
			}
			if err != nil {
				return fmt.Errorf("get schedule %s: %w", n, err)
			}
			if s.GroupName == nil {
				s.GroupName = aws.String(l.group)
			}
			mu.Lock()
			l.schedules[scheduleKey(l.group, n)] = s
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}
