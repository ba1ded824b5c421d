package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/ecsctl/ecsctl/internal/config"
)

// This file is the pure translation of a batch into the requests that
// create its schedule: PutRule + PutTargets for an EventBridge rule,
// CreateSchedule for the Scheduler. The same config always produces the
// same requests (overrides, environment, tags, subnets and security groups
// are sorted).

// MaxRuleInput is the longest Input an EventBridge rule target accepts.
const MaxRuleInput = 8192

// AWS's defaults for a retry policy, which the Scheduler reports back even
// when none was given.
const (
	defaultRetryAttempts = 185
	defaultEventAge      = 24 * time.Hour
)

// target is where a batch runs once resolved against AWS.
type target struct {
	clusterARN        string
	taskDefinitionARN string
	// targetID is the Id of the rule's target; default TargetID (an adopted
	// rule keeps the Id its ECS target has).
	targetID string
}

// containerOverrideJSON and taskOverrideJSON are ECS's TaskOverride as the
// JSON Input of a rule or schedule target (RunTask's "overrides").
type containerOverrideJSON struct {
	Name        string         `json:"name"`
	Command     []string       `json:"command,omitempty"`
	Environment []keyValueJSON `json:"environment,omitempty"`
	CPU         int            `json:"cpu,omitempty"`
	Memory      int            `json:"memory,omitempty"`
}

type keyValueJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type taskOverrideJSON struct {
	ContainerOverrides []containerOverrideJSON `json:"containerOverrides,omitempty"`
	CPU                string                  `json:"cpu,omitempty"`
	Memory             string                  `json:"memory,omitempty"`
}

// OverridesInput is the target Input for batch b: its container and task
// overrides as ECS TaskOverride JSON, containers and environment sorted by
// name, or "" when b overrides nothing.
func OverridesInput(b *config.Batch) (string, error) {
	var t taskOverrideJSON
	for _, o := range b.Overrides {
		c := containerOverrideJSON{Name: o.Name, Command: o.Command, CPU: o.CPU, Memory: o.Memory}
		names := make([]string, 0, len(o.Environment))
		for k := range o.Environment {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			c.Environment = append(c.Environment, keyValueJSON{Name: k, Value: o.Environment[k]})
		}
		if len(c.Command) == 0 && len(c.Environment) == 0 && c.CPU == 0 && c.Memory == 0 {
			continue
		}
		t.ContainerOverrides = append(t.ContainerOverrides, c)
	}
	sort.Slice(t.ContainerOverrides, func(i, j int) bool { return t.ContainerOverrides[i].Name < t.ContainerOverrides[j].Name })
	t.CPU, t.Memory = b.CPU, b.Memory
	if len(t.ContainerOverrides) == 0 && t.CPU == "" && t.Memory == "" {
		return "", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return "", fmt.Errorf("encode overrides: %w", err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// description is what the console shows next to a rule or schedule.
func description(cfgName string, b *config.Batch) string {
	if b.Description != "" || placeOf(cfgName, b).adopted {
		return b.Description // an adopted rule or schedule keeps what the config says, even none
	}
	return fmt.Sprintf("ecsctl batch %s (config %s)", b.Name, cfgName)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func network(b *config.Batch) (subnets, groups []string, public bool) {
	if b.Network == nil {
		return nil, nil, false
	}
	return sortedCopy(b.Network.Subnets), sortedCopy(b.Network.SecurityGroups), b.Network.AssignPublicIP
}

// retryValues returns the retry policy with AWS's defaults filled in, and
// whether the batch sets one at all.
func retryValues(b *config.Batch) (attempts int32, ageSeconds int32, set bool) {
	attempts, ageSeconds = defaultRetryAttempts, int32(defaultEventAge/time.Second)
	if b.Retry == nil {
		return attempts, ageSeconds, false
	}
	if b.Retry.MaximumAttempts != nil {
		attempts = int32(*b.Retry.MaximumAttempts)
	}
	if age := b.Retry.MaximumEventAge.Std(); age != 0 {
		ageSeconds = int32(age / time.Second)
	}
	return attempts, ageSeconds, true
}

func state(b *config.Batch) string {
	if b.IsEnabled() {
		return "ENABLED"
	}
	return "DISABLED"
}

// RuleRequests are the requests that create batch b's EventBridge rule and
// its one target: the cluster, running the task definition with b's
// overrides as Input. Tags are set on creation only (PutRule ignores them
// for an existing rule).
func RuleRequests(cfgName string, b *config.Batch, t target) (*eventbridge.PutRuleInput, *eventbridge.PutTargetsInput, error) {
	name := placeOf(cfgName, b).name
	rule := &eventbridge.PutRuleInput{
		Name:               aws.String(name),
		ScheduleExpression: aws.String(b.Schedule),
		State:              evtypes.RuleState(state(b)),
		Tags: []evtypes.Tag{
			{Key: aws.String(TagBatch), Value: aws.String(b.Name)},
			{Key: aws.String(TagConfig), Value: aws.String(cfgName)},
		},
	}
	if d := description(cfgName, b); d != "" {
		rule.Description = aws.String(d)
	}
	input, err := OverridesInput(b)
	if err != nil {
		return nil, nil, err
	}
	subnets, groups, public := network(b)
	ecsParams := &evtypes.EcsParameters{
		TaskDefinitionArn: aws.String(t.taskDefinitionARN),
		TaskCount:         aws.Int32(int32(max(b.Count, 1))),
		LaunchType:        evtypes.LaunchTypeFargate,
		NetworkConfiguration: &evtypes.NetworkConfiguration{AwsvpcConfiguration: &evtypes.AwsVpcConfiguration{
			Subnets:        subnets,
			SecurityGroups: groups,
			AssignPublicIp: evtypes.AssignPublicIp(assignPublicIP(public)),
		}},
		PropagateTags: evtypes.PropagateTags(b.PropagateTags),
	}
	if b.PlatformVersion != "" {
		ecsParams.PlatformVersion = aws.String(b.PlatformVersion)
	}
	for _, k := range sortedKeys(b.Tags) {
		ecsParams.Tags = append(ecsParams.Tags, evtypes.Tag{Key: aws.String(k), Value: aws.String(b.Tags[k])})
	}
	if len(b.CapacityProviderStrategy) > 0 {
		ecsParams.LaunchType = "" // AWS takes a launch type or a strategy, not both
		for _, c := range b.CapacityProviderStrategy {
			ecsParams.CapacityProviderStrategy = append(ecsParams.CapacityProviderStrategy, evtypes.CapacityProviderStrategyItem{
				CapacityProvider: aws.String(c.CapacityProvider), Weight: int32(c.Weight), Base: int32(c.Base)})
		}
	}
	ecsParams.EnableExecuteCommand, ecsParams.EnableECSManagedTags = b.ExecuteCommand(), b.ManagedTags()
	if b.Group != "" {
		ecsParams.Group = aws.String(b.Group)
	}
	id := t.targetID
	if id == "" {
		id = TargetID
	}
	tg := evtypes.Target{
		Id:            aws.String(id),
		Arn:           aws.String(t.clusterARN),
		RoleArn:       aws.String(b.Role),
		EcsParameters: ecsParams,
	}
	if input != "" {
		tg.Input = aws.String(input)
	}
	if attempts, age, ok := retryValues(b); ok {
		tg.RetryPolicy = &evtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(attempts), MaximumEventAgeInSeconds: aws.Int32(age)}
	}
	if b.DeadLetterQueue != "" {
		tg.DeadLetterConfig = &evtypes.DeadLetterConfig{Arn: aws.String(b.DeadLetterQueue)}
	}
	return rule, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []evtypes.Target{tg}}, nil
}

func assignPublicIP(public bool) string {
	if public {
		return "ENABLED"
	}
	return "DISABLED"
}

// ScheduleRequest is the request that creates batch b's EventBridge
// Scheduler schedule in the config's schedule group. Everything the
// Scheduler would default (time zone, retry policy, flexible window, action
// after completion) is spelled out, so what GetSchedule answers compares
// equal to what was asked.
func ScheduleRequest(cfgName string, b *config.Batch, t target) (*scheduler.CreateScheduleInput, error) {
	input, err := OverridesInput(b)
	if err != nil {
		return nil, err
	}
	subnets, groups, public := network(b)
	ecsParams := &schtypes.EcsParameters{
		TaskDefinitionArn: aws.String(t.taskDefinitionARN),
		TaskCount:         aws.Int32(int32(max(b.Count, 1))),
		LaunchType:        schtypes.LaunchTypeFargate,
		NetworkConfiguration: &schtypes.NetworkConfiguration{AwsvpcConfiguration: &schtypes.AwsVpcConfiguration{
			Subnets:        subnets,
			SecurityGroups: groups,
			AssignPublicIp: schtypes.AssignPublicIp(assignPublicIP(public)),
		}},
		PropagateTags: schtypes.PropagateTags(b.PropagateTags),
	}
	if b.PlatformVersion != "" {
		ecsParams.PlatformVersion = aws.String(b.PlatformVersion)
	}
	for _, k := range sortedKeys(b.Tags) {
		ecsParams.Tags = append(ecsParams.Tags, map[string]string{k: b.Tags[k]})
	}
	if len(b.CapacityProviderStrategy) > 0 {
		ecsParams.LaunchType = "" // AWS takes a launch type or a strategy, not both
		for _, c := range b.CapacityProviderStrategy {
			ecsParams.CapacityProviderStrategy = append(ecsParams.CapacityProviderStrategy, schtypes.CapacityProviderStrategyItem{
				CapacityProvider: aws.String(c.CapacityProvider), Weight: int32(c.Weight), Base: int32(c.Base)})
		}
	}
	if b.ExecuteCommand() {
		ecsParams.EnableExecuteCommand = aws.Bool(true)
	}
	if b.ManagedTags() {
		ecsParams.EnableECSManagedTags = aws.Bool(true)
	}
	if b.Group != "" {
		ecsParams.Group = aws.String(b.Group)
	}
	attempts, age, _ := retryValues(b)
	tg := &schtypes.Target{
		Arn:           aws.String(t.clusterARN),
		RoleArn:       aws.String(b.Role),
		EcsParameters: ecsParams,
		RetryPolicy:   &schtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(attempts), MaximumEventAgeInSeconds: aws.Int32(age)},
	}
	if input != "" {
		tg.Input = aws.String(input)
	}
	if b.DeadLetterQueue != "" {
		tg.DeadLetterConfig = &schtypes.DeadLetterConfig{Arn: aws.String(b.DeadLetterQueue)}
	}
	window := &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff}
	if w := b.FlexibleWindow.Std(); w > 0 {
		window = &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(int32(w / time.Minute))}
	}
	zone := b.Timezone
	if zone == "" {
		zone = "UTC"
	}
	pl := placeOf(cfgName, b)
	var desc *string
	if d := description(cfgName, b); d != "" {
		desc = aws.String(d)
	}
	return &scheduler.CreateScheduleInput{
		Name:                       aws.String(pl.name),
		GroupName:                  aws.String(pl.group),
		ScheduleExpression:         aws.String(b.Schedule),
		ScheduleExpressionTimezone: aws.String(zone),
		State:                      schtypes.ScheduleState(state(b)),
		Description:                desc,
		FlexibleTimeWindow:         window,
		ActionAfterCompletion:      schtypes.ActionAfterCompletionNone,
		Target:                     tg,
	}, nil
}

// updateFromCreate turns a CreateSchedule request into the UpdateSchedule
// request that makes an existing schedule equal to it (UpdateSchedule
// replaces every field).
func updateFromCreate(c *scheduler.CreateScheduleInput) *scheduler.UpdateScheduleInput {
	return &scheduler.UpdateScheduleInput{
		Name:                       c.Name,
		GroupName:                  c.GroupName,
		ScheduleExpression:         c.ScheduleExpression,
		ScheduleExpressionTimezone: c.ScheduleExpressionTimezone,
		State:                      c.State,
		Description:                c.Description,
		FlexibleTimeWindow:         c.FlexibleTimeWindow,
		ActionAfterCompletion:      c.ActionAfterCompletion,
		Target:                     c.Target,
		StartDate:                  c.StartDate,
		EndDate:                    c.EndDate,
		KmsKeyArn:                  c.KmsKeyArn,
	}
}
