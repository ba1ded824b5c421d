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
	schedules map[string]*scheduler.GetScheduleOutput // by schedule name
}

type liveRule struct {
	rule    evtypes.Rule
	targets []evtypes.Target
	tags    map[string]string // nil until readRuleTags
}

// ownTarget returns the rule's ecsctl target, if any.
func (r *liveRule) ownTarget() *evtypes.Target {
	for i := range r.targets {
		if aws.ToString(r.targets[i].Id) == TargetID {
			return &r.targets[i]
		}
	}
	return nil
}

func (l *live) ruleNames() []string {
	names := make([]string, 0, len(l.rules))
	for n := range l.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (l *live) scheduleNames() []string {
	names := make([]string, 0, len(l.schedules))
	for n := range l.schedules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// groupOwned reports whether the schedule group exists and is this config's.
func (l *live) groupOwned(cfgName string) bool {
	return l.groupARN != "" && l.groupTags[TagConfig] == cfgName
}

// observe reads the rules and schedules of config cfgName. only, when not
// nil, limits the per-item reads to those names.
func observe(ctx context.Context, opts Options, cfgName string, only map[string]bool) (*live, error) {
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
	return l, nil
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
			mu.Lock()
			l.schedules[n] = s
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}
