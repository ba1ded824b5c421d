package release

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// tasksAPI is what explaining stopped tasks and mapping targets to tasks reads.
type tasksAPI interface {
	ListTasks(context.Context, *ecs.ListTasksInput, ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	DescribeTasks(context.Context, *ecs.DescribeTasksInput, ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// inspectStopped returns the tasks of the followed deployments that stopped
// since the last look, each explained: stoppedReason, each container's exit
// code and reason, and the last lines it logged. Tasks that stop like one
// already shown are summed up in a line.
func (t *tracker) inspectStopped(ctx context.Context) []StoppedTask {
	var out []StoppedTask
	for _, depID := range t.inspectIDs {
		arns, err := t.listTasks(ctx, depID, types.DesiredStatusStopped)
		if err != nil {
			t.warnOnce("list stopped tasks", err)
			return out
		}
		var fresh []string
		for _, a := range arns {
			if !t.seenStopped[a] {
				fresh = append(fresh, a)
			}
		}
		tasks, err := t.describeTasks(ctx, fresh)
		if err != nil {
			t.warnOnce("describe stopped tasks", err)
			return out
		}
		sort.Slice(tasks, func(i, j int) bool { return aws.ToTime(tasks[i].StoppedAt).Before(aws.ToTime(tasks[j].StoppedAt)) })
		for _, task := range tasks {
			if aws.ToString(task.LastStatus) != "STOPPED" {
				continue // still stopping: exit codes are not known yet
			}
			t.seenStopped[aws.ToString(task.TaskArn)] = true
			if scaledIn(task) {
				continue // replaced on purpose (a rollback, a scale-in): not a failure
			}
			st := t.explain(ctx, task)
			t.fail(st.failure())
			out = append(out, st)
		}
	}
	return out
}

// scaledIn reports whether ECS stopped a healthy task on purpose.
func scaledIn(task types.Task) bool {
	r := aws.ToString(task.StoppedReason)
	return task.StopCode == types.TaskStopCodeServiceSchedulerInitiated &&
		(strings.HasPrefix(r, "Scaling activity initiated by") || strings.HasPrefix(r, "Service deployment rolled back"))
}

func (t *tracker) explain(ctx context.Context, task types.Task) StoppedTask {
	st := StoppedTask{
		ID:             lastSegment(aws.ToString(task.TaskArn)),
		TaskDefinition: aws.ToString(task.TaskDefinitionArn),
		StopCode:       string(task.StopCode),
		Reason:         aws.ToString(task.StoppedReason),
	}
	for _, c := range task.Containers {
		st.Containers = append(st.Containers, StoppedContainer{Name: aws.ToString(c.Name), ExitCode: c.ExitCode, Reason: aws.ToString(c.Reason)})
	}
	sig := st.signature()
	if first, ok := t.shownFull[sig]; ok || t.detailed >= maxDetailedTasks {
		st.Brief, st.SameAs = true, first
		return st
	}
	t.shownFull[sig] = st.ID
	t.detailed++
	var td *types.TaskDefinition
	for i := range st.Containers {
		c := &st.Containers[i]
		if c.ExitCode == nil {
			continue // never ran: nothing logged
		}
		if td == nil {
			var err error
			if td, err = t.env.taskDefinition(ctx, st.TaskDefinition); err != nil {
				t.warnOnce("read the task definition for log settings", err)
				break
			}
		}
		c.LogSource, c.LogLines = t.lastLogLines(ctx, td, c.Name, st.ID)
	}
	return st
}

// lastLogLines reads the last lines a container logged through awslogs:
// group awslogs-group, stream awslogs-stream-prefix/container/task-id.
func (t *tracker) lastLogLines(ctx context.Context, td *types.TaskDefinition, container, taskID string) (string, []string) {
	var def *types.ContainerDefinition
	for i := range td.ContainerDefinitions {
		if aws.ToString(td.ContainerDefinitions[i].Name) == container {
			def = &td.ContainerDefinitions[i]
		}
	}
	if def == nil || def.LogConfiguration == nil {
		return "no log configuration", nil
	}
	if def.LogConfiguration.LogDriver != types.LogDriverAwslogs {
		return "logs go to " + string(def.LogConfiguration.LogDriver) + ", not CloudWatch Logs", nil
	}
	opts := def.LogConfiguration.Options
	group, prefix := opts["awslogs-group"], opts["awslogs-stream-prefix"]
	if group == "" || prefix == "" {
		return "awslogs without awslogs-group and awslogs-stream-prefix: stream unknown", nil
	}
	stream := prefix + "/" + container + "/" + taskID
	source := "log group " + group + ", stream " + stream
	if t.env.logs == nil {
		return "", nil
	}
	out, err := t.env.logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(group),
		LogStreamName: aws.String(stream),
		Limit:         aws.Int32(int32(t.env.logLines)),
		StartFromHead: aws.Bool(false),
	})
	var nf *logstypes.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return source + ": not found", nil
	case err != nil:
		t.warnOnce("read logs", err)
		return source + ": unreadable", nil
	}
	var lines []string
	for _, e := range out.Events {
		for _, l := range strings.Split(strings.TrimRight(aws.ToString(e.Message), "\n"), "\n") {
			if len(l) > 400 {
				l = l[:400] + "…"
			}
			lines = append(lines, l)
		}
	}
	if n := t.env.logLines; len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return source, lines
}

func (t *tracker) listTasks(ctx context.Context, deploymentID string, status types.DesiredStatus) ([]string, error) {
	var arns []string
	in := &ecs.ListTasksInput{Cluster: aws.String(t.ref.Cluster), StartedBy: aws.String(deploymentID), DesiredStatus: status}
	for page := 0; page < 5; page++ {
		out, err := t.env.ecs.ListTasks(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		arns = append(arns, out.TaskArns...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	return arns, nil
}

func (t *tracker) describeTasks(ctx context.Context, arns []string) ([]types.Task, error) {
	var tasks []types.Task
	for start := 0; start < len(arns); start += 100 {
		out, err := t.env.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{
			Cluster: aws.String(t.ref.Cluster),
			Tasks:   arns[start:min(start+100, len(arns))],
		})
		if err != nil {
			return nil, fmt.Errorf("describe tasks: %w", err)
		}
		tasks = append(tasks, out.Tasks...)
	}
	return tasks, nil
}

// inspectTargets returns the load balancer health of the targets of the
// followed deployments' tasks.
func (t *tracker) inspectTargets(ctx context.Context, svc types.Service) []Target {
	seen := map[string]bool{}
	var all []Target
	var unknownIPs bool
	for _, lb := range svc.LoadBalancers {
		tg := aws.ToString(lb.TargetGroupArn)
		if tg == "" || seen[tg] {
			continue
		}
		seen[tg] = true
		out, err := t.env.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if err != nil {
			t.warnOnce("describe target health", fmt.Errorf("describe target health: %w", err))
			return t.targets
		}
		for _, d := range out.TargetHealthDescriptions {
			if d.Target == nil {
				continue
			}
			tgt := Target{TargetGroup: targetGroupName(tg), ID: aws.ToString(d.Target.Id), Port: aws.ToInt32(d.Target.Port)}
			if h := d.TargetHealth; h != nil {
				tgt.State, tgt.Reason, tgt.Description = string(h.State), string(h.Reason), aws.ToString(h.Description)
			}
			if _, err := netip.ParseAddr(tgt.ID); err == nil && !t.notOurs[tgt.ID] && t.ipTask[tgt.ID] == "" {
				unknownIPs = true
			}
			all = append(all, tgt)
		}
	}
	if unknownIPs {
		t.mapTaskIPs(ctx, all)
	}
	var ours []Target
	for _, tgt := range all {
		if id := t.ipTask[tgt.ID]; id != "" {
			tgt.TaskID = id
			ours = append(ours, tgt)
		}
	}
	return ours
}

// mapTaskIPs learns the private IPs of the followed deployments' tasks.
func (t *tracker) mapTaskIPs(ctx context.Context, targets []Target) {
	var arns []string
	for _, depID := range t.inspectIDs {
		if depID != t.follow {
			continue
		}
		a, err := t.listTasks(ctx, depID, types.DesiredStatusRunning)
		if err != nil {
			t.warnOnce("list running tasks", err)
			return
		}
		arns = append(arns, a...)
	}
	tasks, err := t.describeTasks(ctx, arns)
	if err != nil {
		t.warnOnce("describe running tasks", err)
		return
	}
	for _, task := range tasks {
		for _, ip := range taskIPs(task) {
			t.ipTask[ip] = lastSegment(aws.ToString(task.TaskArn))
		}
	}
	for _, tgt := range targets {
		if t.ipTask[tgt.ID] == "" {
			t.notOurs[tgt.ID] = true
		}
	}
}

// taskIPs returns the private IPs of a task's network interfaces (awsvpc).
func taskIPs(task types.Task) []string {
	var ips []string
	for _, a := range task.Attachments {
		for _, d := range a.Details {
			if n := aws.ToString(d.Name); n == "privateIPv4Address" || n == "ipv6Address" {
				ips = append(ips, aws.ToString(d.Value))
			}
		}
	}
	for _, c := range task.Containers {
		for _, ni := range c.NetworkInterfaces {
			if ip := aws.ToString(ni.PrivateIpv4Address); ip != "" && !slices.Contains(ips, ip) {
				ips = append(ips, ip)
			}
		}
	}
	return ips
}

func (t *tracker) targetsHealthy() bool {
	if t.last.Following == nil || t.last.Following.Running == 0 {
		return true
	}
	if len(t.targets) < int(t.last.Following.Running) {
		return false
	}
	for _, tgt := range t.targets {
		if tgt.State != "healthy" {
			return false
		}
	}
	return true
}

// targetGroupName returns NAME from arn:...:targetgroup/NAME/ID.
func targetGroupName(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return arn
}

// noteDrains learns, from a "has begun draining connections" event, until
// when at least the old tasks will drain: the draining began after the
// previous look at the service, and lasts the target groups' deregistration
// delay (unless a target has no connection left, which ends it early).
func (t *tracker) noteDrains(ctx context.Context, svc types.Service, events []ServiceEvent, now time.Time) {
	prev := t.observedAt
	t.observedAt = now
	if prev.IsZero() || t.env.elb == nil {
		return
	}
	draining := false
	for _, e := range events {
		draining = draining || strings.Contains(e.Message, "has begun draining connections")
	}
	if !draining {
		return
	}
	var delay time.Duration
	for _, lb := range svc.LoadBalancers {
		if tg := aws.ToString(lb.TargetGroupArn); tg != "" {
			delay = max(delay, t.env.deregistrationDelay(ctx, tg, t))
		}
	}
	if until := prev.Add(delay); until.After(t.drainUntil) {
		t.drainUntil = until
	}
}

// deregistrationDelay reads a target group's deregistration delay once (0
// when it cannot be read).
func (e *env) deregistrationDelay(ctx context.Context, tg string, t *tracker) time.Duration {
	e.tdMu.Lock()
	d, ok := e.delays[tg]
	e.tdMu.Unlock()
	if ok {
		return d
	}
	out, err := e.elb.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		t.warnOnce("describe target group attributes", fmt.Errorf("describe target group attributes: %w", err))
	}
	if out != nil {
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
				if n, err := strconv.Atoi(aws.ToString(a.Value)); err == nil {
					d = time.Duration(n) * time.Second
				}
			}
		}
	}
	e.tdMu.Lock()
	e.delays[tg] = d
	e.tdMu.Unlock()
	return d
}
