package awssim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ecsFixture drives the simulator's ECS and ELBv2 through the real SDK clients.
type ecsFixture struct {
	t     testing.TB
	ctx   context.Context
	srv   *Server
	clock *ManualClock // nil when the clock runs on its own
	ecs   *ecs.Client
	elb   *elb.Client
}

var ecsSimStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// newManualFixture starts a simulator whose clock only moves when the test says so.
func newManualFixture(t testing.TB) *ecsFixture {
	clock := NewManualClock(ecsSimStart)
	f := newFixture(t, WithClock(clock), WithSeed(7))
	f.clock = clock
	return f
}

func newFixture(t testing.TB, opts ...Option) *ecsFixture {
	srv := NewTestServer(t, opts...)
	cfg := srv.AWSConfig()
	return &ecsFixture{
		t: t, ctx: context.Background(), srv: srv,
		ecs: ecs.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg),
	}
}

// advance moves a manual clock forward in steps, calling each (if not nil)
// after every step, until until returns true or max has passed. It reports
// whether until became true.
func (f *ecsFixture) advance(step, maxWait time.Duration, each func(), until func() bool) bool {
	f.t.Helper()
	for waited := time.Duration(0); waited <= maxWait; waited += step {
		if each != nil {
			each()
		}
		if until != nil && until() {
			return true
		}
		f.clock.Advance(step)
		f.srv.Advance()
	}
	return until == nil
}

// poll waits (in wall time, the clock running on its own) until cond holds.
func (f *ecsFixture) poll(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (f *ecsFixture) createCluster(name string) {
	f.t.Helper()
	if _, err := f.ecs.CreateCluster(f.ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
		f.t.Fatalf("CreateCluster: %v", err)
	}
}

// registerWeb registers a Fargate "web" task definition running image.
func (f *ecsFixture) registerWeb(family, image string) string {
	f.t.Helper()
	out, err := f.ecs.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(family),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:         aws.String("web"),
			Image:        aws.String(image),
			Essential:    aws.Bool(true),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(80)}},
			LogConfiguration: &ecstypes.LogConfiguration{
				LogDriver: ecstypes.LogDriverAwslogs,
				Options: map[string]string{
					"awslogs-group": "/ecs/" + family, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true",
				},
			},
		}},
	})
	if err != nil {
		f.t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

func (f *ecsFixture) createTargetGroup(name string, dereg int) string {
	f.t.Helper()
	out, err := f.elb.CreateTargetGroup(f.ctx, &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: elbtypes.TargetTypeEnumIp,
		HealthCheckPath: aws.String("/health"), HealthCheckIntervalSeconds: aws.Int32(10),
	})
	if err != nil {
		f.t.Fatalf("CreateTargetGroup: %v", err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if dereg >= 0 {
		_, err = f.elb.ModifyTargetGroupAttributes(f.ctx, &elb.ModifyTargetGroupAttributesInput{
			TargetGroupArn: aws.String(arn),
			Attributes: []elbtypes.TargetGroupAttribute{{
				Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(fmt.Sprint(dereg))}},
		})
		if err != nil {
			f.t.Fatalf("ModifyTargetGroupAttributes: %v", err)
		}
	}
	return arn
}

type serviceOpts struct {
	desired        int32
	targetGroup    string
	breaker        bool
	rollback       bool
	minPct, maxPct int32
}

func (f *ecsFixture) createService(cluster, name, taskDef string, o serviceOpts) *ecstypes.Service {
	f.t.Helper()
	in := &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(taskDef),
		DesiredCount: aws.Int32(o.desired), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-0aaa", "subnet-0bbb"}, SecurityGroups: []string{"sg-0123"},
		}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: o.breaker, Rollback: o.rollback},
		},
		Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	}
	if o.minPct > 0 || o.maxPct > 0 {
		in.DeploymentConfiguration.MinimumHealthyPercent = aws.Int32(o.minPct)
		in.DeploymentConfiguration.MaximumPercent = aws.Int32(o.maxPct)
	}
	if o.targetGroup != "" {
		in.LoadBalancers = []ecstypes.LoadBalancer{{
			TargetGroupArn: aws.String(o.targetGroup), ContainerName: aws.String("web"), ContainerPort: aws.Int32(80)}}
	}
	out, err := f.ecs.CreateService(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateService: %v", err)
	}
	return out.Service
}

func (f *ecsFixture) describeService(cluster, name string) ecstypes.Service {
	f.t.Helper()
	out, err := f.ecs.DescribeServices(f.ctx, &ecs.DescribeServicesInput{
		Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		f.t.Fatalf("DescribeServices: %v", err)
	}
	if len(out.Services) != 1 {
		f.t.Fatalf("DescribeServices(%s): %d services, failures %v", name, len(out.Services), out.Failures)
	}
	return out.Services[0]
}

// tasks describes every task of the cluster that a service or family has,
// whatever its desired status.
func (f *ecsFixture) tasks(cluster string, in ecs.ListTasksInput) []ecstypes.Task {
	f.t.Helper()
	var arns []string
	for _, st := range []ecstypes.DesiredStatus{ecstypes.DesiredStatusRunning, ecstypes.DesiredStatusStopped} {
		q := in
		q.Cluster, q.DesiredStatus = aws.String(cluster), st
		p := ecs.NewListTasksPaginator(f.ecs, &q)
		for p.HasMorePages() {
			page, err := p.NextPage(f.ctx)
			if err != nil {
				f.t.Fatalf("ListTasks: %v", err)
			}
			arns = append(arns, page.TaskArns...)
		}
	}
	var out []ecstypes.Task
	for len(arns) > 0 {
		n := min(len(arns), 100)
		d, err := f.ecs.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns[:n]})
		if err != nil {
			f.t.Fatalf("DescribeTasks: %v", err)
		}
		out = append(out, d.Tasks...)
		arns = arns[n:]
	}
	return out
}

func (f *ecsFixture) primary(svc ecstypes.Service) ecstypes.Deployment {
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return d
		}
	}
	f.t.Fatalf("service %s has no PRIMARY deployment", aws.ToString(svc.ServiceName))
	return ecstypes.Deployment{}
}

// eventMessages returns the service's event messages, oldest first.
func eventMessages(svc ecstypes.Service) []string {
	var out []string
	for i := len(svc.Events) - 1; i >= 0; i-- {
		out = append(out, aws.ToString(svc.Events[i].Message))
	}
	return out
}

// eventIndex returns the index of the first message containing sub at or after from, or -1.
func eventIndex(msgs []string, sub string, from int) int {
	for i := from; i < len(msgs); i++ {
		if strings.Contains(msgs[i], sub) {
			return i
		}
	}
	return -1
}

func ecsTaskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
