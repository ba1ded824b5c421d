package lookup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// world is a simulator holding the network state in S3 and a few parameters.
func world(t *testing.T) *awssim.Server {
	t.Helper()
	srv := awssim.NewTestServer(t)
	data, err := os.ReadFile("testdata/network.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedObject("example-tfstate", "network/terraform.tfstate", data); err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedObject("example-tfstate", "ecs/terraform.tfstate", []byte(`{"version":4,"outputs":{}}`)); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][3]string{
		{"/example/batch/role_arn", "String", "arn:aws:iam::123456789012:role/ecsEventsRole"},
		{"/example/db/password", "SecureString", "hunter2-correct-horse"},
		{"/example/db/host", "String", "db.internal"},
		{"/example/extra_subnets", "StringList", "subnet-x1,subnet-x2"},
		{"/example/batch/bad_role", "SecureString", "not-a-role-but-a-secret"},
	} {
		if err := srv.SeedParameter(p[0], p[1], p[2]); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

// configDir writes the ecs state as a local file next to a config file and
// returns the config's path.
func configDir(t testing.TB, src string) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/ecs.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "infra", "ecs.tfstate"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ecsctl.yml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func resolver(srv *awssim.Server, log *bytes.Buffer) (*Resolver, *int) {
	calls := 0
	o := Options{
		AWS: func(_ context.Context, pre *config.Config) (aws.Config, error) {
			calls++
			cfg := srv.AWSConfig()
			if pre.Region != "" {
				cfg.Region = pre.Region
			}
			cfg.RetryMaxAttempts = 1
			return cfg, nil
		},
	}
	if log != nil {
		o.Log = log
	}
	return New(o), &calls
}

const fullConfig = `name: example
region: us-east-1
cluster: '{{ tfstate "ecs" "outputs.cluster_name" }}'
tfstate:
  network: {bucket: example-tfstate, key: network/terraform.tfstate, region: us-east-1}
  network_again: {bucket: example-tfstate, key: network/terraform.tfstate, region: us-east-1}
  ecs: {path: infra/ecs.tfstate}
images:
  web: {context: ./web, repository: web}
services:
  web: {}
batch_defaults:
  role: '{{ ssm "/example/batch/role_arn" }}'
  network:
    subnets: {{ tfstate "network" "outputs.private_subnet_ids" }}
    security_groups: [{{ tfstate "network" "aws_security_group.app.id" }}]
batches:
  nightly:
    schedule: cron(0 3 * * ? *)
    task_definition: app
    overrides:
      app:
        command: [/app, report]
        environment:
          DB_PASSWORD: '{{ ssm "/example/db/password" }}'
          DB_HOST: {{ ssm "/example/db/host" }}
          AZ_A_SUBNET: '{{ tfstate "network" "aws_subnet.az[\"a\"].id" }}'
          VPC: {{ tfstate "network_again" "outputs.example_vpc_id" }}
          VPC_AGAIN: {{ tfstate "network" "outputs.example_vpc_id" }}
          PRIVATE_1: {{ tfstate "network" "aws_subnet.private[1].id" }}
          ENDPOINT: {{ tfstate "network" "module.endpoints.aws_vpc_endpoint.this[\"ecr.api\"].id" }}
          PSK: {{ tfstate "network" "outputs.vpn_psk" }}
  weekly:
    schedule: cron(0 4 ? * SUN *)
    task_definition: app
    network:
      subnets: {{ ssm "/example/extra_subnets" }}
      security_groups: {{ tfstate "network" "aws_subnet.private[*].vpc_id" }}
    overrides:
      app:
        environment:
          ROLE: '{{ ssm "/example/batch/role_arn" }}'
          ZONES: '{{ tfstate "network" "data.aws_availability_zones.available.names" }}'
          CLUSTER_ARN: {{ tfstate "ecs" "aws_ecs_cluster.main.arn" }}
`

func TestLookupsFromS3LocalAndSSM(t *testing.T) {
	srv := world(t)
	var log bytes.Buffer
	r, awsCalls := resolver(srv, &log)
	cfg, err := config.Load(configDir(t, fullConfig), config.LoadOptions{Lookups: r})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if cfg.Cluster != "example" {
		t.Errorf("cluster %q, want example (from the local ecs state)", cfg.Cluster)
	}
	n := cfg.Batch("nightly")
	if n.Role != "arn:aws:iam::123456789012:role/ecsEventsRole" {
		t.Errorf("role %q", n.Role)
	}
	if want := []string{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"}; !cmp.Equal(n.Network.Subnets, want) {
		t.Errorf("subnets %v, want %v (a list output where a list goes)", n.Network.Subnets, want)
	}
	if want := []string{"sg-0a1b2c3d4e5f60003"}; !cmp.Equal(n.Network.SecurityGroups, want) {
		t.Errorf("security groups %v", n.Network.SecurityGroups)
	}
	wantEnv := map[string]string{
		"DB_PASSWORD": "hunter2-correct-horse",
		"DB_HOST":     "db.internal",
		"AZ_A_SUBNET": "subnet-0a1b2c3d4e5f6000a",
		"VPC":         "vpc-0a1b2c3d4e5f60000",
		"VPC_AGAIN":   "vpc-0a1b2c3d4e5f60000",
		"PRIVATE_1":   "subnet-0a1b2c3d4e5f60002",
		"ENDPOINT":    "vpce-0a1b2c3d4e5f6e001",
		"PSK":         "s3cr3t-psk-from-state",
	}
	if diff := cmp.Diff(wantEnv, n.Overrides[0].Environment); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
	w := cfg.Batch("weekly")
	if !cmp.Equal(w.Network.Subnets, []string{"subnet-x1", "subnet-x2"}) {
		t.Errorf("StringList parameter as a list: %v", w.Network.Subnets)
	}
	if !cmp.Equal(w.Network.SecurityGroups, []string{"vpc-0a1b2c3d4e5f60000", "vpc-0a1b2c3d4e5f60000"}) {
		t.Errorf("splat: %v", w.Network.SecurityGroups)
	}
	if got := w.Overrides[0].Environment["ZONES"]; got != `["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]` {
		t.Errorf("a list inside quotes stays its flow text: %q", got)
	}
	if got := w.Overrides[0].Environment["CLUSTER_ARN"]; got != "arn:aws:ecs:ap-northeast-1:123456789012:cluster/example" {
		t.Errorf("cluster arn %q", got)
	}

	// Fetched once each, however often referenced (network is named twice
	// and referenced ten times; the role parameter twice).
	if n := srv.Count("s3", "GetObject"); n != 1 {
		t.Errorf("GetObject called %d times, want 1", n)
	}
	// The four parameters come in one GetParameters call.
	if n, m := srv.Count("ssm", "GetParameters"), srv.Count("ssm", "GetParameter"); n != 1 || m != 0 {
		t.Errorf("GetParameters called %d times and GetParameter %d, want 1 and 0", n, m)
	}
	if states, params := r.Fetched(); states != 2 || params != 4 {
		t.Errorf("fetched %d states and %d parameters, want 2 and 4", states, params)
	}
	if *awsCalls != 1 {
		t.Errorf("the AWS configuration was loaded %d times, want 1", *awsCalls)
	}
	// Only writes would be a bug: lookups read.
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("lookups wrote: %+v", w)
	}

	// Secrets: known, redacted, and never in the log.
	for _, s := range []string{"hunter2-correct-horse", "s3cr3t-psk-from-state"} {
		if !r.Secret(s) {
			t.Errorf("%q is not marked secret", s)
		}
		if strings.Contains(log.String(), s) {
			t.Errorf("the log shows a secret:\n%s", log.String())
		}
	}
	if r.Secret("db.internal") {
		t.Error("a String parameter is not secret")
	}
	if got := r.Redact("DB_PASSWORD=hunter2-correct-horse PSK=s3cr3t-psk-from-state host=db.internal"); got != "DB_PASSWORD=(secret) PSK=(secret) host=db.internal" {
		t.Errorf("Redact: %q", got)
	}
	// (network and network_again are one state, read by whichever asked first)
	if !regexp.MustCompile(`tfstate network(_again)?: read s3://example-tfstate/network/terraform.tfstate \(`).MatchString(log.String()) ||
		!strings.Contains(log.String(), "ssm /example/db/password: read version 1 (SecureString, 21 characters)") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestLookupOnlyLocalNeedsNoAWS(t *testing.T) {
	r := New(Options{AWS: func(context.Context, *config.Config) (aws.Config, error) {
		t.Error("a config with only local states must not load AWS")
		return aws.Config{}, errors.New("no")
	}})
	src := "cluster: {{ tfstate \"ecs\" \"outputs.cluster_name\" }}\ntfstate:\n  ecs: {path: infra/ecs.tfstate}\n"
	cfg, err := config.Load(configDir(t, src), config.LoadOptions{Lookups: r})
	if err != nil || cfg.Cluster != "example" {
		t.Fatalf("load: %v %+v", err, cfg)
	}
}

// loadErr loads src with lookups against srv and returns the error, which
// must be a config error (exit 2) with no failure to reach AWS.
func loadErr(t *testing.T, srv *awssim.Server, src string) string {
	t.Helper()
	r, _ := resolver(srv, nil)
	_, err := config.Load(configDir(t, src), config.LoadOptions{Lookups: r})
	if err == nil {
		t.Fatalf("loading succeeded:\n%s", src)
	}
	if code := exitcode.Of(err); code != exitcode.Usage {
		t.Errorf("exit code %d, want 2: %v", code, err)
	}
	if f := r.Failure(); f != nil {
		t.Errorf("a missing thing is not a failure to reach AWS: %v", f)
	}
	return r.RedactError(err).Error()
}

func TestLookupMissing(t *testing.T) {
	srv := world(t)
	head := "cluster: c\ntfstate:\n  network: {bucket: example-tfstate, key: network/terraform.tfstate, region: us-east-1}\n" +
		"  typo_key: {bucket: example-tfstate, key: network/terraform.tfstat, region: us-east-1}\n" +
		"  no_bucket: {bucket: example-tfstate-nope, key: network/terraform.tfstate, region: us-east-1}\n" +
		"  empty_dir: {bucket: example-tfstate, key: storage/terraform.tfstate}\n" +
		"  local: {path: infra/missing.tfstate}\n"
	for _, tc := range []struct{ line, want string }{
		{`name: {{ tfstate "network" "outputs.vpc_id" }}`,
			`ecsctl.yml:8:9: {{ tfstate "network" "outputs.vpc_id" }}: state network (s3://example-tfstate/network/terraform.tfstate): no output "vpc_id"; did you mean "example_vpc_id"? its outputs: example_vpc_id, flow_logs_enabled, nat_gateway_count, private_subnet_ids, subnet_ids_by_az, vpn_psk`},
		{`name: {{ tfstate "network" "aws_subnet.private[3].id" }}`,
			`state network (s3://example-tfstate/network/terraform.tfstate): aws_subnet.private has no instance [3]; it has 2 instances (count): [0] [1]`},
		{`name: {{ tfstate "network" "aws_subnet.private[0].idd" }}`,
			`aws_subnet.private[0] has no attribute "idd"; did you mean "id"? it has: arn, availability_zone, cidr_block, id, map_public_ip_on_launch, tags, vpc_id`},
		{`name: {{ tfstate "netwrok" "outputs.vpc_id" }}`,
			`{{ tfstate "netwrok" "outputs.vpc_id" }}: no state "netwrok" is declared under tfstate:; did you mean "network"? declared: empty_dir, local, network, no_bucket, typo_key`},
		{`name: {{ tfstate "typo_key" "outputs.vpc_id" }}`,
			`state typo_key: no object "network/terraform.tfstat" in bucket "example-tfstate" (region us-east-1); did you mean "network/terraform.tfstate"? keys under network/: network/terraform.tfstate`},
		{`name: {{ tfstate "empty_dir" "outputs.vpc_id" }}`,
			`state empty_dir: no object "storage/terraform.tfstate" in bucket "example-tfstate"; nothing is stored under storage/`},
		{`name: {{ tfstate "no_bucket" "outputs.vpc_id" }}`,
			`state no_bucket: bucket "example-tfstate-nope" does not exist (region us-east-1); check bucket: against the backend "s3" block of that Terraform component`},
		{`name: {{ tfstate "local" "outputs.vpc_id" }}`,
			`state local: the state file infra/missing.tfstate does not exist (path is relative to the config file: `},
		{`name: {{ tfstate "network" "aws_subnet.private" }}`,
			`"aws_subnet.private" is not a state address (name an attribute of aws_subnet.private, e.g. aws_subnet.private.id)`},
		{`name: {{ tfstate "network" }}`,
			`tfstate takes a state name and an address, e.g. {{ tfstate "network" "outputs.vpc_id" }}; got 1 arguments`},
		{`name: {{ ssm "/example/db/pasword" }}`,
			`{{ ssm "/example/db/pasword" }}: SSM parameter "/example/db/pasword" does not exist in region us-east-1; did you mean "/example/db/password"? parameters under /example/db: /example/db/host, /example/db/password`},
		{`name: {{ ssm "/nothing/here" }}`,
			`SSM parameter "/nothing/here" does not exist in region us-east-1; there are no parameters under /nothing`},
	} {
		msg := loadErr(t, srv, head+tc.line+"\n")
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.line, msg, tc.want)
		}
	}
}

func TestLookupSecretsRedactedFromProblems(t *testing.T) {
	srv := world(t)
	src := `name: example
cluster: c
batches:
  j:
    schedule: rate(1 day)
    task_definition: app
    role: {{ ssm "/example/batch/bad_role" }}
    network: {subnets: [s]}
`
	msg := loadErr(t, srv, src)
	if strings.Contains(msg, "not-a-role-but-a-secret") {
		t.Fatalf("a SecureString value is in the message: %s", msg)
	}
	if !strings.Contains(msg, `"(secret)" is not an IAM role ARN`) {
		t.Fatalf("message: %s", msg)
	}
}

func TestLookupFailureIsNotBadInput(t *testing.T) {
	srv := world(t)
	srv.AddFault(awssim.Fault{Service: "s3", Operation: "GetObject", ServerError: 1})
	r, _ := resolver(srv, nil)
	src := "cluster: '{{ tfstate \"network\" \"outputs.example_vpc_id\" }}'\ntfstate:\n  network: {bucket: example-tfstate, key: network/terraform.tfstate}\n"
	_, err := config.Load(configDir(t, src), config.LoadOptions{Lookups: r})
	if err == nil {
		t.Fatal("load succeeded despite S3 failing")
	}
	f := r.Failure()
	if f == nil || !strings.Contains(f.Error(), "get s3://example-tfstate/network/terraform.tfstate") {
		t.Fatalf("Failure() = %v, want the S3 error", f)
	}
	if !strings.Contains(err.Error(), "state network: get s3://example-tfstate/network/terraform.tfstate") {
		t.Fatalf("error: %v", err)
	}
}

// More than ten parameters take more than one GetParameters call; a
// version selector, which GetParameters would answer under another name, is
// read on its own, and a missing parameter gets the usual message.
func TestPrefetchBatchesParameters(t *testing.T) {
	srv := world(t)
	var sb strings.Builder
	sb.WriteString("name: example\nregion: us-east-1\ncluster: main\nimages:\n  web: {context: ./web, repository: web}\nservices:\n  web: {}\nbatch_defaults:\n  role: '{{ ssm \"/example/batch/role_arn:1\" }}'\n  network: {subnets: [subnet-1]}\nbatches:\n  nightly:\n    schedule: cron(0 3 * * ? *)\n    task_definition: app\n    overrides:\n      app:\n        environment:\n")
	for i := range 12 {
		name := fmt.Sprintf("/example/many/p%02d", i)
		if err := srv.SeedParameter(name, "String", fmt.Sprintf("value-%d", i)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "          P%02d: '{{ ssm %q }}'\n", i, name)
	}
	path := configDir(t, sb.String())
	r, _ := resolver(srv, nil)
	cfg, err := config.Load(path, config.LoadOptions{Lookups: r})
	if err != nil {
		t.Fatal(err)
	}
	env := cfg.Batch("nightly").Overrides[0].Environment
	if env["P00"] != "value-0" || env["P11"] != "value-11" || cfg.Batch("nightly").Role != "arn:aws:iam::123456789012:role/ecsEventsRole" {
		t.Errorf("values: %v, role %q", env, cfg.Batch("nightly").Role)
	}
	if n, m := srv.Count("ssm", "GetParameters"), srv.Count("ssm", "GetParameter"); n != 2 || m != 1 {
		t.Errorf("GetParameters called %d times and GetParameter %d, want 2 and 1", n, m)
	}

	missing := strings.Replace(sb.String(), "/example/many/p03", "/example/many/p3", 1)
	srv.ResetRequests()
	msg := loadErr(t, srv, missing)
	if !strings.Contains(msg, `SSM parameter "/example/many/p3" does not exist in region us-east-1`) {
		t.Errorf("missing parameter: %s", msg)
	}
}
