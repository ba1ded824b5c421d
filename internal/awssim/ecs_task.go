package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Tasks and their lifecycle. A Fargate task walks
//
//	PROVISIONING -> PENDING -> ACTIVATING -> RUNNING
//	  -> DEACTIVATING -> STOPPING -> DEPROVISIONING -> STOPPED
//
// one simulated step at a time (see ECSTimings). Its containers do what their
// image's behaviour rule says: exit with a code, fail health checks, log. A
// task whose image is missing from the simulator's own registry stops in
// PENDING with CannotPullContainerError, as ECS does.

type ecsTask struct {
	id, arn          string
	cluster          *ecsCluster
	td               *taskDef
	svc              *ecsService    // nil for RunTask's tasks
	dep              *ecsDeployment // the service deployment that started it
	lastStatus       string
	desiredStatus    string
	launchType       string
	capacityProvider string
	platformVersion  string
	cpu, memory      string
	group, startedBy string
	overrides        map[string]any
	tags             []ecsTag
	containers       []*ecsContainer
	eni              ecsENI
	enableExec       bool
	ephemeralGiB     int
	healthStatus     string
	version          int

	createdAt, connectivityAt, pullStartedAt, pullStoppedAt time.Time
	startedAt, stoppingAt, executionStoppedAt, stoppedAt    time.Time
	stopCode, stoppedReason                                 string

	seq            int           // bumped when the task is told to stop: cancels its running-phase events
	targets        []*taskTarget // load balancer registrations (service tasks)
	stable         bool          // ran long enough to count as healthy (no health checks to go by)
	healthy        bool          // counts as healthy for the service scheduler
	reachedRunning bool
}

type ecsContainer struct {
	name, image, digest, arn, runtimeID string
	essential                           bool
	lastStatus                          string
	exitCode                            *int
	reason                              string
	healthStatus                        string
	healthCheck                         *healthCheckSpec
	cpu, memory, memoryReservation      string
	behavior                            Behavior
	command                             []string
	logGroup, logStream                 string
	logCreateGroup                      bool // awslogs-create-group: "true"
	pullError                           string
}

type healthCheckSpec struct {
	interval, retries, startPeriod time.Duration
}

type ecsENI struct {
	attachmentID, id, subnet, ip, mac, status string
}

type taskTarget struct {
	tg        *targetGroup
	container string
	port      int
	state     string
	reason    string
	desc      string
}

// awsvpcConfig is a task's network configuration.
type awsvpcConfig struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIp string   `json:"assignPublicIp,omitempty"`
}

type networkConfig struct {
	AwsvpcConfiguration *awsvpcConfig `json:"awsvpcConfiguration,omitempty"`
}

// launchSpec is everything needed to start a task.
type launchSpec struct {
	cluster          *ecsCluster
	td               *taskDef
	svc              *ecsService
	dep              *ecsDeployment
	launchType       string
	capacityProvider string
	network          *awsvpcConfig
	overrides        map[string]any
	cpu, memory      string
	group, startedBy string
	tags             []ecsTag
	enableExec       bool
}

// taskAfter schedules a lifecycle step of t, dropped if t has since been told to stop.
func (s *Server) taskAfter(t *ecsTask, d time.Duration, fn func()) {
	seq := t.seq
	s.after(d, func() {
		if t.seq == seq {
			fn()
		}
	})
}

// launchTask creates a task in PROVISIONING and sets its lifecycle going.
func (s *Server) launchTask(spec launchSpec) *ecsTask {
	id := s.hexID(32)
	t := &ecsTask{
		id: id, arn: s.arn("ecs", "task/"+spec.cluster.name+"/"+id),
		cluster: spec.cluster, td: spec.td, svc: spec.svc, dep: spec.dep,
		lastStatus: "PROVISIONING", desiredStatus: "RUNNING",
		launchType: spec.launchType, capacityProvider: spec.capacityProvider, platformVersion: "1.4.0",
		cpu: orStr(spec.cpu, spec.td.view.Cpu), memory: orStr(spec.memory, spec.td.view.Memory),
		group: spec.group, startedBy: spec.startedBy, overrides: spec.overrides, tags: spec.tags,
		enableExec: spec.enableExec, ephemeralGiB: 20, healthStatus: "UNKNOWN", version: 1,
		createdAt: s.now(),
	}
	if es := spec.td.view.EphemeralStorage; es != nil && es.SizeInGiB > 0 {
		t.ephemeralGiB = es.SizeInGiB
	}
	if spec.network != nil {
		t.eni = s.allocateENI(spec.network.Subnets)
	}
	cmdOverrides := containerCommandOverrides(spec.overrides)
	for _, cd := range spec.td.view.ContainerDefinitions {
		t.containers = append(t.containers, s.newContainer(t, cd, cmdOverrides[cd.Name]))
	}
	s.ecs.tasks[t.arn] = t
	if spec.dep != nil {
		spec.dep.tasks = append(spec.dep.tasks, t)
	}
	s.taskAfter(t, s.ecs.timings.Provisioning, func() { s.taskPending(t) })
	return t
}

func (s *Server) newContainer(t *ecsTask, cd containerView, cmdOverride []string) *ecsContainer {
	c := &ecsContainer{
		name: cd.Name, image: cd.Image, essential: cd.essential(), lastStatus: "PENDING",
		arn:     s.arn("ecs", "container/"+t.cluster.name+"/"+t.id+"/"+s.uuid()),
		command: cd.Command, cpu: fmt.Sprint(cd.Cpu), healthStatus: "UNKNOWN",
	}
	if cmdOverride != nil {
		c.command = cmdOverride
	}
	if cd.Memory != nil {
		c.memory = fmt.Sprint(*cd.Memory)
	}
	if cd.MemoryReservation != nil {
		c.memoryReservation = fmt.Sprint(*cd.MemoryReservation)
	}
	digest, found, ours := s.resolveImage(cd.Image)
	switch {
	case ours && !found:
		// Fargate's wording when a tag or digest is not in the repository.
		c.pullError = fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref %s: %s: not found", cd.Image, cd.Image)
	case found:
		c.digest = digest
	case strings.Contains(cd.Image, "@sha256:"):
		c.digest = cd.Image[strings.Index(cd.Image, "@")+1:]
	default:
		sum := sha256.Sum256([]byte(cd.Image))
		c.digest = "sha256:" + hex.EncodeToString(sum[:])
	}
	c.behavior = s.behaviorFor(cd.Image, c.digest, c.command)
	if hc := cd.HealthCheck; hc != nil {
		c.healthCheck = &healthCheckSpec{
			interval:    secsOr(hc.Interval, 30),
			retries:     time.Duration(intOrDefault(hc.Retries, 3)),
			startPeriod: secsOr(hc.StartPeriod, 0),
		}
	}
	if lc := cd.LogConfiguration; lc != nil && lc.LogDriver == "awslogs" {
		c.logGroup = lc.Options["awslogs-group"]
		c.logCreateGroup = lc.Options["awslogs-create-group"] == "true"
		c.logStream = t.id
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			c.logStream = p + "/" + cd.Name + "/" + t.id
		}
	}
	return c
}

func secsOr(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// allocateENI gives the task an ENI in one of the subnets with a private IP
// that no other live task has.
func (s *Server) allocateENI(subnets []string) ecsENI {
	subnet := ""
	if len(subnets) > 0 {
		subnet = subnets[s.rnd.IntN(len(subnets))]
	}
	third := 1 + int(fnvHash(subnet)%200)
	var ip string
	for {
		ip = fmt.Sprintf("10.0.%d.%d", third, 4+s.rnd.IntN(250))
		if !s.ecs.ips[ip] {
			break
		}
		third = 1 + (third+1)%250
	}
	s.ecs.ips[ip] = true
	mac := s.hexID(10)
	return ecsENI{
		attachmentID: s.uuid(), id: "eni-" + s.hexID(17), subnet: subnet, ip: ip, status: "PRECREATED",
		mac: "0a:" + mac[0:2] + ":" + mac[2:4] + ":" + mac[4:6] + ":" + mac[6:8] + ":" + mac[8:10],
	}
}

func fnvHash(v string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(v); i++ {
		h = (h ^ uint32(v[i])) * 16777619
	}
	return h
}

// availabilityZone derives a stable AZ from the task's subnet.
func (s *Server) availabilityZone(t *ecsTask) string {
	return s.region + string(rune('a'+fnvHash(t.eni.subnet)%3))
}

// ---- starting -----------------------------------------------------------------------

// taskPending: the ENI is attached and the images are being pulled.
func (s *Server) taskPending(t *ecsTask) {
	t.lastStatus, t.version = "PENDING", t.version+1
	t.connectivityAt, t.pullStartedAt = s.now(), s.now()
	if t.eni.id != "" {
		t.eni.status = "ATTACHED"
	}
	for _, c := range t.containers {
		if c.pullError != "" {
			s.taskAfter(t, s.ecs.timings.Pull, func() { s.taskPullFailed(t, c) })
			return
		}
	}
	pull := s.ecs.timings.Pull
	var extra time.Duration
	for _, c := range t.containers {
		extra = max(extra, c.behavior.StartDelay)
	}
	s.taskAfter(t, pull+extra, func() { s.taskActivating(t) })
}

func (s *Server) taskPullFailed(t *ecsTask, c *ecsContainer) {
	t.pullStoppedAt = s.now()
	c.reason = c.pullError
	s.stopTask(t, "TaskFailedToStart", c.pullError, true)
}

// taskActivating: containers are started; a service task's targets are
// registered with its load balancers.
func (s *Server) taskActivating(t *ecsTask) {
	t.lastStatus, t.version = "ACTIVATING", t.version+1
	t.pullStoppedAt = s.now()
	if !s.startLogDrivers(t) {
		return
	}
	if t.dep != nil {
		s.registerTargets(t, s.now().Add(s.ecs.timings.Activating))
		s.kick(t.svc)
	}
	s.taskAfter(t, s.ecs.timings.Activating, func() { s.taskRunning(t) })
}

// registerTargets registers the task (its IP and container port) in the
// target groups of its deployment, with health checks that go as the
// container's behaviour says.
func (s *Server) registerTargets(t *ecsTask, runningAt time.Time) {
	for _, lb := range t.dep.loadBalancers {
		tg := s.targetGroup(lb.TargetGroupArn)
		if tg == nil {
			continue // deleted since the service was created
		}
		tt := &taskTarget{tg: tg, container: lb.ContainerName, port: lb.ContainerPort, state: "initial"}
		t.targets = append(t.targets, tt)
		plan := targetPlanFor(t.container(lb.ContainerName).behavior, runningAt)
		s.elbRegisterTarget(tg, t.eni.ip, lb.ContainerPort, s.availabilityZone(t), plan, func(et *elbTarget) {
			s.onTargetHealth(t, tt, et)
		})
		t.svc.noteRegistered(tg, t)
	}
}

// targetPlanFor says how ELB health checks of a container go: passing once
// the application is up (HealthyAfter after RUNNING), or failing for good
// with a response code or a timeout.
func targetPlanFor(b Behavior, runningAt time.Time) targetPlan {
	if !b.FailHealthChecks {
		return targetPlan{readyAt: runningAt.Add(b.HealthyAfter)}
	}
	if b.HealthCheckTimeout {
		return targetPlan{failReason: "Target.Timeout", failMessage: "Request timed out"}
	}
	return targetPlan{failReason: "Target.ResponseCodeMismatch",
		failMessage: fmt.Sprintf("Health checks failed with these codes: [%d]", intOrDefault(b.HealthCheckCode, 502))}
}

func intOrDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (t *ecsTask) container(name string) *ecsContainer {
	for _, c := range t.containers {
		if c.name == name {
			return c
		}
	}
	return &ecsContainer{}
}

// taskRunning: every container runs. Start logs are written, scripted exits
// and health check results are scheduled.
func (s *Server) taskRunning(t *ecsTask) {
	t.lastStatus, t.version, t.reachedRunning = "RUNNING", t.version+1, true
	t.startedAt = s.now()
	hasHealthCheck := false
	for _, c := range t.containers {
		c.lastStatus = "RUNNING"
		c.runtimeID = t.id + "-" + s.digitID(10)
		s.writeLogs(t, c, c.behavior.Logs)
		if ex := c.behavior.Exit; ex != nil {
			code := ex.Code
			s.taskAfter(t, ex.After, func() { s.containerExited(t, c, code) })
		}
		if c.healthCheck != nil {
			hasHealthCheck = true
			s.planContainerHealth(t, c)
		}
	}
	if len(t.targets) == 0 && !hasHealthCheck {
		// Nothing tells ECS the task is healthy but its staying up.
		s.taskAfter(t, s.ecs.timings.Stable, func() {
			t.stable = true
			s.taskHealthChanged(t)
		})
	}
	if t.svc != nil {
		t.svc.launchSucceeded()
		s.kick(t.svc)
	}
}

// planContainerHealth schedules a container health check's verdict: HEALTHY
// after the first passing check, UNHEALTHY once retries checks have failed
// after the start period.
func (s *Server) planContainerHealth(t *ecsTask, c *ecsContainer) {
	hc := c.healthCheck
	failAt := hc.startPeriod + hc.retries*hc.interval
	set := func(at time.Duration, status string) {
		s.taskAfter(t, at, func() {
			c.healthStatus = status
			s.taskHealthChanged(t)
			if status == "UNHEALTHY" && c.essential {
				s.actOnUnhealthy(t, nil)
			}
		})
	}
	if c.behavior.FailHealthChecks {
		set(failAt, "UNHEALTHY")
		return
	}
	passAt := hc.interval
	for passAt < c.behavior.HealthyAfter {
		passAt += hc.interval
	}
	if passAt > failAt {
		set(failAt, "UNHEALTHY")
	}
	set(passAt, "HEALTHY")
}

// startLogDrivers does what the awslogs driver does when a container is
// created: it creates the container's log stream, and the group only when
// awslogs-create-group is "true". A missing group fails the task, as on
// Fargate (ResourceInitializationError). It reports whether the task goes on.
func (s *Server) startLogDrivers(t *ecsTask) bool {
	for _, c := range t.containers {
		if c.logGroup == "" {
			continue
		}
		g := s.groupLocked(c.logGroup, c.logCreateGroup)
		if g == nil {
			reason := "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: " +
				"failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1"
			s.stopTask(t, "TaskFailedToStart", reason, true)
			return false
		}
		s.streamLocked(g, c.logStream, true)
	}
	return true
}

// writeLogs sends lines to the container's awslogs stream, if it has one.
func (s *Server) writeLogs(t *ecsTask, c *ecsContainer, lines []string) {
	if c.logGroup == "" || len(lines) == 0 {
		return
	}
	s.putLogLinesLocked(c.logGroup, c.logStream, s.now(), lines)
}

// containerExited: a container exited on its own. When it is essential the
// task stops ("Essential container in task exited").
func (s *Server) containerExited(t *ecsTask, c *ecsContainer, code int) {
	if c.lastStatus != "RUNNING" {
		return
	}
	s.writeLogs(t, c, c.behavior.ExitLogs)
	c.exitCode, c.lastStatus = &code, "STOPPED"
	t.version++
	if !c.essential {
		return
	}
	t.executionStoppedAt = s.now()
	s.stopTask(t, "EssentialContainerExited", "Essential container in task exited", true)
}

// ---- health -------------------------------------------------------------------------

// onTargetHealth follows a load balancer target of the task.
func (s *Server) onTargetHealth(t *ecsTask, tt *taskTarget, et *elbTarget) {
	tt.state, tt.reason, tt.desc = et.state, et.reason, et.description
	if t.desiredStatus != "RUNNING" {
		return
	}
	if et.state == "unhealthy" {
		s.actOnUnhealthy(t, tt)
	}
	s.taskHealthChanged(t)
}

// actOnUnhealthy makes the service replace a task whose load balancer target
// (tt) or container health check (tt == nil) failed. The scheduler notices
// HealthReaction later, and ignores failures during the service's health
// check grace period, counted from the task's start.
func (s *Server) actOnUnhealthy(t *ecsTask, tt *taskTarget) {
	if t.svc == nil {
		return
	}
	wait := s.ecs.timings.HealthReaction
	if !t.startedAt.IsZero() {
		graceEnd := t.startedAt.Add(time.Duration(t.svc.healthCheckGrace) * time.Second)
		wait = max(wait, graceEnd.Sub(s.now()))
	}
	s.taskAfter(t, wait, func() {
		if tt != nil && tt.state == "unhealthy" || tt == nil && t.healthStatus == "UNHEALTHY" {
			t.svc.flagUnhealthy(t, tt)
			s.kick(t.svc)
		}
	})
}

// taskHealthChanged recomputes whether the task counts as healthy. A service
// task turning healthy resets its deployment's failed task count (the
// circuit breaker's resetOnHealthyTask, on by default).
func (s *Server) taskHealthChanged(t *ecsTask) {
	// The task's health is that of its essential containers with health checks.
	checked, unhealthy, allHealthy := false, false, true
	for _, c := range t.containers {
		if c.healthCheck == nil || !c.essential {
			continue
		}
		checked = true
		unhealthy = unhealthy || c.healthStatus == "UNHEALTHY"
		allHealthy = allHealthy && c.healthStatus == "HEALTHY"
	}
	switch {
	case checked && unhealthy:
		t.healthStatus = "UNHEALTHY"
	case checked && allHealthy:
		t.healthStatus = "HEALTHY"
	default:
		t.healthStatus = "UNKNOWN"
	}
	was := t.healthy
	t.healthy = t.lastStatus == "RUNNING" && t.desiredStatus == "RUNNING"
	for _, tt := range t.targets {
		t.healthy = t.healthy && tt.state == "healthy"
	}
	if checked {
		t.healthy = t.healthy && t.healthStatus == "HEALTHY"
	}
	if len(t.targets) == 0 && !checked {
		t.healthy = t.healthy && t.stable
	}
	if t.svc == nil {
		return
	}
	if t.healthy && !was && t.dep != nil && t.dep.status == "PRIMARY" && t.dep.rolloutState == "IN_PROGRESS" && t.svc.resetOnHealthy() {
		t.dep.failedTasks = 0
	}
	s.kick(t.svc)
}

// ---- stopping -----------------------------------------------------------------------

// stopTask sets the task's desired status to STOPPED and walks it down.
// failed says whether the stop counts as a failed task of its deployment.
func (s *Server) stopTask(t *ecsTask, code, reason string, failed bool) {
	if t.desiredStatus == "STOPPED" {
		return
	}
	t.desiredStatus, t.stopCode, t.stoppedReason = "STOPPED", code, reason
	t.version++
	t.seq++ // cancel scheduled starts, exits and health checks
	t.healthy = false
	if t.svc != nil {
		if failed {
			t.svc.taskFailed(s, t)
		}
		s.kick(t.svc)
	}
	switch t.lastStatus {
	case "PROVISIONING", "PENDING":
		s.taskDeprovisioning(t)
	case "ACTIVATING", "RUNNING":
		s.taskDeactivating(t)
	}
}

// taskDeactivating: targets are deregistered and drained for the target
// group's deregistration delay.
func (s *Server) taskDeactivating(t *ecsTask) {
	t.lastStatus, t.version = "DEACTIVATING", t.version+1
	wait := s.ecs.timings.Deactivating
	var drain time.Duration
	for _, tt := range t.targets {
		drain = max(drain, s.elbDeregisterTarget(tt.tg, t.eni.ip, tt.port))
		tt.state, tt.reason, tt.desc = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
		t.svc.noteDeregistered(tt.tg, t)
	}
	if len(t.targets) > 0 {
		wait = drain
	}
	s.taskAfter(t, wait, func() { s.taskStopping(t) })
}

// taskStopping: containers get SIGTERM. A well-behaved server exits 0.
func (s *Server) taskStopping(t *ecsTask) {
	t.lastStatus, t.version = "STOPPING", t.version+1
	t.stoppingAt = s.now()
	s.taskAfter(t, s.ecs.timings.Stopping, func() { s.taskDeprovisioning(t) })
}

// taskDeprovisioning: containers are gone; the ENI is detached.
func (s *Server) taskDeprovisioning(t *ecsTask) {
	t.lastStatus, t.version = "DEPROVISIONING", t.version+1
	for _, c := range t.containers {
		if c.lastStatus == "RUNNING" {
			code := 0
			c.exitCode = &code
		}
		c.lastStatus = "STOPPED"
	}
	if t.executionStoppedAt.IsZero() {
		t.executionStoppedAt = s.now()
	}
	s.taskAfter(t, s.ecs.timings.Deprovisioning, func() { s.taskStopped(t) })
}

// taskStopped: the end. The task stays describable for StoppedRetention.
func (s *Server) taskStopped(t *ecsTask) {
	t.lastStatus, t.version = "STOPPED", t.version+1
	t.stoppedAt = s.now()
	if t.eni.id != "" {
		t.eni.status = "DELETED"
		delete(s.ecs.ips, t.eni.ip)
	}
	if t.svc != nil {
		s.kick(t.svc)
	}
	s.after(s.ecs.timings.StoppedRetention, func() { s.forgetTask(t) })
}

func (s *Server) forgetTask(t *ecsTask) {
	delete(s.ecs.tasks, t.arn)
	if d := t.dep; d != nil {
		for i, x := range d.tasks {
			if x == t {
				d.tasks = append(d.tasks[:i], d.tasks[i+1:]...)
				break
			}
		}
	}
}

// ---- overrides ----------------------------------------------------------------------

// containerCommandOverrides returns the command override per container name.
func containerCommandOverrides(overrides map[string]any) map[string][]string {
	out := map[string][]string{}
	cos, _ := overrides["containerOverrides"].([]any)
	for _, x := range cos {
		m, _ := x.(map[string]any)
		name, _ := m["name"].(string)
		cmd, ok := m["command"].([]any)
		if !ok {
			continue
		}
		list := []string{}
		for _, a := range cmd {
			s, _ := a.(string)
			list = append(list, s)
		}
		out[name] = list
	}
	return out
}

// ---- the DescribeTasks shape ---------------------------------------------------------

type taskOut struct {
	Attachments          []attachmentOut  `json:"attachments"`
	Attributes           []map[string]any `json:"attributes"`
	AvailabilityZone     string           `json:"availabilityZone,omitempty"`
	CapacityProviderName string           `json:"capacityProviderName,omitempty"`
	ClusterArn           string           `json:"clusterArn"`
	Connectivity         string           `json:"connectivity,omitempty"`
	ConnectivityAt       *Epoch           `json:"connectivityAt,omitempty"`
	Containers           []containerOut   `json:"containers"`
	Cpu                  string           `json:"cpu,omitempty"`
	CreatedAt            *Epoch           `json:"createdAt"`
	DesiredStatus        string           `json:"desiredStatus"`
	EnableExecuteCommand bool             `json:"enableExecuteCommand"`
	EphemeralStorage     map[string]int   `json:"ephemeralStorage"`
	ExecutionStoppedAt   *Epoch           `json:"executionStoppedAt,omitempty"`
	Group                string           `json:"group"`
	HealthStatus         string           `json:"healthStatus"`
	LastStatus           string           `json:"lastStatus"`
	LaunchType           string           `json:"launchType,omitempty"`
	Memory               string           `json:"memory,omitempty"`
	Overrides            map[string]any   `json:"overrides"`
	PlatformVersion      string           `json:"platformVersion"`
	PlatformFamily       string           `json:"platformFamily"`
	PullStartedAt        *Epoch           `json:"pullStartedAt,omitempty"`
	PullStoppedAt        *Epoch           `json:"pullStoppedAt,omitempty"`
	StartedAt            *Epoch           `json:"startedAt,omitempty"`
	StartedBy            string           `json:"startedBy,omitempty"`
	StopCode             string           `json:"stopCode,omitempty"`
	StoppedAt            *Epoch           `json:"stoppedAt,omitempty"`
	StoppedReason        string           `json:"stoppedReason,omitempty"`
	StoppingAt           *Epoch           `json:"stoppingAt,omitempty"`
	Tags                 []ecsTag         `json:"tags"`
	TaskArn              string           `json:"taskArn"`
	TaskDefinitionArn    string           `json:"taskDefinitionArn"`
	Version              int              `json:"version"`
}

type attachmentOut struct {
	ID      string            `json:"id"`
	Type    string            `json:"type"`
	Status  string            `json:"status"`
	Details []json.RawMessage `json:"details"`
}

type containerOut struct {
	ContainerArn      string           `json:"containerArn"`
	TaskArn           string           `json:"taskArn"`
	Name              string           `json:"name"`
	Image             string           `json:"image"`
	ImageDigest       string           `json:"imageDigest,omitempty"`
	RuntimeID         string           `json:"runtimeId,omitempty"`
	LastStatus        string           `json:"lastStatus"`
	ExitCode          *int             `json:"exitCode,omitempty"`
	Reason            string           `json:"reason,omitempty"`
	NetworkBindings   []any            `json:"networkBindings"`
	NetworkInterfaces []map[string]any `json:"networkInterfaces"`
	HealthStatus      string           `json:"healthStatus"`
	Cpu               string           `json:"cpu"`
	Memory            string           `json:"memory,omitempty"`
	MemoryReservation string           `json:"memoryReservation,omitempty"`
	ManagedAgents     []any            `json:"managedAgents"`
}

func eniDetail(name, value string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"name": name, "value": value})
	return b
}

func (s *Server) taskView(t *ecsTask, withTags bool) taskOut {
	out := taskOut{
		Attachments: []attachmentOut{}, Attributes: []map[string]any{{"name": "ecs.cpu-architecture", "value": "x86_64"}},
		CapacityProviderName: t.capacityProvider, ClusterArn: t.cluster.arn, Cpu: t.cpu, CreatedAt: epochPtr(t.createdAt),
		DesiredStatus: t.desiredStatus, EnableExecuteCommand: t.enableExec,
		EphemeralStorage: map[string]int{"sizeInGiB": t.ephemeralGiB}, Group: t.group, HealthStatus: t.healthStatus,
		LastStatus: t.lastStatus, LaunchType: t.launchType, Memory: t.memory, Overrides: t.overrides,
		PlatformVersion: t.platformVersion, PlatformFamily: "Linux", StartedBy: t.startedBy,
		StopCode: t.stopCode, StoppedReason: t.stoppedReason, Tags: []ecsTag{}, TaskArn: t.arn,
		TaskDefinitionArn: t.td.arn, Version: t.version,
		ConnectivityAt: epochPtr(t.connectivityAt), PullStartedAt: epochPtr(t.pullStartedAt),
		PullStoppedAt: epochPtr(t.pullStoppedAt), StartedAt: epochPtr(t.startedAt), StoppingAt: epochPtr(t.stoppingAt),
		ExecutionStoppedAt: epochPtr(t.executionStoppedAt), StoppedAt: epochPtr(t.stoppedAt),
	}
	if !t.connectivityAt.IsZero() {
		out.Connectivity = "CONNECTED"
	}
	if withTags {
		out.Tags = tagsOrEmpty(t.tags)
	}
	if t.eni.id != "" {
		out.AvailabilityZone = s.availabilityZone(t)
		out.Attachments = append(out.Attachments, attachmentOut{
			ID: t.eni.attachmentID, Type: "ElasticNetworkInterface", Status: t.eni.status,
			Details: []json.RawMessage{
				eniDetail("subnetId", t.eni.subnet), eniDetail("networkInterfaceId", t.eni.id),
				eniDetail("macAddress", t.eni.mac),
				eniDetail("privateDnsName", "ip-"+strings.ReplaceAll(t.eni.ip, ".", "-")+".ec2.internal"),
				eniDetail("privateIPv4Address", t.eni.ip),
			},
		})
	}
	for _, c := range t.containers {
		co := containerOut{
			ContainerArn: c.arn, TaskArn: t.arn, Name: c.name, Image: c.image, RuntimeID: c.runtimeID,
			LastStatus: c.lastStatus, ExitCode: c.exitCode, Reason: c.reason, NetworkBindings: []any{},
			NetworkInterfaces: []map[string]any{}, HealthStatus: c.healthStatus, Cpu: c.cpu,
			Memory: c.memory, MemoryReservation: c.memoryReservation, ManagedAgents: []any{},
		}
		if c.pullError == "" && !t.pullStoppedAt.IsZero() {
			co.ImageDigest = c.digest
		}
		if t.eni.id != "" {
			co.NetworkInterfaces = append(co.NetworkInterfaces, map[string]any{
				"attachmentId": t.eni.attachmentID, "privateIpv4Address": t.eni.ip})
		}
		out.Containers = append(out.Containers, co)
	}
	return out
}
