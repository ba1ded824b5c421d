package release

import (
	"bytes"
	"testing"
	"time"

	"github.com/ecsctl/ecsctl/internal/output"
)

func int32p(v int32) *int32 { return &v }

// ciPrinter is a Printer in CI mode (plain lines) stamped by a clock that
// ticks a second per line.
func ciPrinter(buf *bytes.Buffer) *output.Printer {
	t := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	return output.New(output.Options{Stdout: &bytes.Buffer{}, Stderr: buf, Getenv: func(string) string { return "" },
		Now: func() time.Time { return t }})
}

// TestRendererCircuitBreaker draws the snapshots of a rollout the circuit
// breaker rolls back, as CI shows it: status lines only when they change,
// events, stopped tasks with exit codes and log lines, target health.
func TestRendererCircuitBreaker(t *testing.T) {
	var buf bytes.Buffer
	r := newRenderer(ciPrinter(&buf))
	newDep := func(state string, pending, running, failed int32) *Deployment {
		return &Deployment{ID: "ecs-svc/5102", TaskDefinition: td43, Status: "PRIMARY", RolloutState: state, Desired: 2, Pending: pending, Running: running, Failed: failed}
	}
	old := Deployment{ID: "ecs-svc/4711", TaskDefinition: td42, Status: "ACTIVE", RolloutState: "COMPLETED", Desired: 2, Running: 2}
	snaps := []Snapshot{
		{Service: "web", Phase: PhaseDeploying, Notes: []string{"registered web:43 (app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:bbbb)", "deployment ecs-svc/5102 started: web:42 -> web:43"}},
		{Service: "web", Phase: PhaseDeploying, Following: newDep("IN_PROGRESS", 2, 0, 0), Others: []Deployment{old},
			Events: []ServiceEvent{{Message: "(service web) has started 2 tasks: (task 7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e) (task 0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b)."}}},
		{Service: "web", Phase: PhaseDeploying, Following: newDep("IN_PROGRESS", 2, 0, 0), Others: []Deployment{old}},
		{Service: "web", Phase: PhaseDeploying, Following: newDep("IN_PROGRESS", 0, 2, 0), Others: []Deployment{old},
			Targets: []Target{{TargetGroup: "web-tg", ID: "10.0.1.17", Port: 8080, TaskID: "7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e", State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress"}}},
		{Service: "web", Phase: PhaseDeploying, Following: newDep("IN_PROGRESS", 0, 1, 1), Others: []Deployment{old},
			Events: []ServiceEvent{{Message: "(service web) has stopped 1 running tasks: (task 7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e)."}},
			Stopped: []StoppedTask{{ID: "7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e", StopCode: "EssentialContainerExited", Reason: "Essential container in task exited",
				Containers: []StoppedContainer{
					{Name: "web", ExitCode: int32p(0), LogSource: "log group /ecs/web, stream ecs/web/7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e", LogLines: []string{"nginx: worker process exiting"}},
					{Name: "app", ExitCode: int32p(1), LogSource: "log group /ecs/web, stream ecs/app/7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e",
						LogLines: []string{"starting app v2", "connecting to db.internal:5432", "panic: missing DATABASE_URL"}},
				}}},
			Targets: []Target{{TargetGroup: "web-tg", ID: "10.0.1.17", Port: 8080, TaskID: "7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e", State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress"}}},
		{Service: "web", Phase: PhaseDeploying, Following: newDep("IN_PROGRESS", 0, 0, 2), Others: []Deployment{old},
			Stopped: []StoppedTask{{ID: "0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b", StopCode: "EssentialContainerExited", Reason: "Essential container in task exited", Brief: true, SameAs: "7f3a1c0e9b2d4f6a8c1e3b5d7f9a0c2e",
				Containers: []StoppedContainer{{Name: "web", ExitCode: int32p(0)}, {Name: "app", ExitCode: int32p(1)}}}}},
		{Service: "web", Phase: PhaseDeploying, Notes: []string{"the deployment circuit breaker failed deployment ecs-svc/5102 (tasks failed to start.) and is rolling back to web:42 (deployment ecs-svc/6230)"}},
		{Service: "web", Phase: PhaseBreakerRollback, Following: &Deployment{ID: "ecs-svc/6230", TaskDefinition: td42, Status: "PRIMARY", RolloutState: "IN_PROGRESS", Desired: 2},
			Others: []Deployment{{ID: "ecs-svc/5102", TaskDefinition: td43, Status: "ACTIVE", RolloutState: "FAILED", Failed: 2}, old},
			Events: []ServiceEvent{{Message: "(service web) (deployment ecs-svc/5102) deployment failed: tasks failed to start."}, {Message: "(service web) rolling back to deployment ecs-svc/6230."}}},
		{Service: "web", Phase: PhaseBreakerRollback, Following: &Deployment{ID: "ecs-svc/6230", TaskDefinition: td42, Status: "PRIMARY", RolloutState: "COMPLETED", Desired: 2, Running: 2},
			Events: []ServiceEvent{{Message: "(service web) has reached a steady state."}}},
	}
	for _, s := range snaps {
		r.Draw(s)
	}
	r.Finish("web", OutcomeRolledBack, "the circuit breaker's rollback completed: the service runs web:42 again")
	r.Close()
	golden(t, "ci-circuit-breaker.txt", buf.String())
}
