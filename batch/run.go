package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// RunOptions tune Run.
type RunOptions struct {
	Options
	// Name is the batch to run.
	Name string
	// NoWait returns as soon as the task is started.
	NoWait bool
	// Output receives the container's log lines as they arrive; nil does
	// not stream them.
	Output io.Writer
	// Confirm asks a yes/no question when the run is interrupted; nil (in CI,
	// or without a terminal) leaves the task running and says how to stop it.
	Confirm func(question string) bool
	// PollInterval is how often the task and its logs are read; default 2s.
	PollInterval time.Duration
}

// RunResult is the outcome of Run.
type RunResult struct {
	Batch    string   `json:"batch"`
	Cluster  string   `json:"cluster"`
	TaskARNs []string `json:"task_arns"`
	// TaskDefinition is the ARN the task ran.
	TaskDefinition string `json:"task_definition"`
	// From says where the parameters came from: "rule", "schedule" (what is
	// scheduled) or "config" (the batch is not scheduled yet).
	From string `json:"from"`
	// Container is the container whose exit code is the run's.
	Container string `json:"container,omitempty"`
	// ExitCode is the container's exit code; nil when it did not run.
	ExitCode      *int32 `json:"exit_code,omitempty"`
	StopCode      string `json:"stop_code,omitempty"`
	StoppedReason string `json:"stopped_reason,omitempty"`
	// Running is set when the run returned with the task still running
	// (--no-wait, or interrupted and left running).
	Running bool `json:"running,omitempty"`
}

// WriteText prints the task ARNs (what --no-wait returns) or the outcome.
func (r *RunResult) WriteText(w io.Writer) error {
	if r.Running || r.ExitCode == nil && r.StopCode == "" {
		_, err := fmt.Fprintln(w, strings.Join(r.TaskARNs, "\n"))
		return err
	}
	return nil
}

// Run runs batch opts.Name once, now, with exactly the parameters its rule
// or schedule uses (the config's when it is not scheduled yet): RunTask,
// then, unless NoWait, it follows the task until it stops, streaming the
// main container's CloudWatch log lines, and returns the container's exit
// code as the error's exit code (exitcode.With). A task that could not
// start gives exitcode.TaskNotStarted with the stop reason.
func Run(ctx context.Context, opts RunOptions) (*RunResult, error) {
	cfg := opts.Config
	b := cfg.Batch(opts.Name)
	if b == nil {
		return nil, badInput("no batch named %q; %s", opts.Name, knownBatches(cfg))
	}
	if err := cfg.Errors(checkOffline(cfg, []*config.Batch{b})); err != nil {
		return nil, err
	}
	res := newResolver(opts.Options)
	resolved, err := res.resolve(ctx, []*config.Batch{b})
	if err != nil {
		return nil, err
	}
	if err := cfg.Errors(res.problems); err != nil {
		return nil, err
	}
	r := resolved[b.Name]

	spec, from, err := scheduledSpec(ctx, opts.Options, b, r)
	if err != nil {
		return nil, err
	}
	td := r.taskDef
	if spec.taskDefinition != aws.ToString(td.TaskDefinitionArn) {
		if td, err = describeTaskDefinition(ctx, opts.ECS, spec.taskDefinition); err != nil {
			return nil, fmt.Errorf("the %s runs %s: %w", from, spec.taskDefinition, err)
		}
	}
	in, err := runTaskInput(spec)
	if err != nil {
		return nil, err
	}
	out, err := opts.ECS.RunTask(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("run task: %w", err)
	}
	result := &RunResult{Batch: b.Name, Cluster: spec.cluster, TaskDefinition: spec.taskDefinition, From: from}
	for _, t := range out.Tasks {
		result.TaskARNs = append(result.TaskARNs, aws.ToString(t.TaskArn))
	}
	if len(out.Tasks) == 0 {
		var reasons []string
		for _, f := range out.Failures {
			reasons = append(reasons, strings.TrimSpace(aws.ToString(f.Reason)+" "+aws.ToString(f.Detail)))
		}
		result.StoppedReason = strings.Join(reasons, "; ")
		return result, exitcode.With(exitcode.TaskNotStarted, fmt.Errorf("batch %s: the task could not start: %s", b.Name, result.StoppedReason))
	}
	opts.logf("batch %s: started %s (%s, from the %s)", b.Name, strings.Join(taskIDs(result.TaskARNs), ", "), shortARN(spec.taskDefinition), from)
	if opts.NoWait {
		result.Running = true
		return result, nil
	}
	return follow(ctx, opts, result, td, in.Overrides)
}

// scheduledSpec returns what the batch's rule or schedule runs, or what the
// config says when it is not scheduled (warning when the two differ).
func scheduledSpec(ctx context.Context, opts Options, b *config.Batch, r *resolved) (runSpec, string, error) {
	cfgName := opts.Config.Name
	pl := placeOf(cfgName, b)
	name := pl.name
	l, err := observe(ctx, opts, cfgName, map[string]bool{name: true}, adoptedPlaces(cfgName, []*config.Batch{b}))
	if err != nil {
		return runSpec{}, "", err
	}
	t := r.target
	if lr := l.rules[name]; lr != nil && pl.adopted {
		t.targetID = lr.ecsTargetID()
	}
	_, targets, err := RuleRequests(cfgName, b, t)
	if err != nil {
		return runSpec{}, "", err
	}
	want, err := specOfEventTarget(targets.Targets[0])
	if err != nil {
		return runSpec{}, "", err
	}
	var have runSpec
	var from string
	var differs bool
	switch {
	case b.Via == config.ViaScheduler && l.schedule(pl) != nil && (l.groupOwned(cfgName) || pl.adopted):
		s := l.schedule(pl)
		if have, err = specOfScheduleTarget(s.Target); err != nil {
			return runSpec{}, "", err
		}
		from = "schedule"
		create, err := ScheduleRequest(cfgName, b, r.target)
		if err != nil {
			return runSpec{}, "", err
		}
		differs = len(diffFields(scheduleFields(s), scheduleFields(scheduleOutput(create)))) > 0
	case b.Via != config.ViaScheduler && l.rules[name] != nil && l.rules[name].target(aws.ToString(targets.Targets[0].Id)) != nil:
		t := l.rules[name].target(aws.ToString(targets.Targets[0].Id))
		if have, err = specOfEventTarget(*t); err != nil {
			return runSpec{}, "", err
		}
		from = "rule"
		differs = len(diffFields(eventTargetFields(*t), eventTargetFields(targets.Targets[0]))) > 0
	default:
		opts.logf("batch %s is not scheduled yet; running it as the config describes it", b.Name)
		return want, "config", nil
	}
	if differs {
		opts.warnf("the %s of batch %s differs from the config; running what is scheduled (ecsctl batch schedule --dry-run shows the difference)", from, b.Name)
	}
	return have, from, nil
}

func taskIDs(arns []string) []string {
	ids := make([]string, len(arns))
	for i, a := range arns {
		ids[i] = a[strings.LastIndex(a, "/")+1:]
	}
	return ids
}

// mainContainer is the container whose exit code is the run's: the one the
// batch overrides when it overrides exactly one, else the first essential one.
func mainContainer(td *ecstypes.TaskDefinition, o *ecstypes.TaskOverride) string {
	if o != nil && len(o.ContainerOverrides) == 1 {
		return aws.ToString(o.ContainerOverrides[0].Name)
	}
	for _, c := range td.ContainerDefinitions {
		if c.Essential == nil || *c.Essential {
			return aws.ToString(c.Name)
		}
	}
	if len(td.ContainerDefinitions) > 0 {
		return aws.ToString(td.ContainerDefinitions[0].Name)
	}
	return ""
}

// logStream is one container's awslogs stream being followed.
type logStream struct {
	group, stream, label string
	token                *string
	found                bool
}

// follow waits for the tasks to stop, streaming logs, and turns the outcome
// into the run's result and exit code.
func follow(ctx context.Context, opts RunOptions, result *RunResult, td *ecstypes.TaskDefinition, o *ecstypes.TaskOverride) (*RunResult, error) {
	interval := opts.PollInterval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	main := mainContainer(td, o)
	result.Container = main
	var streams []*logStream
	multi := len(result.TaskARNs) > 1
	for _, arn := range result.TaskARNs {
		id := taskIDs([]string{arn})[0]
		if s := awslogsStream(td, main, id); s != nil {
			if multi {
				s.label = id[:min(8, len(id))] + " | "
			}
			streams = append(streams, s)
		}
	}
	if len(streams) == 0 && opts.Output != nil {
		opts.warnf("container %s does not log to CloudWatch (awslogs); its output is not shown", main)
	}
	last := map[string]string{}
	var tasks []ecstypes.Task
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		out, err := opts.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(result.Cluster), Tasks: result.TaskARNs})
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(opts, result)
			}
			return result, fmt.Errorf("describe tasks: %w", err)
		}
		tasks = out.Tasks
		stopped := len(tasks) > 0
		for _, t := range tasks {
			status := aws.ToString(t.LastStatus)
			if status != "STOPPED" {
				stopped = false
				// STOPPED is said after the task's last log lines, below.
				if id := taskIDs([]string{aws.ToString(t.TaskArn)})[0]; last[id] != status {
					last[id] = status
					opts.logf("task %s: %s", id, status)
				}
			}
		}
		if err := pollLogs(ctx, opts, streams); err != nil && ctx.Err() == nil {
			opts.warnf("read logs: %v", err)
		}
		if stopped {
			break
		}
		select {
		case <-ctx.Done():
			return interrupted(opts, result)
		case <-ticker.C:
		}
	}
	// The last lines can reach CloudWatch after the task stopped: read until dry.
	for range 3 {
		if n, err := pollLogsCount(ctx, opts, streams); err != nil || n == 0 {
			break
		}
	}
	for _, t := range tasks {
		opts.logf("task %s: STOPPED", taskIDs([]string{aws.ToString(t.TaskArn)})[0])
	}
	return outcome(result, tasks, main)
}

// awslogsStream is the log stream the awslogs driver writes container's
// output of task id to, or nil when it does not use awslogs.
func awslogsStream(td *ecstypes.TaskDefinition, container, id string) *logStream {
	for _, c := range td.ContainerDefinitions {
		if aws.ToString(c.Name) != container || c.LogConfiguration == nil || c.LogConfiguration.LogDriver != ecstypes.LogDriverAwslogs {
			continue
		}
		o := c.LogConfiguration.Options
		group, prefix := o["awslogs-group"], o["awslogs-stream-prefix"]
		if group == "" {
			return nil
		}
		stream := container + "/" + id
		if prefix != "" {
			stream = prefix + "/" + stream
		}
		return &logStream{group: group, stream: stream}
	}
	return nil
}

func pollLogs(ctx context.Context, opts RunOptions, streams []*logStream) error {
	_, err := pollLogsCount(ctx, opts, streams)
	return err
}

// pollLogsCount prints the lines that arrived since the last poll and
// returns how many.
func pollLogsCount(ctx context.Context, opts RunOptions, streams []*logStream) (int, error) {
	if opts.Output == nil || opts.Logs == nil {
		return 0, nil
	}
	n := 0
	for _, s := range streams {
		for {
			out, err := opts.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
				LogGroupName: aws.String(s.group), LogStreamName: aws.String(s.stream),
				StartFromHead: aws.Bool(true), NextToken: s.token,
			})
			var nf *cwltypes.ResourceNotFoundException
			if errors.As(err, &nf) {
				break // the container has not logged yet
			}
			if err != nil {
				return n, fmt.Errorf("get log events %s %s: %w", s.group, s.stream, err)
			}
			s.found = true
			for _, e := range out.Events {
				fmt.Fprintln(opts.Output, s.label+strings.TrimRight(aws.ToString(e.Message), "\n"))
			}
			n += len(out.Events)
			same := aws.ToString(out.NextForwardToken) == aws.ToString(s.token)
			s.token = out.NextForwardToken
			if len(out.Events) == 0 || same {
				break
			}
		}
	}
	return n, nil
}

// outcome reads the stopped tasks: the main container's exit code, or why
// the task did not run it.
func outcome(result *RunResult, tasks []ecstypes.Task, main string) (*RunResult, error) {
	var firstErr error
	for _, t := range tasks {
		id := taskIDs([]string{aws.ToString(t.TaskArn)})[0]
		result.StopCode = string(t.StopCode)
		result.StoppedReason = aws.ToString(t.StoppedReason)
		var ct *ecstypes.Container
		for i := range t.Containers {
			if aws.ToString(t.Containers[i].Name) == main {
				ct = &t.Containers[i]
			}
		}
		if ct == nil || ct.ExitCode == nil {
			reason := result.StoppedReason
			if ct != nil && aws.ToString(ct.Reason) != "" {
				reason = strings.TrimSpace(reason + ": " + aws.ToString(ct.Reason))
			}
			if reason == "" {
				reason = "no exit code was reported"
			}
			if firstErr == nil || exitcode.Of(firstErr) != exitcode.TaskNotStarted {
				firstErr = exitcode.With(exitcode.TaskNotStarted, fmt.Errorf("batch %s: task %s stopped before container %s ran (%s): %s", result.Batch, id, main, t.StopCode, reason))
			}
			continue
		}
		code := *ct.ExitCode
		if result.ExitCode == nil || (*result.ExitCode == 0 && code != 0) {
			result.ExitCode = aws.Int32(code)
		}
		if code != 0 && firstErr == nil {
			msg := fmt.Sprintf("batch %s: container %s exited with code %d", result.Batch, main, code)
			if r := aws.ToString(ct.Reason); r != "" {
				msg += " (" + r + ")"
			}
			firstErr = exitcode.With(int(code), errors.New(msg))
		}
	}
	return result, firstErr
}

// interrupted handles Ctrl-C while following: it asks whether to stop the
// task, or, without a way to ask, leaves it running and says how to stop it.
func interrupted(opts RunOptions, result *RunResult) (*RunResult, error) {
	result.Running = true
	stopCmd := fmt.Sprintf("aws ecs stop-task --cluster %s --task %s", shortARN(result.Cluster), strings.Join(result.TaskARNs, " "))
	if opts.Confirm != nil && opts.Confirm(fmt.Sprintf("Stop task %s?", strings.Join(taskIDs(result.TaskARNs), ", "))) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, arn := range result.TaskARNs {
			if _, err := opts.ECS.StopTask(ctx, &ecs.StopTaskInput{
				Cluster: aws.String(result.Cluster), Task: aws.String(arn), Reason: aws.String("stopped from ecsctl batch run (interrupted)"),
			}); err != nil {
				return result, exitcode.With(exitcode.Interrupted, fmt.Errorf("stop task: %w (stop it with: %s)", err, stopCmd))
			}
		}
		result.Running = false
		return result, exitcode.With(exitcode.Interrupted, fmt.Errorf("interrupted: stopped task %s", strings.Join(taskIDs(result.TaskARNs), ", ")))
	}
	return result, exitcode.With(exitcode.Interrupted, fmt.Errorf("interrupted: task %s is still running; stop it with: %s", strings.Join(taskIDs(result.TaskARNs), ", "), stopCmd))
}
