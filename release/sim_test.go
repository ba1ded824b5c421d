package release

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/output"
)

// simSpeed is how much faster than wall time ecsctl's waits pass in the
// tests: a 2 s poll interval sleeps 2 ms.
const simSpeed = 1000

// simClock is ecsctl's clock in the tests. By default the simulator runs on
// a manual clock that only ecsctl's waits move forward (a 2 s poll interval
// advances it 2 s and sleeps 2 ms): simulated time stands still while
// ecsctl works, so what each poll sees depends on the polls' pacing alone,
// never on how fast or loaded the machine is. Benchmarks that compare ecsctl
// with the SDK's waiter (which sleeps in wall time) run the simulator on a
// scaled clock instead (manual nil).
type simClock struct {
	sim    awssim.Clock
	manual *awssim.ManualClock
	speed  float64
}

func (c simClock) Now() time.Time { return c.sim.Now() }
func (c simClock) After(d time.Duration) <-chan time.Time {
	if c.manual != nil {
		c.manual.Advance(d)
	}
	return time.After(time.Duration(float64(d) / c.speed))
}

// pass lets d of simulated time go by, for test helpers that wait for the
// simulator outside a watch.
func (c simClock) pass(d time.Duration) {
	<-c.After(d)
}

// sim is a simulator with an ECS cluster, the SDK clients ecsctl uses, and
// helpers to set services up.
type sim struct {
	t     testing.TB
	srv   *awssim.Server
	ecs   *ecs.Client
	logs  *cloudwatchlogs.Client
	elb   *elbv2.Client
	clock simClock
	ctx   context.Context
}

// newSim starts a simulator on a manual clock that ecsctl's waits move
// (see simClock); options such as awssim.WithSpeed replace that clock.
func newSim(t testing.TB, opts ...awssim.Option) *sim {
	t.Helper()
	manual := awssim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	srv := awssim.NewTestServer(t, append([]awssim.Option{awssim.WithClock(manual)}, opts...)...)
	clock := simClock{sim: srv.Clock(), speed: simSpeed}
	if srv.Clock() == awssim.Clock(manual) {
		clock.manual = manual
	}
	cfg := srv.AWSConfig()
	// The SDK's retries wait in wall time: scale their backoff like the
	// clock (20 s -> 20 ms), and retry as often as ecsctl does (10 attempts).
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.MaxBackoff = 20 * time.Second / simSpeed
		})
	}
	s := &sim{
		t: t, srv: srv, ctx: context.Background(),
		ecs: ecs.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg), elb: elbv2.NewFromConfig(cfg),
		clock: clock,
	}
	if _, err := s.ecs.CreateCluster(s.ctx, &ecs.CreateClusterInput{ClusterName: aws.String("main")}); err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	return s
}

// waitFor lets simulated time pass, a second at a time, until cond holds.
func (s *sim) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		s.clock.pass(time.Second)
	}
}

// img is the image URI of container c of service svc at version v.
func img(svc, c, v string) string { return "registry.example.com/" + svc + "-" + c + ":" + v }

// ensureLogGroup creates an awslogs group, as infrastructure code does:
// Fargate fails tasks whose log group is missing.
func (s *sim) ensureLogGroup(name string) {
	s.t.Helper()
	_, err := s.logs.CreateLogGroup(s.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)})
	var exists *logstypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		s.t.Fatalf("CreateLogGroup: %v", err)
	}
}

// registerApp registers family svc with two containers, web and app, both
// logging to /ecs/<svc> through awslogs.
func (s *sim) registerApp(svc, webImage, appImage string) string {
	s.t.Helper()
	logs := func(c string) *types.LogConfiguration {
		return &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": "/ecs/" + svc, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}
	}
	s.ensureLogGroup("/ecs/" + svc)
	out, err := s.ecs.RegisterTaskDefinition(s.ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(svc),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		NetworkMode:             types.NetworkModeAwsvpc,
		Cpu:                     aws.String("512"),
		Memory:                  aws.String("1024"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []types.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String(webImage), Essential: aws.Bool(true),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(80)}}, LogConfiguration: logs("web")},
			{Name: aws.String("app"), Image: aws.String(appImage), Essential: aws.Bool(true),
				Environment:      []types.KeyValuePair{{Name: aws.String("PORT"), Value: aws.String("8080")}},
				LogConfiguration: logs("app")},
		},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
	})
	if err != nil {
		s.t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

type svcOpts struct {
	desired       int32
	loadBalancer  bool
	breaker       bool // circuit breaker with rollback
	breakerNoRoll bool // circuit breaker without rollback
	dereg         int  // target group deregistration delay (s); default 300
}

// createService creates service name running revision td (both containers
// at v1 if td is ""), and waits until it is steady.
func (s *sim) createService(name string, o svcOpts) string {
	s.t.Helper()
	td := s.registerApp(name, img(name, "web", "v1"), img(name, "app", "v1"))
	if o.desired == 0 {
		o.desired = 2
	}
	in := &ecs.CreateServiceInput{
		Cluster: aws.String("main"), ServiceName: aws.String(name), TaskDefinition: aws.String(td),
		DesiredCount: aws.Int32(o.desired), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{"subnet-0aaa", "subnet-0bbb"}, SecurityGroups: []string{"sg-0123"}}},
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{
			Enable: o.breaker || o.breakerNoRoll, Rollback: o.breaker}},
	}
	if o.loadBalancer {
		tg, err := s.elb.CreateTargetGroup(s.ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String(name + "-tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
			VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: elbtypes.TargetTypeEnumIp,
			HealthCheckPath: aws.String("/health"), HealthCheckIntervalSeconds: aws.Int32(10),
		})
		if err != nil {
			s.t.Fatalf("CreateTargetGroup: %v", err)
		}
		arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		if o.dereg > 0 {
			if _, err := s.elb.ModifyTargetGroupAttributes(s.ctx, &elbv2.ModifyTargetGroupAttributesInput{
				TargetGroupArn: aws.String(arn),
				Attributes:     []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(fmt.Sprint(o.dereg))}},
			}); err != nil {
				s.t.Fatalf("ModifyTargetGroupAttributes: %v", err)
			}
		}
		in.LoadBalancers = []types.LoadBalancer{{TargetGroupArn: aws.String(arn), ContainerName: aws.String("web"), ContainerPort: aws.Int32(80)}}
	}
	if _, err := s.ecs.CreateService(s.ctx, in); err != nil {
		s.t.Fatalf("CreateService: %v", err)
	}
	s.waitSteady(name)
	return td
}

// describe returns the service as ECS sees it.
func (s *sim) describe(name string) types.Service {
	s.t.Helper()
	out, err := s.ecs.DescribeServices(s.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		s.t.Fatalf("DescribeServices(%s): %v %v", name, err, out)
	}
	return out.Services[0]
}

// waitSteady waits until the service has one COMPLETED deployment running
// its desired count.
func (s *sim) waitSteady(name string) types.Service {
	s.t.Helper()
	var svc types.Service
	s.waitFor("service "+name+" to be steady", func() bool {
		svc = s.describe(name)
		return len(svc.Deployments) == 1 && svc.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && svc.RunningCount == svc.DesiredCount
	})
	return svc
}

// config parses an ecsctl.yml for the services given (cluster main).
func (s *sim) config(services ...string) *config.Config {
	s.t.Helper()
	var sb strings.Builder
	sb.WriteString("region: us-east-1\ncluster: main\nimages:\n  web: {context: ./web, repository: web}\n  app: {context: ./app, repository: app}\nservices:\n")
	for _, name := range services {
		fmt.Fprintf(&sb, "  %s: {}\n", name)
	}
	dir := s.t.TempDir()
	path := filepath.Join(dir, "ecsctl.yml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		s.t.Fatal(err)
	}
	cfg, err := config.Parse(path, []byte(sb.String()), config.LoadOptions{})
	if err != nil {
		s.t.Fatalf("config: %v", err)
	}
	return cfg
}

// syncBuffer is a bytes.Buffer safe for the board's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// watchOptions are ecsctl's watch settings on the simulator's clock, with
// progress in CI form on stderr.
func (s *sim) watchOptions(stderr *syncBuffer) WatchOptions {
	return WatchOptions{
		ECS: s.ecs, Logs: s.logs, ELB: s.elb, Clock: s.clock,
		Printer: output.New(output.Options{Stdout: &bytes.Buffer{}, Stderr: stderr, Getenv: func(string) string { return "" }}),
	}
}

// deploy runs Deploy with images for the services and logs its progress.
func (s *sim) deploy(o Options) (*Result, error, string) {
	s.t.Helper()
	var stderr syncBuffer
	w := s.watchOptions(&stderr)
	w.Timeout, w.NoRollback, w.OnDeployed, w.stats = o.Timeout, o.NoRollback, o.OnDeployed, o.stats
	o.WatchOptions = w
	res, err := Deploy(s.ctx, o)
	s.t.Logf("deploy progress:\n%s", stderr.String())
	if res != nil {
		b, _ := json.MarshalIndent(res, "", "  ")
		s.t.Logf("result: %s", b)
	}
	return res, err, stderr.String()
}

// writes returns the write calls the simulator answered since ResetRequests.
func (s *sim) writes() []string {
	var out []string
	for _, r := range s.srv.Writes() {
		out = append(out, r.Service+":"+r.Operation)
	}
	return out
}

func mustContain(t testing.TB, what, text string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(text, sub) {
			t.Errorf("%s lacks %q", what, sub)
		}
	}
}
