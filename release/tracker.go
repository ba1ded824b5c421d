package release

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// writeTimeout bounds each write ecsctl must finish once it has started
// (register + update, a rollback, the after-deploy hook), even after Ctrl-C.
const writeTimeout = 2 * time.Minute

// Stopped tasks: how many are shown in full (with logs), and how many log
// lines per container.
const (
	maxDetailedTasks = 5
	defaultLogLines  = 10
)

// env is what every tracker of one Deploy or Wait shares.
type env struct {
	ecs   ECSAPI
	logs  LogsAPI         // nil: no log lines
	elb   TargetHealthAPI // nil: no target health
	clock Clock
	view  *renderer

	poll  PollIntervals
	stats *pollStats

	noRollback    bool
	logLines      int
	keepRevisions int
	onDeployed    func(ctx context.Context, service, taskDefinitionARN string) ([]string, error)

	tdMu    sync.Mutex
	tdCache map[string]*types.TaskDefinition // by ARN
	delays  map[string]time.Duration         // target group ARN -> deregistration delay
}

// taskDefinition describes a task definition once.
func (e *env) taskDefinition(ctx context.Context, arn string) (*types.TaskDefinition, error) {
	e.tdMu.Lock()
	td := e.tdCache[arn]
	e.tdMu.Unlock()
	if td != nil {
		return td, nil
	}
	out, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe task definition: %w", err)
	}
	e.tdMu.Lock()
	e.tdCache[arn] = out.TaskDefinition
	e.tdMu.Unlock()
	return out.TaskDefinition, nil
}

func (e *env) remember(td *types.TaskDefinition) {
	if td == nil || td.TaskDefinitionArn == nil {
		return
	}
	e.tdMu.Lock()
	e.tdCache[*td.TaskDefinitionArn] = td
	e.tdMu.Unlock()
}

// serviceRef names a service to deploy or follow.
type serviceRef struct {
	Name    string
	Cluster string
	Key     string        // how output names it
	Timeout time.Duration // for the rollout, and again for a rollback
}

// tracker follows one service through a rollout and, if needed, its
// rollback: it judges each described state, explains stopped tasks and
// target health, rolls back on failure or timeout, and records the result.
// Its poller calls it from one goroutine at a time.
type tracker struct {
	env  *env
	ref  serviceRef
	res  *ServiceResult
	plan *servicePlan // Deploy only

	phase    Phase
	follow   string // deployment followed
	followTD string // its task definition
	prevTD   string // the revision to roll back to ("" when unknown)
	newTD    string // the revision deployed
	until    time.Time
	begun    time.Time // when the phase that is timed began

	// begin starts the rollout once a lock frees (waiting-for-lock phase only).
	begin func(ctx context.Context, t *tracker, svc types.Service)

	lastFP      string
	seenEvents  map[string]bool
	baseEvents  bool // seenEvents holds the events that were there before
	inspectIDs  []string
	seenStopped map[string]bool
	shownFull   map[string]string // stopped-task signature -> task shown in full
	detailed    int
	observedAt  time.Time         // when the last described state was taken
	drainUntil  time.Time         // old tasks drain behind a load balancer until then at least
	ipTask      map[string]string // target IP -> task ID of a followed deployment
	notOurs     map[string]bool   // target IPs of other tasks
	targets     []Target
	warned      map[string]bool
	finished    bool
	last        Snapshot
}

func newTracker(e *env, ref serviceRef, res *ServiceResult) *tracker {
	return &tracker{
		env: e, ref: ref, res: res,
		seenEvents:  map[string]bool{},
		seenStopped: map[string]bool{},
		shownFull:   map[string]string{},
		ipTask:      map[string]string{},
		notOurs:     map[string]bool{},
		warned:      map[string]bool{},
	}
}

// baseline records the events a service had before ecsctl started, so only
// new ones are shown.
func (t *tracker) baseline(svc types.Service) {
	for _, e := range svc.Events {
		t.seenEvents[aws.ToString(e.Id)] = true
	}
	t.baseEvents = true
}

// followDeployment starts following deployment id (running taskDef) in phase ph.
func (t *tracker) followDeployment(ph Phase, id, taskDef string) {
	t.phase, t.follow, t.followTD = ph, id, taskDef
	t.begun = t.env.clock.Now()
	t.until = t.begun.Add(t.ref.Timeout)
	if !slices.Contains(t.inspectIDs, id) {
		t.inspectIDs = append(t.inspectIDs, id)
	}
}

func (t *tracker) name() string { return t.ref.Name }

func (t *tracker) done() bool { return t.finished }

func (t *tracker) wake() time.Time {
	if t.finished {
		return time.Time{}
	}
	if now := t.env.clock.Now(); t.drainUntil.After(now) && (t.until.IsZero() || t.drainUntil.Before(t.until)) {
		return t.drainUntil
	}
	return t.until
}

// settling reports whether only the old tasks remain to go; while they
// drain behind a load balancer it is false until the drain can have ended.
func (t *tracker) settling() bool {
	d := t.last.Following
	if d == nil || t.phase == PhaseWaitingForLock || d.Running != d.Desired || d.Pending != 0 {
		return false
	}
	return !t.env.clock.Now().Before(t.drainUntil)
}

func (t *tracker) observe(ctx context.Context, svc types.Service) bool {
	if t.finished {
		return false
	}
	now := t.env.clock.Now()
	snap := Snapshot{Service: t.ref.Key, At: now, Phase: t.phase, ServiceTaskDefinition: aws.ToString(svc.TaskDefinition)}
	if !t.baseEvents {
		t.baseline(svc)
	}
	snap.Events = t.newEvents(svc)
	t.noteDrains(ctx, svc, snap.Events, now)
	fp := fingerprint(svc)
	changed := fp != t.lastFP || len(snap.Events) > 0
	t.lastFP = fp

	if st := aws.ToString(svc.Status); st != "ACTIVE" {
		t.draw(snap)
		t.missing("the service is " + st)
		return true
	}

	if t.phase == PhaseWaitingForLock {
		if b, dep := busy(svc); b {
			snap.Following = dep
			t.draw(snap)
			return changed
		}
		t.draw(snap)
		t.begin(ctx, t, svc)
		return true
	}

	snap.Following, snap.Others = snapshotDeployments(svc, t.follow)
	j := judge(svc, t.follow, t.followTD)
	if changed || j.verdict != inProgress {
		snap.Stopped = t.inspectStopped(ctx)
	}
	if len(svc.LoadBalancers) > 0 && t.env.elb != nil && (changed || !t.targetsHealthy()) {
		t.targets = t.inspectTargets(ctx, svc)
	}
	snap.Targets = t.targets
	t.last = snap
	t.draw(snap)
	t.decide(ctx, j)
	return changed
}

// draw shows a snapshot (and keeps it as the last known state).
func (t *tracker) draw(s Snapshot) {
	if s.Following != nil {
		t.last = s
	}
	t.env.view.Draw(s)
}

// note shows and records what ecsctl did.
func (t *tracker) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.env.view.Draw(Snapshot{Service: t.ref.Key, At: t.env.clock.Now(), Phase: t.phase, Notes: []string{msg}})
}

// fail records a reason the rollout failed (once).
func (t *tracker) fail(reason string) {
	if reason == "" || slices.Contains(t.res.Failures, reason) {
		return
	}
	if len(t.res.Failures) < 50 {
		t.res.Failures = append(t.res.Failures, reason)
	}
}

// decide acts on a judgement of the deployment followed.
func (t *tracker) decide(ctx context.Context, j judgement) {
	switch t.phase {
	case PhaseDeploying:
		switch j.verdict {
		case completed:
			t.succeed(ctx)
		case breakerRollback:
			t.fail("deployment " + t.follow + " failed: " + j.reason)
			t.res.RolledBackBy = "circuit-breaker"
			if j.next == nil {
				// Already gone: the service runs the rollback's revision.
				t.finish(OutcomeFailed, exitcode.NotRolledBack, "the circuit breaker rolled the deployment back, but ecsctl could not see the rollback deployment; check the service")
				return
			}
			t.note("the deployment circuit breaker failed deployment %s (%s) and is rolling back to %s (deployment %s)",
				t.follow, j.reason, familyRevision(j.next.TaskDefinition), j.next.ID)
			t.res.RollbackDeploymentID = j.next.ID
			t.followDeployment(PhaseBreakerRollback, j.next.ID, j.next.TaskDefinition)
		case rolloutFailed:
			t.fail("deployment " + t.follow + " failed: " + j.reason)
			t.rollback(ctx, "deployment "+t.follow+" failed: "+j.reason)
		case superseded:
			t.fail(j.reason)
			t.finish(OutcomeFailed, exitcode.NotRolledBack, j.reason+"; ecsctl did not roll back (someone else is deploying this service)")
		}
	case PhaseBreakerRollback, PhaseRollingBack:
		who := "the circuit breaker's rollback"
		if t.phase == PhaseRollingBack {
			who = "ecsctl's rollback"
		}
		switch j.verdict {
		case completed:
			if t.prevTD != "" && t.followTD != t.prevTD {
				t.finish(OutcomeFailed, exitcode.NotRolledBack, fmt.Sprintf("%s completed on %s, not on %s, the revision the service ran before", who, familyRevision(t.followTD), familyRevision(t.prevTD)))
				return
			}
			t.finish(OutcomeRolledBack, exitcode.RolledBack, fmt.Sprintf("%s completed: the service runs %s again", who, familyRevision(t.followTD)))
		case breakerRollback, rolloutFailed, superseded:
			t.fail(who + " failed: " + j.reason)
			t.finish(OutcomeFailed, exitcode.NotRolledBack, who+" failed: "+j.reason)
		}
	}
}

// tick ends a phase that has run out of time.
func (t *tracker) tick(ctx context.Context) {
	if t.finished || t.until.IsZero() || t.env.clock.Now().Before(t.until) {
		return
	}
	limit := t.ref.Timeout.String()
	switch t.phase {
	case PhaseWaitingForLock:
		t.finish(OutcomeBusy, exitcode.Busy, fmt.Sprintf("another deployment was still in progress after %s; nothing was deployed", limit))
	case PhaseDeploying:
		where := "no state seen"
		if t.last.Following != nil {
			where = deploymentLine(*t.last.Following)
		}
		t.fail(fmt.Sprintf("timed out after %s (%s)", limit, where))
		// One last look at what stopped, to explain the timeout.
		t.env.view.Draw(Snapshot{Service: t.ref.Key, At: t.env.clock.Now(), Phase: t.phase, Stopped: t.inspectStopped(ctx)})
		t.rollback(ctx, fmt.Sprintf("the rollout did not finish within %s", limit))
	case PhaseBreakerRollback, PhaseRollingBack:
		t.fail(fmt.Sprintf("the rollback did not finish within %s", limit))
		t.finish(OutcomeFailed, exitcode.NotRolledBack, fmt.Sprintf("the rollback to %s did not finish within %s; ECS goes on with it", familyRevision(t.followTD), limit))
	}
}

// rollback points the service back at the revision it ran before and follows that.
func (t *tracker) rollback(ctx context.Context, why string) {
	switch {
	case t.env.noRollback:
		t.finish(OutcomeFailed, exitcode.NotRolledBack, why+"; --no-rollback: the service is left on "+familyRevision(t.followTD))
		return
	case t.prevTD == "":
		t.finish(OutcomeFailed, exitcode.NotRolledBack, why+"; no earlier revision is known to roll back to")
		return
	case ctx.Err() != nil:
		t.interrupted()
		return
	}
	t.note("%s: rolling back to %s", why, familyRevision(t.prevTD))
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	out, err := t.env.ecs.UpdateService(wctx, &ecs.UpdateServiceInput{
		Cluster:        aws.String(t.ref.Cluster),
		Service:        aws.String(t.ref.Name),
		TaskDefinition: aws.String(t.prevTD),
	})
	if err != nil {
		t.fail("rollback: update service: " + err.Error())
		t.finish(OutcomeFailed, exitcode.NotRolledBack, fmt.Sprintf("%s, and the rollback failed: update service: %v", why, err))
		return
	}
	dep := primaryOf(*out.Service)
	if dep == nil {
		t.finish(OutcomeFailed, exitcode.NotRolledBack, why+"; the rollback's deployment is missing from UpdateService's answer")
		return
	}
	t.res.RolledBackBy = "ecsctl"
	t.res.RollbackDeploymentID = dep.ID
	t.followDeployment(PhaseRollingBack, dep.ID, t.prevTD)
}

// succeed runs what follows a successful rollout: the after-deploy hook
// and the clean-up of old revisions.
func (t *tracker) succeed(ctx context.Context) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	code := exitcode.OK
	if t.env.onDeployed != nil {
		notes, err := t.env.onDeployed(wctx, t.ref.Name, t.newTD)
		t.res.Notes = append(t.res.Notes, notes...)
		if err != nil {
			msg := "deployed, but the after-deploy step failed: " + err.Error()
			t.fail(msg)
			t.env.view.Warn(t.ref.Key, msg)
			code = exitcode.Failed
		}
	}
	if t.env.keepRevisions > 0 {
		gone, err := deregisterOld(wctx, t.env.ecs, t.newTD, t.env.keepRevisions, []string{t.newTD, t.prevTD})
		if len(gone) > 0 {
			n := "deregistered old revisions " + strings.Join(gone, ", ")
			t.res.Notes = append(t.res.Notes, n)
			t.note("%s", n)
		}
		if err != nil {
			t.env.view.Warn(t.ref.Key, "--keep-revisions: "+err.Error())
			t.res.Notes = append(t.res.Notes, "--keep-revisions: "+err.Error())
		}
	}
	t.finish(OutcomeSucceeded, code, fmt.Sprintf("deployed %s (deployment %s)", familyRevision(t.newTD), t.follow))
}

// finish records the outcome.
func (t *tracker) finish(o Outcome, code int, msg string) {
	if t.finished {
		return
	}
	t.finished = true
	now := t.env.clock.Now()
	t.res.Outcome = o
	t.res.ExitCode = code
	t.res.Message = msg
	t.res.FinishedAt = now
	if !t.res.StartedAt.IsZero() {
		t.res.Duration = now.Sub(t.res.StartedAt)
	}
	if t.last.ServiceTaskDefinition != "" {
		t.res.FinalTaskDefinition = t.last.ServiceTaskDefinition
	}
	switch o {
	case OutcomeUnchanged, OutcomePlanned:
		t.res.FinalTaskDefinition = t.res.OldTaskDefinition
	case OutcomeSucceeded:
		t.res.FinalTaskDefinition = t.newTD
	case OutcomeRolledBack:
		t.res.FinalTaskDefinition = t.followTD
	}
	t.phase = PhaseDone
	t.env.view.Finish(t.ref.Key, o, msg)
}

func (t *tracker) missing(reason string) {
	t.fail("service not found (" + reason + ")")
	t.finish(OutcomeFailed, exitcode.NotRolledBack, "ECS no longer knows the service ("+reason+")")
}

func (t *tracker) interrupted() {
	if t.finished {
		return
	}
	where := "nothing was deployed"
	reattach := ""
	switch t.phase {
	case PhaseDeploying, PhaseBreakerRollback, PhaseRollingBack:
		where = "the rollout goes on in ECS"
		if t.last.Following != nil {
			where = fmt.Sprintf("%s %s; it goes on in ECS", t.phase, deploymentLine(*t.last.Following))
		}
		reattach = "; follow it to its end with: ecsctl deploy wait --service " + t.ref.Name
	}
	t.finish(OutcomeInterrupted, exitcode.Interrupted, "stopped watching: "+where+reattach)
}

func (t *tracker) lost(err error) {
	t.fail("lost track of the rollout: " + err.Error())
	t.finish(OutcomeFailed, exitcode.NotRolledBack, fmt.Sprintf("cannot see the service any more (%v); check it, or follow it with: ecsctl deploy wait --service %s", err, t.ref.Name))
}

// newEvents returns the service events not seen yet, oldest first.
func (t *tracker) newEvents(svc types.Service) []ServiceEvent {
	var out []ServiceEvent
	for i := len(svc.Events) - 1; i >= 0; i-- { // ECS lists them newest first
		e := svc.Events[i]
		id := aws.ToString(e.Id)
		if t.seenEvents[id] {
			continue
		}
		t.seenEvents[id] = true
		out = append(out, ServiceEvent{ID: id, At: aws.ToTime(e.CreatedAt), Message: aws.ToString(e.Message)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// fingerprint sums up what matters of a described service, to tell whether
// anything changed between polls.
func fingerprint(svc types.Service) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s|%d|%d|%d", aws.ToString(svc.TaskDefinition), svc.DesiredCount, svc.RunningCount, svc.PendingCount)
	for _, d := range svc.Deployments {
		fmt.Fprintf(&sb, "|%s:%s:%s:%d:%d:%d:%d", aws.ToString(d.Id), aws.ToString(d.Status), d.RolloutState,
			d.DesiredCount, d.RunningCount, d.PendingCount, d.FailedTasks)
	}
	if len(svc.Events) > 0 {
		sb.WriteString("|" + aws.ToString(svc.Events[0].Id))
	}
	return sb.String()
}

// warnOnce shows a warning about a read that failed (logs, targets) once per kind.
func (t *tracker) warnOnce(kind string, err error) {
	if t.warned[kind] {
		return
	}
	t.warned[kind] = true
	t.env.view.Warn(t.ref.Key, fmt.Sprintf("%s: %v (ecsctl goes on without it)", kind, err))
}
