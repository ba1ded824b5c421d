package main

import (
	"bufio"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// The example world seeds through the simulator's API: the cluster, both
// task definitions (from a JSON file and inline), the target group with its
// deregistration delay, the service behind it, and the behaviour rules.
func TestSeedExampleWorld(t *testing.T) {
	world, err := LoadWorld("testdata/world.yml")
	if err != nil {
		t.Fatalf("LoadWorld: %v", err)
	}
	srv := awssim.NewTestServer(t)
	ctx := context.Background()
	if err := world.Seed(ctx, srv); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	cfg := srv.AWSConfig()
	client := ecs.NewFromConfig(cfg)

	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web"),
		Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatalf("DescribeTaskDefinition web: %v", err)
	}
	c := td.TaskDefinition.ContainerDefinitions[0]
	if aws.ToString(c.Image) != "public.ecr.aws/nginx/nginx:1.27" || aws.ToString(c.Environment[0].Value) != "trial" ||
		c.LogConfiguration.Options["awslogs-create-group"] != "true" || len(td.Tags) != 1 {
		t.Errorf("web task definition from the JSON file: %+v, tags %+v", c, td.Tags)
	}
	batch, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("batch:1")})
	if err != nil || aws.ToString(batch.TaskDefinition.Cpu) != "512" || !slices.Equal(batch.TaskDefinition.ContainerDefinitions[0].Command, []string{"./report"}) {
		t.Fatalf("inline batch task definition: %+v %v", batch, err)
	}

	tgs, err := elb.NewFromConfig(cfg).DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"web"}})
	if err != nil {
		t.Fatalf("DescribeTargetGroups: %v", err)
	}
	tgArn := aws.ToString(tgs.TargetGroups[0].TargetGroupArn)
	attrs, err := elb.NewFromConfig(cfg).DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tgArn)})
	if err != nil {
		t.Fatalf("DescribeTargetGroupAttributes: %v", err)
	}
	for _, a := range attrs.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" && aws.ToString(a.Value) != "30" {
			t.Errorf("deregistration delay %s, want 30", aws.ToString(a.Value))
		}
	}

	stable := ecs.NewServicesStableWaiter(client, func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
	out, err := stable.WaitForOutput(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{"web"},
		Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}}, 30*time.Second)
	if err != nil {
		t.Fatalf("the seeded service never became stable: %v", err)
	}
	svc := out.Services[0]
	if svc.RunningCount != 2 || aws.ToString(svc.LoadBalancers[0].TargetGroupArn) != tgArn ||
		!svc.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback || len(svc.Tags) != 1 {
		t.Errorf("seeded service: %+v", svc)
	}

	// The behaviour rules are in force: the report command exits 3.
	run, err := client.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String("batch"),
		LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: &ecstypes.NetworkConfiguration{
			AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: defaultSubnets}},
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{
			Name: aws.String("batch"), Command: []string{"./report", "--since=yesterday"}}}}})
	if err != nil {
		t.Fatalf("RunTask: %v", err)
	}
	stopped, err := ecs.NewTasksStoppedWaiter(client, func(o *ecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	}).WaitForOutput(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("main"), Tasks: []string{aws.ToString(run.Tasks[0].TaskArn)}}, 30*time.Second)
	if err != nil {
		t.Fatalf("TasksStopped: %v", err)
	}
	if code := stopped.Tasks[0].Containers[0].ExitCode; code == nil || *code != 3 {
		t.Errorf("the report batch exited %v, the world file says 3", code)
	}
	if pull := stopped.Tasks[0].PullStoppedAt.Sub(*stopped.Tasks[0].PullStartedAt).Round(time.Second); pull != 20*time.Second {
		t.Errorf("the image pull took %v of simulated time, the world file's timings say 20s", pull)
	}
}

func TestWorldErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"ecs:\n  clustrs: [main]\n", "clustrs"},
		{"speed: -1\n", "speed -1"},
		{"behaviors:\n  - exit: {code: 1}\n", "image is required"},
	}
	for _, tc := range cases {
		if _, err := ParseWorld([]byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.yaml, err, tc.want)
		}
	}
	seedCases := []struct{ yaml, want string }{
		{"ecs:\n  services:\n    - {name: web, taskDefinition: web, targetGroup: nope}\n", `target group "nope" is not in the elb section`},
		{"ecs:\n  taskDefinitions:\n    - {family: web, containerDefinitionz: []}\n", "not a RegisterTaskDefinition input"},
		{"ecs:\n  taskDefinitions:\n    - file: missing.json\n", "missing.json"},
		{"ecs:\n  taskDefinitions:\n    - {family: web, requiresCompatibilities: [FARGATE], containerDefinitions: [{name: web, image: nginx}]}\n",
			"Fargate only supports network mode"},
	}
	for _, tc := range seedCases {
		w, err := ParseWorld([]byte(tc.yaml))
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		srv := awssim.NewTestServer(t)
		if err := w.Seed(context.Background(), srv); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: seeding error %v, want it to mention %q", tc.yaml, err, tc.want)
		}
	}
}

// run starts the simulator, prints the exports a shell can eval, serves
// clients configured from them, and stops when its context ends.
func TestRunPrintsEnvironmentAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--speed", "1000", "--config", "testdata/world.yml"}, outW, io.Discard)
		outW.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(outR)
	for len(env) < 4 && sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			t.Fatalf("stdout line %q is not an export", sc.Text())
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	go io.Copy(io.Discard, outR)
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
		if env[k] == "" {
			t.Fatalf("no %s in the exports %v", k, env)
		}
	}
	client := ecs.NewFromConfig(aws.Config{Region: env["AWS_REGION"], BaseEndpoint: aws.String(env["AWS_ENDPOINT_URL"]),
		Credentials: credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "")})
	ls, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("main")})
	if err != nil || len(ls.ServiceArns) != 1 {
		t.Fatalf("ListServices through the printed environment: %+v %v", ls, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after its context ended")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--speed", "-2"}, {"serve"}, {"--config", "testdata/nope.yml"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
	if got := shellQuote("AWS_ENDPOINT_URL=http://127.0.0.1:4599"); got != "AWS_ENDPOINT_URL=http://127.0.0.1:4599" {
		t.Errorf("shellQuote: %s", got)
	}
	if got := shellQuote("X=a b'c"); got != `X='a b'\''c'` {
		t.Errorf("shellQuote: %s", got)
	}
}

// BenchmarkStartup measures run from start to the printed environment, with
// the example world seeded.
func BenchmarkStartup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		r, w := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--config", "testdata/world.yml"}, w, io.Discard)
		}()
		sc := bufio.NewScanner(r)
		for n := 0; n < 4 && sc.Scan(); n++ {
		}
		go io.Copy(io.Discard, r)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
}
