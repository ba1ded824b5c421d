package awssim

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecsctl/ecsctl/internal/awscron"
)

// EventBridge rules on the default event bus: PutRule, DescribeRule,
// ListRules, EnableRule, DisableRule, DeleteRule and tags here; targets in
// events_targets.go. Error codes and messages follow what EventBridge
// answers (AWS JSON 1.1, every error HTTP 400).

// eventsState holds EventBridge rules and their targets.
type eventsState struct {
	rules map[string]*evRule // by name, all on the default event bus
}

// evRule is one rule.
type evRule struct {
	name, arn          string
	eventPattern       string
	scheduleExpression string
	state              string
	description        string
	roleArn            string
	targets            map[string]*evTarget // by target Id
	tags               []awsTag

	plan     *awscron.Schedule // the parsed ScheduleExpression, nil for event patterns
	planFrom time.Time         // when the expression was set: rate() counts from here
	armed    int               // bumped on every re-plan; outdated run events see the change
}

// awsTag is a tag as EventBridge spells it.
// awsTag is a tag as EventBridge and the Scheduler send and answer it.
type awsTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

const evDefaultBus = "default"

// The constraints of the EventBridge API reference.
var (
	evNamePattern = regexp.MustCompile(`^[\.\-_A-Za-z0-9]+$`)
	evRuleStates  = []string{"ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}
)

const evNamePatternText = `[\.\-_A-Za-z0-9]+`

func (s *Server) registerEvents() {
	s.events = &eventsState{rules: map[string]*evRule{}}
	ops := map[string]jsonOp{
		"PutRule":               s.eventsPutRule,
		"DescribeRule":          s.eventsDescribeRule,
		"ListRules":             s.eventsListRules,
		"EnableRule":            s.eventsEnableRule,
		"DisableRule":           s.eventsDisableRule,
		"DeleteRule":            s.eventsDeleteRule,
		"PutTargets":            s.eventsPutTargets,
		"ListTargetsByRule":     s.eventsListTargetsByRule,
		"RemoveTargets":         s.eventsRemoveTargets,
		"ListRuleNamesByTarget": s.eventsListRuleNamesByTarget,
		"TagResource":           s.eventsTagResource,
		"UntagResource":         s.eventsUntagResource,
		"ListTagsForResource":   s.eventsListTagsForResource,
	}
	for op, h := range ops {
		s.handleJSON("events", op, h)
	}
}

// evRuleOut is a rule as DescribeRule and ListRules answer it.
type evRuleOut struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	EventBusName       string `json:"EventBusName"`
	CreatedBy          string `json:"CreatedBy,omitempty"` // DescribeRule only
}

func (r *evRule) out() evRuleOut {
	return evRuleOut{Name: r.name, Arn: r.arn, EventPattern: r.eventPattern, ScheduleExpression: r.scheduleExpression,
		State: r.state, Description: r.description, RoleArn: r.roleArn, EventBusName: evDefaultBus}
}

// eventsBus checks an EventBusName (a name or an ARN). The simulator has
// only the default bus; AWS answers other names with ResourceNotFound.
func (s *Server) eventsBus(name string) error {
	if name == "" || name == evDefaultBus || name == s.arn("events", "event-bus/default") {
		return nil
	}
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return badRequest("ResourceNotFoundException", "Event bus %s does not exist.", name)
}

// eventsRule finds a rule by name, answering like EventBridge when it is missing.
func (s *Server) eventsRule(name, bus string) (*evRule, error) {
	if err := s.eventsBus(bus); err != nil {
		return nil, err
	}
	r := s.events.rules[name]
	if r == nil {
		return nil, badRequest("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", name, evDefaultBus)
	}
	return r, nil
}

type evPutRuleIn struct {
	Name               string   `json:"Name"`
	ScheduleExpression string   `json:"ScheduleExpression"`
	EventPattern       string   `json:"EventPattern"`
	State              string   `json:"State"`
	Description        *string  `json:"Description"`
	RoleArn            string   `json:"RoleArn"`
	Tags               []awsTag `json:"Tags"`
	EventBusName       string   `json:"EventBusName"`
}

// eventsPutRule creates or replaces a rule. As AWS documents, an update
// replaces every field with what the call gives (omitted ones become
// empty) but leaves the rule's targets and tags alone: tags of an existing
// rule change only through TagResource and UntagResource.
func (s *Server) eventsPutRule(c *jsonCall) (any, error) {
	var in evPutRuleIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := validatePutRule(in); err != nil {
		return nil, err
	}
	if err := s.eventsBus(in.EventBusName); err != nil {
		return nil, err
	}
	r := s.events.rules[in.Name]
	if r == nil {
		r = &evRule{name: in.Name, arn: s.arn("events", "rule/"+in.Name), targets: map[string]*evTarget{}, tags: in.Tags}
		s.events.rules[in.Name] = r
	}
	if in.ScheduleExpression != r.scheduleExpression {
		r.plan, r.planFrom = nil, s.now()
		if in.ScheduleExpression != "" {
			r.plan, _ = awscron.ParseRule(in.ScheduleExpression) // validated above
		}
	}
	r.scheduleExpression, r.eventPattern, r.roleArn = in.ScheduleExpression, in.EventPattern, in.RoleArn
	r.state = in.State
	if r.state == "" {
		r.state = "ENABLED"
	}
	r.description = ""
	if in.Description != nil {
		r.description = *in.Description
	}
	s.eventsArm(r)
	return map[string]string{"RuleArn": r.arn}, nil
}

// validatePutRule checks a PutRule request in the order AWS does: the
// model's constraints first, then what the rule must contain.
func validatePutRule(in evPutRuleIn) error {
	var v violations
	if in.Name == "" {
		v.add(nil, "name", "Member must not be null")
	}
	v.length(in.Name, "name", 1, 64)
	v.pattern(in.Name, "name", evNamePattern, evNamePatternText)
	v.length(in.ScheduleExpression, "scheduleExpression", 1, 256)
	v.length(in.EventPattern, "eventPattern", 1, 4096)
	v.enum(in.State, "state", evRuleStates...)
	if in.Description != nil {
		v.length(*in.Description, "description", 0, 512)
	}
	v.length(in.RoleArn, "roleArn", 1, 1600)
	validateEvTags(&v, in.Tags, "tags")
	if err := v.err(); err != nil {
		return err
	}
	switch {
	case in.ScheduleExpression == "" && in.EventPattern == "":
		return badRequest("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
	case in.ScheduleExpression != "" && in.EventBusName != "" && in.EventBusName != evDefaultBus && !strings.HasSuffix(in.EventBusName, ":event-bus/default"):
		return badRequest("ValidationException", "ScheduleExpression is supported only on the default event bus.")
	}
	if in.ScheduleExpression != "" {
		if _, err := awscron.ParseRule(in.ScheduleExpression); err != nil {
			return badRequest("ValidationException", "%s", awscron.AWSRuleMessage(in.ScheduleExpression))
		}
	}
	if in.EventPattern != "" {
		var pattern map[string]any
		if err := json.Unmarshal([]byte(in.EventPattern), &pattern); err != nil {
			return badRequest("InvalidEventPatternException", "Event pattern is not valid. Reason: %v", err)
		}
	}
	return nil
}

// validateEvTags checks tag keys (1-128) and values (0-256).
func validateEvTags(v *violations, tags []awsTag, path string) {
	for i, t := range tags {
		p := path + "." + strconv.Itoa(i+1) + ".member"
		if t.Key == "" {
			v.add(t.Key, p+".key", "Member must have length greater than or equal to 1")
		}
		v.length(t.Key, p+".key", 1, 128)
		v.length(t.Value, p+".value", 0, 256)
	}
}

type evRuleNameIn struct {
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName"`
	Force        bool   `json:"Force"`
}

func (s *Server) eventsDescribeRule(c *jsonCall) (any, error) {
	var in evRuleNameIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	r, err := s.eventsRule(in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	out := r.out()
	out.CreatedBy = s.accountID
	return out, nil
}

type evListRulesIn struct {
	NamePrefix   string `json:"NamePrefix"`
	EventBusName string `json:"EventBusName"`
	NextToken    string `json:"NextToken"`
	Limit        *int   `json:"Limit"`
}

// eventsListRules lists rules by name, optionally only those starting with
// NamePrefix, a page of Limit (1-100, default 100) at a time.
func (s *Server) eventsListRules(c *jsonCall) (any, error) {
	var in evListRulesIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.length(in.NamePrefix, "namePrefix", 1, 64)
	v.pattern(in.NamePrefix, "namePrefix", evNamePattern, evNamePatternText)
	v.between(in.Limit, "limit", 1, 100)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.eventsBus(in.EventBusName); err != nil {
		return nil, err
	}
	var names []string
	for name := range s.events.rules {
		if strings.HasPrefix(name, in.NamePrefix) {
			names = append(names, name)
		}
	}
	page, next, ok := namePage(names, in.NextToken, limitOr(in.Limit, 100))
	if !ok {
		return nil, evInvalidToken()
	}
	rules := make([]evRuleOut, 0, len(page))
	for _, name := range page {
		rules = append(rules, s.events.rules[name].out())
	}
	return withToken(map[string]any{"Rules": rules}, "NextToken", next), nil
}

func (s *Server) eventsEnableRule(c *jsonCall) (any, error) { return s.eventsSetState(c, "ENABLED") }

func (s *Server) eventsDisableRule(c *jsonCall) (any, error) { return s.eventsSetState(c, "DISABLED") }

func (s *Server) eventsSetState(c *jsonCall, state string) (any, error) {
	var in evRuleNameIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	r, err := s.eventsRule(in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	r.state = state
	s.eventsArm(r)
	return nil, nil
}

// eventsDeleteRule deletes a rule. Deleting a missing rule succeeds, and a
// rule with targets cannot be deleted (Force only concerns rules managed by
// other AWS services, which the simulator does not create).
func (s *Server) eventsDeleteRule(c *jsonCall) (any, error) {
	var in evRuleNameIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := s.eventsBus(in.EventBusName); err != nil {
		return nil, err
	}
	r := s.events.rules[in.Name]
	if r == nil {
		return nil, nil
	}
	if len(r.targets) > 0 {
		return nil, badRequest("ValidationException", "Rule can't be deleted since it has targets.")
	}
	delete(s.events.rules, in.Name)
	return nil, nil
}

// ---- tags -----------------------------------------------------------------------

// eventsRuleByARN finds the rule a ResourceARN names.
func (s *Server) eventsRuleByARN(arn string) (*evRule, error) {
	prefix := s.arn("events", "rule/")
	name, ok := strings.CutPrefix(arn, prefix)
	if ok && s.events.rules[name] != nil {
		return s.events.rules[name], nil
	}
	if i := strings.LastIndex(arn, "/"); i >= 0 && strings.Contains(arn, ":rule/") {
		return nil, badRequest("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", arn[i+1:], evDefaultBus)
	}
	return nil, badRequest("ResourceNotFoundException", "Resource %s not found.", arn)
}

type evTagsIn struct {
	ResourceARN string   `json:"ResourceARN"`
	Tags        []awsTag `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

func (s *Server) eventsTagResource(c *jsonCall) (any, error) {
	var in evTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	validateEvTags(&v, in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	r, err := s.eventsRuleByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		r.tags = setTag(r.tags, t)
	}
	return nil, nil
}

// setTag sets t in tags, replacing the value of a tag with the same key.
func setTag(tags []awsTag, t awsTag) []awsTag {
	for i := range tags {
		if tags[i].Key == t.Key {
			tags[i].Value = t.Value
			return tags
		}
	}
	return append(tags, t)
}

func (s *Server) eventsUntagResource(c *jsonCall) (any, error) {
	var in evTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	r, err := s.eventsRuleByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	kept := r.tags[:0:0]
	for _, t := range r.tags {
		if !slices.Contains(in.TagKeys, t.Key) {
			kept = append(kept, t)
		}
	}
	r.tags = kept
	return nil, nil
}

func (s *Server) eventsListTagsForResource(c *jsonCall) (any, error) {
	var in evTagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	r, err := s.eventsRuleByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := append([]awsTag{}, r.tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return map[string]any{"Tags": tags}, nil
}

// ---- small helpers -------------------------------------------------------------

func evInvalidToken() error {
	return badRequest("ValidationException", "The NextToken provided is not valid.")
}

// limitOr is an optional page size, or def.
func limitOr(limit *int, def int) int {
	if limit == nil {
		return def
	}
	return *limit
}

// withToken adds the next-page token to an answer when there is one.
func withToken(out map[string]any, key, token string) map[string]any {
	if token != "" {
		out[key] = token
	}
	return out
}
