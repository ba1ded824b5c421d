package awssim

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Service events, as DescribeServices returns them: newest first, the 100
// most recent, worded as the ECS service scheduler words them.

// maxServiceEvents is how many events DescribeServices shows, as on AWS.
const maxServiceEvents = 100

type serviceEvent struct {
	ID        string `json:"id"`
	CreatedAt Epoch  `json:"createdAt"`
	Message   string `json:"message"`
}

// The scheduler's messages.
const (
	msgStarted             = "(service %s) has started %d tasks: %s."
	msgReplacedUnhealthy   = " Amazon ECS replaced %d tasks due to an unhealthy status."
	msgStopped             = "(service %s) has stopped %d running tasks: %s."
	msgRegistered          = "(service %s) registered %d targets in %s"
	msgDeregistered        = "(service %s) deregistered %d targets in %s"
	msgDraining            = "(service %s, taskSet %s) has begun draining connections on %d tasks."
	msgTargetUnhealthy     = "(service %s) (task %s) (port %d) is unhealthy in %s due to (reason %s)."
	msgContainerUnhealthy  = "(service %s) (task %s) failed container health checks."
	msgSteady              = "(service %s) has reached a steady state."
	msgDeploymentCompleted = "(service %s) (deployment %s) deployment completed."
	msgDeploymentFailed    = "(service %s) (deployment %s) deployment failed: tasks failed to start."
	msgRollingBack         = "(service %s) rolling back to deployment %s."
	msgUnstable            = "(service %s) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
	msgBlocked             = "(service %s) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
)

// serviceEvent records an event on the service.
func (s *Server) serviceEvent(svc *ecsService, format string, args ...any) {
	ev := serviceEvent{ID: s.uuid(), CreatedAt: Epoch(s.now()), Message: fmt.Sprintf(format, args...)}
	if len(svc.events) >= maxServiceEvents {
		svc.events = svc.events[:maxServiceEvents-1]
	}
	svc.events = append([]serviceEvent{ev}, svc.events...)
	svc.eventsJSON = nil
}

// eventsRendered returns the service's events as JSON, encoded once per
// change: DescribeServices answers them on every poll, and 100 events are
// most of its answer.
func (svc *ecsService) eventsRendered() json.RawMessage {
	if svc.eventsJSON == nil {
		events := svc.events
		if events == nil {
			events = []serviceEvent{}
		}
		b, err := json.Marshal(events)
		if err != nil {
			panic(fmt.Sprintf("render service events: %v", err))
		}
		svc.eventsJSON = b
	}
	return svc.eventsJSON
}

// taskList renders tasks as ECS does: "(task 1234...) (task 5678...)".
func taskList(tasks []*ecsTask) string {
	parts := make([]string, len(tasks))
	for i, t := range tasks {
		parts[i] = "(task " + t.id + ")"
	}
	return strings.Join(parts, " ")
}

func (s *Server) reportStarted(svc *ecsService, started []*ecsTask, replacedUnhealthy int) {
	if len(started) == 0 {
		return
	}
	msg := fmt.Sprintf(msgStarted, svc.name, len(started), taskList(started))
	if replacedUnhealthy > 0 {
		msg += fmt.Sprintf(msgReplacedUnhealthy, replacedUnhealthy)
	}
	s.serviceEvent(svc, "%s", msg)
}

func (s *Server) reportStopped(svc *ecsService, stopped []*ecsTask) {
	if len(stopped) > 0 {
		s.serviceEvent(svc, msgStopped, svc.name, len(stopped), taskList(stopped))
	}
}

func (s *Server) reportUnhealthy(svc *ecsService, notes []unhealthyNote) {
	for _, n := range notes {
		if n.target == nil {
			s.serviceEvent(svc, msgContainerUnhealthy, svc.name, n.task.id)
			continue
		}
		s.serviceEvent(svc, msgTargetUnhealthy, svc.name, n.task.id, n.port, targetGroupRef(n.target.tg.arn), n.reason)
	}
}

// reportRegistered reports the targets registered since the last pass, one
// event per target group.
func (s *Server) reportRegistered(svc *ecsService) {
	for _, tg := range sortedTargetGroups(svc.sched.registered) {
		s.serviceEvent(svc, msgRegistered, svc.name, len(svc.sched.registered[tg]), targetGroupRef(tg.arn))
	}
	svc.sched.registered = nil
}

// reportDeregistered reports deregistered targets and the deployments
// (ECS calls them task sets) whose connections are draining.
func (s *Server) reportDeregistered(svc *ecsService) {
	for _, tg := range sortedTargetGroups(svc.sched.deregistered) {
		s.serviceEvent(svc, msgDeregistered, svc.name, len(svc.sched.deregistered[tg]), targetGroupRef(tg.arn))
	}
	deps := make([]*ecsDeployment, 0, len(svc.sched.draining))
	for d := range svc.sched.draining {
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].id < deps[j].id })
	for _, d := range deps {
		s.serviceEvent(svc, msgDraining, svc.name, d.id, len(svc.sched.draining[d]))
	}
	svc.sched.deregistered, svc.sched.draining = nil, nil
}

func sortedTargetGroups(m map[*targetGroup][]*ecsTask) []*targetGroup {
	out := make([]*targetGroup, 0, len(m))
	for tg := range m {
		out = append(out, tg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].arn < out[j].arn })
	return out
}
