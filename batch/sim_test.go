package batch

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
)

// fixture is the simulator with an ECS world batches can run in: cluster
// "example", task definition family "app" (containers app and worker, both
// logging to CloudWatch), and service "web" running it.
type fixture struct {
	t   testing.TB
	ctx context.Context
	srv *awssim.Server
	ecs *ecs.Client
	ev  *eventbridge.Client
	sch *scheduler.Client
	cwl *cloudwatchlogs.Client
	// appTD is the ARN of app's first revision.
	appTD string
}

const appImage = "registry.example.com/app:v1"

func newFixture(t testing.TB, opts ...awssim.Option) *fixture {
	t.Helper()
	srv := awssim.NewTestServer(t, opts...)
	cfg := srv.AWSConfig()
	// Close the client's idle connections before the simulator shuts down:
	// a connection dialed for a parallel call but never used would otherwise
	// hold its Shutdown for two seconds.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg.HTTPClient = &http.Client{Transport: tr}
	t.Cleanup(tr.CloseIdleConnections)
	f := &fixture{
		t: t, ctx: context.Background(), srv: srv,
		ecs: ecs.NewFromConfig(cfg), ev: eventbridge.NewFromConfig(cfg),
		sch: scheduler.NewFromConfig(cfg), cwl: cloudwatchlogs.NewFromConfig(cfg),
	}
	if _, err := f.ecs.CreateCluster(f.ctx, &ecs.CreateClusterInput{ClusterName: aws.String("example")}); err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	f.appTD = f.registerApp(appImage)
	_, err := f.ecs.CreateService(f.ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("example"), ServiceName: aws.String("web"), TaskDefinition: aws.String(f.appTD),
		DesiredCount: aws.Int32(0), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-0a"}, SecurityGroups: []string{"sg-1"},
		}},
	})
	if err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	srv.ResetRequests()
	return f
}

// registerApp registers a revision of family app running image and returns its ARN.
func (f *fixture) registerApp(image string) string {
	f.t.Helper()
	logs := func(name string) *ecstypes.LogConfiguration {
		return &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true",
		}}
	}
	out, err := f.ecs.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String("app"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true), LogConfiguration: logs("app")},
			{Name: aws.String("worker"), Image: aws.String(image), Essential: aws.Bool(false), LogConfiguration: logs("worker")},
		},
	})
	if err != nil {
		f.t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// options are batch Options reaching the simulator.
func (f *fixture) options(cfg *config.Config) Options {
	return Options{Config: cfg, ECS: f.ecs, Events: f.ev, Scheduler: f.sch, Logs: f.cwl}
}

// config parses a config, failing the test on problems.
func (f *fixture) config(src string) *config.Config {
	f.t.Helper()
	cfg, err := parseConfig(f.t, src)
	if err != nil {
		f.t.Fatalf("config: %v", err)
	}
	return cfg
}

func (f *fixture) schedule(cfg *config.Config, mod func(*ScheduleOptions)) *Plan {
	f.t.Helper()
	o := ScheduleOptions{Options: f.options(cfg)}
	if mod != nil {
		mod(&o)
	}
	p, err := Schedule(f.ctx, o)
	if err != nil {
		f.t.Fatalf("Schedule: %v", err)
	}
	return p
}

// writes returns the write calls logged since the last reset, as
// "service Operation name".
func (f *fixture) writes() []string {
	var out []string
	for _, r := range f.srv.Writes() {
		out = append(out, r.Service+" "+r.Operation+" "+paramName(r.Params))
	}
	return out
}

// paramName picks the name a request acts on from its parameters.
func paramName(raw json.RawMessage) string {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range []string{"Name", "Rule", "ResourceARN", "ResourceArn", "ClusterName", "Family"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// requests returns the logged calls of one operation, parameters decoded.
func (f *fixture) requests(service, op string) []map[string]any {
	var out []map[string]any
	for _, r := range f.srv.Requests() {
		if r.Service == service && r.Operation == op {
			var m map[string]any
			if err := json.Unmarshal(r.Params, &m); err != nil {
				f.t.Fatalf("%s %s params: %v", service, op, err)
			}
			out = append(out, m)
		}
	}
	return out
}

func (f *fixture) counts() map[string]int {
	m := map[string]int{}
	for _, r := range f.srv.Requests() {
		m[r.Service+" "+r.Operation]++
	}
	return m
}

const baseConfig = `
name: example
cluster: example
batch_defaults:
  role: arn:aws:iam::123456789012:role/ecsEventsRole
  network:
    subnets: [subnet-0a]
    security_groups: [sg-1]
batches:
`

// withBatches is a config holding baseConfig's defaults and batches.
func withBatches(batches string) string { return baseConfig + indent(batches) }

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
