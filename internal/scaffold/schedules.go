package scaffold

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/ecsctl/ecsctl/batch"
	"github.com/ecsctl/ecsctl/internal/config"
)

// batchSpec is a batch as it will be written.
type batchSpec struct {
	name    string
	kind    string // "rule" or "schedule"
	awsName string // the rule's or schedule's name
	group   string // a schedule's group
	adopted bool   // written with aws_name / schedule_group

	schedule, timezone, description string
	enabled                         bool
	flexibleWindow                  time.Duration

	service, taskDefinition string

	overrides []containerOverride
	cpu, mem  string

	count           int32
	platformVersion string
	subnets, groups []string
	publicIP        bool
	role            string
	retryAttempts   *int32
	retryAge        time.Duration
	dlq             string
	tags            map[string]string
	propagateTags   string

	capacityProviders        []capacityProvider
	execCommand, managedTags bool
	taskGroup                string

	// noRole / noNetwork: the setting comes from batch_defaults.
	noRole, noNetwork bool
	checks            []string
}

// capacityProvider is one entry of a target's capacity provider strategy.
type capacityProvider struct {
	name         string
	weight, base int32
}

type containerOverride struct {
	name        string
	command     []string
	environment map[string]string
	cpu, memory int
}

// ecsTarget is what rule and schedule targets share, read from either.
type ecsTarget struct {
	taskDefinitionARN string
	count             int32
	launchType        string
	capacityProviders []capacityProvider
	execCommand       bool
	managedTags       bool
	taskGroup         string
	platformVersion   string
	subnets, groups   []string
	publicIP          string
	hasNetwork        bool
	propagateTags     string
	tags              map[string]string
	role              string
	input             string
	retryAttempts     *int32
	retryAgeSeconds   *int32
	dlq               string
	// unsupported lists settings a batch cannot express.
	unsupported []string
}

// readRules finds the EventBridge rules (default event bus) with a target
// in the cluster.
func (g *gen) readRules(ctx context.Context) error {
	var names []string
	in := &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String(g.clusterARN), Limit: aws.Int32(100)}
	for {
		out, err := g.o.Events.ListRuleNamesByTarget(ctx, in)
		if err != nil {
			return fmt.Errorf("list rules targeting cluster %s: %w", g.o.Cluster, err)
		}
		names = append(names, out.RuleNames...)
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.Strings(names)
	for _, name := range names {
		rule, err := g.o.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
		if err != nil {
			return fmt.Errorf("describe rule %s: %w", name, err)
		}
		switch {
		case aws.ToString(rule.ScheduleExpression) == "":
			g.skip("rule", name, "", "it runs on events, not on a schedule")
			continue
		case aws.ToString(rule.ManagedBy) != "":
			g.skip("rule", name, "", "it is managed by %s", aws.ToString(rule.ManagedBy))
			continue
		}
		var targets []evtypes.Target
		tin := &eventbridge.ListTargetsByRuleInput{Rule: aws.String(name), Limit: aws.Int32(100)}
		for {
			out, err := g.o.Events.ListTargetsByRule(ctx, tin)
			if err != nil {
				return fmt.Errorf("list targets of rule %s: %w", name, err)
			}
			targets = append(targets, out.Targets...)
			if aws.ToString(out.NextToken) == "" {
				break
			}
			tin.NextToken = out.NextToken
		}
		if len(targets) != 1 {
			g.skip("rule", name, "", "it has %d targets; a batch is a rule with one target (ecsctl would remove the others)", len(targets))
			continue
		}
		t := targets[0]
		if aws.ToString(t.Arn) != g.clusterARN || t.EcsParameters == nil {
			continue
		}
		if t.InputPath != nil || t.InputTransformer != nil {
			g.skip("rule", name, "", "its target builds its input from the event (InputPath or InputTransformer); a batch's input is its overrides")
			continue
		}
		et := ruleTarget(t)
		spec := &batchSpec{kind: "rule", awsName: name, schedule: aws.ToString(rule.ScheduleExpression),
			description: aws.ToString(rule.Description), enabled: rule.State != evtypes.RuleStateDisabled}
		g.addBatch(spec, et)
	}
	return nil
}

func ruleTarget(t evtypes.Target) ecsTarget {
	p := t.EcsParameters
	et := ecsTarget{
		taskDefinitionARN: aws.ToString(p.TaskDefinitionArn), count: aws.ToInt32(p.TaskCount),
		launchType: string(p.LaunchType), platformVersion: aws.ToString(p.PlatformVersion),
		propagateTags: string(p.PropagateTags), role: aws.ToString(t.RoleArn), input: aws.ToString(t.Input),
	}
	for _, c := range p.CapacityProviderStrategy {
		et.capacityProviders = append(et.capacityProviders, capacityProvider{aws.ToString(c.CapacityProvider), c.Weight, c.Base})
	}
	if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		a := n.AwsvpcConfiguration
		et.hasNetwork, et.subnets, et.groups, et.publicIP = true, a.Subnets, a.SecurityGroups, string(a.AssignPublicIp)
	}
	if len(p.Tags) > 0 {
		et.tags = map[string]string{}
		for _, tag := range p.Tags {
			et.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	if r := t.RetryPolicy; r != nil {
		et.retryAttempts, et.retryAgeSeconds = r.MaximumRetryAttempts, r.MaximumEventAgeInSeconds
	}
	if t.DeadLetterConfig != nil {
		et.dlq = aws.ToString(t.DeadLetterConfig.Arn)
	}
	et.taskGroup, et.execCommand, et.managedTags = aws.ToString(p.Group), p.EnableExecuteCommand, p.EnableECSManagedTags
	if len(p.PlacementConstraints) > 0 || len(p.PlacementStrategy) > 0 {
		et.unsupported = append(et.unsupported, "placement constraints or strategies")
	}
	if aws.ToString(p.ReferenceId) != "" {
		et.unsupported = append(et.unsupported, "reference ID")
	}
	return et
}

// readSchedules finds the EventBridge Scheduler schedules, in every group,
// whose target is the cluster.
func (g *gen) readSchedules(ctx context.Context) error {
	type key struct{ group, name string }
	var found []key
	in := &scheduler.ListSchedulesInput{MaxResults: aws.Int32(100)}
	for {
		out, err := g.o.Scheduler.ListSchedules(ctx, in)
		if err != nil {
			return fmt.Errorf("list schedules: %w", err)
		}
		for _, s := range out.Schedules {
			if s.Target != nil && aws.ToString(s.Target.Arn) == g.clusterARN {
				found = append(found, key{aws.ToString(s.GroupName), aws.ToString(s.Name)})
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].group != found[j].group {
			return found[i].group < found[j].group
		}
		return found[i].name < found[j].name
	})
	for _, k := range found {
		s, err := g.o.Scheduler.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(k.name), GroupName: aws.String(k.group)})
		if err != nil {
			return fmt.Errorf("get schedule %s/%s: %w", k.group, k.name, err)
		}
		t := s.Target
		if t == nil || t.EcsParameters == nil {
			continue
		}
		et := scheduleTarget(t)
		spec := &batchSpec{kind: "schedule", awsName: k.name, group: k.group, schedule: aws.ToString(s.ScheduleExpression),
			description: aws.ToString(s.Description), enabled: s.State != schtypes.ScheduleStateDisabled}
		if z := aws.ToString(s.ScheduleExpressionTimezone); z != "" && z != "UTC" {
			spec.timezone = z
		}
		if w := s.FlexibleTimeWindow; w != nil && w.Mode == schtypes.FlexibleTimeWindowModeFlexible {
			spec.flexibleWindow = time.Duration(aws.ToInt32(w.MaximumWindowInMinutes)) * time.Minute
		}
		if s.ActionAfterCompletion == schtypes.ActionAfterCompletionDelete {
			et.unsupported = append(et.unsupported, "deletion after its last run (ActionAfterCompletion DELETE)")
		}
		if s.StartDate != nil || s.EndDate != nil {
			et.unsupported = append(et.unsupported, "a start or end date")
		}
		if aws.ToString(s.KmsKeyArn) != "" {
			et.unsupported = append(et.unsupported, "a customer managed KMS key")
		}
		g.addBatch(spec, et)
	}
	return nil
}

func scheduleTarget(t *schtypes.Target) ecsTarget {
	p := t.EcsParameters
	et := ecsTarget{
		taskDefinitionARN: aws.ToString(p.TaskDefinitionArn), count: aws.ToInt32(p.TaskCount),
		launchType: string(p.LaunchType), platformVersion: aws.ToString(p.PlatformVersion),
		propagateTags: string(p.PropagateTags), role: aws.ToString(t.RoleArn), input: aws.ToString(t.Input),
	}
	for _, c := range p.CapacityProviderStrategy {
		et.capacityProviders = append(et.capacityProviders, capacityProvider{aws.ToString(c.CapacityProvider), c.Weight, c.Base})
	}
	if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		a := n.AwsvpcConfiguration
		et.hasNetwork, et.subnets, et.groups, et.publicIP = true, a.Subnets, a.SecurityGroups, string(a.AssignPublicIp)
	}
	for _, m := range p.Tags {
		if et.tags == nil {
			et.tags = map[string]string{}
		}
		for k, v := range m {
			et.tags[k] = v
		}
	}
	if r := t.RetryPolicy; r != nil {
		et.retryAttempts, et.retryAgeSeconds = r.MaximumRetryAttempts, r.MaximumEventAgeInSeconds
	}
	if t.DeadLetterConfig != nil {
		et.dlq = aws.ToString(t.DeadLetterConfig.Arn)
	}
	et.taskGroup, et.execCommand, et.managedTags = aws.ToString(p.Group), aws.ToBool(p.EnableExecuteCommand), aws.ToBool(p.EnableECSManagedTags)
	if len(p.PlacementConstraints) > 0 || len(p.PlacementStrategy) > 0 {
		et.unsupported = append(et.unsupported, "placement constraints or strategies")
	}
	if aws.ToString(p.ReferenceId) != "" {
		et.unsupported = append(et.unsupported, "reference ID")
	}
	return et
}

// Defaults AWS reports for a retry policy nobody set.
const (
	defaultRetryAttempts = 185
	defaultEventAge      = 24 * time.Hour
)

// addBatch turns a rule or schedule with an ECS target into a batch, or
// records why it cannot be one.
func (g *gen) addBatch(spec *batchSpec, et ecsTarget) {
	where := spec.awsName
	if spec.kind == "schedule" {
		where = spec.group + "/" + spec.awsName
	}
	switch {
	case et.launchType == "EC2" || et.launchType == "EXTERNAL":
		g.skip(spec.kind, spec.awsName, spec.group, "its task runs with launch type %s; ecsctl batches are Fargate tasks", et.launchType)
		return
	case nonFargateProvider(et.capacityProviders) != "":
		g.skip(spec.kind, spec.awsName, spec.group, "its task runs on capacity provider %s; ecsctl batches are Fargate tasks (FARGATE, FARGATE_SPOT)", nonFargateProvider(et.capacityProviders))
		return
	case !et.hasNetwork:
		g.skip(spec.kind, spec.awsName, spec.group, "its task has no awsvpc network configuration; Fargate batches need subnets")
		return
	case et.role == "":
		g.skip(spec.kind, spec.awsName, spec.group, "its target has no role")
		return
	}
	if !g.name(spec) {
		return
	}

	// Which task definition: the revision a service runs (then the batch
	// follows the service), else the revision named.
	for _, s := range g.services {
		if aws.ToString(s.taskDef.TaskDefinitionArn) == et.taskDefinitionARN {
			spec.service = s.name
			spec.checks = append(spec.checks, fmt.Sprintf("runs %s, the revision service %s runs now: with service: %s, each deploy of %s repoints it; write task_definition: %s to pin it instead",
				shortTD(et.taskDefinitionARN), s.name, s.name, s.name, shortTD(et.taskDefinitionARN)))
		}
	}
	if spec.service == "" {
		spec.taskDefinition = shortTD(et.taskDefinitionARN)
		if !strings.Contains(spec.taskDefinition, ":") {
			spec.checks = append(spec.checks, fmt.Sprintf("the target names family %s without a revision (the latest); ecsctl writes the latest revision's ARN, a change batch schedule will show", spec.taskDefinition))
		}
	}

	spec.count = et.count
	if spec.count <= 1 {
		spec.count = 0
	}
	if et.platformVersion != "LATEST" {
		spec.platformVersion = et.platformVersion
	}
	spec.subnets, spec.groups, spec.publicIP = et.subnets, et.groups, et.publicIP == "ENABLED"
	spec.role, spec.dlq, spec.tags, spec.propagateTags = et.role, et.dlq, et.tags, et.propagateTags
	if et.retryAttempts != nil && *et.retryAttempts != defaultRetryAttempts {
		spec.retryAttempts = et.retryAttempts
	}
	if et.retryAgeSeconds != nil && time.Duration(*et.retryAgeSeconds)*time.Second != defaultEventAge {
		spec.retryAge = time.Duration(*et.retryAgeSeconds) * time.Second
	}
	spec.capacityProviders, spec.execCommand, spec.managedTags, spec.taskGroup = et.capacityProviders, et.execCommand, et.managedTags, et.taskGroup
	if et.input != "" {
		g.readInput(spec, et.input, &et)
	}
	if len(et.unsupported) > 0 {
		spec.checks = append(spec.checks, fmt.Sprintf("%s has settings ecsctl.yml cannot express: %s; the next ecsctl batch schedule removes them from this %s (its diff lists them; run it with --dry-run first)",
			where, strings.Join(et.unsupported, "; "), spec.kind))
	}
	g.batches = append(g.batches, spec)
	g.res.Batches = append(g.res.Batches, Batch{Name: spec.name, Kind: spec.kind, AWSName: spec.awsName, Group: spec.group, Adopted: spec.adopted})
}

// nonFargateProvider returns the first capacity provider of a strategy
// that is not one of Fargate's, or "".
func nonFargateProvider(cs []capacityProvider) string {
	for _, c := range cs {
		if c.name != config.CapacityProviderFargate && c.name != config.CapacityProviderFargateSpot {
			return c.name
		}
	}
	return ""
}

// shortTD shows a task definition ARN as family:revision.
func shortTD(arn string) string {
	if i := strings.Index(arn, ":task-definition/"); i >= 0 {
		return arn[i+len(":task-definition/"):]
	}
	return arn
}

var (
	batchNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	badBatchChar = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

// validBatchName is what a batch name may be (see internal/config): 1-48
// characters. (The length is checked apart: a bounded repetition would be
// compiled into 48 copies at start-up.)
func validBatchName(s string) bool { return len(s) <= 48 && batchNameRE.MatchString(s) }

// name picks the batch's name: the part after ecsctl's prefix for a rule or
// schedule ecsctl created for this config, else the AWS name made valid,
// adopted with aws_name. It reports false (and skips) for one that another
// ecsctl config owns.
func (g *gen) name(spec *batchSpec) bool {
	prefix := batch.Prefix(g.o.Name)
	own := spec.kind == "rule" || spec.group == batch.GroupName(g.o.Name)
	if rest, ok := strings.CutPrefix(spec.awsName, prefix); ok && own && validBatchName(rest) && batch.ResourceName(g.o.Name, rest) == spec.awsName {
		spec.name = g.unique(rest)
		return true
	}
	owner := ""
	switch {
	case spec.kind == "schedule" && strings.HasPrefix(spec.group, "ecsctl."):
		owner = strings.TrimPrefix(spec.group, "ecsctl.")
	case strings.HasPrefix(spec.awsName, "ecsctl."):
		owner = strings.SplitN(strings.TrimPrefix(spec.awsName, "ecsctl."), ".", 2)[0]
	}
	ours := strings.HasPrefix(spec.awsName, prefix) || (spec.kind == "schedule" && spec.group == batch.GroupName(g.o.Name))
	if owner != "" && !ours {
		g.skip(spec.kind, spec.awsName, spec.group, "ecsctl manages it for the config named %q; run init with --name %s to include it", owner, owner)
		return false
	}
	n := strings.TrimLeft(badBatchChar.ReplaceAllString(spec.awsName, "-"), "._-")
	if len(n) > 48 {
		n = strings.TrimRight(n[:48], "._-")
	}
	if n == "" {
		n = "batch"
	}
	spec.name, spec.adopted = g.unique(n), true
	return true
}

func (g *gen) unique(name string) string {
	taken := func(n string) bool {
		for _, b := range g.batches {
			if b.name == n {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s-%d", name, i)
		if len(n) > 48 {
			n = fmt.Sprintf("%s-%d", name[:48-len(strconv.Itoa(i))-1], i)
		}
		if !taken(n) {
			return n
		}
	}
}

// readInput turns a target's Input (ECS TaskOverride JSON) into overrides.
func (g *gen) readInput(spec *batchSpec, input string, et *ecsTarget) {
	m, err := jsonObject(input)
	if err != nil {
		et.unsupported = append(et.unsupported, "an input that is not task override JSON")
		return
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "containerOverrides":
			var list []map[string]json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				et.unsupported = append(et.unsupported, "containerOverrides that are not a list of objects")
				continue
			}
			for _, c := range list {
				o, extra := containerOverrideOf(c)
				if o.name == "" {
					et.unsupported = append(et.unsupported, "a container override without a name")
					continue
				}
				for _, e := range extra {
					et.unsupported = append(et.unsupported, fmt.Sprintf("%s of container %s", e, o.name))
				}
				if len(o.command) > 0 || len(o.environment) > 0 || o.cpu != 0 || o.memory != 0 {
					spec.overrides = append(spec.overrides, o)
				}
			}
		case "cpu", "memory":
			var s string
			if json.Unmarshal(v, &s) != nil {
				var n json.Number
				if json.Unmarshal(v, &n) != nil {
					et.unsupported = append(et.unsupported, "task "+k+" "+string(v))
					continue
				}
				s = n.String()
			}
			if k == "cpu" {
				spec.cpu = s
			} else {
				spec.mem = s
			}
		default:
			et.unsupported = append(et.unsupported, "the override "+k)
		}
	}
	sort.Slice(spec.overrides, func(i, j int) bool { return spec.overrides[i].name < spec.overrides[j].name })
}

func containerOverrideOf(c map[string]json.RawMessage) (containerOverride, []string) {
	var o containerOverride
	var extra []string
	for _, k := range sortedKeys(c) {
		v := c[k]
		switch k {
		case "name":
			_ = json.Unmarshal(v, &o.name)
		case "command":
			if json.Unmarshal(v, &o.command) != nil {
				extra = append(extra, "a command that is not a list of strings")
			}
		case "environment":
			var env []struct{ Name, Value string }
			if json.Unmarshal(v, &env) != nil {
				extra = append(extra, "an environment that is not a list of name/value pairs")
				continue
			}
			for _, kv := range env {
				if o.environment == nil {
					o.environment = map[string]string{}
				}
				o.environment[kv.Name] = kv.Value
			}
		case "cpu":
			if json.Unmarshal(v, &o.cpu) != nil {
				extra = append(extra, "cpu "+string(v))
			}
		case "memory":
			if json.Unmarshal(v, &o.memory) != nil {
				extra = append(extra, "memory "+string(v))
			}
		default:
			extra = append(extra, k)
		}
	}
	return o, extra
}

// factorBatchDefaults moves the role and the network every batch shares
// to batch_defaults.
func (g *gen) factorBatchDefaults() {
	if len(g.batches) < 2 {
		return
	}
	first := g.batches[0]
	sameRole, sameNet := true, true
	for _, b := range g.batches[1:] {
		sameRole = sameRole && b.role == first.role
		sameNet = sameNet && slices.Equal(sorted(b.subnets), sorted(first.subnets)) && slices.Equal(sorted(b.groups), sorted(first.groups)) && b.publicIP == first.publicIP
	}
	for _, b := range g.batches {
		b.noRole, b.noNetwork = sameRole, sameNet
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
