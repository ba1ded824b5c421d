package awssim

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func batchNetwork() *ecstypes.NetworkConfiguration {
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: []string{"subnet-0ccc"}, SecurityGroups: []string{"sg-0123"}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}}
}

// A batch run with a command override exits 3: DescribeTasks shows the exit
// code and why the task stopped, CloudWatch Logs has the lines it printed,
// and the SDK's TasksStopped waiter sees it stop.
func TestRunTaskExitCodeAndLogs(t *testing.T) {
	f := newFixture(t) // the clock runs at 1000x: the waiter polls in wall time
	f.createCluster("batch")
	image := "registry.example.com/web:v7"
	f.registerWeb("nightly", image)
	cmd := []string{"./manage", "report", "--since=yesterday"}
	f.srv.SetBehavior(
		BehaviorRule{Image: image, Behavior: Behavior{Logs: []string{"web server listening"}}},
		BehaviorRule{Image: image, Command: cmd, Behavior: Behavior{
			Exit: &ExitBehavior{Code: 3, After: 20 * time.Second},
			Logs: []string{"report: starting"}, ExitLogs: []string{"report: 2 rows failed", "exit status 3"}}},
	)
	out, err := f.ecs.RunTask(f.ctx, &ecs.RunTaskInput{
		Cluster: aws.String("batch"), TaskDefinition: aws.String("nightly"), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: batchNetwork(), StartedBy: aws.String("ecsctl-batch"),
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{
			Name: aws.String("web"), Command: cmd,
			Environment: []ecstypes.KeyValuePair{{Name: aws.String("REPORT_DAY"), Value: aws.String("2026-02-28")}},
		}}},
		Tags: []ecstypes.Tag{{Key: aws.String("batch"), Value: aws.String("report")}},
	})
	if err != nil {
		t.Fatalf("RunTask: %v", err)
	}
	if len(out.Tasks) != 1 || len(out.Failures) != 0 {
		t.Fatalf("RunTask answered %d tasks, failures %+v", len(out.Tasks), out.Failures)
	}
	task := out.Tasks[0]
	if aws.ToString(task.LastStatus) != "PROVISIONING" || aws.ToString(task.DesiredStatus) != "RUNNING" ||
		aws.ToString(task.Group) != "family:nightly" || aws.ToString(task.StartedBy) != "ecsctl-batch" ||
		task.LaunchType != ecstypes.LaunchTypeFargate || aws.ToString(task.Cpu) != "256" || aws.ToString(task.Memory) != "512" {
		t.Errorf("RunTask's task: %+v", task)
	}
	co := task.Overrides.ContainerOverrides
	if len(co) != 1 || !slices.Equal(co[0].Command, cmd) || aws.ToString(co[0].Environment[0].Value) != "2026-02-28" {
		t.Errorf("overrides not echoed: %+v", co)
	}
	arn := aws.ToString(task.TaskArn)

	w := ecs.NewTasksStoppedWaiter(f.ecs, func(o *ecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
	stopped, err := w.WaitForOutput(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("batch"), Tasks: []string{arn},
		Include: []ecstypes.TaskField{ecstypes.TaskFieldTags}}, 30*time.Second)
	if err != nil {
		t.Fatalf("TasksStopped waiter: %v", err)
	}
	st := stopped.Tasks[0]
	c := st.Containers[0]
	if c.ExitCode == nil || *c.ExitCode != 3 || st.StopCode != ecstypes.TaskStopCodeEssentialContainerExited ||
		aws.ToString(st.StoppedReason) != "Essential container in task exited" {
		t.Fatalf("stopped task: exit %v, stopCode %s, reason %q", c.ExitCode, st.StopCode, aws.ToString(st.StoppedReason))
	}
	for name, ts := range map[string]*time.Time{"pullStartedAt": st.PullStartedAt, "pullStoppedAt": st.PullStoppedAt,
		"startedAt": st.StartedAt, "executionStoppedAt": st.ExecutionStoppedAt, "stoppingAt": st.StoppingAt, "stoppedAt": st.StoppedAt} {
		if ts == nil {
			t.Errorf("stopped task has no %s", name)
		}
	}
	if ran := st.ExecutionStoppedAt.Sub(*st.StartedAt).Round(time.Millisecond); ran != 20*time.Second {
		t.Errorf("container ran %v, its behaviour says 20s", ran)
	}
	if len(st.Tags) != 1 || aws.ToString(st.Tags[0].Key) != "batch" {
		t.Errorf("tags with include=TAGS: %+v", st.Tags)
	}
	ip := ""
	for _, d := range st.Attachments[0].Details {
		if aws.ToString(d.Name) == "privateIPv4Address" {
			ip = aws.ToString(d.Value)
		}
	}
	if !strings.HasPrefix(ip, "10.0.") || aws.ToString(st.Attachments[0].Type) != "ElasticNetworkInterface" {
		t.Errorf("ENI attachment %+v", st.Attachments)
	}

	// The lines the batch printed are in its awslogs stream, ECS-named.
	logs := cloudwatchlogs.NewFromConfig(f.srv.AWSConfig())
	ev, err := logs.GetLogEvents(f.ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String("/ecs/nightly"), LogStreamName: aws.String("ecs/web/" + ecsTaskID(arn)), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetLogEvents: %v", err)
	}
	var lines []string
	for _, e := range ev.Events {
		lines = append(lines, aws.ToString(e.Message))
	}
	if want := []string{"report: starting", "report: 2 rows failed", "exit status 3"}; !slices.Equal(lines, want) {
		t.Errorf("log lines %q, want %q", lines, want)
	}

	// The same image without the override is a server: it runs until StopTask.
	out, err = f.ecs.RunTask(f.ctx, &ecs.RunTaskInput{Cluster: aws.String("batch"), TaskDefinition: aws.String("nightly:1"),
		LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: batchNetwork()})
	if err != nil {
		t.Fatalf("RunTask: %v", err)
	}
	server := aws.ToString(out.Tasks[0].TaskArn)
	f.poll("the server task to run", func() bool {
		d, err := f.ecs.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("batch"), Tasks: []string{server}})
		return err == nil && aws.ToString(d.Tasks[0].LastStatus) == "RUNNING"
	})
	if _, err := f.ecs.StopTask(f.ctx, &ecs.StopTaskInput{Cluster: aws.String("batch"), Task: aws.String(ecsTaskID(server)),
		Reason: aws.String("done testing")}); err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	stopped, err = w.WaitForOutput(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("batch"), Tasks: []string{server}}, 30*time.Second)
	if err != nil {
		t.Fatalf("TasksStopped waiter: %v", err)
	}
	st = stopped.Tasks[0]
	if st.StopCode != ecstypes.TaskStopCodeUserInitiated || aws.ToString(st.StoppedReason) != "done testing" ||
		st.Containers[0].ExitCode == nil || *st.Containers[0].ExitCode != 0 {
		t.Errorf("user-stopped task: %s %q exit %v", st.StopCode, aws.ToString(st.StoppedReason), st.Containers[0].ExitCode)
	}
	if ev, _ := logs.GetLogEvents(f.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/nightly"),
		LogStreamName: aws.String("ecs/web/" + ecsTaskID(server))}); ev == nil || len(ev.Events) != 1 ||
		aws.ToString(ev.Events[0].Message) != "web server listening" {
		t.Errorf("the server's start line is not in its stream: %+v", ev)
	}
}

func TestRunTaskValidation(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("batch")
	f.registerWeb("nightly", "registry.example.com/web:v7")
	base := func() *ecs.RunTaskInput {
		return &ecs.RunTaskInput{Cluster: aws.String("batch"), TaskDefinition: aws.String("nightly"),
			LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: batchNetwork()}
	}
	cases := []struct {
		name, code, msg string
		mutate          func(*ecs.RunTaskInput)
	}{
		{"no network", "InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
			func(in *ecs.RunTaskInput) { in.NetworkConfiguration = nil }},
		{"no subnets", "InvalidParameterException", "subnets can not be empty.",
			func(in *ecs.RunTaskInput) { in.NetworkConfiguration.AwsvpcConfiguration.Subnets = []string{} }},
		{"unknown container", "InvalidParameterException", "Override for container named worker is not a container in the TaskDefinition.",
			func(in *ecs.RunTaskInput) {
				in.Overrides = &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{Name: aws.String("worker")}}}
			}},
		{"unknown task definition", "InvalidParameterException", "TaskDefinition not found.",
			func(in *ecs.RunTaskInput) { in.TaskDefinition = aws.String("nightly:9") }},
		{"unknown cluster", "ClusterNotFoundException", "Cluster not found.",
			func(in *ecs.RunTaskInput) { in.Cluster = aws.String("nope") }},
	}
	for _, tc := range cases {
		in := base()
		tc.mutate(in)
		_, err := f.ecs.RunTask(f.ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.msg {
			t.Errorf("%s: got %v, want %s: %s", tc.name, err, tc.code, tc.msg)
		}
	}
	// EC2 tasks have no container instances to land on.
	in := base()
	in.LaunchType = ecstypes.LaunchTypeEc2
	out, err := f.ecs.RunTask(f.ctx, in)
	if err != nil || len(out.Tasks) != 0 || len(out.Failures) != 1 ||
		aws.ToString(out.Failures[0].Reason) != "No Container Instances were found in your cluster." {
		t.Errorf("EC2 RunTask: %+v %v", out, err)
	}
	if n := len(f.tasks("batch", ecs.ListTasksInput{})); n != 0 {
		t.Errorf("%d tasks exist after only invalid RunTask calls", n)
	}
	// Task-level size overrides must be a Fargate size too.
	in = base()
	in.Overrides = &ecstypes.TaskOverride{Cpu: aws.String("256"), Memory: aws.String("8192")}
	_, err = f.ecs.RunTask(f.ctx, in)
	ecsWantError(t, "oversized memory override", err, "InvalidParameterException", "No Fargate configuration exists for given values: 256 CPU, 8192 memory.")
	in = base()
	in.Count = aws.Int32(2)
	in.Overrides = &ecstypes.TaskOverride{Cpu: aws.String("512"), Memory: aws.String("1024")}
	out, err = f.ecs.RunTask(f.ctx, in)
	if err != nil || len(out.Tasks) != 2 || aws.ToString(out.Tasks[1].Cpu) != "512" || aws.ToString(out.Tasks[1].Memory) != "1024" ||
		aws.ToString(out.Tasks[0].Overrides.Cpu) != "512" {
		t.Errorf("RunTask with count 2 and a size override: %+v %v", out, err)
	}
}

// The SDK's ServicesStable waiter succeeds once the service runs its desired
// count under a single deployment (which, as on AWS, may still be
// IN_PROGRESS), and fails on a missing service.
func TestServicesStableWaiter(t *testing.T) {
	f := newFixture(t)
	f.createCluster("main")
	td := f.registerWeb("web", "registry.example.com/web:v1")
	f.createService("main", "web", td, serviceOpts{desired: 3})
	w := ecs.NewServicesStableWaiter(f.ecs, func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
	out, err := w.WaitForOutput(f.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{"web"}}, 30*time.Second)
	if err != nil {
		t.Fatalf("ServicesStable waiter: %v", err)
	}
	svc := out.Services[0]
	if svc.RunningCount != 3 || len(svc.Deployments) != 1 {
		t.Errorf("stable service: running %d, deployments %+v", svc.RunningCount, svc.Deployments)
	}
	// A missing service is a failure of the waiter, not a timeout.
	err = w.Wait(f.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{"nope"}}, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Failure") {
		t.Errorf("waiting for a missing service: %v", err)
	}
}

// TestMissingLogGroupFailsTheTask: like Fargate, the awslogs driver does not
// create a missing log group unless awslogs-create-group is "true".
func TestMissingLogGroupFailsTheTask(t *testing.T) {
	f := newFixture(t)
	f.createCluster("batch")
	td, err := f.ecs.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("nolog"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("registry.example.com/app:1"), Essential: aws.Bool(true),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/missing", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.ecs.RunTask(f.ctx, &ecs.RunTaskInput{
		Cluster: aws.String("batch"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: batchNetwork(),
	})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("RunTask: %v", err)
	}
	in := &ecs.DescribeTasksInput{Cluster: aws.String("batch"), Tasks: []string{aws.ToString(out.Tasks[0].TaskArn)}}
	stopped, err := ecs.NewTasksStoppedWaiter(f.ecs, func(o *ecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).WaitForOutput(f.ctx, in, 10*time.Second)
	if err != nil {
		t.Fatalf("wait for the task to stop: %v", err)
	}
	task := stopped.Tasks[0]
	if reason := aws.ToString(task.StoppedReason); !strings.HasPrefix(reason, "ResourceInitializationError: ") ||
		!strings.Contains(reason, "The specified log group does not exist.") {
		t.Fatalf("stoppedReason = %q", reason)
	}
	if task.StopCode != ecstypes.TaskStopCodeTaskFailedToStart {
		t.Fatalf("stopCode = %s, want TaskFailedToStart", task.StopCode)
	}
}
