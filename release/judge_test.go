package release

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

const (
	td42 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:42"
	td43 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:43"
)

func dep(id, status, rollout, td string, desired, pending, running, failed int32) types.Deployment {
	return types.Deployment{
		Id: aws.String(id), Status: aws.String(status), RolloutState: types.DeploymentRolloutState(rollout),
		TaskDefinition: aws.String(td), DesiredCount: desired, PendingCount: pending, RunningCount: running, FailedTasks: failed,
		CreatedAt: aws.Time(time.Unix(1764000000, 0)),
	}
}

func svcWith(td string, breaker bool, deps ...types.Deployment) types.Service {
	s := types.Service{ServiceName: aws.String("web"), Status: aws.String("ACTIVE"), TaskDefinition: aws.String(td), Deployments: deps, DesiredCount: 3, RunningCount: 3}
	if breaker {
		s.DeploymentConfiguration = &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}
	}
	return s
}

func TestJudge(t *testing.T) {
	cases := []struct {
		name string
		svc  types.Service
		want verdict
		next string
	}{
		{"in progress, old tasks still running",
			svcWith(td43, true, dep("ecs-svc/new", "PRIMARY", "IN_PROGRESS", td43, 3, 0, 3, 0), dep("ecs-svc/old", "ACTIVE", "COMPLETED", td42, 0, 0, 2, 0)),
			inProgress, ""},
		{"completed but an old deployment is still listed",
			svcWith(td43, true, dep("ecs-svc/new", "PRIMARY", "COMPLETED", td43, 3, 0, 3, 0), dep("ecs-svc/old", "ACTIVE", "COMPLETED", td42, 0, 0, 1, 0)),
			inProgress, ""},
		{"completed but short of the desired count",
			svcWith(td43, true, dep("ecs-svc/new", "PRIMARY", "COMPLETED", td43, 3, 1, 2, 0)),
			inProgress, ""},
		{"completed",
			svcWith(td43, true, dep("ecs-svc/new", "PRIMARY", "COMPLETED", td43, 3, 0, 3, 0)),
			completed, ""},
		{"completed, yet the service is set to another revision",
			svcWith(td42, true, dep("ecs-svc/new", "PRIMARY", "COMPLETED", td43, 3, 0, 3, 0)),
			inProgress, ""},
		{"circuit breaker rolling back",
			svcWith(td42, true, dep("ecs-svc/rb", "PRIMARY", "IN_PROGRESS", td42, 3, 0, 0, 0), dep("ecs-svc/new", "ACTIVE", "FAILED", td43, 0, 0, 0, 3)),
			breakerRollback, "ecs-svc/rb"},
		{"FAILED and still PRIMARY: the breaker had nothing to roll back to",
			svcWith(td43, true, dep("ecs-svc/new", "PRIMARY", "FAILED", td43, 3, 0, 0, 3), dep("ecs-svc/old", "ACTIVE", "IN_PROGRESS", td42, 3, 0, 3, 0)),
			rolloutFailed, ""},
		{"FAILED without rollback",
			svcWith(td43, false, dep("ecs-svc/new", "PRIMARY", "FAILED", td43, 3, 0, 0, 3), dep("ecs-svc/old", "ACTIVE", "COMPLETED", td42, 3, 0, 3, 0)),
			rolloutFailed, ""},
		{"replaced by someone else's deployment",
			svcWith("arn:aws:ecs:us-east-1:123456789012:task-definition/web:44", true,
				dep("ecs-svc/other", "PRIMARY", "IN_PROGRESS", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:44", 3, 0, 0, 0),
				dep("ecs-svc/new", "ACTIVE", "IN_PROGRESS", td43, 3, 0, 3, 0)),
			superseded, "ecs-svc/other"},
		{"gone after a rollback whose events name it",
			func() types.Service {
				s := svcWith(td42, true, dep("ecs-svc/rb", "PRIMARY", "COMPLETED", td42, 3, 0, 3, 0))
				s.Events = []types.ServiceEvent{{Id: aws.String("e1"), Message: aws.String("(service web) (deployment ecs-svc/new) deployment failed: tasks failed to start.")}}
				return s
			}(),
			breakerRollback, "ecs-svc/rb"},
		{"gone without a word",
			svcWith(td42, true, dep("ecs-svc/x", "PRIMARY", "COMPLETED", td42, 3, 0, 3, 0)),
			superseded, "ecs-svc/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := judge(c.svc, "ecs-svc/new", td43)
			if j.verdict != c.want {
				t.Fatalf("verdict = %v (%s), want %v", j.verdict, j.reason, c.want)
			}
			next := ""
			if j.next != nil {
				next = j.next.ID
			}
			if next != c.next {
				t.Errorf("next = %q, want %q", next, c.next)
			}
			if c.want != inProgress && c.want != completed && j.reason == "" {
				t.Error("a failure without a reason")
			}
		})
	}
}

func TestBusy(t *testing.T) {
	if b, _ := busy(svcWith(td42, true, dep("a", "PRIMARY", "COMPLETED", td42, 3, 0, 3, 0))); b {
		t.Error("a COMPLETED single deployment is not busy")
	}
	if b, d := busy(svcWith(td43, true, dep("a", "PRIMARY", "IN_PROGRESS", td43, 3, 0, 1, 0), dep("b", "ACTIVE", "COMPLETED", td42, 3, 0, 3, 0))); !b || d.ID != "a" {
		t.Errorf("busy = %v %+v, want the primary in progress", b, d)
	}
}
