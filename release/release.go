// Package release rolls new images out to ECS services and tells the truth
// about it.
//
// Deploy renders a new task definition revision from the one each service
// runs (only the images of the named containers change), registers it,
// updates the services, and follows the deployment each UpdateService call
// created until it is COMPLETED with its desired count running and nothing
// older left, or until it fails: a circuit-breaker rollback, a FAILED
// rollout, another deployment taking over, or a timeout. On failure without
// the circuit breaker's rollback, it points the service back at the revision
// it ran before and follows that rollback to its end. Wait follows a
// deployment already in flight with the same rules.
//
// While it runs, a poller describes the services (one DescribeServices call
// per cluster per ten services per poll) and hands each described service to
// the service's tracker, which judges it, explains stopped tasks (stopped
// reason, exit codes, last log lines) and target health, and hands typed
// Snapshots to a renderer drawing them on an output.Board.
package release

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
	"github.com/ecsctl/ecsctl/internal/output"
)

// taskDefinitionAPI is what rendering a new revision reads.
type taskDefinitionAPI interface {
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// rolloutAPI is what starting a rollout, and rolling it back, writes.
type rolloutAPI interface {
	RegisterTaskDefinition(context.Context, *ecs.RegisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
}

// DefaultTimeout bounds a rollout when neither --timeout nor the service's
// timeout in the config says otherwise.
const DefaultTimeout = 15 * time.Minute

// WatchOptions are what Deploy and Wait share: how to follow a rollout.
type WatchOptions struct {
	// Timeout bounds each rollout, and again its rollback; 0 takes the
	// service's timeout from the config, else DefaultTimeout.
	Timeout time.Duration
	// NoRollback leaves a failed or timed-out service as it is (exit code 4)
	// instead of pointing it back at the revision it ran before.
	NoRollback bool

	ECS  ECSAPI
	Logs LogsAPI         // nil: stopped tasks are shown without their log lines
	ELB  TargetHealthAPI // nil: no target health

	// Printer shows progress on its stderr; nil shows nothing.
	Printer *output.Printer
	// OnDeployed runs after a service's rollout succeeded, with the revision
	// it now runs (for example to repoint the batches that follow the
	// service). Its notes go into the service's result (stdout); progress
	// lines, if any, are the hook's own. An error is shown and makes the
	// exit code 1 without undoing the deploy.
	OnDeployed func(ctx context.Context, service, taskDefinitionARN string) (notes []string, err error)

	// Clock and Poll pace the watch; tests make them fast.
	Clock Clock
	Poll  PollIntervals
	// LogLines is how many log lines of a stopped container to show (10).
	LogLines int

	stats *pollStats // counts polls (tests and benchmarks); nil: not counted
}

// Options are the inputs of Deploy.
type Options struct {
	Config *config.Config
	// Services are the config's service names to deploy; All deploys every one.
	Services []string
	All      bool
	// ImageDefinitions is the imagedefinitions.json to read; "" means the
	// config's (relative to the config file), read unless Images are given.
	ImageDefinitions string
	// Images are "container=uri" values (--image); they win over the file.
	Images []string
	// DryRun prints the task definition diff per service and writes nothing.
	DryRun bool
	// ForceNewDeployment deploys even when the images are those running
	// (UpdateService forceNewDeployment, the same revision).
	ForceNewDeployment bool
	// KeepRevisions, if > 0, deregisters the family's revisions older than
	// the newest KeepRevisions after a successful deploy, never the one
	// deployed nor the one before.
	KeepRevisions int
	// WaitForLock waits for another deployment in progress to finish instead
	// of refusing (exit code 5).
	WaitForLock bool

	WatchOptions
}

// servicePlan is what Deploy will do to one service.
type servicePlan struct {
	ref     serviceRef
	svc     types.Service
	current string // the task definition the service runs
	td      *types.TaskDefinition
	tags    []types.Tag
	images  map[string]string
	rev     *revision
	force   bool
}

// Deploy rolls images out to services. The Result reports every service;
// the error, when not nil, carries the exit code (see Result.Err) or says
// what was wrong before anything was written.
func Deploy(ctx context.Context, o Options) (*Result, error) {
	if o.Config == nil || o.ECS == nil {
		return nil, fmt.Errorf("release.Deploy: Config and ECS are required")
	}
	if o.KeepRevisions < 0 {
		return nil, exitcode.BadInput(fmt.Errorf("--keep-revisions must be 0 (keep all) or more"))
	}
	targets, err := selectServices(o.Config, o.Services, o.All, o.Timeout)
	if err != nil {
		return nil, err
	}
	refs, err := o.imageList()
	if err != nil {
		return nil, err
	}
	e := newEnv(o.WatchOptions)
	e.keepRevisions = o.KeepRevisions

	// Read: the services, and the task definitions they run.
	svcs, err := describeServices(ctx, o.ECS, targets)
	if err != nil {
		return nil, err
	}
	plans := make([]*servicePlan, len(targets))
	var problems []error
	for i, ref := range targets {
		svc := svcs[ref.Name]
		if err := checkService(ref, svc); err != nil {
			problems = append(problems, err)
			continue
		}
		out, err := o.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: svc.TaskDefinition,
			Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
		})
		if err != nil {
			return nil, fmt.Errorf("describe task definition %s: %w", familyRevision(aws.ToString(svc.TaskDefinition)), err)
		}
		e.remember(out.TaskDefinition)
		plans[i] = &servicePlan{ref: ref, svc: svc, current: aws.ToString(svc.TaskDefinition), td: out.TaskDefinition, tags: out.Tags, force: o.ForceNewDeployment}
	}
	if len(problems) > 0 {
		return nil, exitcode.BadInput(joinProblems(problems))
	}

	// Render, and refuse bad input before any write.
	if err := assignImages(o.Config, plans, refs); err != nil {
		return nil, err
	}
	for _, p := range plans {
		rev, err := render(p.td, p.tags, p.images)
		if err != nil {
			if uc, ok := err.(*UnknownContainerError); ok {
				uc.Service = p.ref.Name
			}
			problems = append(problems, err)
			continue
		}
		p.rev = rev
	}
	if len(problems) > 0 {
		return nil, exitcode.BadInput(joinProblems(problems))
	}

	res := &Result{DryRun: o.DryRun}
	results := map[string]*ServiceResult{}
	for _, p := range plans {
		r := &ServiceResult{Service: p.ref.Name, Cluster: p.ref.Cluster, OldTaskDefinition: p.current, Images: p.rev.changes}
		res.Services = append(res.Services, r)
		results[p.ref.Name] = r
		for _, f := range p.rev.dropped {
			e.view.Warn(p.ref.Key, fmt.Sprintf("field %s of %s is not carried over to the new revision: this ecsctl does not know how to register it; update ecsctl", f, familyRevision(p.current)))
		}
	}

	if o.DryRun {
		defer e.view.Close()
		for _, p := range plans {
			if err := planDryRun(p, results[p.ref.Name]); err != nil {
				return nil, err
			}
		}
		return res, nil
	}

	// Another deployment in flight?
	var busyNames []string
	for _, p := range plans {
		if b, dep := busy(p.svc); b {
			busyNames = append(busyNames, p.ref.Name)
			if !o.WaitForLock {
				r := results[p.ref.Name]
				r.Outcome, r.ExitCode = OutcomeBusy, exitcode.Busy
				r.Message = fmt.Sprintf("deployment %s (%s, %s) is in progress; run again with --wait-for-lock to wait for it, or follow it with `ecsctl deploy wait --service %s`",
					dep.ID, familyRevision(dep.TaskDefinition), dep.RolloutState, p.ref.Name)
			}
		}
	}
	if len(busyNames) > 0 && !o.WaitForLock {
		for _, r := range res.Services {
			if r.Outcome == "" {
				r.Outcome, r.ExitCode = OutcomeSkipped, exitcode.Busy
				r.Message = "not deployed: another service of this deploy is busy"
			}
		}
		e.view.Close()
		return res, res.Err()
	}
	if err := ctx.Err(); err != nil {
		e.view.Close()
		return nil, fmt.Errorf("deploy: nothing was deployed: %w", err)
	}

	// Write, and watch.
	var trackers []*tracker
	var starting []*tracker
	for _, p := range plans {
		r := results[p.ref.Name]
		t := newTracker(e, p.ref, r)
		t.plan = p
		t.baseline(p.svc)
		if len(p.rev.changes) == 0 && !p.force {
			t.finish(OutcomeUnchanged, exitcode.OK, fmt.Sprintf("the images already run in %s; nothing deployed (use --force-new-deployment to restart the tasks)", familyRevision(p.current)))
			continue
		}
		trackers = append(trackers, t)
		if slices.Contains(busyNames, p.ref.Name) {
			_, dep := busy(p.svc)
			t.note("deployment %s (%s) is in progress; waiting for it to finish (--wait-for-lock)", dep.ID, familyRevision(dep.TaskDefinition))
			t.phase = PhaseWaitingForLock
			t.until = e.clock.Now().Add(p.ref.Timeout)
			t.begin = beginDeploy
			continue
		}
		starting = append(starting, t)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 5)
	for _, t := range starting {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			beginDeploy(ctx, t, t.plan.svc)
		}()
	}
	wg.Wait()
	watch(ctx, e, o.ECS, trackers)
	return res, res.Err()
}

// beginDeploy registers the new revision and updates the service, then
// follows the deployment UpdateService created. Once started, both calls
// finish even if ctx ends, so nothing is left half-done.
func beginDeploy(ctx context.Context, t *tracker, svc types.Service) {
	p := t.plan
	e := t.env
	rev := p.rev
	current := aws.ToString(svc.TaskDefinition)
	if current != p.current {
		// Another deployment changed the revision while we waited: render
		// from the one the service runs now.
		td, err := e.taskDefinitionWithTags(ctx, current)
		if err == nil {
			rev, err = render(td.td, td.tags, p.images)
		}
		if err != nil {
			t.finish(OutcomeNotDeployed, exitcode.Failed, "after waiting: "+err.Error())
			return
		}
		t.res.OldTaskDefinition, t.res.Images = current, rev.changes
		p.current = current
		if len(rev.changes) == 0 && !p.force {
			t.finish(OutcomeUnchanged, exitcode.OK, "the images already run in "+familyRevision(current)+" (deployed while ecsctl waited); nothing deployed")
			return
		}
	}
	if ctx.Err() != nil {
		t.finish(OutcomeInterrupted, exitcode.Interrupted, "stopped before deploying: nothing was deployed")
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	t.res.StartedAt = e.clock.Now()
	newTD := current
	if len(rev.changes) > 0 {
		out, err := e.ecs.RegisterTaskDefinition(wctx, rev.input)
		if err != nil {
			t.fail("register task definition: " + err.Error())
			t.finish(OutcomeNotDeployed, exitcode.Failed, fmt.Sprintf("register task definition: %v; the service still runs %s", err, familyRevision(current)))
			return
		}
		newTD = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
		e.remember(out.TaskDefinition)
		t.note("registered %s (%s)", familyRevision(newTD), describeChanges(rev.changes))
	}
	t.res.NewTaskDefinition = newTD
	out, err := e.ecs.UpdateService(wctx, &ecs.UpdateServiceInput{
		Cluster:            aws.String(t.ref.Cluster),
		Service:            aws.String(t.ref.Name),
		TaskDefinition:     aws.String(newTD),
		ForceNewDeployment: p.force,
	})
	if err != nil {
		t.fail("update service: " + err.Error())
		t.finish(OutcomeNotDeployed, exitcode.Failed, fmt.Sprintf("update service: %v; the service still runs %s (%s was registered, not deployed)", err, familyRevision(current), familyRevision(newTD)))
		return
	}
	var dep *Deployment
	for _, d := range out.Service.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) == newTD {
			x := deploymentOf(d)
			dep = &x
		}
	}
	if dep == nil {
		t.finish(OutcomeFailed, exitcode.NotRolledBack, "UpdateService answered without a PRIMARY deployment of "+familyRevision(newTD)+"; check the service")
		return
	}
	t.prevTD, t.newTD = current, newTD
	t.res.DeploymentID = dep.ID
	t.followDeployment(PhaseDeploying, dep.ID, newTD)
	t.note("deployment %s started: %s -> %s", dep.ID, familyRevision(current), familyRevision(newTD))
}

func describeChanges(cs []ImageChange) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += c.Container + ": " + c.To
	}
	return s
}

// watch polls every cluster concurrently until every tracker is done.
func watch(ctx context.Context, e *env, api servicesAPI, trackers []*tracker) {
	defer e.view.Close()
	byCluster := map[string][]observer{}
	var clusters []string
	for _, t := range trackers {
		if t.done() {
			continue
		}
		if _, ok := byCluster[t.ref.Cluster]; !ok {
			clusters = append(clusters, t.ref.Cluster)
		}
		byCluster[t.ref.Cluster] = append(byCluster[t.ref.Cluster], t)
	}
	sort.Strings(clusters)
	stats := e.stats
	if stats == nil {
		stats = &pollStats{}
	}
	var wg sync.WaitGroup
	for _, cl := range clusters {
		p := &clusterPoller{cluster: cl, api: api, clock: e.clock, intervals: e.poll, stats: stats, observers: byCluster[cl]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.run(ctx)
		}()
	}
	wg.Wait()
}

func newEnv(w WatchOptions) *env {
	e := &env{
		ecs: w.ECS, logs: w.Logs, elb: w.ELB, clock: w.Clock,
		noRollback: w.NoRollback, logLines: w.LogLines, onDeployed: w.OnDeployed,
		poll: w.Poll.withDefaults(), stats: w.stats,
		tdCache: map[string]*types.TaskDefinition{},
		delays:  map[string]time.Duration{},
	}
	if e.clock == nil {
		e.clock = wallClock{}
	}
	if e.logLines <= 0 {
		e.logLines = defaultLogLines
	}
	e.view = newRenderer(w.Printer)
	return e
}

type tdWithTags struct {
	td   *types.TaskDefinition
	tags []types.Tag
}

func (e *env) taskDefinitionWithTags(ctx context.Context, arn string) (tdWithTags, error) {
	out, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(arn),
		Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if err != nil {
		return tdWithTags{}, fmt.Errorf("describe task definition %s: %w", familyRevision(arn), err)
	}
	e.remember(out.TaskDefinition)
	return tdWithTags{out.TaskDefinition, out.Tags}, nil
}

// planDryRun fills a --dry-run result: the diff of the running task
// definition against the one that would be registered.
func planDryRun(p *servicePlan, r *ServiceResult) error {
	r.Outcome = OutcomePlanned
	if len(p.rev.changes) == 0 {
		if p.force {
			r.Message = fmt.Sprintf("would restart the tasks of %s (--force-new-deployment); nothing to register", familyRevision(p.current))
		} else {
			r.Message = fmt.Sprintf("the images already run in %s; nothing would be registered or deployed", familyRevision(p.current))
		}
		return nil
	}
	before, _ := registerInputFrom(p.td, p.tags)
	a, err := maskedJSON(before)
	if err != nil {
		return err
	}
	b, err := maskedJSON(p.rev.input)
	if err != nil {
		return err
	}
	next := aws.ToString(p.td.Family) + ":<new>"
	r.Diff = unifiedDiff(familyRevision(p.current)+" (running)", next+" (would be registered)", a, b)
	r.Message = fmt.Sprintf("would register %s from %s and deploy it", next, familyRevision(p.current))
	return nil
}
