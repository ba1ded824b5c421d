package release

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// WaitOptions are the inputs of Wait.
type WaitOptions struct {
	Config   *config.Config
	Services []string
	All      bool
	WatchOptions
}

// Wait follows the deployment in flight on each service to its end, with
// the rules and output of Deploy: success only when it is COMPLETED with
// nothing older left; on failure or timeout it rolls back to the revision
// of the older deployment still listed (unless NoRollback). A service with
// no deployment in flight reports how its last deployment ended.
func Wait(ctx context.Context, o WaitOptions) (*Result, error) {
	if o.Config == nil || o.ECS == nil {
		return nil, fmt.Errorf("release.Wait: Config and ECS are required")
	}
	targets, err := selectServices(o.Config, o.Services, o.All, o.Timeout)
	if err != nil {
		return nil, err
	}
	svcs, err := describeServices(ctx, o.ECS, targets)
	if err != nil {
		return nil, err
	}
	var problems []error
	for _, ref := range targets {
		if err := checkService(ref, svcs[ref.Name]); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, exitcode.BadInput(joinProblems(problems))
	}

	e := newEnv(o.WatchOptions)
	res := &Result{}
	var trackers []*tracker
	for _, ref := range targets {
		svc := svcs[ref.Name]
		r := &ServiceResult{Service: ref.Name, Cluster: ref.Cluster, OldTaskDefinition: aws.ToString(svc.TaskDefinition)}
		res.Services = append(res.Services, r)
		t := newTracker(e, ref, r)
		t.baseline(svc)
		r.StartedAt = e.clock.Now()
		primary := primaryOf(svc)
		if primary == nil {
			t.finish(OutcomeFailed, exitcode.NotRolledBack, "the service has no PRIMARY deployment; check it")
			continue
		}
		older := olderDeployments(svc, primary.ID)
		r.NewTaskDefinition, r.DeploymentID = primary.TaskDefinition, primary.ID
		t.newTD = primary.TaskDefinition

		if len(older) == 0 {
			t.last = Snapshot{ServiceTaskDefinition: primary.TaskDefinition}
			switch primary.RolloutState {
			case string(types.DeploymentRolloutStateFailed):
				t.fail("deployment " + primary.ID + " failed: " + primary.Reason)
				t.finish(OutcomeFailed, exitcode.NotRolledBack, fmt.Sprintf("no deployment in flight; the last one, %s (%s), FAILED: %s", primary.ID, familyRevision(primary.TaskDefinition), primary.Reason))
				continue
			case string(types.DeploymentRolloutStateCompleted):
				t.finish(OutcomeSucceeded, exitcode.OK, fmt.Sprintf("no deployment in flight; %s is COMPLETED on %s", primary.ID, familyRevision(primary.TaskDefinition)))
				continue
			}
		}
		// A FAILED older deployment means the primary is the circuit
		// breaker's rollback.
		var failed *Deployment
		for i := range older {
			if older[i].RolloutState == string(types.DeploymentRolloutStateFailed) {
				failed = &older[i]
				break
			}
		}
		switch {
		case failed != nil:
			t.newTD, t.prevTD = failed.TaskDefinition, primary.TaskDefinition
			r.OldTaskDefinition, r.NewTaskDefinition, r.DeploymentID = primary.TaskDefinition, failed.TaskDefinition, failed.ID
			r.RolledBackBy, r.RollbackDeploymentID = "circuit-breaker", primary.ID
			t.fail("deployment " + failed.ID + " failed: " + failed.Reason)
			t.inspectIDs = append(t.inspectIDs, failed.ID)
			t.followDeployment(PhaseBreakerRollback, primary.ID, primary.TaskDefinition)
			t.note("deployment %s (%s) failed (%s); following the circuit breaker's rollback %s to %s",
				failed.ID, familyRevision(failed.TaskDefinition), failed.Reason, primary.ID, familyRevision(primary.TaskDefinition))
		default:
			if len(older) > 0 && older[0].TaskDefinition != primary.TaskDefinition {
				t.prevTD = older[0].TaskDefinition
				r.OldTaskDefinition = t.prevTD
			}
			t.followDeployment(PhaseDeploying, primary.ID, primary.TaskDefinition)
			from := "?"
			if t.prevTD != "" {
				from = familyRevision(t.prevTD)
			}
			t.note("following deployment %s: %s -> %s", primary.ID, from, familyRevision(primary.TaskDefinition))
		}
		trackers = append(trackers, t)
	}
	for _, t := range trackers {
		t.res.Images = imageChanges(ctx, e, t.prevTD, t.newTD)
	}
	if len(trackers) == 0 {
		e.view.Close()
		return res, res.Err()
	}
	watch(ctx, e, o.ECS, trackers)
	return res, res.Err()
}

// olderDeployments returns the deployments other than primary, newest first.
func olderDeployments(svc types.Service, primary string) []Deployment {
	type dated struct {
		d  Deployment
		at int64
	}
	var ds []dated
	for _, d := range svc.Deployments {
		if aws.ToString(d.Id) == primary {
			continue
		}
		ds = append(ds, dated{deploymentOf(d), aws.ToTime(d.CreatedAt).UnixNano()})
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].at > ds[j].at })
	out := make([]Deployment, len(ds))
	for i, d := range ds {
		out[i] = d.d
	}
	return out
}

// imageChanges compares the images of two revisions (nil when either is
// unknown or unreadable: the result only reports them).
func imageChanges(ctx context.Context, e *env, from, to string) []ImageChange {
	if from == "" || to == "" || from == to {
		return nil
	}
	a, err := e.taskDefinition(ctx, from)
	if err != nil {
		return nil
	}
	b, err := e.taskDefinition(ctx, to)
	if err != nil {
		return nil
	}
	var out []ImageChange
	for _, cb := range b.ContainerDefinitions {
		for _, ca := range a.ContainerDefinitions {
			if aws.ToString(ca.Name) == aws.ToString(cb.Name) && aws.ToString(ca.Image) != aws.ToString(cb.Image) {
				out = append(out, ImageChange{Container: aws.ToString(cb.Name), From: aws.ToString(ca.Image), To: aws.ToString(cb.Image)})
			}
		}
	}
	return out
}
