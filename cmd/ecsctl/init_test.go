package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// initWorld is the trial's world plus what a team set up by hand before
// ecsctl: a second service "api" with a sidecar from a public registry, a
// nightly Scheduler schedule in the default group (Tokyo time, flexible
// window, overrides), a disabled cleanup rule on an older revision with
// task-level size, retries, count and tags, and schedules init must leave
// out: one triggered by events, one with two targets, one for another
// cluster.
func initWorld(t *testing.T) *shipWorld {
	t.Helper()
	w := newShipWorld(t)
	ctx := context.Background()
	cfg := w.srv.AWSConfig()
	reg := w.srv.Host()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	web := w.service()
	webTD := aws.ToString(web.TaskDefinition)
	cluster := aws.ToString(web.ClusterArn)
	setProviders(t, w, "FARGATE", "FARGATE_SPOT")

	old, err := w.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String(reg + "/web:initial"), Essential: aws.Bool(true)},
			{Name: aws.String("app"), Image: aws.String(reg + "/app:initial"), Essential: aws.Bool(true)},
		},
	})
	must(err)
	oldTD := aws.ToString(old.TaskDefinition.TaskDefinitionArn)

	api, err := w.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("api"), Image: aws.String(reg + "/app:initial"), Essential: aws.Bool(true)},
			{Name: aws.String("otel"), Image: aws.String("public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"), Essential: aws.Bool(false)},
		},
	})
	must(err)
	_, err = w.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("example"), ServiceName: aws.String("api"), TaskDefinition: api.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a1b2c3d4e5f60001"}}},
	})
	must(err)

	net := func() *schtypes.NetworkConfiguration {
		return &schtypes.NetworkConfiguration{AwsvpcConfiguration: &schtypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60001"}, SecurityGroups: []string{"sg-0a1b2c3d4e5f60003"}, AssignPublicIp: schtypes.AssignPublicIpDisabled}}
	}
	sch := scheduler.NewFromConfig(cfg)
	_, err = sch.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("nightly-report"), ScheduleExpression: aws.String("cron(0 3 * * ? *)"), ScheduleExpressionTimezone: aws.String("Asia/Tokyo"),
		Description:        aws.String("nightly sales report: totals # by region"),
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)},
		Target: &schtypes.Target{
			Arn: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
			Input:         aws.String(`{"containerOverrides":[{"name":"app","command":["/app","report","--since=24h"],"environment":[{"name":"REPORT_FORMAT","value":"csv"},{"name":"TOP","value":"10"}]}]}`),
			EcsParameters: &schtypes.EcsParameters{TaskDefinitionArn: aws.String(webTD), LaunchType: schtypes.LaunchTypeFargate, NetworkConfiguration: net()},
		},
	})
	must(err)
	_, err = sch.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("elsewhere"), ScheduleExpression: aws.String("rate(1 hour)"),
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff},
		Target: &schtypes.Target{Arn: aws.String(strings.Replace(cluster, "cluster/example", "cluster/other", 1)), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
			EcsParameters: &schtypes.EcsParameters{TaskDefinitionArn: aws.String(webTD), LaunchType: schtypes.LaunchTypeFargate, NetworkConfiguration: net()}},
	})
	must(err)

	ev := eventbridge.NewFromConfig(cfg)
	evNet := &evtypes.NetworkConfiguration{AwsvpcConfiguration: &evtypes.AwsVpcConfiguration{
		Subnets: []string{"subnet-0a1b2c3d4e5f60001"}, SecurityGroups: []string{"sg-0a1b2c3d4e5f60003"}, AssignPublicIp: evtypes.AssignPublicIpEnabled}}
	_, err = ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("example-cleanup"), ScheduleExpression: aws.String("rate(1 day)"), State: evtypes.RuleStateDisabled})
	must(err)
	_, err = ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("example-cleanup"), Targets: []evtypes.Target{{
		Id: aws.String("cleanup-task"), Arn: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
		Input:       aws.String(`{"containerOverrides":[{"name":"app","command":["/app","cleanup","--older-than=720h"]}],"cpu":"512","memory":"1024"}`),
		RetryPolicy: &evtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(3600)},
		EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(oldTD), TaskCount: aws.Int32(2), LaunchType: evtypes.LaunchTypeFargate,
			NetworkConfiguration: evNet, PropagateTags: evtypes.PropagateTagsTaskDefinition,
			Tags: []evtypes.Tag{{Key: aws.String("job"), Value: aws.String("cleanup")}}},
	}}})
	must(err)
	// Spot capacity, ECS Exec, managed tags and a task group: a rule and a
	// schedule init adopts with all of them.
	_, err = ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("spot-digest"), ScheduleExpression: aws.String("rate(6 hours)")})
	must(err)
	_, err = ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("spot-digest"), Targets: []evtypes.Target{{
		Id: aws.String("digest"), Arn: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
		EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(webTD), NetworkConfiguration: evNet,
			CapacityProviderStrategy: []evtypes.CapacityProviderStrategyItem{
				{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 2}, {CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1}},
			EnableExecuteCommand: true, EnableECSManagedTags: true, Group: aws.String("digests")},
	}}})
	must(err)
	_, err = sch.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("spot-sweep"), ScheduleExpression: aws.String("cron(15 2 * * ? *)"),
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff},
		Target: &schtypes.Target{Arn: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
			EcsParameters: &schtypes.EcsParameters{TaskDefinitionArn: aws.String(webTD), NetworkConfiguration: net(),
				CapacityProviderStrategy: []schtypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}},
				EnableExecuteCommand:     aws.Bool(true)}},
	})
	must(err)
	_, err = ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("on-upload"), EventPattern: aws.String(`{"source":["aws.s3"]}`)})
	must(err)
	_, err = ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("fanout"), ScheduleExpression: aws.String("rate(5 minutes)")})
	must(err)
	for rule, ids := range map[string][]string{"on-upload": {"t"}, "fanout": {"a", "b"}} {
		var ts []evtypes.Target
		for _, id := range ids {
			ts = append(ts, evtypes.Target{Id: aws.String(id), Arn: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
				EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(webTD), LaunchType: evtypes.LaunchTypeFargate, NetworkConfiguration: evNet}})
		}
		_, err = ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: ts})
		must(err)
	}
	w.srv.ResetRequests()
	return w
}

// TestInitThenScheduleChangesNothing is the promise: a config
// written by init, applied with batch schedule, makes zero changes.
func TestInitThenScheduleChangesNothing(t *testing.T) {
	w := initWorld(t)
	out := filepath.Join(w.dir, "generated.yml")
	code, stdout, stderr := w.run("init", "--cluster", "example", "--service", "web", "--service", "api", "--output-file", out)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out+": 2 images, 2 services, 4 batches (4 adopted by name)") {
		t.Errorf("init result: %s", stdout)
	}
	for _, want := range []string{
		`rule on-upload not written: it runs on events, not on a schedule`,
		`rule fanout not written: it has 2 targets`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("init did not warn %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr+stdout, "elsewhere") {
		t.Errorf("a schedule of another cluster was considered:\n%s", stderr)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Fatalf("init wrote to AWS: %+v", writes)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	t.Logf("generated:\n%s", text)
	for _, want := range []string{
		"name: example\n", "region: ap-northeast-1\n", "cluster: example\n",
		"  web:\n    # check: the build context of web",
		"    context: ./web\n    repository: web\n",
		"    context: ./app\n    repository: app\n    containers: [app, api]\n",
		"  web: {}  # runs web:1: containers web, app\n",
		"  # container otel runs\n  # public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0, which ecsctl\n  # does not build",
		// The schedule: adopted in the default group, following web.
		"  nightly-report:\n",
		"    aws_name: nightly-report  # adopted: the EventBridge Scheduler schedule nightly-report in group default\n    schedule_group: default\n    via: scheduler\n    schedule: cron(0 3 * * ? *)\n    timezone: Asia/Tokyo\n    service: web\n",
		`    description: "nightly sales report: totals # by region"` + "\n",
		"    flexible_window: 15m\n",
		"        command: [/app, report, --since=24h]\n        environment:\n          REPORT_FORMAT: csv\n          TOP: \"10\"\n",
		// The rule: adopted, pinned to the revision it runs, disabled.
		"  example-cleanup:\n",
		"    aws_name: example-cleanup  # adopted: the EventBridge rule example-cleanup\n    schedule: rate(1 day)\n    task_definition: web:2\n    enabled: false\n    count: 2\n    cpu: \"512\"\n    memory: \"1024\"\n",
		"    network:\n      subnets: [subnet-0a1b2c3d4e5f60001]\n      security_groups: [sg-0a1b2c3d4e5f60003]\n      assign_public_ip: true\n",
		"    retry:\n      maximum_attempts: 3\n      maximum_event_age: 1h\n",
		"    propagate_tags: TASK_DEFINITION\n    tags:\n      job: cleanup\n",
		"# - rule fanout: it has 2 targets",
		// Capacity providers and the task flags carried over.
		"    aws_name: spot-digest  # adopted: the EventBridge rule spot-digest\n    schedule: rate(6 hours)\n    service: web\n" +
			"    capacity_provider_strategy:\n      - {capacity_provider: FARGATE_SPOT, weight: 2}\n      - {capacity_provider: FARGATE, weight: 1, base: 1}\n" +
			"    enable_execute_command: true\n    enable_ecs_managed_tags: true\n    group: digests\n",
		"    aws_name: spot-sweep  # adopted: the EventBridge Scheduler schedule spot-sweep in group default\n",
		"    capacity_provider_strategy:\n      - {capacity_provider: FARGATE_SPOT, weight: 1}\n    enable_execute_command: true\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("generated config lacks:\n%s", want)
		}
	}

	// It validates, offline and against AWS.
	if code, _, stderr := w.run("--config", out, "validate"); code != 0 {
		t.Fatalf("validate: %d %s", code, stderr)
	}
	if code, _, stderr := w.run("--config", out, "validate", "--remote"); code != 0 {
		t.Fatalf("validate --remote: %d %s", code, stderr)
	}
	// A strategy naming a provider the cluster lacks fails validate --remote.
	setProviders(t, w, "FARGATE")
	if code, _, stderr := w.run("--config", out, "validate", "--remote"); code != 2 ||
		!strings.Contains(stderr, `capacity provider FARGATE_SPOT is not associated with cluster "example" (it has FARGATE)`) {
		t.Fatalf("validate --remote without FARGATE_SPOT on the cluster: %d %s", code, stderr)
	}
	setProviders(t, w, "FARGATE", "FARGATE_SPOT")

	// Applying it changes nothing: the dry run says so, and the real run
	// makes not one write call.
	w.srv.ResetRequests()
	code, stdout, stderr = w.run("--config", out, "--output", "json", "batch", "schedule", "--dry-run")
	if code != 0 {
		t.Fatalf("batch schedule --dry-run: %d %s", code, stderr)
	}
	if strings.Count(stdout, `"action": "unchanged"`) != 4 || strings.Contains(stdout, `"action": "create"`) || strings.Contains(stdout, `"action": "update"`) {
		t.Errorf("dry run after init is not all unchanged:\n%s", stdout)
	}
	code, _, stderr = w.run("--config", out, "batch", "schedule")
	if code != 0 {
		t.Fatalf("batch schedule: %d %s", code, stderr)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		var ops []string
		for _, r := range writes {
			ops = append(ops, r.Service+":"+r.Operation)
		}
		t.Fatalf("batch schedule after init made %d write calls: %v\n%s", len(writes), ops, stderr)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	w := initWorld(t)
	path := filepath.Join(w.dir, "ecsctl.yml") // the trial's config is there
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := w.run("init", "--cluster", "example", "--service", "web")
	if code != 2 || !strings.Contains(stderr, "ecsctl.yml exists; pass --force to overwrite it, or --output-file to write elsewhere") {
		t.Fatalf("init over an existing file: %d %s", code, stderr)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the existing file changed")
	}
	if n := len(w.srv.Requests()); n != 0 {
		t.Fatalf("init called AWS %d times before refusing", n)
	}
	code, _, stderr = w.run("init", "--cluster", "example", "--service", "web", "--force")
	if code != 0 {
		t.Fatalf("init --force: %d %s", code, stderr)
	}
	if after, _ := os.ReadFile(path); !strings.Contains(string(after), "written by `ecsctl init`") {
		t.Fatal("--force did not overwrite")
	}
	code, stdout, _ := w.run("init", "--cluster", "example", "--service", "web", "--output-file", "-")
	if code != 0 || !strings.HasPrefix(stdout, "# ecsctl.yml for ECS cluster example (ap-northeast-1)") {
		t.Fatalf("--output-file -: %d %s", code, stdout)
	}
	entries, _ := os.ReadDir(w.dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".ecsctl.yml") {
			t.Errorf("a temporary file was left: %s", e.Name())
		}
	}
}

func TestInitBadInput(t *testing.T) {
	w := initWorld(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"init", "--service", "web", "--output-file", "-"}, "init needs --cluster and at least one --service"},
		{[]string{"init", "--cluster", "example", "--output-file", "-"}, "init needs --cluster and at least one --service"},
		{[]string{"init", "--cluster", "nope", "--service", "web", "--output-file", "-"}, `cluster "nope" does not exist`},
		{[]string{"init", "--cluster", "example", "--service", "web", "--service", "wbe", "--output-file", "-"}, `service "wbe" not found (or not ACTIVE) in cluster example`},
		{[]string{"init", "--cluster", "example", "--service", "web", "--name", "my.app", "--output-file", "-"}, `--name "my.app"`},
	} {
		code, _, stderr := w.run(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %s; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Fatalf("writes: %+v", writes)
	}
}

// setProviders associates capacity providers with cluster example, as
// Terraform's aws_ecs_cluster_capacity_providers does.
func setProviders(t *testing.T, w *shipWorld, providers ...string) {
	t.Helper()
	if _, err := ecs.NewFromConfig(w.srv.AWSConfig()).PutClusterCapacityProviders(context.Background(), &ecs.PutClusterCapacityProvidersInput{
		Cluster: aws.String("example"), CapacityProviders: providers, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}}); err != nil {
		t.Fatalf("PutClusterCapacityProviders: %v", err)
	}
}
