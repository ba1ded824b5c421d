package release

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Phase is what ecsctl is doing with a service.
type Phase string

// Phases.
const (
	PhaseWaitingForLock  Phase = "waiting for another deployment"
	PhaseDeploying       Phase = "deploying"
	PhaseBreakerRollback Phase = "circuit breaker rolling back"
	PhaseRollingBack     Phase = "rolling back"
	PhaseDone            Phase = "done"
)

// Deployment is what a snapshot shows of one deployment of a service.
type Deployment struct {
	ID             string
	TaskDefinition string // ARN
	Status         string // PRIMARY, ACTIVE, INACTIVE
	RolloutState   string // IN_PROGRESS, COMPLETED, FAILED
	Reason         string // rolloutStateReason
	Desired        int32
	Pending        int32
	Running        int32
	Failed         int32
}

func deploymentOf(d types.Deployment) Deployment {
	return Deployment{
		ID:             aws.ToString(d.Id),
		TaskDefinition: aws.ToString(d.TaskDefinition),
		Status:         aws.ToString(d.Status),
		RolloutState:   string(d.RolloutState),
		Reason:         aws.ToString(d.RolloutStateReason),
		Desired:        d.DesiredCount,
		Pending:        d.PendingCount,
		Running:        d.RunningCount,
		Failed:         d.FailedTasks,
	}
}

// ServiceEvent is a service event ECS recorded.
type ServiceEvent struct {
	ID      string
	At      time.Time
	Message string
}

// StoppedTask explains why a task of the followed deployment stopped.
type StoppedTask struct {
	ID             string // the task ID (last part of its ARN)
	TaskDefinition string
	StopCode       string
	Reason         string // stoppedReason
	Containers     []StoppedContainer
	// Brief: shown in one line, without containers and logs, because it
	// stopped like task SameAs shown before (or too many were shown already).
	Brief  bool
	SameAs string
}

// StoppedContainer is one container of a stopped task.
type StoppedContainer struct {
	Name     string
	ExitCode *int32
	Reason   string
	// LogSource names where the lines come from ("log group /ecs/web, stream ecs/web/abc"),
	// or says why there are none.
	LogSource string
	LogLines  []string
}

// signature is what makes two stopped tasks look alike.
func (t StoppedTask) signature() string {
	var sb strings.Builder
	sb.WriteString(t.StopCode + "|" + t.Reason)
	for _, c := range t.Containers {
		code := "-"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		fmt.Fprintf(&sb, "|%s:%s:%s", c.Name, code, c.Reason)
	}
	return sb.String()
}

// failure is the one-line reason a stopped task gives.
func (t StoppedTask) failure() string {
	parts := []string{}
	for _, c := range t.Containers {
		switch {
		case c.ExitCode != nil && c.Reason != "":
			parts = append(parts, fmt.Sprintf("container %s exited %d: %s", c.Name, *c.ExitCode, c.Reason))
		case c.ExitCode != nil && *c.ExitCode != 0:
			parts = append(parts, fmt.Sprintf("container %s exited %d", c.Name, *c.ExitCode))
		case c.Reason != "":
			parts = append(parts, fmt.Sprintf("container %s: %s", c.Name, c.Reason))
		}
	}
	s := "task stopped: " + t.Reason
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// Target is the load balancer health of one target of a new task.
type Target struct {
	TargetGroup string // name
	ID          string // IP or instance ID
	Port        int32
	TaskID      string // "" when unknown
	State       string // initial, healthy, unhealthy, draining, unused, unavailable
	Reason      string
	Description string
}

// Key identifies a target across snapshots.
func (t Target) Key() string { return fmt.Sprintf("%s/%s:%d", t.TargetGroup, t.ID, t.Port) }

// Snapshot is what one poll learned about one service: the deployment being
// followed and the others, and what happened since the last snapshot.
type Snapshot struct {
	Service string // display key: the service name (cluster/name when names repeat)
	At      time.Time
	Phase   Phase
	// Following is the deployment ecsctl follows (nil while waiting for a lock).
	Following *Deployment
	Others    []Deployment
	// ServiceTaskDefinition is the revision the service is set to run.
	ServiceTaskDefinition string
	Events                []ServiceEvent // new since the last snapshot, oldest first
	Stopped               []StoppedTask  // newly stopped tasks of the followed deployment
	Targets               []Target       // current health of the new tasks' targets
	Notes                 []string       // what ecsctl did or decided, in order
}

func snapshotDeployments(svc types.Service, followID string) (*Deployment, []Deployment) {
	var follow *Deployment
	var others []Deployment
	for _, d := range svc.Deployments {
		dep := deploymentOf(d)
		if dep.ID == followID {
			follow = &dep
			continue
		}
		others = append(others, dep)
	}
	return follow, others
}
