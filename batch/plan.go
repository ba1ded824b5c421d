package batch

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/internal/config"
)

// Kind is where a batch's schedule lives.
type Kind string

// The kinds of schedule.
const (
	KindRule     Kind = "rule"     // an EventBridge rule with one ECS target
	KindSchedule Kind = "schedule" // an EventBridge Scheduler schedule
)

// Action is what a plan does to one rule or schedule.
type Action string

// The actions of a plan.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionDelete    Action = "delete"
	ActionUnchanged Action = "unchanged"
	// Keep: owned, not in the config, and kept because --prune was not given.
	ActionKeep Action = "keep"
	// Foreign: under this config's prefix but not marked as this config's;
	// never written.
	ActionForeign Action = "foreign"
)

// Change is what a plan does to one rule or schedule.
type Change struct {
	Action Action `json:"action"`
	// Batch is the batch the rule or schedule belongs to.
	Batch string `json:"batch"`
	Kind  Kind   `json:"kind"`
	Name  string `json:"name"`
	// Group is the schedule group of a schedule.
	Group string `json:"group,omitempty"`
	// Note says why, for deletions and the actions that write nothing.
	Note string `json:"note,omitempty"`
	// Fields: every field for a creation or deletion, the differing ones for an update.
	Fields []FieldChange `json:"fields,omitempty"`
	// Done is set once the change was applied.
	Done bool `json:"done,omitempty"`
	// adopted: the config names this rule or schedule (aws_name).
	adopted bool

	putRule        *eventbridge.PutRuleInput
	putTargets     *eventbridge.PutTargetsInput
	removeTargets  []string
	deleteRule     bool
	createSchedule *scheduler.CreateScheduleInput
	updateSchedule *scheduler.UpdateScheduleInput
	deleteSchedule bool
}

// writes reports whether applying c calls AWS.
func (c *Change) writes() bool {
	return c.Action == ActionCreate || c.Action == ActionUpdate || c.Action == ActionDelete
}

// Plan is the difference between the config and what exists, and what
// applying it writes.
type Plan struct {
	Config string `json:"config"`
	// Group is the config's Scheduler schedule group; CreateGroup says it is
	// created first.
	Group       string    `json:"schedule_group"`
	CreateGroup bool      `json:"create_schedule_group,omitempty"`
	Changes     []*Change `json:"changes"`
	DryRun      bool      `json:"dry_run,omitempty"`
	Applied     bool      `json:"applied"`
}

// Count returns how many changes have action a.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Empty reports whether applying p writes nothing.
func (p *Plan) Empty() bool {
	if p.CreateGroup {
		return false
	}
	for _, c := range p.Changes {
		if c.writes() {
			return false
		}
	}
	return true
}

// planInput is what planning needs.
type planInput struct {
	cfg      *config.Config
	batches  []*config.Batch      // selected batches of the config
	resolved map[string]*resolved // by batch name
	live     *live
	// scope is the rule/schedule names considered for pruning; nil: all
	// under the prefix.
	scope map[string]bool
	prune bool
}

// plan compares and returns the plan plus problems that forbid applying it
// (a rule ecsctl does not own in the way, a foreign schedule group).
func plan(ctx context.Context, opts Options, in planInput) (*Plan, []config.Problem, error) {
	cfgName := in.cfg.Name
	p := &Plan{Config: cfgName, Group: in.live.group}
	var probs []config.Problem
	desired := map[string]bool{} // resource names the config wants
	groupOwned := in.live.groupOwned(cfgName)
	foreignGroupReported := false

	for _, b := range in.batches {
		r := in.resolved[b.Name]
		if r == nil {
			continue
		}
		pl := placeOf(cfgName, b)
		name := pl.name
		desired[name] = true
		if b.Via == config.ViaScheduler {
			create, err := ScheduleRequest(cfgName, b, r.target)
			if err != nil {
				return nil, nil, err
			}
			ours := pl.group == in.live.group
			if ours && in.live.groupARN != "" && !groupOwned && !pl.adopted {
				if !foreignGroupReported {
					probs = append(probs, in.cfg.Problem(batchPath(b, "via"),
						"the schedule group %s exists but is not tagged %s=%s, so ecsctl will not write to it; tag it (aws scheduler tag-resource) if it is this config's, or delete it",
						in.live.group, TagConfig, cfgName))
					foreignGroupReported = true
				}
				continue
			}
			c := &Change{Batch: b.Name, Kind: KindSchedule, Name: name, Group: pl.group, adopted: pl.adopted}
			want := scheduleFields(scheduleOutput(create))
			if have := in.live.schedule(pl); have != nil {
				c.Fields = diffFields(scheduleFields(have), want)
				if len(c.Fields) == 0 {
					c.Action = ActionUnchanged
				} else {
					c.Action, c.updateSchedule = ActionUpdate, updateFromCreate(create)
				}
			} else {
				c.Action, c.Fields, c.createSchedule = ActionCreate, allNew(want), create
				if ours && in.live.groupARN == "" {
					p.CreateGroup = true
				}
			}
			p.Changes = append(p.Changes, c)
			if lr := in.live.rules[name]; lr != nil {
				d := ruleDeletion(b.Name, lr, "the batch moved to the Scheduler")
				d.adopted = pl.adopted
				p.Changes = append(p.Changes, d)
			}
			continue
		}

		t := r.target
		lr := in.live.rules[name]
		if lr != nil && pl.adopted {
			t.targetID = lr.ecsTargetID()
		}
		putRule, putTargets, err := RuleRequests(cfgName, b, t)
		if err != nil {
			return nil, nil, err
		}
		c := &Change{Batch: b.Name, Kind: KindRule, Name: name, adopted: pl.adopted}
		wantRule := ruleFields(ruleOf(putRule))
		wantTarget := eventTargetFields(putTargets.Targets[0])
		if lr != nil {
			ruleDiff := diffFields(ruleFields(lr.rule), wantRule)
			var haveTarget fields
			id := aws.ToString(putTargets.Targets[0].Id)
			if t := lr.target(id); t != nil {
				haveTarget = eventTargetFields(*t)
			}
			targetDiff := diffFields(haveTarget, wantTarget)
			c.Fields = append(ruleDiff, targetDiff...)
			for _, t := range lr.targets {
				if tid := aws.ToString(t.Id); tid != id {
					c.removeTargets = append(c.removeTargets, tid)
					c.Fields = append(c.Fields, FieldChange{Key: "target " + tid, Old: aws.ToString(t.Arn)})
				}
			}
			switch {
			case len(c.Fields) == 0:
				c.Action = ActionUnchanged
			default:
				c.Action = ActionUpdate
				if len(ruleDiff) > 0 {
					upd := *putRule
					upd.Tags = nil // PutRule ignores tags for an existing rule
					c.putRule = &upd
				}
				if len(targetDiff) > 0 {
					c.putTargets = putTargets
				}
			}
		} else {
			c.Action, c.putRule, c.putTargets = ActionCreate, putRule, putTargets
			c.Fields = allNew(append(wantRule, wantTarget...))
		}
		p.Changes = append(p.Changes, c)
		if s := in.live.schedule(pl); s != nil && (groupOwned || pl.adopted) {
			d := scheduleDeletion(b.Name, pl.group, s, "the batch moved to an EventBridge rule")
			d.adopted = pl.adopted
			p.Changes = append(p.Changes, d)
		}
	}

	// Owned rules and schedules the config no longer has.
	inScope := func(name string) bool { return !desired[name] && (in.scope == nil || in.scope[name]) }
	for _, name := range in.live.ruleNames() {
		if !inScope(name) {
			continue
		}
		c := ruleDeletion(batchOfName(in.live.prefix, name), in.live.rules[name], "not in the config")
		if !in.prune {
			c.Action, c.Note = ActionKeep, "not in the config; kept (--prune deletes it)"
		}
		p.Changes = append(p.Changes, c)
	}
	if groupOwned {
		for _, name := range in.live.scheduleNames() {
			if !inScope(name) {
				continue
			}
			c := scheduleDeletion(batchOfName(in.live.prefix, name), in.live.group, in.live.schedules[scheduleKey(in.live.group, name)], "not in the config")
			if !in.prune {
				c.Action, c.Note = ActionKeep, "not in the config; kept (--prune deletes it)"
			}
			p.Changes = append(p.Changes, c)
		}
	}

	// Rules are changed or deleted only when tagged as this config's (or
	// adopted by name in the config).
	var check []string
	for _, c := range p.Changes {
		if c.Kind == KindRule && c.Action != ActionCreate && c.Action != ActionUnchanged && !c.adopted {
			check = append(check, c.Name)
		}
	}
	if err := in.live.readRuleTags(ctx, opts, check); err != nil {
		return nil, nil, err
	}
	for _, c := range p.Changes {
		if c.Kind != KindRule || c.Action == ActionCreate || c.Action == ActionUnchanged || c.adopted {
			continue
		}
		lr := in.live.rules[c.Name]
		if owner := lr.tags[TagConfig]; owner != cfgName {
			why := fmt.Sprintf("not tagged %s=%s (ecsctl did not create it for this config)", TagConfig, cfgName)
			if owner != "" {
				why = fmt.Sprintf("tagged %s=%s, another config", TagConfig, owner)
			}
			if c.Action == ActionUpdate {
				probs = append(probs, in.cfg.Problem(batchPath(in.cfg.Batch(c.Batch), ""),
					"the rule %s exists but is %s; ecsctl will not overwrite it. Rename the batch, or delete the rule if it is a leftover", c.Name, why))
			}
			c.Action, c.Note, c.Fields = ActionForeign, why+"; left alone", nil
			continue
		}
		if b := lr.tags[TagBatch]; b != "" {
			c.Batch = b
		}
	}
	sort.SliceStable(p.Changes, func(i, j int) bool {
		a, b := p.Changes[i], p.Changes[j]
		if (a.Action == ActionDelete || a.Action == ActionKeep || a.Action == ActionForeign) != (b.Action == ActionDelete || b.Action == ActionKeep || b.Action == ActionForeign) {
			return a.Action != ActionDelete && a.Action != ActionKeep && a.Action != ActionForeign
		}
		return a.Batch < b.Batch
	})
	return p, probs, nil
}

func ruleOf(in *eventbridge.PutRuleInput) evtypes.Rule {
	return evtypes.Rule{Name: in.Name, ScheduleExpression: in.ScheduleExpression, State: in.State, Description: in.Description}
}

func ruleDeletion(batchName string, lr *liveRule, note string) *Change {
	c := &Change{Action: ActionDelete, Batch: batchName, Kind: KindRule, Name: aws.ToString(lr.rule.Name), Note: note, deleteRule: true}
	fs := ruleFields(lr.rule)
	if t := lr.ownTarget(); t != nil {
		fs = append(fs, eventTargetFields(*t)...)
	}
	c.Fields = allOld(fs)
	for _, t := range lr.targets {
		c.removeTargets = append(c.removeTargets, aws.ToString(t.Id))
	}
	return c
}

func scheduleDeletion(batchName, group string, s *scheduler.GetScheduleOutput, note string) *Change {
	return &Change{
		Action: ActionDelete, Batch: batchName, Kind: KindSchedule, Name: aws.ToString(s.Name), Group: group, Note: note,
		Fields: allOld(scheduleFields(s)), deleteSchedule: true,
	}
}
