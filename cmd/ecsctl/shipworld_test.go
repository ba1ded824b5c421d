package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// shipWorld is the trial's world (examples/trial/world.yml) in a test
// simulator: repositories web and app with an initial image each, the
// network and ecs Terraform states in S3, the events role and a secret in
// SSM, cluster example with service web (containers web and app) behind a
// target group with the circuit breaker, and the behaviours of the
// deliberately broken web image and the nightly report.
type shipWorld struct {
	t   *testing.T
	srv *awssim.Server
	ecs *ecs.Client
	// dir holds ecsctl.yml (examples/trial/ecsctl.yml with the contexts
	// beside it) and, with withProject, the example's web and app contexts.
	dir string
}

// repoRoot is the repository's root, found before any test changes directory.
var repoRoot = func() string {
	p, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return p
}()

func newShipWorld(t *testing.T) *shipWorld {
	t.Helper()
	srv := awssim.NewTestServer(t, awssim.WithRegion("ap-northeast-1"))
	useSimulator(t, srv)
	// The project directory is not a git checkout; builds take this revision.
	t.Setenv("CODEBUILD_RESOLVED_SOURCE_VERSION", "0123456789abcdef0123456789abcdef01234567")
	w := &shipWorld{t: t, srv: srv, ecs: ecs.NewFromConfig(srv.AWSConfig()), dir: t.TempDir()}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, repo := range []string{"web", "app"} {
		_, err := srv.SeedRepository(repo, false)
		must(err)
		_, err = srv.SeedImage(repo, "initial", map[string]string{"/seeded": repo})
		must(err)
	}
	// What the trial builds from the web image's "broken" target.
	_, err := srv.SeedImage("web", "broken", map[string]string{"/web": "exits 1: no /etc/web/message.txt"})
	must(err)
	for _, name := range []string{"network", "ecs"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "examples/trial/terraform", name+".tfstate"))
		must(err)
		must(srv.SeedObject("example-tfstate", name+"/terraform.tfstate", data))
	}
	must(srv.SeedParameter("/example/batch/events_role_arn", "String", "arn:aws:iam::123456789012:role/ecsEventsRole"))
	must(srv.SeedParameter("/example/report/api_token", "SecureString", "trial-token-not-a-secret-elsewhere"))
	reg := srv.Host()
	srv.SetBehavior(
		awssim.BehaviorRule{Image: reg + "/web:broken", Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 1, After: 3 * time.Second}, ExitLogs: []string{"web: open /etc/web/message.txt: no such file or directory"}}},
		awssim.BehaviorRule{Image: reg + "/app", Command: []string{"/app", "report", "--since=24h"}, Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 0, After: 20 * time.Second}, Logs: []string{"report: orders of the last 24h"}, ExitLogs: []string{"report: done"}}},
	)

	elbc := elb.NewFromConfig(srv.AWSConfig())
	tg, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name: aws.String("example-web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
		VpcId: aws.String("vpc-0a1b2c3d4e5f60000"), TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/health"),
	})
	must(err)
	_, err = w.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("example")})
	must(err)
	logs := func(prefix string) *ecstypes.LogConfiguration {
		return &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": "/ecs/example", "awslogs-region": "ap-northeast-1", "awslogs-stream-prefix": prefix, "awslogs-create-group": "true"}}
	}
	td, err := w.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		TaskRoleArn:      aws.String("arn:aws:iam::123456789012:role/exampleTaskRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String(reg + "/web:initial"), Essential: aws.Bool(true), LogConfiguration: logs("web"),
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}},
			{Name: aws.String("app"), Image: aws.String(reg + "/app:initial"), Essential: aws.Bool(true), LogConfiguration: logs("app")},
		},
		Tags: []ecstypes.Tag{{Key: aws.String("app"), Value: aws.String("example")}}, // as Terraform's default_tags leave them
	})
	must(err)
	_, err = w.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("example"), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"}}},
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
	})
	must(err)
	w.waitSteady()

	cfg, err := os.ReadFile(filepath.Join(repoRoot, "examples/trial/ecsctl.yml"))
	must(err)
	s := strings.NewReplacer("context: ../web", "context: ./web", "context: ../app", "context: ./app").Replace(string(cfg))
	must(os.WriteFile(filepath.Join(w.dir, "ecsctl.yml"), []byte(s), 0o644))
	srv.ResetRequests()
	return w
}

// withProject puts the example's web and app build contexts, with their
// binaries compiled, next to the config (the test fails in CI and skips
// elsewhere without a Docker engine).
func (w *shipWorld) withProject(t *testing.T) {
	t.Helper()
	engine := dockertest.Client(t)
	dockertest.RemoveImagesAfter(t, engine, w.srv.Host()+"/*")
	for _, name := range []string{"web", "app"} {
		dst := filepath.Join(w.dir, name)
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(repoRoot, "examples", name))); err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(filepath.Join(repoRoot, "examples", name, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		bin, err := os.ReadFile(dockertest.StaticBinary(t, string(src)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, "bin", name), bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// After compiling: Go's caches live under HOME. ecsctl must not touch
	// the user's Docker config; an empty one shows it does not need one.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
}

func (w *shipWorld) service() ecstypes.Service {
	w.t.Helper()
	out, err := w.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("example"), Services: []string{"web"}})
	if err != nil || len(out.Services) != 1 {
		w.t.Fatalf("DescribeServices: %v", err)
	}
	return out.Services[0]
}

func (w *shipWorld) waitSteady() ecstypes.Service {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		svc := w.service()
		if len(svc.Deployments) == 1 && svc.Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted && svc.RunningCount == svc.DesiredCount {
			return svc
		}
		if time.Now().After(deadline) {
			var events []string
			for _, e := range svc.Events {
				events = append(events, aws.ToString(e.Message))
			}
			ctx := context.Background()
			if list, err := w.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("example"), DesiredStatus: ecstypes.DesiredStatusStopped}); err == nil && len(list.TaskArns) > 0 {
				if out, err := w.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("example"), Tasks: list.TaskArns[:1]}); err == nil {
					for _, task := range out.Tasks {
						events = append(events, "stopped task: "+aws.ToString(task.StoppedReason))
						for _, c := range task.Containers {
							events = append(events, fmt.Sprintf("  container %s (%s): exit %v, %s", aws.ToString(c.Name), aws.ToString(c.Image), aws.ToInt32(c.ExitCode), aws.ToString(c.Reason)))
						}
					}
				}
			}
			w.t.Fatalf("service never steady: %s: %s\nevents:\n%s", svc.Deployments[0].RolloutState, aws.ToString(svc.Deployments[0].RolloutStateReason), strings.Join(events, "\n"))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// run runs ecsctl in the config's directory, as CodeBuild runs the
// buildspec's commands in the source directory.
func (w *shipWorld) run(args ...string) (int, string, string) {
	w.t.Helper()
	w.t.Chdir(w.dir)
	code, stdout, stderr := ecsctl(w.t, args...)
	w.t.Logf("ecsctl %s -> %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	return code, stdout, stderr
}
