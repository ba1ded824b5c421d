package awssim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ELBv2 (Query protocol): target groups and the health of their targets.
// ECS registers a service's tasks as targets (task IP + container port) when
// they activate and deregisters them when they stop; the health of a target
// follows the behaviour of the task's image (see behavior.go) and the target
// group's health check settings. Load balancers and listeners are not modelled.

// elbState holds ELBv2 target groups and the health of their targets.
type elbState struct {
	groups  map[string]*targetGroup // by ARN
	created int                     // target groups created so far (orders DescribeTargetGroups)
}

type targetGroup struct {
	arn, name       string
	protocol        string
	protocolVersion string
	port            int
	vpcID           string
	targetType      string
	ipAddressType   string
	hcEnabled       bool
	hcProtocol      string
	hcPort          string
	hcPath          string
	hcInterval      int
	hcTimeout       int
	healthyCount    int
	unhealthyCount  int
	matcher         string
	lbArns          []string
	attrs           map[string]string
	tags            []ecsTag
	targets         map[string]*elbTarget // by "ip:port"
	createdSeq      int
}

// elbTarget is one registered target and its health.
type elbTarget struct {
	id, az      string
	port        int
	state       string // initial, healthy, unhealthy, draining
	reason      string
	description string
	seq         int // bumped to cancel scheduled health transitions
	notify      func(t *elbTarget)
}

// targetPlan says how the health checks of a new target will go.
type targetPlan struct {
	readyAt     time.Time // when the application starts passing checks; zero: never
	failReason  string    // how failing checks look once the application is up but failing
	failMessage string
}

func (s *Server) registerELB() {
	s.elb = &elbState{groups: map[string]*targetGroup{}}
	ops := map[string]queryOp{
		"CreateTargetGroup":             s.elbCreateTargetGroup,
		"DescribeTargetGroups":          s.elbDescribeTargetGroups,
		"DeleteTargetGroup":             s.elbDeleteTargetGroup,
		"ModifyTargetGroup":             s.elbModifyTargetGroup,
		"DescribeTargetGroupAttributes": s.elbDescribeTargetGroupAttributes,
		"ModifyTargetGroupAttributes":   s.elbModifyTargetGroupAttributes,
		"DescribeTargetHealth":          s.elbDescribeTargetHealth,
		"RegisterTargets":               s.elbRegisterTargets,
		"DeregisterTargets":             s.elbDeregisterTargets,
		"DescribeTags":                  s.elbDescribeTags,
		"AddTags":                       s.elbAddTags,
		"RemoveTags":                    s.elbRemoveTags,
	}
	for op, h := range ops {
		s.handleQuery("elasticloadbalancing", op, h)
	}
}

// ---- what ECS calls --------------------------------------------------------------

func (s *Server) targetGroup(arn string) *targetGroup { return s.elb.groups[arn] }

// deregistrationDelay is the target group's deregistration_delay.timeout_seconds.
func (tg *targetGroup) deregistrationDelay() time.Duration {
	n, _ := strconv.Atoi(tg.attrs["deregistration_delay.timeout_seconds"])
	return time.Duration(n) * time.Second
}

// elbRegisterTarget registers ip:port in the target group and plans its
// health: initial (Elb.RegistrationInProgress, then Elb.InitialHealthChecking),
// then healthy after its first passing check, or unhealthy once it has failed
// UnhealthyThresholdCount checks in a row. notify is called on every change.
func (s *Server) elbRegisterTarget(tg *targetGroup, ip string, port int, az string, plan targetPlan, notify func(*elbTarget)) *elbTarget {
	key := ip + ":" + strconv.Itoa(port)
	t := tg.targets[key]
	if t == nil {
		t = &elbTarget{id: ip, port: port, az: az}
		tg.targets[key] = t
	}
	t.seq++
	t.notify = notify
	t.set("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
	seq := t.seq
	at := func(when time.Time, state, reason, desc string) {
		s.at(when, func() {
			if t.seq == seq {
				t.set(state, reason, desc)
			}
		})
	}
	reg := s.now().Add(s.ecs.timings.TargetRegistration)
	at(reg, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress")

	interval := time.Duration(tg.hcInterval) * time.Second
	// The first check that passes, counted from the end of registration.
	first := -1
	if !plan.readyAt.IsZero() {
		first = 1
		if wait := plan.readyAt.Sub(reg); wait > 0 {
			first = int((wait + interval - 1) / interval)
			if first < 1 {
				first = 1
			}
		}
	}
	if first < 0 || first-1 >= tg.unhealthyCount {
		// UnhealthyThresholdCount failed checks in a row make it unhealthy:
		// checks the application fails (plan.failReason), or checks nobody
		// answers yet because it is still starting.
		reason, desc := "Target.FailedHealthChecks", "Health checks failed"
		if first < 0 && plan.failReason != "" {
			reason, desc = plan.failReason, plan.failMessage
		}
		at(reg.Add(time.Duration(tg.unhealthyCount)*interval), "unhealthy", reason, desc)
		if first < 0 {
			return t
		}
		// A target that turns healthy again needs HealthyThresholdCount passes.
		at(reg.Add(time.Duration(first+tg.healthyCount-1)*interval), "healthy", "", "")
		return t
	}
	// A new target is healthy after its first passing check.
	at(reg.Add(time.Duration(first)*interval), "healthy", "", "")
	return t
}

func (t *elbTarget) set(state, reason, desc string) {
	changed := t.state != state
	t.state, t.reason, t.description = state, reason, desc
	if changed && t.notify != nil {
		t.notify(t)
	}
}

// elbDeregisterTarget starts draining ip:port and returns how long draining
// lasts (the group's deregistration delay); the target disappears after it.
func (s *Server) elbDeregisterTarget(tg *targetGroup, ip string, port int) time.Duration {
	key := ip + ":" + strconv.Itoa(port)
	t := tg.targets[key]
	if t == nil {
		return 0
	}
	t.seq++
	t.notify = nil
	t.set("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
	seq := t.seq
	delay := tg.deregistrationDelay()
	s.after(delay, func() {
		if tg.targets[key] == t && t.seq == seq {
			delete(tg.targets, key)
		}
	})
	return delay
}

// ---- Query operations --------------------------------------------------------------

func (s *Server) elbCreateTargetGroup(c *queryCall) (any, error) {
	f := c.Form
	name := f.Get("Name")
	if !validTargetGroupName(name) {
		return nil, badRequest("ValidationError", "Target group name '%s' can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen", name)
	}
	targetType := orStr(f.Get("TargetType"), "instance")
	protocol := f.Get("Protocol")
	port, _ := strconv.Atoi(f.Get("Port"))
	if targetType != "lambda" {
		if protocol == "" {
			return nil, badRequest("ValidationError", "A protocol must be specified")
		}
		if port < 1 || port > 65535 {
			return nil, badRequest("ValidationError", "A port must be specified")
		}
		if f.Get("VpcId") == "" {
			return nil, badRequest("ValidationError", "A VPC ID must be specified")
		}
	}
	for _, tg := range s.elb.groups {
		if tg.name != name {
			continue
		}
		if tg.protocol == protocol && tg.port == port && tg.vpcID == f.Get("VpcId") && tg.targetType == targetType {
			return xmlTargetGroups{TargetGroups: []xmlTargetGroup{tg.xml()}}, nil
		}
		return nil, badRequest("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	s.elb.created++
	tg := &targetGroup{
		arn:  s.arn("elasticloadbalancing", "targetgroup/"+name+"/"+s.hexID(16)),
		name: name, protocol: protocol, port: port, vpcID: f.Get("VpcId"), targetType: targetType,
		protocolVersion: orStr(f.Get("ProtocolVersion"), "HTTP1"),
		ipAddressType:   orStr(f.Get("IpAddressType"), "ipv4"),
		hcEnabled:       f.Get("HealthCheckEnabled") != "false",
		hcProtocol:      orStr(f.Get("HealthCheckProtocol"), orStr(protocol, "HTTP")),
		hcPort:          orStr(f.Get("HealthCheckPort"), "traffic-port"),
		hcPath:          orStr(f.Get("HealthCheckPath"), "/"),
		hcInterval:      atoiOr(f.Get("HealthCheckIntervalSeconds"), 30),
		hcTimeout:       atoiOr(f.Get("HealthCheckTimeoutSeconds"), 5),
		healthyCount:    atoiOr(f.Get("HealthyThresholdCount"), 5),
		unhealthyCount:  atoiOr(f.Get("UnhealthyThresholdCount"), 2),
		matcher:         orStr(f.Get("Matcher.HttpCode"), "200"),
		attrs: map[string]string{
			"deregistration_delay.timeout_seconds":                           "300",
			"stickiness.enabled":                                             "false",
			"stickiness.type":                                                "lb_cookie",
			"stickiness.lb_cookie.duration_seconds":                          "86400",
			"slow_start.duration_seconds":                                    "0",
			"load_balancing.algorithm.type":                                  "round_robin",
			"load_balancing.cross_zone.enabled":                              "use_load_balancer_configuration",
			"target_group_health.dns_failover.minimum_healthy_targets.count": "1",
		},
		targets:    map[string]*elbTarget{},
		createdSeq: s.elb.created,
	}
	if tg.hcInterval < 5 || tg.hcInterval > 300 {
		return nil, badRequest("ValidationError", "Health check interval must be between 5 and 300 seconds")
	}
	if tg.healthyCount < 2 || tg.healthyCount > 10 || tg.unhealthyCount < 2 || tg.unhealthyCount > 10 {
		return nil, badRequest("ValidationError", "Health check thresholds must be between 2 and 10")
	}
	for _, kv := range c.structs("Tags") {
		tg.tags = mergeTags(tg.tags, []ecsTag{{Key: kv["Key"], Value: kv["Value"]}})
	}
	s.elb.groups[tg.arn] = tg
	return xmlTargetGroups{TargetGroups: []xmlTargetGroup{tg.xml()}}, nil
}

func validTargetGroupName(n string) bool {
	if n == "" || len(n) > 32 || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// sortedGroups returns the target groups in creation order.
func (s *Server) sortedGroups() []*targetGroup {
	out := make([]*targetGroup, 0, len(s.elb.groups))
	for _, tg := range s.elb.groups {
		out = append(out, tg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].createdSeq < out[j].createdSeq })
	return out
}

func (s *Server) elbDescribeTargetGroups(c *queryCall) (any, error) {
	arns, names := c.list("TargetGroupArns"), c.list("Names")
	lbArn := c.Form.Get("LoadBalancerArn")
	var matched []*targetGroup
	switch {
	case len(arns) > 0:
		for _, a := range arns {
			tg := s.elb.groups[a]
			if tg == nil {
				return nil, badRequest("TargetGroupNotFound", "One or more target groups not found")
			}
			matched = append(matched, tg)
		}
	case len(names) > 0:
		for _, n := range names {
			var found *targetGroup
			for _, tg := range s.elb.groups {
				if tg.name == n {
					found = tg
				}
			}
			if found == nil {
				return nil, badRequest("TargetGroupNotFound", "One or more target groups not found")
			}
			matched = append(matched, found)
		}
	default:
		for _, tg := range s.sortedGroups() {
			if lbArn == "" || slices.Contains(tg.lbArns, lbArn) {
				matched = append(matched, tg)
			}
		}
	}
	size := atoiOr(c.Form.Get("PageSize"), 400)
	if size < 1 || size > 400 {
		return nil, badRequest("ValidationError", "Page size must be between 1 and 400")
	}
	start, end, next, err := pageBounds(len(matched), c.Form.Get("Marker"), size, 400, 400)
	if err != nil {
		return nil, badRequest("ValidationError", "Invalid marker")
	}
	out := xmlTargetGroups{NextMarker: next}
	for _, tg := range matched[start:end] {
		out.TargetGroups = append(out.TargetGroups, tg.xml())
	}
	return out, nil
}

func (s *Server) groupFromForm(c *queryCall) (*targetGroup, error) {
	tg := s.elb.groups[c.Form.Get("TargetGroupArn")]
	if tg == nil {
		return nil, badRequest("TargetGroupNotFound", "Target groups '%s' not found", c.Form.Get("TargetGroupArn"))
	}
	return tg, nil
}

func (s *Server) elbDeleteTargetGroup(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	if len(tg.lbArns) > 0 {
		return nil, badRequest("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", tg.arn)
	}
	delete(s.elb.groups, tg.arn)
	return struct{}{}, nil
}

func (s *Server) elbModifyTargetGroup(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	f := c.Form
	tg.hcProtocol = orStr(f.Get("HealthCheckProtocol"), tg.hcProtocol)
	tg.hcPort = orStr(f.Get("HealthCheckPort"), tg.hcPort)
	tg.hcPath = orStr(f.Get("HealthCheckPath"), tg.hcPath)
	tg.hcInterval = atoiOr(f.Get("HealthCheckIntervalSeconds"), tg.hcInterval)
	tg.hcTimeout = atoiOr(f.Get("HealthCheckTimeoutSeconds"), tg.hcTimeout)
	tg.healthyCount = atoiOr(f.Get("HealthyThresholdCount"), tg.healthyCount)
	tg.unhealthyCount = atoiOr(f.Get("UnhealthyThresholdCount"), tg.unhealthyCount)
	tg.matcher = orStr(f.Get("Matcher.HttpCode"), tg.matcher)
	if v := f.Get("HealthCheckEnabled"); v != "" {
		tg.hcEnabled = v == "true"
	}
	return xmlTargetGroups{TargetGroups: []xmlTargetGroup{tg.xml()}}, nil
}

type xmlAttribute struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlAttributes struct {
	Attributes []xmlAttribute `xml:"Attributes>member"`
}

func (tg *targetGroup) xmlAttrs() xmlAttributes {
	keys := make([]string, 0, len(tg.attrs))
	for k := range tg.attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out xmlAttributes
	for _, k := range keys {
		out.Attributes = append(out.Attributes, xmlAttribute{Key: k, Value: tg.attrs[k]})
	}
	return out
}

func (s *Server) elbDescribeTargetGroupAttributes(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	return tg.xmlAttrs(), nil
}

func (s *Server) elbModifyTargetGroupAttributes(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	attrs := c.structs("Attributes")
	for _, kv := range attrs {
		if kv["Key"] == "deregistration_delay.timeout_seconds" {
			n, err := strconv.Atoi(kv["Value"])
			if err != nil || n < 0 || n > 3600 {
				return nil, badRequest("ValidationError", "'deregistration_delay.timeout_seconds' must be an integer between 0 and 3600")
			}
		}
		if _, known := tg.attrs[kv["Key"]]; !known {
			return nil, badRequest("ValidationError", "Target group attribute key '%s' is not recognized", kv["Key"])
		}
	}
	for _, kv := range attrs {
		tg.attrs[kv["Key"]] = kv["Value"]
	}
	return tg.xmlAttrs(), nil
}

type xmlTargetHealthDescriptions struct {
	TargetHealthDescriptions []xmlTargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

type xmlTargetHealthDescription struct {
	Target struct {
		Id               string `xml:"Id"`
		Port             int    `xml:"Port"`
		AvailabilityZone string `xml:"AvailabilityZone,omitempty"`
	} `xml:"Target"`
	HealthCheckPort string `xml:"HealthCheckPort"`
	TargetHealth    struct {
		State       string `xml:"State"`
		Reason      string `xml:"Reason,omitempty"`
		Description string `xml:"Description,omitempty"`
	} `xml:"TargetHealth"`
}

func (s *Server) elbDescribeTargetHealth(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	desc := func(t *elbTarget) xmlTargetHealthDescription {
		var d xmlTargetHealthDescription
		d.Target.Id, d.Target.Port, d.Target.AvailabilityZone = t.id, t.port, t.az
		d.HealthCheckPort = strconv.Itoa(t.port)
		if tg.hcPort != "traffic-port" {
			d.HealthCheckPort = tg.hcPort
		}
		d.TargetHealth.State, d.TargetHealth.Reason, d.TargetHealth.Description = t.state, t.reason, t.description
		return d
	}
	var out xmlTargetHealthDescriptions
	if asked := c.structs("Targets"); len(asked) > 0 {
		for _, a := range asked {
			port := atoiOr(a["Port"], tg.port)
			t := tg.targets[a["Id"]+":"+strconv.Itoa(port)]
			if t == nil {
				t = &elbTarget{id: a["Id"], port: port, state: "unused", reason: "Target.NotRegistered",
					description: "Target is not registered to the target group"}
			}
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, desc(t))
		}
		return out, nil
	}
	keys := make([]string, 0, len(tg.targets))
	for k := range tg.targets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, desc(tg.targets[k]))
	}
	return out, nil
}

// RegisterTargets adds targets by hand (not through ECS); they are healthy
// after their first health check.
func (s *Server) elbRegisterTargets(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	for _, t := range c.structs("Targets") {
		s.elbRegisterTarget(tg, t["Id"], atoiOr(t["Port"], tg.port), t["AvailabilityZone"], targetPlan{readyAt: s.now()}, nil)
	}
	return struct{}{}, nil
}

func (s *Server) elbDeregisterTargets(c *queryCall) (any, error) {
	tg, err := s.groupFromForm(c)
	if err != nil {
		return nil, err
	}
	for _, t := range c.structs("Targets") {
		s.elbDeregisterTarget(tg, t["Id"], atoiOr(t["Port"], tg.port))
	}
	return struct{}{}, nil
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (s *Server) elbDescribeTags(c *queryCall) (any, error) {
	type desc struct {
		ResourceArn string   `xml:"ResourceArn"`
		Tags        []xmlTag `xml:"Tags>member"`
	}
	var out struct {
		TagDescriptions []desc `xml:"TagDescriptions>member"`
	}
	for _, arn := range c.list("ResourceArns") {
		tg := s.elb.groups[arn]
		if tg == nil {
			return nil, badRequest("TargetGroupNotFound", "Target groups '%s' not found", arn)
		}
		d := desc{ResourceArn: arn}
		for _, t := range tg.tags {
			d.Tags = append(d.Tags, xmlTag(t))
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}

func (s *Server) elbAddTags(c *queryCall) (any, error) {
	var tags []ecsTag
	for _, kv := range c.structs("Tags") {
		tags = append(tags, ecsTag{Key: kv["Key"], Value: kv["Value"]})
	}
	for _, arn := range c.list("ResourceArns") {
		tg := s.elb.groups[arn]
		if tg == nil {
			return nil, badRequest("TargetGroupNotFound", "Target groups '%s' not found", arn)
		}
		tg.tags = mergeTags(tg.tags, tags)
	}
	return struct{}{}, nil
}

func (s *Server) elbRemoveTags(c *queryCall) (any, error) {
	keys := c.list("TagKeys")
	for _, arn := range c.list("ResourceArns") {
		tg := s.elb.groups[arn]
		if tg == nil {
			return nil, badRequest("TargetGroupNotFound", "Target groups '%s' not found", arn)
		}
		tg.tags = removeTags(tg.tags, keys)
	}
	return struct{}{}, nil
}

// ---- XML shapes --------------------------------------------------------------------

type xmlTargetGroups struct {
	TargetGroups []xmlTargetGroup `xml:"TargetGroups>member"`
	NextMarker   string           `xml:"NextMarker,omitempty"`
}

type xmlTargetGroup struct {
	TargetGroupArn             string   `xml:"TargetGroupArn"`
	TargetGroupName            string   `xml:"TargetGroupName"`
	Protocol                   string   `xml:"Protocol,omitempty"`
	Port                       int      `xml:"Port,omitempty"`
	VpcId                      string   `xml:"VpcId,omitempty"`
	HealthCheckProtocol        string   `xml:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string   `xml:"HealthCheckPort,omitempty"`
	HealthCheckEnabled         bool     `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int      `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int      `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int      `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int      `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string   `xml:"HealthCheckPath,omitempty"`
	MatcherHTTPCode            string   `xml:"Matcher>HttpCode,omitempty"`
	LoadBalancerArns           []string `xml:"LoadBalancerArns>member"`
	TargetType                 string   `xml:"TargetType"`
	ProtocolVersion            string   `xml:"ProtocolVersion,omitempty"`
	IpAddressType              string   `xml:"IpAddressType,omitempty"`
}

func (tg *targetGroup) xml() xmlTargetGroup {
	return xmlTargetGroup{
		TargetGroupArn: tg.arn, TargetGroupName: tg.name, Protocol: tg.protocol, Port: tg.port,
		VpcId: tg.vpcID, HealthCheckProtocol: tg.hcProtocol, HealthCheckPort: tg.hcPort,
		HealthCheckEnabled: tg.hcEnabled, HealthCheckIntervalSeconds: tg.hcInterval,
		HealthCheckTimeoutSeconds: tg.hcTimeout, HealthyThresholdCount: tg.healthyCount,
		UnhealthyThresholdCount: tg.unhealthyCount, HealthCheckPath: tg.hcPath, MatcherHTTPCode: tg.matcher,
		LoadBalancerArns: tg.lbArns, TargetType: tg.targetType, ProtocolVersion: tg.protocolVersion,
		IpAddressType: tg.ipAddressType,
	}
}

// ---- form helpers ------------------------------------------------------------------

// structs returns the members of a Query list of structures
// ("Targets.member.1.Id", "Targets.member.1.Port", ...) in order.
func (c *queryCall) structs(name string) []map[string]string {
	prefix := name + ".member."
	byIndex := map[int]map[string]string{}
	for k, vs := range c.Form {
		if !strings.HasPrefix(k, prefix) || len(vs) == 0 {
			continue
		}
		idx, field, ok := strings.Cut(strings.TrimPrefix(k, prefix), ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][field] = vs[0]
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]map[string]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, byIndex[i])
	}
	return out
}

func orStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func atoiOr(v string, def int) int {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return def
}

// targetGroupRef is how ECS events name a target group.
func targetGroupRef(arn string) string { return fmt.Sprintf("(target-group %s)", arn) }
