package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// A rule or schedule is compared field by field: both what the config asks
// for and what AWS has are flattened into the same keys, with AWS's
// defaults spelled out, so that equal means "nothing to write" and a
// difference reads as one line of the diff.

type field struct{ key, value string }

type fields []field

func (fs fields) get(key string) string {
	for _, f := range fs {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// add appends key=value unless value is empty (absent and empty compare equal).
func (fs *fields) add(key, value string) {
	if value != "" {
		*fs = append(*fs, field{key, value})
	}
}

// FieldChange is one line of a diff. Old is empty for a field being set,
// New for one being removed.
type FieldChange struct {
	Key string `json:"key"`
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// MarshalJSON writes the change with the values of likely secrets replaced
// by their length, as the text diff shows them.
func (f FieldChange) MarshalJSON() ([]byte, error) {
	type plainChange FieldChange
	p := plainChange(f)
	if sensitiveKey(f.Key) {
		p.Old, p.New = display(f.Key, f.Old), display(f.Key, f.New)
	}
	return json.Marshal(p)
}

// sensitiveKey reports whether a field is an environment variable whose
// name suggests a secret.
func sensitiveKey(key string) bool {
	i := strings.LastIndex(key, ".environment.")
	return i >= 0 && sensitiveName(key[i+len(".environment."):])
}

// diffFields returns the fields that differ, in the order of want and then
// of have.
func diffFields(have, want fields) []FieldChange {
	var out []FieldChange
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.key] = true
		if h := have.get(w.key); h != w.value {
			out = append(out, FieldChange{Key: w.key, Old: h, New: w.value})
		}
	}
	for _, h := range have {
		if !seen[h.key] {
			out = append(out, FieldChange{Key: h.key, Old: h.value})
		}
	}
	return out
}

func allNew(fs fields) []FieldChange {
	out := make([]FieldChange, len(fs))
	for i, f := range fs {
		out[i] = FieldChange{Key: f.key, New: f.value}
	}
	return out
}

func allOld(fs fields) []FieldChange {
	out := make([]FieldChange, len(fs))
	for i, f := range fs {
		out[i] = FieldChange{Key: f.key, Old: f.value}
	}
	return out
}

// ruleFields flattens a rule's own settings (what PutRule sets).
func ruleFields(r evtypes.Rule) fields {
	var fs fields
	fs.add("schedule", aws.ToString(r.ScheduleExpression))
	fs.add("state", strings.ToLower(string(r.State)))
	fs.add("description", aws.ToString(r.Description))
	return fs
}

// ecsTargetFields is what both kinds of target share.
type ecsTargetFields struct {
	cluster, role, input, dlq   string
	taskDefinition              string
	count                       int32
	launchType, platformVersion string
	subnets, groups             []string
	publicIP                    string
	propagateTags               string
	tags                        map[string]string
	retryAttempts, retryAge     int32
	ecsExtras
}

// ecsExtras are the EcsParameters members beyond the task definition, its
// count, launch type, platform version, network and tags. The config sets
// the first four; the others are read so that a target that has them shows
// them in the diff (being removed) rather than losing them silently.
type ecsExtras struct {
	capacityProviders        []capacityProvider
	execCommand, managedTags bool
	group                    string
	placementConstraints     []placementConstraint
	placementStrategy        []placementStrategy
	referenceID              string
}

type capacityProvider struct {
	name         string
	weight, base int32
}

type placementConstraint struct{ typ, expression string }

type placementStrategy struct{ typ, field string }

func eventExtras(p *evtypes.EcsParameters) ecsExtras {
	x := ecsExtras{execCommand: p.EnableExecuteCommand, managedTags: p.EnableECSManagedTags,
		group: aws.ToString(p.Group), referenceID: aws.ToString(p.ReferenceId)}
	for _, c := range p.CapacityProviderStrategy {
		x.capacityProviders = append(x.capacityProviders, capacityProvider{aws.ToString(c.CapacityProvider), c.Weight, c.Base})
	}
	for _, c := range p.PlacementConstraints {
		x.placementConstraints = append(x.placementConstraints, placementConstraint{string(c.Type), aws.ToString(c.Expression)})
	}
	for _, c := range p.PlacementStrategy {
		x.placementStrategy = append(x.placementStrategy, placementStrategy{string(c.Type), aws.ToString(c.Field)})
	}
	return x
}

func scheduleExtras(p *schtypes.EcsParameters) ecsExtras {
	x := ecsExtras{execCommand: aws.ToBool(p.EnableExecuteCommand), managedTags: aws.ToBool(p.EnableECSManagedTags),
		group: aws.ToString(p.Group), referenceID: aws.ToString(p.ReferenceId)}
	for _, c := range p.CapacityProviderStrategy {
		x.capacityProviders = append(x.capacityProviders, capacityProvider{aws.ToString(c.CapacityProvider), c.Weight, c.Base})
	}
	for _, c := range p.PlacementConstraints {
		x.placementConstraints = append(x.placementConstraints, placementConstraint{string(c.Type), aws.ToString(c.Expression)})
	}
	for _, c := range p.PlacementStrategy {
		x.placementStrategy = append(x.placementStrategy, placementStrategy{string(c.Type), aws.ToString(c.Field)})
	}
	return x
}

// capacityProviderText shows a strategy as one line, in its order:
// "FARGATE_SPOT (weight 3), FARGATE (weight 1, base 1)".
func capacityProviderText(cs []capacityProvider) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s (weight %d", c.name, c.weight)
		if c.base > 0 {
			parts[i] += fmt.Sprintf(", base %d", c.base)
		}
		parts[i] += ")"
	}
	return strings.Join(parts, ", ")
}

func (x ecsExtras) flatten(fs *fields) {
	if x.execCommand {
		fs.add("enable_execute_command", "true")
	}
	if x.managedTags {
		fs.add("enable_ecs_managed_tags", "true")
	}
	fs.add("group", x.group)
	var parts []string
	for _, c := range x.placementConstraints {
		parts = append(parts, strings.TrimSuffix(c.typ+" "+c.expression, " "))
	}
	fs.add("placement_constraints", strings.Join(parts, ", "))
	parts = nil
	for _, c := range x.placementStrategy {
		parts = append(parts, strings.TrimSuffix(c.typ+" "+c.field, " "))
	}
	fs.add("placement_strategy", strings.Join(parts, ", "))
	fs.add("reference_id", x.referenceID)
}

func (t ecsTargetFields) flatten(fs *fields) {
	fs.add("cluster", t.cluster)
	fs.add("task_definition", t.taskDefinition)
	fs.add("count", strconv.Itoa(int(max(t.count, 1))))
	fs.add("launch_type", t.launchType)
	fs.add("capacity_provider_strategy", capacityProviderText(t.capacityProviders))
	pv := t.platformVersion
	if pv == "" {
		pv = "LATEST"
	}
	fs.add("platform_version", pv)
	fs.add("subnets", strings.Join(sortedCopy(t.subnets), ", "))
	fs.add("security_groups", strings.Join(sortedCopy(t.groups), ", "))
	pub := t.publicIP
	if pub == "" {
		pub = "DISABLED"
	}
	fs.add("assign_public_ip", strings.ToLower(pub))
	fs.add("role", t.role)
	fs.add("propagate_tags", t.propagateTags)
	for _, k := range sortedKeys(t.tags) {
		fs.add("tags."+k, t.tags[k])
	}
	attempts, age := t.retryAttempts, t.retryAge
	if attempts < 0 {
		attempts = defaultRetryAttempts
	}
	if age <= 0 {
		age = int32(defaultEventAge / time.Second)
	}
	fs.add("retry.maximum_attempts", strconv.Itoa(int(attempts)))
	fs.add("retry.maximum_event_age", fmtDuration(time.Duration(age)*time.Second))
	fs.add("dead_letter_queue", t.dlq)
	t.ecsExtras.flatten(fs)
	inputFields(fs, t.input)
}

// inputFields flattens a target's Input, ECS TaskOverride JSON, into one
// field per setting so that a changed environment variable is one line.
// Input that is not such JSON is shown whole.
func inputFields(fs *fields, input string) {
	if input == "" {
		return
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(input), &raw); err != nil {
		fs.add("input", input)
		return
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		switch k {
		case "containerOverrides":
			var cs []map[string]json.RawMessage
			if err := json.Unmarshal(v, &cs); err != nil {
				fs.add("input."+k, compactJSON(v))
				continue
			}
			for _, c := range cs {
				containerFields(fs, c)
			}
		case "cpu", "memory":
			var s string
			if json.Unmarshal(v, &s) == nil {
				fs.add(k, s)
			} else {
				fs.add(k, compactJSON(v))
			}
		default:
			fs.add("input."+k, compactJSON(v))
		}
	}
}

func containerFields(fs *fields, c map[string]json.RawMessage) {
	var name string
	_ = json.Unmarshal(c["name"], &name)
	p := "overrides." + name + "."
	var keys []string
	for k := range c {
		if k != "name" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c[k]
		if k == "environment" {
			var env []keyValueJSON
			if err := json.Unmarshal(v, &env); err == nil {
				sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
				for _, kv := range env {
					*fs = append(*fs, field{p + "environment." + kv.Name, kv.Value})
				}
				continue
			}
		}
		fs.add(p+k, compactJSON(v))
	}
}

func compactJSON(v json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return string(v)
	}
	return b.String()
}

// eventTargetFields flattens the ecsctl target of a rule.
func eventTargetFields(t evtypes.Target) fields {
	var fs fields
	e := ecsTargetFields{
		cluster: aws.ToString(t.Arn), role: aws.ToString(t.RoleArn), input: aws.ToString(t.Input),
		retryAttempts: -1,
	}
	if p := t.EcsParameters; p != nil {
		e.taskDefinition = aws.ToString(p.TaskDefinitionArn)
		e.count = aws.ToInt32(p.TaskCount)
		e.launchType = string(p.LaunchType)
		e.platformVersion = aws.ToString(p.PlatformVersion)
		if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
			e.subnets, e.groups = n.AwsvpcConfiguration.Subnets, n.AwsvpcConfiguration.SecurityGroups
			e.publicIP = string(n.AwsvpcConfiguration.AssignPublicIp)
		}
		e.propagateTags = string(p.PropagateTags)
		e.ecsExtras = eventExtras(p)
		if len(p.Tags) > 0 {
			e.tags = map[string]string{}
			for _, tag := range p.Tags {
				e.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
		}
	}
	if r := t.RetryPolicy; r != nil {
		if r.MaximumRetryAttempts != nil {
			e.retryAttempts = *r.MaximumRetryAttempts
		}
		e.retryAge = aws.ToInt32(r.MaximumEventAgeInSeconds)
	}
	if t.DeadLetterConfig != nil {
		e.dlq = aws.ToString(t.DeadLetterConfig.Arn)
	}
	e.flatten(&fs)
	return fs
}

// scheduleFields flattens a schedule as GetSchedule answers it.
func scheduleFields(s *scheduler.GetScheduleOutput) fields {
	var fs fields
	fs.add("schedule", aws.ToString(s.ScheduleExpression))
	zone := aws.ToString(s.ScheduleExpressionTimezone)
	if zone == "" {
		zone = "UTC"
	}
	fs.add("timezone", zone)
	fs.add("state", strings.ToLower(string(s.State)))
	window := "off"
	if w := s.FlexibleTimeWindow; w != nil && w.Mode == schtypes.FlexibleTimeWindowModeFlexible {
		window = fmtDuration(time.Duration(aws.ToInt32(w.MaximumWindowInMinutes)) * time.Minute)
	}
	fs.add("flexible_window", window)
	if a := s.ActionAfterCompletion; a != "" && a != schtypes.ActionAfterCompletionNone {
		fs.add("action_after_completion", string(a))
	}
	if s.StartDate != nil {
		fs.add("start_date", s.StartDate.UTC().Format(time.RFC3339))
	}
	if s.EndDate != nil {
		fs.add("end_date", s.EndDate.UTC().Format(time.RFC3339))
	}
	fs.add("description", aws.ToString(s.Description))
	fs.add("kms_key", aws.ToString(s.KmsKeyArn)) // the config cannot set one: shown as removed
	t := s.Target
	if t == nil {
		return fs
	}
	e := ecsTargetFields{cluster: aws.ToString(t.Arn), role: aws.ToString(t.RoleArn), input: aws.ToString(t.Input), retryAttempts: -1}
	if p := t.EcsParameters; p != nil {
		e.taskDefinition = aws.ToString(p.TaskDefinitionArn)
		e.count = aws.ToInt32(p.TaskCount)
		e.launchType = string(p.LaunchType)
		e.platformVersion = aws.ToString(p.PlatformVersion)
		if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
			e.subnets, e.groups = n.AwsvpcConfiguration.Subnets, n.AwsvpcConfiguration.SecurityGroups
			e.publicIP = string(n.AwsvpcConfiguration.AssignPublicIp)
		}
		e.propagateTags = string(p.PropagateTags)
		e.ecsExtras = scheduleExtras(p)
		for _, m := range p.Tags {
			if e.tags == nil {
				e.tags = map[string]string{}
			}
			for k, v := range m {
				e.tags[k] = v
			}
		}
	}
	if r := t.RetryPolicy; r != nil {
		if r.MaximumRetryAttempts != nil {
			e.retryAttempts = *r.MaximumRetryAttempts
		}
		e.retryAge = aws.ToInt32(r.MaximumEventAgeInSeconds)
	}
	if t.DeadLetterConfig != nil {
		e.dlq = aws.ToString(t.DeadLetterConfig.Arn)
	}
	if t.EcsParameters == nil {
		fs.add("target", aws.ToString(t.Arn))
		return fs
	}
	e.flatten(&fs)
	return fs
}

// scheduleOutput is CreateSchedule's request seen as GetSchedule would
// answer it, for comparing.
func scheduleOutput(c *scheduler.CreateScheduleInput) *scheduler.GetScheduleOutput {
	return &scheduler.GetScheduleOutput{
		Name:                       c.Name,
		GroupName:                  c.GroupName,
		ScheduleExpression:         c.ScheduleExpression,
		ScheduleExpressionTimezone: c.ScheduleExpressionTimezone,
		State:                      c.State,
		Description:                c.Description,
		FlexibleTimeWindow:         c.FlexibleTimeWindow,
		ActionAfterCompletion:      c.ActionAfterCompletion,
		StartDate:                  c.StartDate,
		EndDate:                    c.EndDate,
		Target:                     c.Target,
	}
}

// shortARN shows a cluster or task definition ARN by its resource name
// ("example", "app:12").
func shortARN(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// display is how a field's value is shown: ARNs of clusters and task
// definitions by name, likely secrets by a fingerprint.
func display(key, value string) string {
	switch {
	case value == "":
		return ""
	case key == "cluster" || key == "task_definition":
		return shortARN(value)
	case sensitiveKey(key):
		return fmt.Sprintf("(sensitive, %d characters)", len(value))
	}
	return value
}

// sensitiveName reports whether an environment variable's name suggests a
// secret, whose value the diff does not print.
func sensitiveName(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"SECRET", "PASSWORD", "PASSWD", "TOKEN", "PRIVATE", "CREDENTIAL", "API_KEY", "APIKEY", "ACCESS_KEY"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// fmtDuration writes d as the config does: "24h", "1h30m", "15m", "90s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
