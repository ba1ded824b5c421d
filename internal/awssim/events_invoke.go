package awssim

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Scheduled rules start their ECS targets' tasks at the scheduled times, as
// EventBridge does, through ECS's own RunTask path. An ENABLED rule with a
// schedule and an ECS target keeps one pending event at its next run time
// (rules run in UTC); any change to the rule re-plans it and leaves the old
// event to find itself outdated. Tasks started this way show startedBy
// "events-rule/<rule name>". Failed starts (a missing cluster or task
// definition) are dropped, as EventBridge only counts them in metrics.

// ecsTargetParams are the EcsParameters members EventBridge rules and
// EventBridge Scheduler share: how they call ecs:RunTask.
type ecsTargetParams struct {
	TaskDefinitionArn    string `json:"TaskDefinitionArn"`
	TaskCount            *int   `json:"TaskCount"`
	LaunchType           string `json:"LaunchType"`
	NetworkConfiguration *struct {
		AwsvpcConfiguration *struct {
			Subnets        []string `json:"Subnets"`
			SecurityGroups []string `json:"SecurityGroups"`
			AssignPublicIp string   `json:"AssignPublicIp"`
		} `json:"awsvpcConfiguration"`
	} `json:"NetworkConfiguration"`
	PlatformVersion          string                 `json:"PlatformVersion"`
	Group                    string                 `json:"Group"`
	PropagateTags            string                 `json:"PropagateTags"`
	EnableECSManagedTags     bool                   `json:"EnableECSManagedTags"`
	EnableExecuteCommand     bool                   `json:"EnableExecuteCommand"`
	ReferenceId              string                 `json:"ReferenceId"`
	CapacityProviderStrategy []capacityProviderItem `json:"CapacityProviderStrategy"`
	PlacementConstraints     []json.RawMessage      `json:"PlacementConstraints"`
	PlacementStrategy        []json.RawMessage      `json:"PlacementStrategy"`
}

// capacityProviderItem is one entry of a capacity provider strategy, spelled
// the same way by EventBridge, the Scheduler and ECS.
type capacityProviderItem struct {
	CapacityProvider string `json:"capacityProvider"`
	Weight           *int   `json:"weight,omitempty"`
	Base             *int   `json:"base,omitempty"`
}

// errLaunchTypeAndStrategy is ECS's RunTask message for a request with both
// a launch type and a capacity provider strategy; EventBridge and the
// Scheduler document that the launch type must then be omitted, and the
// simulator refuses such targets with the same words.
const errLaunchTypeAndStrategy = "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."

// validateCapacityProviders applies the strategy's model constraints
// (at most 6 entries; weight 0-1000; base 0-100000).
func validateCapacityProviders(v *violations, items []capacityProviderItem, p string) {
	if len(items) > 6 {
		v.add(len(items), p, "Member must have length less than or equal to 6")
	}
	for i, c := range items {
		q := p + "." + strconv.Itoa(i+1) + ".member"
		v.length(c.CapacityProvider, q+".capacityProvider", 1, 255)
		v.between(c.Weight, q+".weight", 0, 1000)
		v.between(c.Base, q+".base", 0, 100000)
	}
}

// runTaskInput is the RunTask request a target makes: its parameters, with
// its Input as the task's overrides ({"containerOverrides": [...]}).
func (p *ecsTargetParams) runTaskInput(cluster string, input *string, tags []ecsTag, startedBy string) RunTaskInput {
	in := RunTaskInput{
		Cluster: cluster, TaskDefinition: p.TaskDefinitionArn, LaunchType: p.LaunchType, PlatformVersion: p.PlatformVersion,
		Group: p.Group, Tags: tags, PropagateTags: p.PropagateTags, EnableECSManagedTags: p.EnableECSManagedTags,
		EnableExecuteCommand: p.EnableExecuteCommand, ReferenceID: p.ReferenceId, StartedBy: startedBy,
		CapacityProviderStrategy: p.CapacityProviderStrategy,
		PlacementConstraints:     p.PlacementConstraints, PlacementStrategy: p.PlacementStrategy,
	}
	if p.TaskCount != nil {
		in.Count = *p.TaskCount
	}
	if nc := p.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		v := nc.AwsvpcConfiguration
		in.NetworkConfiguration = &networkConfig{AwsvpcConfiguration: &awsvpcConfig{
			Subnets: v.Subnets, SecurityGroups: v.SecurityGroups, AssignPublicIp: v.AssignPublicIp}}
	}
	if input != nil {
		dec := json.NewDecoder(strings.NewReader(*input))
		dec.UseNumber() // as ECS decodes RunTask's own body
		_ = dec.Decode(&in.Overrides)
	}
	return in
}

// eventsArm plans a rule's next run. Call with s.mu held after anything
// that changes whether or when the rule runs.
func (s *Server) eventsArm(r *evRule) {
	r.armed++
	if r.state != "ENABLED" || r.plan == nil || !r.hasECSTarget() {
		return
	}
	next := r.plan.NextSince(r.planFrom, s.now(), time.UTC, 1)
	if len(next) == 0 {
		return
	}
	armed := r.armed
	s.at(next[0], func() {
		if r.armed != armed || s.events.rules[r.name] != r {
			return // the rule changed or was deleted since
		}
		s.eventsRun(r)
		s.eventsArm(r)
	})
}

func (r *evRule) hasECSTarget() bool {
	for _, t := range r.targets {
		if t.runsTask() {
			return true
		}
	}
	return false
}

func (t *evTarget) runsTask() bool { return isECSClusterARN(t.arn) && t.spec.EcsParameters != nil }

// eventsRun starts the tasks of a rule's ECS targets, in target Id order.
func (s *Server) eventsRun(r *evRule) {
	ids := make([]string, 0, len(r.targets))
	for id := range r.targets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t := r.targets[id]
		if !t.runsTask() {
			continue
		}
		p := t.spec.EcsParameters
		tags := make([]ecsTag, 0, len(p.Tags))
		for _, tag := range p.Tags {
			tags = append(tags, ecsTag{Key: tag.Key, Value: tag.Value})
		}
		_, _, _ = s.ecsRunTaskLocked(p.runTaskInput(t.arn, t.spec.Input, tags, "events-rule/"+r.name))
	}
}
