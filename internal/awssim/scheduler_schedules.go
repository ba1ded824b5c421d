package awssim

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/ecsctl/ecsctl/internal/awscron"
)

// EventBridge Scheduler schedules: CreateSchedule, GetSchedule,
// UpdateSchedule, DeleteSchedule, ListSchedules.

// schedSchedule is a schedule as the last CreateSchedule or UpdateSchedule
// gave it (UpdateSchedule replaces everything, as on AWS).
type schedSchedule struct {
	name, group, arn string
	schedDefinition
	created, modified time.Time
	armed             int // bumped on every re-plan; outdated run events see the change
}

// schedDefinition is what CreateSchedule and UpdateSchedule set.
type schedDefinition struct {
	in     schedScheduleIn
	target map[string]json.RawMessage // answered back verbatim, plus defaults
	spec   schedTargetIn
	plan   *awscron.Schedule
	loc    *time.Location
}

// schedScheduleIn is the body of CreateSchedule and UpdateSchedule.
type schedScheduleIn struct {
	ActionAfterCompletion      string          `json:"ActionAfterCompletion"`
	ClientToken                string          `json:"ClientToken"`
	Description                *string         `json:"Description"`
	EndDate                    *Epoch          `json:"EndDate"`
	FlexibleTimeWindow         *schedWindow    `json:"FlexibleTimeWindow"`
	GroupName                  string          `json:"GroupName"`
	KmsKeyArn                  string          `json:"KmsKeyArn"`
	ScheduleExpression         string          `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string          `json:"ScheduleExpressionTimezone"`
	StartDate                  *Epoch          `json:"StartDate"`
	State                      string          `json:"State"`
	Target                     json.RawMessage `json:"Target"`
}

// schedWindow is a FlexibleTimeWindow: OFF, or FLEXIBLE within 1-1440 minutes.
type schedWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes *int   `json:"MaximumWindowInMinutes,omitempty"`
}

// schedTargetIn is what the simulator checks of a schedule's target.
type schedTargetIn struct {
	Arn         string  `json:"Arn"`
	RoleArn     string  `json:"RoleArn"`
	Input       *string `json:"Input"`
	RetryPolicy *struct {
		MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds"`
		MaximumRetryAttempts     *int `json:"MaximumRetryAttempts"`
	} `json:"RetryPolicy"`
	DeadLetterConfig *struct {
		Arn string `json:"Arn"`
	} `json:"DeadLetterConfig"`
	EcsParameters *schedEcsParameters `json:"EcsParameters"`
}

// schedEcsParameters is how the Scheduler calls ecs:RunTask; its tags are
// maps rather than Key/Value pairs.
type schedEcsParameters struct {
	ecsTargetParams
	Tags []map[string]string `json:"Tags"`
}

// Target ARN shapes from the API reference.
var (
	schedRoleARN = regexp.MustCompile(`^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$`)
	schedSQSARN  = regexp.MustCompile(`^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$`)
)

// schedDefaultRetryPolicy is what the Scheduler answers for a target
// created without a RetryPolicy.
const schedDefaultRetryPolicy = `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}`

func (s *Server) schedCreateSchedule(c *schedCall) (any, error) {
	def, err := s.schedReadSchedule(c)
	if err != nil {
		return nil, err
	}
	g, err := s.schedGroupNamed(def.in.GroupName)
	if err != nil {
		return nil, err
	}
	if g.schedules[c.pathName] != nil {
		return nil, schedConflict("Schedule %s already exists.", c.pathName)
	}
	sc := &schedSchedule{name: c.pathName, group: g.name, arn: s.arn("scheduler", "schedule/"+g.name+"/"+c.pathName),
		schedDefinition: def, created: s.now(), modified: s.now()}
	g.schedules[sc.name] = sc
	s.schedArm(sc, s.now().Add(-time.Nanosecond))
	return map[string]string{"ScheduleArn": sc.arn}, nil
}

// schedUpdateSchedule replaces a schedule: what the call omits returns to
// its default, as AWS documents for UpdateSchedule.
func (s *Server) schedUpdateSchedule(c *schedCall) (any, error) {
	def, err := s.schedReadSchedule(c)
	if err != nil {
		return nil, err
	}
	sc, err := s.schedScheduleNamed(def.in.GroupName, c.pathName)
	if err != nil {
		return nil, err
	}
	sc.schedDefinition, sc.modified = def, s.now()
	s.schedArm(sc, s.now().Add(-time.Nanosecond))
	return map[string]string{"ScheduleArn": sc.arn}, nil
}

// schedScheduleNamed finds a schedule in a group (default: "default").
func (s *Server) schedScheduleNamed(group, name string) (*schedSchedule, error) {
	g, err := s.schedGroupNamed(group)
	if err != nil {
		return nil, err
	}
	sc := g.schedules[name]
	if sc == nil {
		return nil, schedNotFound("Schedule %s does not exist.", name)
	}
	return sc, nil
}

// schedReadSchedule decodes and validates a CreateSchedule or UpdateSchedule
// body, and fills in the defaults the Scheduler answers with.
func (s *Server) schedReadSchedule(c *schedCall) (schedDefinition, error) {
	var in schedScheduleIn
	var target schedTargetIn
	var raw map[string]json.RawMessage
	if err := c.decode(&in); err != nil {
		return schedDefinition{}, err
	}
	if len(in.Target) > 0 {
		if err := json.Unmarshal(in.Target, &target); err != nil {
			return schedDefinition{}, schedValidation("Could not parse Target: %v", err)
		}
		_ = json.Unmarshal(in.Target, &raw)
	}
	if err := validateScheduleModel(c.pathName, in, target); err != nil {
		return schedDefinition{}, err
	}
	if e := target.EcsParameters; e != nil && e.LaunchType != "" && len(e.CapacityProviderStrategy) > 0 {
		return schedDefinition{}, schedValidation("%s", errLaunchTypeAndStrategy)
	}
	plan, loc, err := s.validateScheduleRules(in)
	if err != nil {
		return schedDefinition{}, err
	}
	if in.GroupName == "" {
		in.GroupName = schedDefaultGroup
	}
	if in.ScheduleExpressionTimezone == "" {
		in.ScheduleExpressionTimezone = "UTC"
	}
	if in.State == "" {
		in.State = "ENABLED"
	}
	if in.ActionAfterCompletion == "" {
		in.ActionAfterCompletion = "NONE"
	}
	if _, ok := raw["RetryPolicy"]; !ok {
		raw["RetryPolicy"] = json.RawMessage(schedDefaultRetryPolicy)
	}
	return schedDefinition{in: in, target: raw, spec: target, plan: plan, loc: loc}, nil
}

// validateScheduleModel applies the constraints of the CreateSchedule model.
func validateScheduleModel(name string, in schedScheduleIn, t schedTargetIn) error {
	var v violations
	v.length(name, "name", 1, 64)
	v.pattern(name, "name", schedNamePattern, schedNamePatternText)
	v.length(in.GroupName, "groupName", 1, 64)
	v.pattern(in.GroupName, "groupName", schedNamePattern, schedNamePatternText)
	if in.Description != nil {
		v.length(*in.Description, "description", 0, 512)
	}
	if in.ScheduleExpression == "" {
		v.add(nil, "scheduleExpression", "Member must not be null")
	}
	v.length(in.ScheduleExpression, "scheduleExpression", 1, 256)
	v.length(in.ScheduleExpressionTimezone, "scheduleExpressionTimezone", 1, 50)
	v.enum(in.State, "state", "ENABLED", "DISABLED")
	v.enum(in.ActionAfterCompletion, "actionAfterCompletion", "NONE", "DELETE")
	v.length(in.KmsKeyArn, "kmsKeyArn", 1, 2048)
	if w := in.FlexibleTimeWindow; w == nil {
		v.add(nil, "flexibleTimeWindow", "Member must not be null")
	} else {
		v.enum(w.Mode, "flexibleTimeWindow.mode", "OFF", "FLEXIBLE")
		v.between(w.MaximumWindowInMinutes, "flexibleTimeWindow.maximumWindowInMinutes", 1, 1440)
	}
	if len(in.Target) == 0 {
		v.add(nil, "target", "Member must not be null")
	} else {
		validateScheduleTarget(&v, t)
	}
	return v.err()
}

// validateScheduleTarget checks the target's members: an ARN, an IAM role
// ARN, and for ECS the RunTask parameters' documented bounds.
func validateScheduleTarget(v *violations, t schedTargetIn) {
	for _, m := range []struct{ value, path string }{{t.Arn, "target.arn"}, {t.RoleArn, "target.roleArn"}} {
		if m.value == "" {
			v.add(nil, m.path, "Member must not be null")
		}
		v.length(m.value, m.path, 1, 1600)
	}
	v.pattern(t.RoleArn, "target.roleArn", schedRoleARN, schedRoleARN.String())
	if t.Input != nil && *t.Input == "" {
		v.add("", "target.input", "Member must have length greater than or equal to 1")
	}
	if rp := t.RetryPolicy; rp != nil {
		v.between(rp.MaximumEventAgeInSeconds, "target.retryPolicy.maximumEventAgeInSeconds", 60, 86400)
		v.between(rp.MaximumRetryAttempts, "target.retryPolicy.maximumRetryAttempts", 0, 185)
	}
	if dl := t.DeadLetterConfig; dl != nil {
		v.length(dl.Arn, "target.deadLetterConfig.arn", 1, 1600)
		v.pattern(dl.Arn, "target.deadLetterConfig.arn", schedSQSARN, schedSQSARN.String())
	}
	if ecs := t.EcsParameters; ecs != nil {
		validateScheduleECS(v, ecs)
	}
}

func validateScheduleECS(v *violations, ecs *schedEcsParameters) {
	const p = "target.ecsParameters"
	if ecs.TaskDefinitionArn == "" {
		v.add(nil, p+".taskDefinitionArn", "Member must not be null")
	}
	v.length(ecs.TaskDefinitionArn, p+".taskDefinitionArn", 1, 1600)
	v.between(ecs.TaskCount, p+".taskCount", 1, 10)
	v.enum(ecs.LaunchType, p+".launchType", "EC2", "FARGATE", "EXTERNAL")
	validateCapacityProviders(v, ecs.CapacityProviderStrategy, p+".capacityProviderStrategy")
	v.length(ecs.PlatformVersion, p+".platformVersion", 1, 64)
	v.length(ecs.Group, p+".group", 1, 255)
	v.enum(ecs.PropagateTags, p+".propagateTags", "TASK_DEFINITION")
	v.length(ecs.ReferenceId, p+".referenceId", 0, 1024)
	if len(ecs.Tags) > 50 {
		v.add(len(ecs.Tags), p+".tags", "Member must have length less than or equal to 50")
	}
	if nc := ecs.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		vpc := nc.AwsvpcConfiguration
		const q = p + ".networkConfiguration.awsvpcConfiguration"
		switch n := len(vpc.Subnets); {
		case n == 0:
			v.add("[]", q+".subnets", "Member must have length greater than or equal to 1")
		case n > 16:
			v.add("["+strings.Join(vpc.Subnets, ", ")+"]", q+".subnets", "Member must have length less than or equal to 16")
		}
		if len(vpc.SecurityGroups) > 5 {
			v.add("["+strings.Join(vpc.SecurityGroups, ", ")+"]", q+".securityGroups", "Member must have length less than or equal to 5")
		}
		v.enum(vpc.AssignPublicIp, q+".assignPublicIp", "ENABLED", "DISABLED")
	}
}

// validateScheduleRules applies the Scheduler's rules beyond the model: a
// valid expression and time zone, a consistent flexible window, and dates
// that make sense. It returns the parsed expression and zone.
func (s *Server) validateScheduleRules(in schedScheduleIn) (*awscron.Schedule, *time.Location, error) {
	plan, err := awscron.ParseSchedule(in.ScheduleExpression)
	if err != nil {
		return nil, nil, schedValidation("%s", awscron.AWSScheduleMessage(in.ScheduleExpression))
	}
	loc := time.UTC
	if in.ScheduleExpressionTimezone != "" {
		if loc, err = awscron.LoadZone(in.ScheduleExpressionTimezone); err != nil {
			return nil, nil, schedValidation("Invalid time zone %s.", in.ScheduleExpressionTimezone)
		}
	}
	switch w := in.FlexibleTimeWindow; {
	case w.Mode == "FLEXIBLE" && w.MaximumWindowInMinutes == nil:
		return nil, nil, schedValidation("MaximumWindowInMinutes must be provided when the FlexibleTimeWindow Mode is FLEXIBLE.")
	case w.Mode == "OFF" && w.MaximumWindowInMinutes != nil:
		return nil, nil, schedValidation("MaximumWindowInMinutes must not be provided when the FlexibleTimeWindow Mode is OFF.")
	}
	// StartDate and EndDate bound recurring schedules; one-time ones ignore them.
	if plan.Kind() == awscron.At {
		return plan, loc, nil
	}
	if in.StartDate != nil && time.Time(*in.StartDate).Before(s.now().Add(-5*time.Minute)) {
		return nil, nil, schedValidation("The StartDate you specify cannot be earlier than 5 minutes ago.")
	}
	if in.StartDate != nil && in.EndDate != nil && !time.Time(*in.EndDate).After(time.Time(*in.StartDate)) {
		return nil, nil, schedValidation("The EndDate you specify must be after the StartDate.")
	}
	return plan, loc, nil
}

// schedOut is a schedule as GetSchedule answers it.
type schedOut struct {
	ActionAfterCompletion      string                     `json:"ActionAfterCompletion"`
	Arn                        string                     `json:"Arn"`
	CreationDate               Epoch                      `json:"CreationDate"`
	Description                *string                    `json:"Description,omitempty"`
	EndDate                    *Epoch                     `json:"EndDate,omitempty"`
	FlexibleTimeWindow         *schedWindow               `json:"FlexibleTimeWindow"`
	GroupName                  string                     `json:"GroupName"`
	KmsKeyArn                  string                     `json:"KmsKeyArn,omitempty"`
	LastModificationDate       Epoch                      `json:"LastModificationDate"`
	Name                       string                     `json:"Name"`
	ScheduleExpression         string                     `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                     `json:"ScheduleExpressionTimezone"`
	StartDate                  *Epoch                     `json:"StartDate,omitempty"`
	State                      string                     `json:"State"`
	Target                     map[string]json.RawMessage `json:"Target"`
}

func (s *Server) schedGetSchedule(c *schedCall) (any, error) {
	sc, err := s.schedScheduleNamed(c.query.Get("groupName"), c.pathName)
	if err != nil {
		return nil, err
	}
	in := sc.in
	return schedOut{
		ActionAfterCompletion: in.ActionAfterCompletion, Arn: sc.arn, CreationDate: Epoch(sc.created),
		Description: in.Description, EndDate: in.EndDate, FlexibleTimeWindow: in.FlexibleTimeWindow,
		GroupName: sc.group, KmsKeyArn: in.KmsKeyArn, LastModificationDate: Epoch(sc.modified), Name: sc.name,
		ScheduleExpression: in.ScheduleExpression, ScheduleExpressionTimezone: in.ScheduleExpressionTimezone,
		StartDate: in.StartDate, State: in.State, Target: sc.target,
	}, nil
}

func (s *Server) schedDeleteSchedule(c *schedCall) (any, error) {
	sc, err := s.schedScheduleNamed(c.query.Get("groupName"), c.pathName)
	if err != nil {
		return nil, err
	}
	delete(s.scheduler.groups[sc.group].schedules, sc.name)
	return nil, nil
}

// schedSummary is a schedule as ListSchedules answers it.
type schedSummary struct {
	Arn                  string            `json:"Arn"`
	CreationDate         Epoch             `json:"CreationDate"`
	GroupName            string            `json:"GroupName"`
	LastModificationDate Epoch             `json:"LastModificationDate"`
	Name                 string            `json:"Name"`
	State                string            `json:"State"`
	Target               map[string]string `json:"Target"`
}

// schedListSchedules lists schedules ordered by group and name, filtered by
// group, name prefix and state, MaxResults (1-100) at a time.
func (s *Server) schedListSchedules(c *schedCall) (any, error) {
	q := c.query
	var v violations
	v.enum(q.Get("State"), "state", "ENABLED", "DISABLED")
	if err := v.err(); err != nil {
		return nil, err
	}
	limit, err := schedMaxResults(q.Get("MaxResults"))
	if err != nil {
		return nil, err
	}
	if group := q.Get("ScheduleGroup"); group != "" {
		if _, err := s.schedGroupNamed(group); err != nil {
			return nil, err
		}
	}
	byKey := map[string]*schedSchedule{}
	for _, g := range s.scheduler.groups {
		for _, sc := range g.schedules {
			if sc.listedBy(q.Get("ScheduleGroup"), q.Get("NamePrefix"), q.Get("State")) {
				byKey[sc.group+"\x00"+sc.name] = sc
			}
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	page, next, ok := namePage(keys, q.Get("NextToken"), limit)
	if !ok {
		return nil, schedValidation("Invalid NextToken.")
	}
	out := make([]schedSummary, 0, len(page))
	for _, k := range page {
		out = append(out, byKey[k].summary())
	}
	return withToken(map[string]any{"Schedules": out}, "NextToken", next), nil
}

func (sc *schedSchedule) listedBy(group, prefix, state string) bool {
	return (group == "" || sc.group == group) && strings.HasPrefix(sc.name, prefix) && (state == "" || sc.in.State == state)
}

func (sc *schedSchedule) summary() schedSummary {
	var arn string
	_ = json.Unmarshal(sc.target["Arn"], &arn)
	return schedSummary{Arn: sc.arn, CreationDate: Epoch(sc.created), GroupName: sc.group, LastModificationDate: Epoch(sc.modified),
		Name: sc.name, State: sc.in.State, Target: map[string]string{"Arn": arn}}
}
