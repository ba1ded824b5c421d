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

	"github.com/ecsctl/ecsctl/internal/awssim"
)

const lookupConfig = `name: shop
cluster: '{{ tfstate "ecs" "outputs.cluster_name" }}'
tfstate:
  network: {bucket: shop-tfstate, key: network/terraform.tfstate}
  ecs: {path: ecs.tfstate}
images:
  web: {context: ./web, repository: web}
batch_defaults:
  network:
    subnets: {{ tfstate "network" "outputs.private_subnet_ids" }}
batches:
  nightly:
    schedule: cron(0 3 * * ? *)
    role: '{{ ssm "/shop/events_role" }}'
    task_definition: app
    overrides:
      app:
        command: [/app, report]
        environment:
          DB_URL: '{{ ssm "/shop/db_url" }}'
`

// lookupWorld is a simulator whose S3 holds the network state and whose SSM
// holds the role and a secret, with the config above (and the ecs state as a
// local file) in a directory.
func lookupWorld(t *testing.T) (*awssim.Server, string) {
	t.Helper()
	srv := awssim.NewTestServer(t)
	useSimulator(t, srv)
	network, err := os.ReadFile("../../internal/lookup/testdata/network.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	ecsState, err := os.ReadFile("../../internal/lookup/testdata/ecs.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedObject("shop-tfstate", "network/terraform.tfstate", network); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][3]string{
		{"/shop/events_role", "String", "arn:aws:iam::123456789012:role/ecsEventsRole"},
		{"/shop/db_url", "SecureString", "postgres://shop:pa55w0rd-zebra@db/shop"},
	} {
		if err := srv.SeedParameter(p[0], p[1], p[2]); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ecs.tfstate"), ecsState, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ecsctl.yml")
	if err := os.WriteFile(path, []byte(lookupConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

func TestValidateLookupsOfflineAndRemote(t *testing.T) {
	srv, path := lookupWorld(t)

	// Plain validate stays offline: not one call.
	code, stdout, stderr := ecsctl(t, "--config", path, "validate")
	if code != 0 || !strings.Contains(stdout, "is valid (offline)") {
		t.Fatalf("offline validate: %d\n%s%s", code, stdout, stderr)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("offline validate made %d AWS calls", n)
	}

	// --remote resolves the lookups; the cluster comes from the local state.
	code, _, stderr = ecsctl(t, "--config", path, "validate", "--remote")
	if code != 2 || !strings.Contains(stderr, `cluster "example" does not exist`) {
		t.Fatalf("validate --remote before the cluster exists: %d %s", code, stderr)
	}
	if _, err := ecs.NewFromConfig(srv.AWSConfig()).CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	code, stdout, stderr = ecsctl(t, "--config", path, "--debug", "validate", "--remote")
	if code != 2 || !strings.Contains(stderr, `task definition "app" does not exist`) {
		t.Fatalf("validate --remote: %d\n%s%s", code, stdout, stderr)
	}
	if n := srv.Count("s3", "GetObject"); n != 1 {
		t.Errorf("the network state was read %d times, want 1", n)
	}
	// The two parameters come in one GetParameters call, none one by one.
	if n, m := srv.Count("ssm", "GetParameters"), srv.Count("ssm", "GetParameter"); n != 1 || m != 0 {
		t.Errorf("GetParameters called %d times and GetParameter %d, want 1 and 0", n, m)
	}
	// --debug shows what was read, never a value.
	for _, want := range []string{"tfstate network: read s3://shop-tfstate/network/terraform.tfstate", "ssm /shop/db_url: read version 1 (SecureString", "aws SSM GetParameters"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--debug output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr+stdout, "pa55w0rd-zebra") {
		t.Fatalf("a SecureString value was printed:\n%s%s", stdout, stderr)
	}
}

func TestLookupErrorsExitCodes(t *testing.T) {
	srv, path := lookupWorld(t)
	broken := strings.Replace(lookupConfig, "outputs.private_subnet_ids", "outputs.private_subnets", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := ecsctl(t, "--config", path, "batch", "schedule", "--dry-run")
	if code != 2 || !strings.Contains(stderr, `ecsctl.yml:10:16: {{ tfstate "network" "outputs.private_subnets" }}: state network (s3://shop-tfstate/network/terraform.tfstate): no output "private_subnets"; did you mean "private_subnet_ids"?`) {
		t.Fatalf("missing output: exit %d, %s", code, stderr)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Fatalf("writes after a bad lookup: %+v", w)
	}

	// S3 failing is not the config's fault: exit 1.
	srv.AddFault(awssim.Fault{Service: "s3", ServerError: 1})
	code, _, stderr = ecsctl(t, "--config", path, "--max-attempts", "1", "batch", "schedule", "--dry-run")
	if code != 1 || !strings.Contains(stderr, "state network: get s3://shop-tfstate/network/terraform.tfstate") {
		t.Fatalf("S3 down: exit %d, %s", code, stderr)
	}
}

// A secret from a lookup stays out of every error message, including those
// of checks made after loading (here: the task definition the batch names
// comes from a SecureString and does not exist).
func TestLookupSecretsOutOfErrors(t *testing.T) {
	srv, path := lookupWorld(t)
	if err := srv.SeedParameter("/shop/td", "SecureString", "td-named-by-a-secret-7f3a"); err != nil {
		t.Fatal(err)
	}
	if _, err := ecs.NewFromConfig(srv.AWSConfig()).CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(lookupConfig, "task_definition: app", `task_definition: '{{ ssm "/shop/td" }}'`, 1)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ecsctl(t, "--config", path, "validate", "--remote")
	if code != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "td-named-by-a-secret-7f3a") {
		t.Fatalf("a SecureString value was printed:\n%s", stderr)
	}
	if !strings.Contains(stderr, `task definition "(secret)" does not exist`) {
		t.Fatalf("stderr: %s", stderr)
	}
}

// A secret from a lookup stays out of the plan a dry run prints, text and
// JSON, even under a name that does not look secret (DB_URL).
func TestLookupSecretsOutOfThePlan(t *testing.T) {
	srv, path := lookupWorld(t)
	ctx := context.Background()
	client := ecs.NewFromConfig(srv.AWSConfig())
	if _, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("registry.example.com/app:1")}},
	}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	for _, format := range []string{"text", "json"} {
		code, stdout, stderr := ecsctl(t, "--config", path, "--output", format, "batch", "schedule", "--dry-run")
		if code != 0 {
			t.Fatalf("%s dry run: exit %d\n%s%s", format, code, stdout, stderr)
		}
		if !strings.Contains(stdout, "DB_URL") {
			t.Fatalf("%s plan does not show the environment it would set:\n%s", format, stdout)
		}
		if strings.Contains(stdout+stderr, "pa55w0rd-zebra") {
			t.Fatalf("%s plan prints a SecureString value:\n%s%s", format, stdout, stderr)
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Fatalf("a dry run wrote: %+v", w)
	}
}
