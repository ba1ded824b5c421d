package awssim

import (
	"encoding/json"
	"strconv"
	"strings"
)

// EventBridge rule targets: PutTargets, ListTargetsByRule, RemoveTargets,
// ListRuleNamesByTarget.

// evTarget is one target of a rule. raw keeps the target exactly as
// PutTargets sent it, so ListTargetsByRule answers every member back,
// including target types the simulator does not model.
type evTarget struct {
	id, arn string
	spec    evTargetIn
	raw     map[string]json.RawMessage
}

// evMaxTargets is EventBridge's quota of targets per rule.
const evMaxTargets = 5

// evTargetIn is what the simulator checks of a target.
type evTargetIn struct {
	Id               string              `json:"Id"`
	Arn              string              `json:"Arn"`
	RoleArn          string              `json:"RoleArn"`
	Input            *string             `json:"Input"`
	InputPath        *string             `json:"InputPath"`
	InputTransformer *evInputTransformer `json:"InputTransformer"`
	EcsParameters    *evEcsParameters    `json:"EcsParameters"`
	RetryPolicy      *struct {
		MaximumRetryAttempts     *int `json:"MaximumRetryAttempts"`
		MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds"`
	} `json:"RetryPolicy"`
	DeadLetterConfig *struct {
		Arn string `json:"Arn"`
	} `json:"DeadLetterConfig"`
}

type evInputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap"`
	InputTemplate string            `json:"InputTemplate"`
}

// evEcsParameters is a target's EcsParameters: how EventBridge calls RunTask.
type evEcsParameters struct {
	ecsTargetParams
	Tags []awsTag `json:"Tags"`
}

type evPutTargetsIn struct {
	Rule         string            `json:"Rule"`
	EventBusName string            `json:"EventBusName"`
	Targets      []json.RawMessage `json:"Targets"`
}

// eventsPutTargets adds targets to a rule or replaces those with the same
// Id. Problems with the request fail it as a whole, as EventBridge does for
// these checks; FailedEntries is for delivery-side failures the simulator
// does not produce, so it answers an empty list.
func (s *Server) eventsPutTargets(c *jsonCall) (any, error) {
	var in evPutTargetsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	targets := make([]evTarget, len(in.Targets))
	specs := make([]evTargetIn, len(in.Targets))
	for i, raw := range in.Targets {
		if err := json.Unmarshal(raw, &targets[i].raw); err != nil {
			return nil, badRequest("SerializationException", "could not parse target %d: %v", i+1, err)
		}
		if err := json.Unmarshal(raw, &specs[i]); err != nil {
			return nil, badRequest("SerializationException", "could not parse target %d: %v", i+1, err)
		}
		targets[i].id, targets[i].arn, targets[i].spec = specs[i].Id, specs[i].Arn, specs[i]
	}
	if err := validatePutTargets(in, specs); err != nil {
		return nil, err
	}
	r, err := s.eventsRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	for _, t := range specs {
		if err := checkTargetSemantics(t); err != nil {
			return nil, err
		}
	}
	if countAfterPut(r, specs) > evMaxTargets {
		return nil, badRequest("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	}
	for i := range targets {
		r.targets[targets[i].id] = &targets[i]
	}
	s.eventsArm(r)
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

// countAfterPut is how many targets the rule would have after the put.
func countAfterPut(r *evRule, specs []evTargetIn) int {
	ids := map[string]bool{}
	for id := range r.targets {
		ids[id] = true
	}
	for _, t := range specs {
		ids[t.Id] = true
	}
	return len(ids)
}

// validatePutTargets applies the PutTargets model's constraints.
func validatePutTargets(in evPutTargetsIn, targets []evTargetIn) error {
	var v violations
	v.length(in.Rule, "rule", 1, 64)
	v.pattern(in.Rule, "rule", evNamePattern, evNamePatternText)
	if len(in.Targets) == 0 {
		v.add("[]", "targets", "Member must have length greater than or equal to 1")
	}
	if len(in.Targets) > 10 {
		v.add("["+strconv.Itoa(len(in.Targets))+" targets]", "targets", "Member must have length less than or equal to 10")
	}
	for i, t := range targets {
		validateTarget(&v, t, "targets."+strconv.Itoa(i+1)+".member")
	}
	return v.err()
}

// validateTarget applies the Target shape's constraints; Input is limited to
// 8192 characters.
func validateTarget(v *violations, t evTargetIn, p string) {
	v.length(t.Id, p+".id", 1, 64)
	v.pattern(t.Id, p+".id", evNamePattern, evNamePatternText)
	v.length(t.Arn, p+".arn", 1, 1600)
	v.length(t.RoleArn, p+".roleArn", 1, 1600)
	if t.Input != nil {
		v.length(*t.Input, p+".input", 0, 8192)
	}
	if t.InputPath != nil {
		v.length(*t.InputPath, p+".inputPath", 0, 256)
	}
	if rp := t.RetryPolicy; rp != nil {
		v.between(rp.MaximumRetryAttempts, p+".retryPolicy.maximumRetryAttempts", 0, 185)
		v.between(rp.MaximumEventAgeInSeconds, p+".retryPolicy.maximumEventAgeInSeconds", 60, 86400)
	}
	if dl := t.DeadLetterConfig; dl != nil {
		v.length(dl.Arn, p+".deadLetterConfig.arn", 1, 1600)
	}
	if ecs := t.EcsParameters; ecs != nil {
		validateEcsParameters(v, ecs, p+".ecsParameters")
	}
}

func validateEcsParameters(v *violations, ecs *evEcsParameters, p string) {
	v.length(ecs.TaskDefinitionArn, p+".taskDefinitionArn", 1, 1600)
	if ecs.TaskCount != nil && *ecs.TaskCount < 1 {
		v.add(*ecs.TaskCount, p+".taskCount", "Member must have value greater than or equal to 1")
	}
	v.enum(ecs.LaunchType, p+".launchType", "EC2", "FARGATE", "EXTERNAL")
	v.enum(ecs.PropagateTags, p+".propagateTags", "TASK_DEFINITION")
	validateCapacityProviders(v, ecs.CapacityProviderStrategy, p+".capacityProviderStrategy")
	if nc := ecs.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		v.enum(nc.AwsvpcConfiguration.AssignPublicIp, p+".networkConfiguration.awsvpcConfiguration.assignPublicIp", "ENABLED", "DISABLED")
	}
	validateEvTags(v, ecs.Tags, p+".tags")
}

// checkTargetSemantics applies the rules EventBridge checks once the request
// is well-formed.
func checkTargetSemantics(t evTargetIn) error {
	inputs := 0
	for _, set := range []bool{t.Input != nil, t.InputPath != nil, t.InputTransformer != nil} {
		if set {
			inputs++
		}
	}
	if inputs > 1 {
		return badRequest("ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.Id)
	}
	if t.Input != nil && !json.Valid([]byte(*t.Input)) {
		return badRequest("ValidationException", "Input for target %s is not valid JSON text.", t.Id)
	}
	if !isECSClusterARN(t.Arn) {
		return nil
	}
	// EventBridge needs a role to call ecs:RunTask, and parameters to call it with.
	if t.RoleArn == "" {
		return badRequest("ValidationException", "RoleArn is required for target %s.", t.Arn)
	}
	if t.EcsParameters == nil {
		return badRequest("ValidationException", "Parameter(s) EcsParameters must be specified for target: %s.", t.Id)
	}
	if t.EcsParameters.LaunchType != "" && len(t.EcsParameters.CapacityProviderStrategy) > 0 {
		return badRequest("ValidationException", "%s", errLaunchTypeAndStrategy)
	}
	return nil
}

func isECSClusterARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:ecs:") && strings.Contains(arn, ":cluster/")
}

type evTargetsByRuleIn struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName"`
	NextToken    string   `json:"NextToken"`
	Limit        *int     `json:"Limit"`
	Ids          []string `json:"Ids"`
	Force        bool     `json:"Force"`
}

// eventsListTargetsByRule lists a rule's targets by Id, Limit (1-100,
// default 100) at a time.
func (s *Server) eventsListTargetsByRule(c *jsonCall) (any, error) {
	var in evTargetsByRuleIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.between(in.Limit, "limit", 1, 100)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, err := s.eventsRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(r.targets))
	for id := range r.targets {
		ids = append(ids, id)
	}
	page, next, ok := namePage(ids, in.NextToken, limitOr(in.Limit, 100))
	if !ok {
		return nil, evInvalidToken()
	}
	targets := make([]map[string]json.RawMessage, 0, len(page))
	for _, id := range page {
		targets = append(targets, r.targets[id].raw)
	}
	return withToken(map[string]any{"Targets": targets}, "NextToken", next), nil
}

// eventsRemoveTargets removes targets by Id; Ids the rule does not have are
// ignored, as EventBridge does.
func (s *Server) eventsRemoveTargets(c *jsonCall) (any, error) {
	var in evTargetsByRuleIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	switch {
	case len(in.Ids) == 0:
		v.add("[]", "ids", "Member must have length greater than or equal to 1")
	case len(in.Ids) > 100:
		v.add("["+strconv.Itoa(len(in.Ids))+" ids]", "ids", "Member must have length less than or equal to 100")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	r, err := s.eventsRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	for _, id := range in.Ids {
		delete(r.targets, id)
	}
	s.eventsArm(r)
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

type evRuleNamesByTargetIn struct {
	TargetArn    string `json:"TargetArn"`
	EventBusName string `json:"EventBusName"`
	NextToken    string `json:"NextToken"`
	Limit        *int   `json:"Limit"`
}

// eventsListRuleNamesByTarget lists the rules that have a target with the
// given Arn.
func (s *Server) eventsListRuleNamesByTarget(c *jsonCall) (any, error) {
	var in evRuleNamesByTargetIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	if in.TargetArn == "" {
		v.add(nil, "targetArn", "Member must not be null")
	}
	v.length(in.TargetArn, "targetArn", 1, 1600)
	v.between(in.Limit, "limit", 1, 100)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.eventsBus(in.EventBusName); err != nil {
		return nil, err
	}
	var names []string
	for name, r := range s.events.rules {
		if r.hasTargetArn(in.TargetArn) {
			names = append(names, name)
		}
	}
	page, next, ok := namePage(names, in.NextToken, limitOr(in.Limit, 100))
	if !ok {
		return nil, evInvalidToken()
	}
	return withToken(map[string]any{"RuleNames": page}, "NextToken", next), nil
}

func (r *evRule) hasTargetArn(arn string) bool {
	for _, t := range r.targets {
		if t.arn == arn {
			return true
		}
	}
	return false
}
