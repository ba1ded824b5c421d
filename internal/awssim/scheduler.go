package awssim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EventBridge Scheduler speaks REST-JSON: the operation is the HTTP method
// and path, URI members travel in the path and query, the rest in a JSON
// body, and errors carry their code in the X-Amzn-ErrorType header and a
// {"Message": ...} body. This file holds the protocol, the routing, schedule
// groups and tags; schedules are in scheduler_schedules.go.

// schedulerState holds EventBridge Scheduler schedules and groups.
type schedulerState struct {
	groups map[string]*schedGroup // by name; "default" always exists
}

// schedGroup is a schedule group and the schedules in it.
type schedGroup struct {
	name, arn         string
	created, modified time.Time
	tags              []awsTag
	schedules         map[string]*schedSchedule // by name
}

// awsTag is a tag as the Scheduler spells it.
const schedDefaultGroup = "default"

// Constraints from the Scheduler API reference.
var (
	schedNamePattern   = regexp.MustCompile(`^[0-9a-zA-Z-_.]+$`)
	schedGroupARNShape = regexp.MustCompile(`^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$`)
)

const (
	schedNamePatternText     = `^[0-9a-zA-Z-_.]+$`
	schedGroupARNPatternText = `arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+`
)

func (s *Server) registerScheduler() {
	s.scheduler = &schedulerState{groups: map[string]*schedGroup{}}
	s.scheduler.groups[schedDefaultGroup] = &schedGroup{
		name: schedDefaultGroup, arn: s.arn("scheduler", "schedule-group/"+schedDefaultGroup),
		created: s.simNow, modified: s.simNow, schedules: map[string]*schedSchedule{},
	}
}

// schedCall is one Scheduler request: the {Name} or {ResourceArn} of the
// path, the query and the body.
type schedCall struct {
	pathName string
	query    url.Values
	body     []byte
}

// decode unmarshals the JSON body into v.
func (c *schedCall) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return badRequest("ValidationException", "Could not parse request body: %v", err)
	}
	return nil
}

// schedRoute names the operation behind a method and path shape, and how
// the path's last segment and the query map onto request members (for the
// request log).
type schedRoute struct {
	op         string
	handler    func(*Server, *schedCall) (any, error)
	pathMember string            // member the {…} segment fills, "" for collection paths
	queryNames map[string]string // query parameter -> member
}

// schedRoutes maps "METHOD collection" (with "/{}" for an item) to the operation.
var schedRoutes = map[string]schedRoute{
	"POST /schedules/{}":         {"CreateSchedule", (*Server).schedCreateSchedule, "Name", nil},
	"GET /schedules/{}":          {"GetSchedule", (*Server).schedGetSchedule, "Name", map[string]string{"groupName": "GroupName"}},
	"PUT /schedules/{}":          {"UpdateSchedule", (*Server).schedUpdateSchedule, "Name", nil},
	"DELETE /schedules/{}":       {"DeleteSchedule", (*Server).schedDeleteSchedule, "Name", map[string]string{"groupName": "GroupName", "clientToken": "ClientToken"}},
	"GET /schedules":             {"ListSchedules", (*Server).schedListSchedules, "", map[string]string{"ScheduleGroup": "GroupName", "NamePrefix": "NamePrefix", "State": "State", "MaxResults": "MaxResults", "NextToken": "NextToken"}},
	"POST /schedule-groups/{}":   {"CreateScheduleGroup", (*Server).schedCreateGroup, "Name", nil},
	"GET /schedule-groups/{}":    {"GetScheduleGroup", (*Server).schedGetGroup, "Name", nil},
	"DELETE /schedule-groups/{}": {"DeleteScheduleGroup", (*Server).schedDeleteGroup, "Name", map[string]string{"clientToken": "ClientToken"}},
	"GET /schedule-groups":       {"ListScheduleGroups", (*Server).schedListGroups, "", map[string]string{"NamePrefix": "NamePrefix", "MaxResults": "MaxResults", "NextToken": "NextToken"}},
	"GET /tags/{}":               {"ListTagsForResource", (*Server).schedListTags, "ResourceArn", nil},
	"POST /tags/{}":              {"TagResource", (*Server).schedTagResource, "ResourceArn", nil},
	"DELETE /tags/{}":            {"UntagResource", (*Server).schedUntagResource, "ResourceArn", map[string]string{"TagKeys": "TagKeys"}},
}

// serveScheduler routes a Scheduler request by method and path and runs it
// through serveOp, so faults, the lock and the request log apply.
func (s *Server) serveScheduler(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	key, pathName, ok := schedRouteKey(r)
	route, known := schedRoutes[key]
	if !ok || !known {
		op := r.Method + " " + r.URL.Path
		s.serveOp(w, restJSONProtocol{}, "scheduler", op, nil, func() (any, error) {
			return nil, apiErr(http.StatusNotFound, "UnknownOperationException", "The simulator's scheduler service has no operation %s.", op)
		})
		return
	}
	c := &schedCall{pathName: pathName, query: r.URL.Query(), body: body}
	s.serveOp(w, restJSONProtocol{}, "scheduler", route.op, route.params(c), func() (any, error) { return route.handler(s, c) })
}

// schedRouteKey turns "/schedules/my%2Dname" into ("METHOD /schedules/{}",
// "my-name"). Path segments are unescaped one by one, so an ARN with its
// slashes escaped stays one segment.
func schedRouteKey(r *http.Request) (key, name string, ok bool) {
	parts := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	switch len(parts) {
	case 1:
		return r.Method + " /" + parts[0], "", true
	case 2:
		name, err := url.PathUnescape(parts[1])
		return r.Method + " /" + parts[0] + "/{}", name, err == nil
	}
	return "", "", false
}

// params is the request as the request log keeps it: the body's members
// plus the members carried in the path and query.
func (rt schedRoute) params(c *schedCall) json.RawMessage {
	members := map[string]any{}
	_ = json.Unmarshal(c.body, &members)
	if rt.pathMember != "" {
		members[rt.pathMember] = c.pathName
	}
	for q, member := range rt.queryNames {
		if vs := c.query[q]; len(vs) == 1 && member != "TagKeys" {
			members[member] = vs[0]
		} else if len(vs) > 0 {
			members[member] = vs
		}
	}
	b, _ := json.Marshal(members)
	return b
}

// restJSONProtocol writes answers the way REST-JSON services do.
type restJSONProtocol struct{}

func (restJSONProtocol) writeResult(w http.ResponseWriter, _, _ string, result any) {
	if result == nil {
		result = struct{}{}
	}
	b, err := json.Marshal(result)
	if err != nil {
		restJSONProtocol{}.writeError(w, "", apiErr(http.StatusInternalServerError, "InternalServerException", "marshal response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (restJSONProtocol) writeError(w http.ResponseWriter, _ string, e *APIError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"Message": e.Message})
	_, _ = w.Write(b)
}

func (restJSONProtocol) throttleError(string) *APIError {
	return apiErr(http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded")
}

func (restJSONProtocol) serverError(string) *APIError {
	return apiErr(http.StatusInternalServerError, "InternalServerException", "Unexpected error encountered while processing the request.")
}

// Scheduler errors, with the status codes of the API reference.
func schedValidation(format string, args ...any) error {
	return apiErr(http.StatusBadRequest, "ValidationException", format, args...)
}

func schedNotFound(format string, args ...any) error {
	return apiErr(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

func schedConflict(format string, args ...any) error {
	return apiErr(http.StatusConflict, "ConflictException", format, args...)
}

// ---- schedule groups -----------------------------------------------------------

// schedGroupNamed finds a group, answering ResourceNotFound when missing.
func (s *Server) schedGroupNamed(name string) (*schedGroup, error) {
	if name == "" {
		name = schedDefaultGroup
	}
	g := s.scheduler.groups[name]
	if g == nil {
		return nil, schedNotFound("Schedule group %s does not exist.", name)
	}
	return g, nil
}

type schedGroupOut struct {
	Arn                  string `json:"Arn"`
	CreationDate         Epoch  `json:"CreationDate"`
	LastModificationDate Epoch  `json:"LastModificationDate"`
	Name                 string `json:"Name"`
	State                string `json:"State"`
}

func (g *schedGroup) out() schedGroupOut {
	return schedGroupOut{Arn: g.arn, CreationDate: Epoch(g.created), LastModificationDate: Epoch(g.modified), Name: g.name, State: "ACTIVE"}
}

func (s *Server) schedCreateGroup(c *schedCall) (any, error) {
	var in struct {
		Tags []awsTag `json:"Tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.length(c.pathName, "name", 1, 64)
	v.pattern(c.pathName, "name", schedNamePattern, schedNamePatternText)
	validateSchedTags(&v, in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if s.scheduler.groups[c.pathName] != nil {
		return nil, schedConflict("Schedule group %s already exists.", c.pathName)
	}
	g := &schedGroup{name: c.pathName, arn: s.arn("scheduler", "schedule-group/"+c.pathName),
		created: s.now(), modified: s.now(), tags: in.Tags, schedules: map[string]*schedSchedule{}}
	s.scheduler.groups[g.name] = g
	return map[string]string{"ScheduleGroupArn": g.arn}, nil
}

func validateSchedTags(v *violations, tags []awsTag) {
	if len(tags) > 200 {
		v.add(len(tags), "tags", "Member must have length less than or equal to 200")
	}
	for i, t := range tags {
		p := "tags." + strconv.Itoa(i+1) + ".member"
		if t.Key == "" {
			v.add(t.Key, p+".key", "Member must have length greater than or equal to 1")
		}
		v.length(t.Key, p+".key", 1, 128)
		if t.Value == "" {
			v.add(t.Value, p+".value", "Member must have length greater than or equal to 1")
		}
		v.length(t.Value, p+".value", 1, 256)
	}
}

func (s *Server) schedGetGroup(c *schedCall) (any, error) {
	g, err := s.schedGroupNamed(c.pathName)
	if err != nil {
		return nil, err
	}
	return g.out(), nil
}

// schedDeleteGroup deletes a group and, as the Scheduler documents, every
// schedule in it. The default group cannot be deleted.
func (s *Server) schedDeleteGroup(c *schedCall) (any, error) {
	if c.pathName == schedDefaultGroup {
		return nil, schedValidation("You cannot delete the default group.")
	}
	if _, err := s.schedGroupNamed(c.pathName); err != nil {
		return nil, err
	}
	delete(s.scheduler.groups, c.pathName)
	return nil, nil
}

// schedListGroups lists groups by name, MaxResults (1-100) at a time.
func (s *Server) schedListGroups(c *schedCall) (any, error) {
	prefix := c.query.Get("NamePrefix")
	limit, err := schedMaxResults(c.query.Get("MaxResults"))
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range s.scheduler.groups {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	page, next, ok := namePage(names, c.query.Get("NextToken"), limit)
	if !ok {
		return nil, schedValidation("Invalid NextToken.")
	}
	groups := make([]schedGroupOut, 0, len(page))
	for _, name := range page {
		groups = append(groups, s.scheduler.groups[name].out())
	}
	return withToken(map[string]any{"ScheduleGroups": groups}, "NextToken", next), nil
}

// schedMaxResults parses a MaxResults query parameter (1-100; default 100).
func schedMaxResults(text string) (int, error) {
	if text == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, schedValidation("Value '%s' at 'maxResults' is not a number.", text)
	}
	var v violations
	v.between(&n, "maxResults", 1, 100)
	return n, v.err()
}

// ---- tags (schedule groups only, as in the Scheduler) ----------------------------

// schedTaggedGroup finds the group a ResourceArn names. The Scheduler tags
// only schedule groups: any other ARN fails the ARN's pattern.
func (s *Server) schedTaggedGroup(arn string) (*schedGroup, error) {
	var v violations
	v.length(arn, "resourceArn", 1, 1011)
	v.pattern(arn, "resourceArn", schedGroupARNShape, schedGroupARNPatternText)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := arn[strings.LastIndex(arn, "/")+1:]
	g := s.scheduler.groups[name]
	if g == nil || g.arn != arn {
		return nil, schedNotFound("Schedule group %s does not exist.", name)
	}
	return g, nil
}

func (s *Server) schedListTags(c *schedCall) (any, error) {
	g, err := s.schedTaggedGroup(c.pathName)
	if err != nil {
		return nil, err
	}
	tags := append([]awsTag{}, g.tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return map[string]any{"Tags": tags}, nil
}

func (s *Server) schedTagResource(c *schedCall) (any, error) {
	var in struct {
		Tags []awsTag `json:"Tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var v violations
	validateSchedTags(&v, in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	g, err := s.schedTaggedGroup(c.pathName)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		g.tags = setTag(g.tags, t)
	}
	return nil, nil
}

func (s *Server) schedUntagResource(c *schedCall) (any, error) {
	g, err := s.schedTaggedGroup(c.pathName)
	if err != nil {
		return nil, err
	}
	remove := c.query["TagKeys"]
	kept := g.tags[:0:0]
	for _, t := range g.tags {
		if !slices.Contains(remove, t.Key) {
			kept = append(kept, t)
		}
	}
	g.tags = kept
	return nil, nil
}
