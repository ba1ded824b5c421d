package awssim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Task definitions. A registered revision keeps the request body exactly as
// the caller sent it (numbers included, as json.Number), plus the defaults
// ECS itself fills in and the read-only fields, so DescribeTaskDefinition
// returns every field a deploy tool needs to carry into the next revision.

// tdFamily holds the revisions of one family; revisions are never reused.
type tdFamily struct {
	name      string
	revisions []*taskDef // index = revision-1
}

type taskDef struct {
	family            string
	revision          int
	arn               string
	status            string // ACTIVE, INACTIVE or DELETE_IN_PROGRESS
	body              map[string]any
	tags              []ecsTag
	registeredAt      time.Time
	registeredBy      string
	deregisteredAt    time.Time
	deleteRequestedAt time.Time
	view              tdView          // the typed fields the scheduler uses
	rendered          json.RawMessage // the answer's "taskDefinition", re-rendered on change
}

// tdView is the part of a task definition the simulator acts on.
type tdView struct {
	NetworkMode             string          `json:"networkMode"`
	Cpu                     string          `json:"cpu"`
	Memory                  string          `json:"memory"`
	RequiresCompatibilities []string        `json:"requiresCompatibilities"`
	ExecutionRoleArn        string          `json:"executionRoleArn"`
	TaskRoleArn             string          `json:"taskRoleArn"`
	ContainerDefinitions    []containerView `json:"containerDefinitions"`
	EphemeralStorage        *struct {
		SizeInGiB int `json:"sizeInGiB"`
	} `json:"ephemeralStorage"`
}

type containerView struct {
	Name              string   `json:"name"`
	Image             string   `json:"image"`
	Command           []string `json:"command"`
	Essential         *bool    `json:"essential"`
	Cpu               int      `json:"cpu"`
	Memory            *int     `json:"memory"`
	MemoryReservation *int     `json:"memoryReservation"`
	PortMappings      []struct {
		ContainerPort int    `json:"containerPort"`
		HostPort      *int   `json:"hostPort"`
		Protocol      string `json:"protocol"`
	} `json:"portMappings"`
	LogConfiguration *struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	} `json:"logConfiguration"`
	HealthCheck *struct {
		Command     []string `json:"command"`
		Interval    int      `json:"interval"`
		Timeout     int      `json:"timeout"`
		Retries     int      `json:"retries"`
		StartPeriod int      `json:"startPeriod"`
	} `json:"healthCheck"`
	FirelensConfiguration *json.RawMessage  `json:"firelensConfiguration"`
	DependsOn             []json.RawMessage `json:"dependsOn"`
	Secrets               []struct {
		ValueFrom string `json:"valueFrom"`
	} `json:"secrets"`
}

func (c containerView) essential() bool { return c.Essential == nil || *c.Essential }

// hasPort reports whether the container maps port.
func (c containerView) hasPort(port int) bool {
	for _, p := range c.PortMappings {
		if p.ContainerPort == port {
			return true
		}
	}
	return false
}

func (v tdView) container(name string) (containerView, bool) {
	for _, c := range v.ContainerDefinitions {
		if c.Name == name {
			return c, true
		}
	}
	return containerView{}, false
}

// fargateCompatible reports whether tasks of this definition can run on Fargate.
func (td *taskDef) fargateCompatible() bool {
	return td.view.NetworkMode == "awsvpc" && td.view.Cpu != "" && td.view.Memory != "" &&
		validFargateSize(td.view.Cpu, td.view.Memory)
}

// registerTaskDefinitionKeys are the members of RegisterTaskDefinition's input.
var registerTaskDefinitionKeys = []string{
	"family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
	"placementConstraints", "requiresCompatibilities", "cpu", "memory", "tags", "pidMode", "ipcMode",
	"proxyConfiguration", "inferenceAccelerators", "ephemeralStorage", "runtimePlatform",
	"enableFaultInjection", "trustedExecutionConfiguration",
}

func (s *Server) ecsRegisterTaskDefinition(c *jsonCall) (any, error) {
	var body map[string]any
	if err := decodeUseNumber(c.Body, &body); err != nil {
		return nil, badRequest("SerializationException", "could not parse request body: %v", err)
	}
	for k := range body {
		if !slices.Contains(registerTaskDefinitionKeys, k) {
			// A deploy tool that feeds DescribeTaskDefinition's answer back
			// (taskDefinitionArn, revision, status, ...) fails here, as it
			// does with the AWS CLI.
			return nil, badRequest("ClientException", "Unknown parameter in input: %q, must be one of: %s",
				k, strings.Join(registerTaskDefinitionKeys, ", "))
		}
	}
	var view tdView
	if err := json.Unmarshal(c.Body, &view); err != nil {
		return nil, badRequest("ClientException", "Invalid task definition: %v", err)
	}
	var meta struct {
		Family string   `json:"family"`
		Tags   []ecsTag `json:"tags"`
	}
	_ = json.Unmarshal(c.Body, &meta)
	if err := validateTaskDefinition(meta.Family, body, &view); err != nil {
		return nil, err
	}
	delete(body, "tags")
	applyTaskDefinitionDefaults(body, view)
	view = tdView{}
	_ = jsonRemarshal(body, &view) // pick up the normalised cpu/memory and the defaults

	fam := s.ecs.families[meta.Family]
	if fam == nil {
		fam = &tdFamily{name: meta.Family}
		s.ecs.families[meta.Family] = fam
	}
	td := &taskDef{
		family: meta.Family, revision: len(fam.revisions) + 1, status: "ACTIVE",
		body: body, tags: meta.Tags, registeredAt: s.now(),
		registeredBy: s.callerARN(), view: view,
	}
	td.arn = s.arn("ecs", fmt.Sprintf("task-definition/%s:%d", td.family, td.revision))
	fam.revisions = append(fam.revisions, td)
	td.render()
	return map[string]any{"taskDefinition": td.rendered, "tags": tagsOrEmpty(td.tags)}, nil
}

// validateTaskDefinition rejects what RegisterTaskDefinition rejects, with
// ECS's messages. It normalises task-level cpu/memory ("1 vCPU" -> "1024").
func validateTaskDefinition(family string, body map[string]any, v *tdView) error {
	if family == "" {
		return badRequest("ClientException", "Family name should not be null or empty.")
	}
	if !validECSName(family) {
		return badRequest("ClientException", "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.")
	}
	if len(v.ContainerDefinitions) == 0 {
		return badRequest("ClientException", "Container list cannot be empty.")
	}
	seen := map[string]bool{}
	for _, cd := range v.ContainerDefinitions {
		if cd.Name == "" {
			return badRequest("ClientException", "Container.name should not be null or empty.")
		}
		if cd.Image == "" {
			return badRequest("ClientException", "Container.image should not be null or empty.")
		}
		if seen[cd.Name] {
			return badRequest("ClientException", "Duplicate container name '%s'. Container names must be unique within a task definition.", cd.Name)
		}
		seen[cd.Name] = true
	}
	switch v.NetworkMode {
	case "", "bridge", "host", "awsvpc", "none":
	default:
		return badRequest("ClientException", "Invalid networkMode '%s'. Valid values are bridge, host, awsvpc and none.", v.NetworkMode)
	}
	for _, cd := range v.ContainerDefinitions {
		for _, pm := range cd.PortMappings {
			if (v.NetworkMode == "awsvpc" || v.NetworkMode == "host") && pm.HostPort != nil && *pm.HostPort != pm.ContainerPort {
				return badRequest("ClientException", "When networkMode=%s, the host ports and container ports in port mappings must match.", v.NetworkMode)
			}
		}
	}
	cpu, err := normaliseTaskSize(body, "cpu", v.Cpu)
	if err != nil {
		return err
	}
	mem, err := normaliseTaskSize(body, "memory", v.Memory)
	if err != nil {
		return err
	}
	v.Cpu, v.Memory = cpu, mem
	if slices.Contains(v.RequiresCompatibilities, "FARGATE") {
		if v.NetworkMode != "awsvpc" {
			return badRequest("ClientException", "Fargate only supports network mode ‘awsvpc’.")
		}
		if cpu == "" {
			return badRequest("ClientException", "Fargate requires that 'cpu' be defined at the task level.")
		}
		if mem == "" {
			return badRequest("ClientException", "Fargate requires that 'memory' be defined at the task level.")
		}
		if !validFargateSize(cpu, mem) {
			return badRequest("ClientException", "No Fargate configuration exists for given values: %s CPU, %s memory. See the Amazon ECS documentation for the valid values.", cpu, mem)
		}
		for _, cd := range v.ContainerDefinitions {
			if cd.LogConfiguration != nil && cd.LogConfiguration.LogDriver == "awslogs" && v.ExecutionRoleArn == "" {
				return badRequest("ClientException", "Fargate requires task definition to have execution role ARN to support log driver awslogs.")
			}
		}
	} else if mem == "" {
		for _, cd := range v.ContainerDefinitions {
			if cd.Memory == nil && cd.MemoryReservation == nil {
				return badRequest("ClientException", "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", cd.Name)
			}
		}
	}
	for _, cd := range v.ContainerDefinitions {
		if lc := cd.LogConfiguration; lc != nil && lc.LogDriver == "awslogs" {
			if lc.Options["awslogs-group"] == "" || lc.Options["awslogs-region"] == "" {
				return badRequest("ClientException", "Log driver awslogs requires options: awslogs-region, awslogs-group")
			}
		}
	}
	return nil
}

// normaliseTaskSize converts "1 vCPU" / "2 GB" task sizes to CPU units / MiB
// as ECS does when it registers the definition, and writes the result back.
func normaliseTaskSize(body map[string]any, key, val string) (string, error) {
	val = strings.TrimSpace(val)
	if val == "" {
		return "", nil
	}
	lower := strings.ToLower(val)
	scale := 1.0
	num := lower
	switch {
	case key == "cpu" && strings.HasSuffix(lower, "vcpu"):
		num, scale = strings.TrimSuffix(lower, "vcpu"), 1024
	case key == "memory" && strings.HasSuffix(lower, "gb"):
		num, scale = strings.TrimSuffix(lower, "gb"), 1024
	case key == "memory" && strings.HasSuffix(lower, "mb"):
		num = strings.TrimSuffix(lower, "mb")
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	f *= scale
	if err != nil || f <= 0 || f != math.Trunc(f) {
		return "", badRequest("ClientException", "Invalid '%s' setting for task: %q. Use CPU units (\"256\") or vCPUs (\"0.25 vCPU\"), MiB (\"512\") or GB (\"0.5 GB\").", key, val)
	}
	out := strconv.Itoa(int(f))
	body[key] = out
	return out, nil
}

// validFargateSize reports whether cpu/memory is one of Fargate's task sizes.
func validFargateSize(cpuS, memS string) bool {
	cpu, err1 := strconv.Atoi(cpuS)
	mem, err2 := strconv.Atoi(memS)
	if err1 != nil || err2 != nil {
		return false
	}
	between := func(lo, hi, step int) bool { return mem >= lo && mem <= hi && mem%step == 0 }
	switch cpu {
	case 256:
		return mem == 512 || mem == 1024 || mem == 2048
	case 512:
		return between(1024, 4096, 1024)
	case 1024:
		return between(2048, 8192, 1024)
	case 2048:
		return between(4096, 16384, 1024)
	case 4096:
		return between(8192, 30720, 1024)
	case 8192:
		return between(16384, 61440, 4096)
	case 16384:
		return between(32768, 122880, 8192)
	}
	return false
}

// applyTaskDefinitionDefaults fills in what ECS adds to a registered
// definition when the caller left it out, as DescribeTaskDefinition shows.
// Fields the caller sent are never changed.
func applyTaskDefinitionDefaults(body map[string]any, v tdView) {
	setDefault := func(m map[string]any, k string, val any) {
		if _, ok := m[k]; !ok {
			m[k] = val
		}
	}
	setDefault(body, "networkMode", "bridge")
	setDefault(body, "volumes", []any{})
	setDefault(body, "placementConstraints", []any{})
	cds, _ := body["containerDefinitions"].([]any)
	for _, x := range cds {
		cd, ok := x.(map[string]any)
		if !ok {
			continue
		}
		setDefault(cd, "cpu", json.Number("0"))
		setDefault(cd, "essential", true)
		setDefault(cd, "portMappings", []any{})
		setDefault(cd, "environment", []any{})
		setDefault(cd, "mountPoints", []any{})
		setDefault(cd, "volumesFrom", []any{})
		setDefault(cd, "systemControls", []any{})
		pms, _ := cd["portMappings"].([]any)
		for _, y := range pms {
			pm, ok := y.(map[string]any)
			if !ok {
				continue
			}
			setDefault(pm, "protocol", "tcp")
			if v.NetworkMode == "awsvpc" || v.NetworkMode == "host" {
				setDefault(pm, "hostPort", pm["containerPort"])
			}
		}
	}
}

// requiresAttributes lists the capabilities a definition needs, as ECS derives them.
func (td *taskDef) requiresAttributes() []map[string]string {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	v := td.view
	if v.TaskRoleArn != "" {
		add("com.amazonaws.ecs.capability.task-iam-role")
	}
	for _, cd := range v.ContainerDefinitions {
		if lc := cd.LogConfiguration; lc != nil && lc.LogDriver != "" {
			add("com.amazonaws.ecs.capability.logging-driver." + lc.LogDriver)
			add("com.amazonaws.ecs.capability.docker-remote-api.1.19")
			if lc.LogDriver == "awslogs" && v.ExecutionRoleArn != "" {
				add("ecs.capability.execution-role-awslogs")
			}
		}
		if strings.Contains(cd.Image, ".dkr.ecr.") && v.ExecutionRoleArn != "" {
			add("ecs.capability.execution-role-ecr-pull")
		}
		if cd.HealthCheck != nil {
			add("ecs.capability.container-health-check")
		}
		if cd.FirelensConfiguration != nil {
			add("ecs.capability.firelens.fluentbit")
		}
		if len(cd.DependsOn) > 0 {
			add("ecs.capability.container-ordering")
		}
		for _, sec := range cd.Secrets {
			if strings.Contains(sec.ValueFrom, ":secretsmanager:") {
				add("ecs.capability.secrets.asm.environment-variables")
			} else {
				add("ecs.capability.secrets.ssm.environment-variables")
			}
		}
	}
	if v.NetworkMode == "awsvpc" {
		add("com.amazonaws.ecs.capability.docker-remote-api.1.18")
		add("ecs.capability.task-eni")
	}
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]string{"name": n})
	}
	return out
}

// render builds the "taskDefinition" answer: the stored body plus the read-only fields.
func (td *taskDef) render() {
	m := make(map[string]any, len(td.body)+10)
	for k, v := range td.body {
		m[k] = v
	}
	m["family"] = td.family
	m["taskDefinitionArn"] = td.arn
	m["revision"] = td.revision
	m["status"] = td.status
	m["requiresAttributes"] = td.requiresAttributes()
	compat := []string{"EC2"}
	if td.fargateCompatible() {
		compat = append(compat, "FARGATE")
	}
	m["compatibilities"] = compat
	m["registeredAt"] = Epoch(td.registeredAt)
	m["registeredBy"] = td.registeredBy
	if !td.deregisteredAt.IsZero() {
		m["deregisteredAt"] = Epoch(td.deregisteredAt)
	}
	if !td.deleteRequestedAt.IsZero() {
		m["deleteRequestedAt"] = Epoch(td.deleteRequestedAt)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("render task definition: %v", err))
	}
	td.rendered = b
}

func jsonRemarshal(from any, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// lookupTaskDef resolves "family", "family:rev" or a task definition ARN.
// A bare family means its latest ACTIVE revision.
func (s *Server) lookupTaskDef(ref string) *taskDef {
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		name = lastSegmentAfter(ref, ":task-definition/")
	}
	family, revS, hasRev := strings.Cut(name, ":")
	fam := s.ecs.families[family]
	if fam == nil {
		return nil
	}
	if !hasRev {
		for i := len(fam.revisions) - 1; i >= 0; i-- {
			if fam.revisions[i].status == "ACTIVE" {
				return fam.revisions[i]
			}
		}
		return nil
	}
	rev, err := strconv.Atoi(revS)
	if err != nil || rev < 1 || rev > len(fam.revisions) {
		return nil
	}
	return fam.revisions[rev-1]
}

// lastSegmentAfter returns what follows marker in s, or s.
func lastSegmentAfter(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i+len(marker):]
	}
	return s
}

func (s *Server) ecsDescribeTaskDefinition(c *jsonCall) (any, error) {
	var in struct {
		TaskDefinition string   `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	td := s.lookupTaskDef(in.TaskDefinition)
	if td == nil {
		return nil, badRequest("ClientException", "Unable to describe task definition.")
	}
	out := map[string]any{"taskDefinition": td.rendered}
	if slices.Contains(in.Include, "TAGS") {
		out["tags"] = tagsOrEmpty(td.tags)
	}
	return out, nil
}

func (s *Server) ecsDeregisterTaskDefinition(c *jsonCall) (any, error) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !strings.Contains(lastSegment(in.TaskDefinition), ":") {
		return nil, badRequest("ClientException", "Invalid revision number. Number: %s", in.TaskDefinition)
	}
	td := s.lookupTaskDef(in.TaskDefinition)
	if td == nil {
		return nil, badRequest("ClientException", "The specified task definition does not exist.")
	}
	if td.status == "ACTIVE" {
		td.status = "INACTIVE"
		td.deregisteredAt = s.now()
		td.render()
	}
	return map[string]any{"taskDefinition": td.rendered}, nil
}

func (s *Server) ecsDeleteTaskDefinitions(c *jsonCall) (any, error) {
	var in struct {
		TaskDefinitions []string `json:"taskDefinitions"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.TaskDefinitions) == 0 || len(in.TaskDefinitions) > 10 {
		return nil, badRequest("InvalidParameterException", "Provide between 1 and 10 task definitions.")
	}
	tds := []json.RawMessage{}
	failures := []ecsFailure{}
	for _, ref := range in.TaskDefinitions {
		td := s.lookupTaskDef(ref)
		switch {
		case td == nil || !strings.Contains(lastSegment(ref), ":"):
			failures = append(failures, ecsFailure{Arn: ref, Reason: "The specified task definition does not exist."})
		case td.status == "ACTIVE":
			failures = append(failures, ecsFailure{Arn: td.arn, Reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again."})
		default:
			if td.status == "INACTIVE" {
				td.status = "DELETE_IN_PROGRESS"
				td.deleteRequestedAt = s.now()
				td.render()
			}
			tds = append(tds, td.rendered)
		}
	}
	return map[string]any{"taskDefinitions": tds, "failures": failures}, nil
}

func (s *Server) ecsListTaskDefinitions(c *jsonCall) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"` // despite the name, ECS matches the whole family
		Status       string `json:"status"`
		Sort         string `json:"sort"`
		NextToken    string `json:"nextToken"`
		MaxResults   int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Status == "" {
		in.Status = "ACTIVE"
	}
	var all []*taskDef
	for name, fam := range s.ecs.families {
		if in.FamilyPrefix != "" && name != in.FamilyPrefix {
			continue
		}
		for _, td := range fam.revisions {
			if td.status == in.Status {
				all = append(all, td)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		less := a.family < b.family || a.family == b.family && a.revision < b.revision
		if in.Sort == "DESC" {
			return !less
		}
		return less
	})
	start, end, next, err := pageBounds(len(all), in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, err
	}
	arns := []string{}
	for _, td := range all[start:end] {
		arns = append(arns, td.arn)
	}
	return map[string]any{"taskDefinitionArns": arns, "nextToken": optStr(next)}, nil
}

func (s *Server) ecsListTaskDefinitionFamilies(c *jsonCall) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		NextToken    string `json:"nextToken"`
		MaxResults   int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var names []string
	for name, fam := range s.ecs.families {
		if !strings.HasPrefix(name, in.FamilyPrefix) {
			continue
		}
		active := false
		for _, td := range fam.revisions {
			active = active || td.status == "ACTIVE"
		}
		if in.Status == "ACTIVE" && !active || in.Status == "INACTIVE" && active {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	start, end, next, err := pageBounds(len(names), in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, err
	}
	return map[string]any{"families": strsOrEmpty(names[start:end]), "nextToken": optStr(next)}, nil
}
