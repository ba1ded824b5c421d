package scaffold

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/goccy/go-yaml"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
)

// Every scalar init writes reads back as the same string.
func TestScalarRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "web", "yes", "No", "on", "null", "~", "10", "1.4.0", "0x1F", "1e3", "-", "- a", "a: b", "a:", "x #y", "x#y",
		"'", `"`, "é", "  lead", "trail ", "{a}", "[a]", "a,b", "*alias", "&anchor", "!tag", "%dir", "@at", "`tick",
		"cron(0 3 ? * MON#1 *)", "rate(1 day)", "at(2030-01-01T00:00:00)", "arn:aws:iam::123456789012:role/ecsEventsRole",
		"postgres://u:p@db:5432/x?sslmode=require", "line\nbreak", "tab\there", "?", ":", "|", ">",
	} {
		var got struct {
			V    string   `yaml:"v"`
			List []string `yaml:"list"`
		}
		doc := "v: " + scalar(s) + "\nlist: " + flowList([]string{s, "x"}) + "\n"
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Errorf("%q: %v\n%s", s, err, doc)
			continue
		}
		if got.V != s || len(got.List) != 2 || got.List[0] != s {
			t.Errorf("%q reads back as %q, list %q\n%s", s, got.V, got.List, doc)
		}
	}
	if scalar("cron(0 3 * * ? *)") != "cron(0 3 * * ? *)" || scalar("web") != "web" || scalar("10") != `"10"` {
		t.Error("plain scalars should stay plain and numbers be quoted")
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc dddd", 8)
	if strings.Join(got, "|") != "aaa bbb|ccc dddd" {
		t.Fatalf("wrap: %q", got)
	}
}

// schedWorld is a cluster with service web and the schedules of the test.
type schedWorld struct {
	srv            *awssim.Server
	cluster, webTD string
	ev             *eventbridge.Client
	sch            *scheduler.Client
	ecs            *ecs.Client
	evNet          *evtypes.NetworkConfiguration
	schNet         *schtypes.NetworkConfiguration
	role           string
	opts           Options
}

func newSchedWorld(t *testing.T) *schedWorld {
	t.Helper()
	srv := awssim.NewTestServer(t)
	cfg := srv.AWSConfig()
	w := &schedWorld{srv: srv, ecs: ecs.NewFromConfig(cfg), ev: eventbridge.NewFromConfig(cfg), sch: scheduler.NewFromConfig(cfg),
		role: "arn:aws:iam::123456789012:role/ecsEventsRole"}
	ctx := context.Background()
	if _, err := srv.SeedRepository("web", false); err != nil {
		t.Fatal(err)
	}
	cl, err := w.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("example")})
	if err != nil {
		t.Fatal(err)
	}
	w.cluster = aws.ToString(cl.Cluster.ClusterArn)
	td, err := w.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(srv.Host() + "/web@sha256:" + strings.Repeat("a", 64)), Essential: aws.Bool(true)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.webTD = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	if _, err := w.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("example"), ServiceName: aws.String("web"), TaskDefinition: aws.String(w.webTD),
		DesiredCount: aws.Int32(0), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}}); err != nil {
		t.Fatal(err)
	}
	w.evNet = &evtypes.NetworkConfiguration{AwsvpcConfiguration: &evtypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	w.schNet = &schtypes.NetworkConfiguration{AwsvpcConfiguration: &schtypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	w.opts = Options{Cluster: "example", Services: []string{"web"}, Region: "us-east-1",
		ECS: w.ecs, ECR: ecr.NewFromConfig(cfg), Events: w.ev, Scheduler: w.sch}
	return w
}

func (w *schedWorld) rule(t *testing.T, name string, target evtypes.Target) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(1 day)")}); err != nil {
		t.Fatal(err)
	}
	if target.Id == nil {
		target.Id = aws.String("t")
	}
	target.Arn, target.RoleArn = aws.String(w.cluster), aws.String(w.role)
	if target.EcsParameters == nil {
		target.EcsParameters = &evtypes.EcsParameters{TaskDefinitionArn: aws.String(w.webTD), LaunchType: evtypes.LaunchTypeFargate, NetworkConfiguration: w.evNet}
	}
	if _, err := w.ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []evtypes.Target{target}}); err != nil {
		t.Fatal(err)
	}
}

func (w *schedWorld) schedule(t *testing.T, in *scheduler.CreateScheduleInput) {
	t.Helper()
	ctx := context.Background()
	if g := aws.ToString(in.GroupName); g != "" && g != "default" {
		_, _ = w.sch.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: in.GroupName})
	}
	if in.ScheduleExpression == nil {
		in.ScheduleExpression = aws.String("rate(1 hour)")
	}
	in.FlexibleTimeWindow = &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff}
	if in.Target == nil {
		in.Target = &schtypes.Target{}
	}
	in.Target.Arn, in.Target.RoleArn = aws.String(w.cluster), aws.String(w.role)
	if in.Target.EcsParameters == nil {
		in.Target.EcsParameters = &schtypes.EcsParameters{TaskDefinitionArn: aws.String(w.webTD), LaunchType: schtypes.LaunchTypeFargate, NetworkConfiguration: w.schNet}
	}
	if _, err := w.sch.CreateSchedule(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// Schedules ecsctl created for this config keep their batch names without
// aws_name; another config's are left out; what a batch cannot express is
// skipped or marked for a human.
func TestGenerateOwnershipAndLimits(t *testing.T) {
	w := newSchedWorld(t)
	w.rule(t, "ecsctl.example.nightly", evtypes.Target{Id: aws.String("ecsctl")})
	w.rule(t, "ecsctl.other-app.job", evtypes.Target{})
	w.rule(t, "legacy-ec2", evtypes.Target{EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(w.webTD), LaunchType: evtypes.LaunchTypeEc2}})
	w.rule(t, "asg", evtypes.Target{EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(w.webTD), NetworkConfiguration: w.evNet,
		CapacityProviderStrategy: []evtypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}, {CapacityProvider: aws.String("my-asg"), Weight: 1}}}})
	w.rule(t, "placed", evtypes.Target{EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(w.webTD), NetworkConfiguration: w.evNet,
		CapacityProviderStrategy: []evtypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}},
		PlacementStrategy:        []evtypes.PlacementStrategy{{Type: evtypes.PlacementStrategyTypeRandom}}, ReferenceId: aws.String("ref")}})
	w.rule(t, "from-event", evtypes.Target{InputTransformer: &evtypes.InputTransformer{InputTemplate: aws.String(`{"containerOverrides":[]}`)}})
	w.rule(t, "_odd-input", evtypes.Target{Input: aws.String(`{"containerOverrides":[{"name":"web","command":["x"],"memoryReservation":128}],"taskRoleArn":"arn:aws:iam::123456789012:role/other"}`)})
	w.schedule(t, &scheduler.CreateScheduleInput{Name: aws.String("ecsctl.example.weekly"), GroupName: aws.String("ecsctl.example")})
	w.schedule(t, &scheduler.CreateScheduleInput{Name: aws.String("ends-soon"), EndDate: aws.Time(time.Now().Add(720 * time.Hour)),
		ActionAfterCompletion: schtypes.ActionAfterCompletionDelete})

	res, err := Generate(context.Background(), w.opts)
	if err != nil {
		t.Fatal(err)
	}
	text := string(res.Config)
	t.Logf("%s", text)
	got := map[string]Batch{}
	for _, b := range res.Batches {
		got[b.Name] = b
	}
	if b, ok := got["nightly"]; !ok || b.Adopted {
		t.Errorf("ecsctl's own rule: %+v (batches %+v)", b, res.Batches)
	}
	if b, ok := got["weekly"]; !ok || b.Adopted {
		t.Errorf("ecsctl's own schedule: %+v", b)
	}
	if b, ok := got["odd-input"]; !ok || !b.Adopted || b.AWSName != "_odd-input" {
		t.Errorf("a rule whose name is not a batch name: %+v", b)
	}
	if _, ok := got["ends-soon"]; !ok {
		t.Errorf("the schedule with an end date is missing: %+v", res.Batches)
	}
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.Name] = s.Reason
	}
	for name, want := range map[string]string{
		"ecsctl.other-app.job": `ecsctl manages it for the config named "other-app"`,
		"legacy-ec2":           "launch type EC2",
		"asg":                  "capacity provider my-asg; ecsctl batches are Fargate tasks (FARGATE, FARGATE_SPOT)",
		"from-event":           "InputPath or InputTransformer",
	} {
		if !strings.Contains(skipped[name], want) {
			t.Errorf("%s: skipped because %q, want %q", name, skipped[name], want)
		}
	}
	for _, want := range []string{
		"  nightly:\n    # check: runs web:1",
		"  weekly:\n    # check: runs web:1",
		"_odd-input has settings ecsctl.yml cannot express: memoryReservation of container",
		"the override taskRoleArn",
		"default/ends-soon has settings ecsctl.yml cannot express: deletion after its last run",
		"a start or end date",
		"placed has settings ecsctl.yml cannot express: placement constraints or strategies; reference ID; the next ecsctl batch schedule removes them from this rule (its diff lists them; run it with --dry-run first)",
		"  placed:\n    # check: runs web:1",
		"    capacity_provider_strategy:\n      - {capacity_provider: FARGATE_SPOT, weight: 1}\n",
		`aws_name: _odd-input  # adopted`,
	} {
		if !strings.Contains(words(text), words(want)) {
			t.Errorf("config lacks %q", want)
		}
	}
	if strings.Contains(text, "aws_name: ecsctl.example") || strings.Contains(text, "schedule_group: ecsctl.example") {
		t.Error("ecsctl's own schedules must not be adopted by name")
	}
	if _, err := config.Parse("/w/ecsctl.yml", res.Config, config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatalf("the config does not load: %v", err)
	}
}

// words joins the words of s, comment marks left out, so wrapped comments compare.
func words(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		if f != "#" {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// Generate only reads.
func TestGenerateOnlyReads(t *testing.T) {
	w := newSchedWorld(t)
	w.rule(t, "job", evtypes.Target{})
	w.srv.ResetRequests()
	if _, err := Generate(context.Background(), w.opts); err != nil {
		t.Fatal(err)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Fatalf("writes: %+v", writes)
	}
	if n := len(w.srv.Requests()); n == 0 {
		t.Fatal("no reads either")
	}
}
