package batch

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// runSpec is what a schedule's target asks RunTask to do, whichever kind
// of schedule holds it.
type runSpec struct {
	cluster, taskDefinition string
	count                   int32
	launchType              string
	platformVersion         string
	subnets, groups         []string
	publicIP                string
	propagateTags           string
	tags                    map[string]string
	input                   string
	ecsExtras
}

func specOfEventTarget(t evtypes.Target) (runSpec, error) {
	p := t.EcsParameters
	if p == nil {
		return runSpec{}, fmt.Errorf("the rule's target %s is not an ECS task", aws.ToString(t.Id))
	}
	s := runSpec{
		cluster: aws.ToString(t.Arn), taskDefinition: aws.ToString(p.TaskDefinitionArn),
		count: aws.ToInt32(p.TaskCount), launchType: string(p.LaunchType), platformVersion: aws.ToString(p.PlatformVersion),
		propagateTags: string(p.PropagateTags), input: aws.ToString(t.Input), ecsExtras: eventExtras(p),
	}
	if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		s.subnets, s.groups, s.publicIP = n.AwsvpcConfiguration.Subnets, n.AwsvpcConfiguration.SecurityGroups, string(n.AwsvpcConfiguration.AssignPublicIp)
	}
	for _, tag := range p.Tags {
		if s.tags == nil {
			s.tags = map[string]string{}
		}
		s.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return s, nil
}

func specOfScheduleTarget(t *schtypes.Target) (runSpec, error) {
	if t == nil || t.EcsParameters == nil {
		return runSpec{}, fmt.Errorf("the schedule's target is not an ECS task")
	}
	p := t.EcsParameters
	s := runSpec{
		cluster: aws.ToString(t.Arn), taskDefinition: aws.ToString(p.TaskDefinitionArn),
		count: aws.ToInt32(p.TaskCount), launchType: string(p.LaunchType), platformVersion: aws.ToString(p.PlatformVersion),
		propagateTags: string(p.PropagateTags), input: aws.ToString(t.Input), ecsExtras: scheduleExtras(p),
	}
	if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		s.subnets, s.groups, s.publicIP = n.AwsvpcConfiguration.Subnets, n.AwsvpcConfiguration.SecurityGroups, string(n.AwsvpcConfiguration.AssignPublicIp)
	}
	for _, m := range p.Tags {
		for k, v := range m {
			if s.tags == nil {
				s.tags = map[string]string{}
			}
			s.tags[k] = v
		}
	}
	return s, nil
}

// runTaskInput is the RunTask request that runs spec once, as the schedule
// would.
func runTaskInput(s runSpec) (*ecs.RunTaskInput, error) {
	in := &ecs.RunTaskInput{
		Cluster:        aws.String(s.cluster),
		TaskDefinition: aws.String(s.taskDefinition),
		Count:          aws.Int32(max(s.count, 1)),
		LaunchType:     ecstypes.LaunchType(s.launchType),
		PropagateTags:  ecstypes.PropagateTags(s.propagateTags),
		StartedBy:      aws.String("ecsctl"),
	}
	for _, c := range s.capacityProviders {
		in.CapacityProviderStrategy = append(in.CapacityProviderStrategy, ecstypes.CapacityProviderStrategyItem{
			CapacityProvider: aws.String(c.name), Weight: c.weight, Base: c.base})
	}
	if in.LaunchType == "" && len(in.CapacityProviderStrategy) == 0 {
		in.LaunchType = ecstypes.LaunchTypeFargate
	}
	in.EnableExecuteCommand, in.EnableECSManagedTags = s.execCommand, s.managedTags
	if s.group != "" {
		in.Group = aws.String(s.group)
	}
	if s.referenceID != "" {
		in.ReferenceId = aws.String(s.referenceID)
	}
	for _, c := range s.placementConstraints {
		pc := ecstypes.PlacementConstraint{Type: ecstypes.PlacementConstraintType(c.typ)}
		if c.expression != "" {
			pc.Expression = aws.String(c.expression)
		}
		in.PlacementConstraints = append(in.PlacementConstraints, pc)
	}
	for _, c := range s.placementStrategy {
		ps := ecstypes.PlacementStrategy{Type: ecstypes.PlacementStrategyType(c.typ)}
		if c.field != "" {
			ps.Field = aws.String(c.field)
		}
		in.PlacementStrategy = append(in.PlacementStrategy, ps)
	}
	if s.platformVersion != "" {
		in.PlatformVersion = aws.String(s.platformVersion)
	}
	if len(s.subnets) > 0 {
		pub := ecstypes.AssignPublicIpDisabled
		if s.publicIP == "ENABLED" {
			pub = ecstypes.AssignPublicIpEnabled
		}
		in.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: s.subnets, SecurityGroups: s.groups, AssignPublicIp: pub,
		}}
	}
	for _, k := range sortedKeys(s.tags) {
		in.Tags = append(in.Tags, ecstypes.Tag{Key: aws.String(k), Value: aws.String(s.tags[k])})
	}
	if s.input != "" {
		o, err := taskOverride(s.input)
		if err != nil {
			return nil, err
		}
		in.Overrides = o
	}
	return in, nil
}

// taskOverride parses a target's Input (ECS TaskOverride JSON).
func taskOverride(input string) (*ecstypes.TaskOverride, error) {
	var t taskOverrideJSON
	if err := json.Unmarshal([]byte(input), &t); err != nil {
		return nil, fmt.Errorf("the target's Input is not ECS task overrides JSON: %w", err)
	}
	o := &ecstypes.TaskOverride{}
	if t.CPU != "" {
		o.Cpu = aws.String(t.CPU)
	}
	if t.Memory != "" {
		o.Memory = aws.String(t.Memory)
	}
	for _, c := range t.ContainerOverrides {
		co := ecstypes.ContainerOverride{Name: aws.String(c.Name), Command: c.Command}
		if c.CPU != 0 {
			co.Cpu = aws.Int32(int32(c.CPU))
		}
		if c.Memory != 0 {
			co.Memory = aws.Int32(int32(c.Memory))
		}
		env := append([]keyValueJSON(nil), c.Environment...)
		sort.SliceStable(env, func(i, j int) bool { return env[i].Name < env[j].Name })
		for _, kv := range env {
			co.Environment = append(co.Environment, ecstypes.KeyValuePair{Name: aws.String(kv.Name), Value: aws.String(kv.Value)})
		}
		o.ContainerOverrides = append(o.ContainerOverrides, co)
	}
	return o, nil
}
