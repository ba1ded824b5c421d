package awssim

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// The service scheduler: rolling updates, task replacement, the deployment
// circuit breaker and rollback.
//
// A service has a PRIMARY deployment (what it should run) and, during a
// rollout, ACTIVE older ones whose tasks are replaced. The scheduler runs
// whenever something about the service changes (a task changes state, a
// target's health changes, the service is updated); passes that fall at the
// same simulated instant are coalesced, so tasks started together are
// reported together ("has started 4 tasks: ..."). Each pass:
//
//  1. reports targets registered since the last pass;
//  2. stops tasks whose load balancer targets (or container health checks)
//     went unhealthy;
//  3. trips the circuit breaker if the PRIMARY deployment has failed
//     too many tasks, rolling back to the last COMPLETED deployment;
//  4. starts PRIMARY tasks up to the desired count, keeping the tasks that
//     should run within maximumPercent of the desired count, and holding
//     launches back while the service is throttled;
//  5. stops older deployments' tasks, unhealthy ones first, as long as the
//     healthy tasks stay at or above minimumHealthyPercent;
//  6. reports draining targets, completes the deployment once the PRIMARY
//     runs the desired count of healthy tasks and nothing older is left,
//     and reports a steady state.

type ecsDeployment struct {
	id                 string
	status             string // PRIMARY or ACTIVE
	td                 *taskDef
	failedTasks        int
	createdAt          time.Time
	updatedAt          time.Time
	completedAt        time.Time
	launchType         string
	capacityProvider   []json.RawMessage
	platformVersion    string
	network            *awsvpcConfig
	loadBalancers      []ecsLoadBalancer
	rolloutState       string // IN_PROGRESS, COMPLETED, FAILED
	rolloutStateReason string
	tasks              []*ecsTask
	record             *serviceDeployment
}

// svcScheduler is a service's scheduler bookkeeping.
type svcScheduler struct {
	kickPending   bool
	inPass        bool
	wakeAt        time.Time       // a throttled launch is scheduled for then
	startFailures int             // tasks in a row that stopped before RUNNING
	nextLaunchAt  time.Time       // throttled: no launch before then
	unstable      bool            // "unable to consistently start tasks" reported
	steady        bool            // "has reached a steady state" reported
	blocked       bool            // "unable to stop or start tasks" reported
	unhealthy     []unhealthyNote // tasks to replace for failed health checks
	registered    map[*targetGroup][]*ecsTask
	deregistered  map[*targetGroup][]*ecsTask
	draining      map[*ecsDeployment][]*ecsTask
}

type unhealthyNote struct {
	task   *ecsTask
	target *taskTarget // nil: container health checks
	port   int
	reason string // the target's health description when it failed
}

func (svc *ecsService) noteRegistered(tg *targetGroup, t *ecsTask) {
	if svc.sched.registered == nil {
		svc.sched.registered = map[*targetGroup][]*ecsTask{}
	}
	svc.sched.registered[tg] = append(svc.sched.registered[tg], t)
}

func (svc *ecsService) noteDeregistered(tg *targetGroup, t *ecsTask) {
	if svc.sched.deregistered == nil {
		svc.sched.deregistered = map[*targetGroup][]*ecsTask{}
		svc.sched.draining = map[*ecsDeployment][]*ecsTask{}
	}
	svc.sched.deregistered[tg] = append(svc.sched.deregistered[tg], t)
	if !containsTask(svc.sched.draining[t.dep], t) {
		svc.sched.draining[t.dep] = append(svc.sched.draining[t.dep], t)
	}
}

func (svc *ecsService) flagUnhealthy(t *ecsTask, tt *taskTarget) {
	for _, n := range svc.sched.unhealthy {
		if n.task == t {
			return
		}
	}
	n := unhealthyNote{task: t, target: tt}
	if tt != nil {
		n.port, n.reason = tt.port, tt.desc
	}
	svc.sched.unhealthy = append(svc.sched.unhealthy, n)
}

// launchSucceeded: a task reached RUNNING, which ends launch throttling.
func (svc *ecsService) launchSucceeded() {
	svc.sched.startFailures, svc.sched.nextLaunchAt, svc.sched.unstable = 0, time.Time{}, false
}

// taskFailed counts a task that died on its own (it failed to start, an
// essential container exited, or it failed its health checks).
//
// Tasks that never reached RUNNING throttle further launches: the delay
// doubles from 30 s up to 15 minutes, and after three in a row ECS reports
// that the service "is unable to consistently start tasks successfully".
// Every failure of the PRIMARY deployment while it is IN_PROGRESS counts
// toward its circuit breaker.
func (svc *ecsService) taskFailed(s *Server, t *ecsTask) {
	if !t.reachedRunning {
		svc.sched.startFailures++
		backoff := 30 * time.Second << min(svc.sched.startFailures-1, 5)
		svc.sched.nextLaunchAt = s.now().Add(min(backoff, 15*time.Minute))
		if svc.sched.startFailures >= 3 && !svc.sched.unstable {
			svc.sched.unstable = true
			s.serviceEvent(svc, msgUnstable, svc.name)
		}
	}
	if d := t.dep; d != nil && d.status == "PRIMARY" && d.rolloutState == "IN_PROGRESS" {
		d.failedTasks++
		d.updatedAt = s.now()
	}
}

// newDeployment makes td the service's PRIMARY deployment; the previous
// PRIMARY becomes ACTIVE and its tasks get replaced.
func (s *Server) newDeployment(svc *ecsService, td *taskDef) *ecsDeployment {
	d := &ecsDeployment{
		id: "ecs-svc/" + s.digitID(19), status: "PRIMARY", td: td,
		createdAt: s.now(), updatedAt: s.now(), launchType: svc.launchType,
		capacityProvider: svc.capacityProvider, platformVersion: "1.4.0", network: svc.network,
		loadBalancers: svc.loadBalancers, rolloutState: "IN_PROGRESS",
	}
	d.rolloutStateReason = fmt.Sprintf("ECS deployment %s in progress.", d.id)
	var previous *ecsDeployment
	for _, old := range svc.deployments {
		if old.status == "PRIMARY" {
			old.status, old.updatedAt = "ACTIVE", s.now()
			previous = old
		}
	}
	svc.deployments = append([]*ecsDeployment{d}, svc.deployments...)
	svc.td = td
	// A new task definition ends launch throttling at once.
	svc.launchSucceeded()
	svc.sched.steady, svc.sched.blocked = false, false
	s.recordDeploymentStart(svc, d, previous)
	return d
}

// kick asks for a scheduler pass over svc at the current simulated time.
func (s *Server) kick(svc *ecsService) {
	if svc == nil || svc.sched.kickPending || svc.sched.inPass {
		return
	}
	svc.sched.kickPending = true
	s.at(s.now(), func() {
		svc.sched.kickPending = false
		s.schedule(svc)
	})
}

// schedule is one scheduler pass (see the top of this file).
func (s *Server) schedule(svc *ecsService) {
	if svc.status == "INACTIVE" {
		return
	}
	svc.sched.inPass = true
	defer func() { svc.sched.inPass = false }()

	s.reportRegistered(svc)
	if svc.status == "DRAINING" {
		s.drainService(svc)
		s.reportDeregistered(svc)
		return
	}
	unhealthy := s.stopUnhealthy(svc)
	s.checkCircuitBreaker(svc)
	p := svc.primary()
	stopped := s.scaleIn(svc, p)
	started := s.startTasks(svc, p)
	s.reportStarted(svc, started, min(len(unhealthy), len(started)))
	s.reportUnhealthy(svc, unhealthy)
	for _, n := range unhealthy {
		stopped = append(stopped, n.task)
	}
	stopped = append(stopped, s.stopOldTasks(svc, p)...)
	s.reportStopped(svc, stopped)
	s.reportDeregistered(svc)
	s.checkBlocked(svc, p, len(started)+len(stopped))
	s.checkCompleted(svc, p)
	s.checkSteady(svc)
}

// liveTasks are the service's tasks that should be running.
func (svc *ecsService) liveTasks() []*ecsTask {
	var out []*ecsTask
	for _, d := range svc.deployments {
		for _, t := range d.tasks {
			if t.desiredStatus == "RUNNING" {
				out = append(out, t)
			}
		}
	}
	return out
}

func (d *ecsDeployment) liveTasks() []*ecsTask {
	var out []*ecsTask
	for _, t := range d.tasks {
		if t.desiredStatus == "RUNNING" {
			out = append(out, t)
		}
	}
	return out
}

// notStopped counts the service's tasks that are not yet STOPPED.
func (svc *ecsService) notStopped() int {
	n := 0
	for _, d := range svc.deployments {
		for _, t := range d.tasks {
			if t.lastStatus != "STOPPED" {
				n++
			}
		}
	}
	return n
}

func (svc *ecsService) schedulerStopReason() string {
	return fmt.Sprintf("Scaling activity initiated by (deployment %s)", svc.primary().id)
}

// stopUnhealthy stops the tasks that failed their health checks.
func (s *Server) stopUnhealthy(svc *ecsService) []unhealthyNote {
	var out []unhealthyNote
	for _, n := range svc.sched.unhealthy {
		t := n.task
		if t.desiredStatus != "RUNNING" {
			continue
		}
		reason := "Task failed container health checks"
		if n.target != nil {
			reason = "Task failed ELB health checks in " + targetGroupRef(n.target.tg.arn)
		}
		s.stopTask(t, "ServiceSchedulerInitiated", reason, true)
		out = append(out, n)
	}
	svc.sched.unhealthy = nil
	return out
}

// scaleIn stops PRIMARY tasks above the desired count, those not yet
// healthy first.
func (s *Server) scaleIn(svc *ecsService, p *ecsDeployment) []*ecsTask {
	live := p.liveTasks()
	extra := len(live) - svc.desiredCount
	if extra <= 0 {
		return nil
	}
	sort.SliceStable(live, func(i, j int) bool {
		if live[i].healthy != live[j].healthy {
			return !live[i].healthy
		}
		return live[i].createdAt.After(live[j].createdAt)
	})
	for _, t := range live[:extra] {
		s.stopTask(t, "ServiceSchedulerInitiated", svc.schedulerStopReason(), false)
	}
	return live[:extra]
}

// startTasks launches PRIMARY tasks toward the desired count.
func (s *Server) startTasks(svc *ecsService, p *ecsDeployment) []*ecsTask {
	if p.rolloutState == "FAILED" {
		return nil // a failed deployment launches no more tasks
	}
	need := svc.desiredCount - len(p.liveTasks())
	room := max(floorPct(svc.desiredCount, svc.maxPercent()), 1) - len(svc.liveTasks())
	n := min(need, room)
	if n <= 0 {
		return nil
	}
	if s.now().Before(svc.sched.nextLaunchAt) {
		s.wakeAt(svc, svc.sched.nextLaunchAt)
		return nil
	}
	var started []*ecsTask
	for i := 0; i < n; i++ {
		started = append(started, s.launchTask(s.serviceLaunchSpec(svc, p)))
	}
	svc.sched.steady = false
	return started
}

// wakeAt schedules a scheduler pass when launch throttling ends.
func (s *Server) wakeAt(svc *ecsService, t time.Time) {
	if svc.sched.wakeAt.Equal(t) {
		return
	}
	svc.sched.wakeAt = t
	s.at(t, func() {
		if svc.sched.wakeAt.Equal(t) {
			svc.sched.wakeAt = time.Time{}
			s.kick(svc)
		}
	})
}

func (s *Server) serviceLaunchSpec(svc *ecsService, d *ecsDeployment) launchSpec {
	spec := launchSpec{
		cluster: svc.cluster, td: d.td, svc: svc, dep: d, launchType: d.launchType,
		network: d.network, group: "service:" + svc.name, startedBy: d.id,
		enableExec: svc.enableExec, overrides: map[string]any{"containerOverrides": []any{}, "inferenceAcceleratorOverrides": []any{}},
	}
	cos := spec.overrides["containerOverrides"].([]any)
	for _, cd := range d.td.view.ContainerDefinitions {
		cos = append(cos, map[string]any{"name": cd.Name})
	}
	spec.overrides["containerOverrides"] = cos
	if len(d.capacityProvider) > 0 {
		spec.launchType, spec.capacityProvider = "FARGATE", "FARGATE"
	}
	switch svc.propagateTags {
	case "SERVICE":
		spec.tags = mergeTags(spec.tags, svc.tags)
	case "TASK_DEFINITION":
		spec.tags = mergeTags(spec.tags, d.td.tags)
	}
	if svc.managedTags {
		spec.tags = mergeTags(spec.tags, []ecsTag{
			{Key: "aws:ecs:clusterName", Value: svc.cluster.name}, {Key: "aws:ecs:serviceName", Value: svc.name}})
	}
	return spec
}

// stopOldTasks stops the tasks of older deployments as far as
// minimumHealthyPercent allows: tasks that are not healthy go first, then
// the oldest deployment's.
func (s *Server) stopOldTasks(svc *ecsService, p *ecsDeployment) []*ecsTask {
	if p.rolloutState == "FAILED" {
		return nil // the breaker stopped this rollout and there is nothing to roll back to
	}
	minHealthy := ceilPct(svc.desiredCount, svc.minPercent())
	healthy := 0
	for _, t := range svc.liveTasks() {
		if t.healthy {
			healthy++
		}
	}
	var old []*ecsTask
	for i := len(svc.deployments) - 1; i >= 0; i-- { // oldest deployment first
		if d := svc.deployments[i]; d != p {
			old = append(old, d.liveTasks()...)
		}
	}
	sort.SliceStable(old, func(i, j int) bool { return !old[i].healthy && old[j].healthy })
	var stopped []*ecsTask
	for _, t := range old {
		if t.healthy {
			if healthy-1 < minHealthy {
				continue
			}
			healthy--
		}
		s.stopTask(t, "ServiceSchedulerInitiated", svc.schedulerStopReason(), false)
		stopped = append(stopped, t)
	}
	return stopped
}

// checkCircuitBreaker fails the PRIMARY deployment once its failed tasks
// reach the threshold and, with rollback on, rolls back to the most recent
// COMPLETED deployment (which turns PRIMARY and IN_PROGRESS again).
func (s *Server) checkCircuitBreaker(svc *ecsService) {
	p := svc.primary()
	cb := svc.breaker()
	if !cb.Enable || p.rolloutState != "IN_PROGRESS" || p.failedTasks < svc.failureThreshold() {
		return
	}
	p.rolloutState = "FAILED"
	p.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start."
	p.updatedAt = s.now()
	s.serviceEvent(svc, msgDeploymentFailed, svc.name, p.id)
	if !cb.Rollback {
		s.recordDeploymentEnd(svc, p, "STOPPED", "Service deployment stopped: "+p.rolloutStateReason)
		return
	}
	var target *ecsDeployment
	for _, d := range svc.deployments {
		if d != p && d.rolloutState == "COMPLETED" && (target == nil || d.completedAt.After(target.completedAt)) {
			target = d
		}
	}
	if target == nil {
		// Nothing ever completed: the deployment stays FAILED and stalls.
		s.recordDeploymentEnd(svc, p, "ROLLBACK_FAILED", "Service deployment failed and there is no completed deployment to roll back to.")
		return
	}
	p.status = "ACTIVE"
	target.status, target.rolloutState, target.failedTasks = "PRIMARY", "IN_PROGRESS", 0
	target.rolloutStateReason = fmt.Sprintf("ECS deployment circuit breaker: rolling back to deploymentId %s.", target.id)
	target.updatedAt = s.now()
	rest := []*ecsDeployment{target}
	for _, d := range svc.deployments {
		if d != target {
			rest = append(rest, d)
		}
	}
	svc.deployments = rest
	svc.td = target.td
	svc.launchSucceeded()
	svc.sched.steady = false
	s.serviceEvent(svc, msgRollingBack, svc.name, target.id)
	s.recordRollback(svc, p, target)
}

// failureThreshold is the circuit breaker's threshold: by default half the
// desired count, at least 3 and at most 200.
func (svc *ecsService) failureThreshold() int {
	tc := svc.breaker().ThresholdConfiguration
	pct := 50
	kind := "BOUNDED_PERCENT"
	if tc != nil {
		kind, pct = tc.Type, tc.Value
	}
	switch kind {
	case "COUNT":
		return max(pct, 1)
	case "UNBOUNDED_PERCENT":
		return max(ceilPct(svc.desiredCount, pct), 1)
	}
	return min(max(ceilPct(svc.desiredCount, pct), 3), 200)
}

// checkCompleted completes the PRIMARY deployment once it runs the desired
// count of healthy tasks and every older task has stopped; the older
// deployments are then removed.
func (s *Server) checkCompleted(svc *ecsService, p *ecsDeployment) {
	if p.rolloutState != "IN_PROGRESS" {
		return
	}
	live := p.liveTasks()
	if len(live) != svc.desiredCount {
		return
	}
	for _, t := range live {
		if !t.healthy {
			return
		}
	}
	for _, d := range svc.deployments[1:] {
		for _, t := range d.tasks {
			if t.lastStatus != "STOPPED" {
				return
			}
		}
	}
	p.rolloutState = "COMPLETED"
	p.rolloutStateReason = fmt.Sprintf("ECS deployment %s completed.", p.id)
	p.updatedAt, p.completedAt = s.now(), s.now()
	for _, d := range svc.deployments[1:] {
		s.recordDeploymentEnd(svc, d, "", "")
	}
	svc.deployments = svc.deployments[:1]
	s.serviceEvent(svc, msgDeploymentCompleted, svc.name, p.id)
	s.recordDeploymentEnd(svc, p, "SUCCESSFUL", "")
}

// checkSteady reports a steady state when the service newly runs its desired
// count of healthy tasks under a COMPLETED deployment.
func (s *Server) checkSteady(svc *ecsService) {
	p := svc.primary()
	live := svc.liveTasks()
	steady := p.rolloutState == "COMPLETED" && len(live) == svc.desiredCount
	for _, t := range live {
		steady = steady && t.healthy
	}
	if steady && !svc.sched.steady {
		s.serviceEvent(svc, msgSteady, svc.name)
	}
	svc.sched.steady = steady
}

// checkBlocked reports, once, a rollout that can neither start nor stop a
// task because of maximumPercent and minimumHealthyPercent.
func (s *Server) checkBlocked(svc *ecsService, p *ecsDeployment, acted int) {
	if acted > 0 || p.rolloutState != "IN_PROGRESS" || len(svc.deployments) < 2 || svc.sched.blocked {
		return
	}
	if s.now().Before(svc.sched.nextLaunchAt) {
		return // launches are held back after failed starts, not by the deployment configuration
	}
	for _, d := range svc.deployments {
		for _, t := range d.tasks {
			if t.lastStatus != "STOPPED" && (t.lastStatus != "RUNNING" || !t.healthy) {
				return // something is still moving
			}
		}
	}
	if len(p.liveTasks()) < svc.desiredCount {
		svc.sched.blocked = true
		s.serviceEvent(svc, msgBlocked, svc.name)
	}
}

// drainService stops a deleted service's tasks; it turns INACTIVE when they
// have all stopped.
func (s *Server) drainService(svc *ecsService) {
	var stopped []*ecsTask
	for _, t := range svc.liveTasks() {
		s.stopTask(t, "ServiceSchedulerInitiated", svc.schedulerStopReason(), false)
		stopped = append(stopped, t)
	}
	s.reportStopped(svc, stopped)
	if svc.notStopped() == 0 {
		svc.status = "INACTIVE"
	}
}

func containsTask(list []*ecsTask, t *ecsTask) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}
