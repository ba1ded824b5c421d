package config

import (
	"errors"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, src string, env map[string]string) (*Config, error) {
	t.Helper()
	return Parse("/work/app/ecsctl.yml", []byte(src), LoadOptions{LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
}

func mustParse(t *testing.T, src string, env map[string]string) *Config {
	t.Helper()
	c, err := parse(t, src, env)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load("../../examples/ecsctl.yml", LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "ap-northeast-1" || c.Cluster != "example" || c.Name != "example" {
		t.Fatalf("region/cluster/name = %q/%q/%q", c.Region, c.Cluster, c.Name)
	}
	if got := []string{c.Images[0].Name, c.Images[1].Name}; !cmp.Equal(got, []string{"web", "app"}) {
		t.Fatalf("images in file order: %v", got)
	}
	if web := c.Image("web"); web.Dockerfile != "Dockerfile" || !cmp.Equal(web.Containers, []string{"web"}) || web.Repository != "web" {
		t.Fatalf("web image defaults: %+v", web)
	}
	if c.Service("web") == nil || c.ServiceCluster(c.Service("web")) != "example" {
		t.Fatalf("service web: %+v", c.Services)
	}
	b := c.Batch("nightly-report")
	if b == nil {
		t.Fatal("no nightly-report batch")
	}
	want := &Batch{
		Name: "nightly-report", Schedule: "cron(0 3 * * ? *)", Timezone: "Asia/Tokyo", Via: ViaScheduler, Service: "web",
		Overrides: []*ContainerOverride{{Name: "app", Command: []string{"/app", "report", "--since=24h"}}},
		Count:     1, Role: "arn:aws:iam::123456789012:role/ecsEventsRole",
		Network: &Network{Subnets: []string{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"}, SecurityGroups: []string{"sg-0a1b2c3d4e5f60003"}},
	}
	if d := cmp.Diff(want, b); d != "" {
		t.Fatalf("batch (-want +got):\n%s", d)
	}
	if c.ResolvePath("web") != c.Dir+"/web" {
		t.Fatalf("ResolvePath: %s", c.ResolvePath("web"))
	}
}

func TestEnvTemplates(t *testing.T) {
	src := `cluster: '{{ must_env "CLUSTER" }}'
region: '{{ env "REGION" "eu-west-1" }}'
images:
  web:
    context: .
    repository: web
    tags: ['x-{{ env "EXTRA_TAG" }}']
`
	c := mustParse(t, src, map[string]string{"CLUSTER": "prod"})
	if c.Cluster != "prod" || c.Region != "eu-west-1" || c.Images[0].Tags[0] != "x-" {
		t.Fatalf("got cluster %q region %q tags %v", c.Cluster, c.Region, c.Images[0].Tags)
	}
	c = mustParse(t, src, map[string]string{"CLUSTER": "prod", "REGION": "ap-northeast-1", "EXTRA_TAG": "v1"})
	if c.Region != "ap-northeast-1" || c.Images[0].Tags[0] != "x-v1" {
		t.Fatalf("env not used: region %q tags %v", c.Region, c.Images[0].Tags)
	}
}

func TestBatchDefaultsAnchorsAndMergeKeys(t *testing.T) {
	src := `name: app
cluster: main
x-network: &net
  subnets: [subnet-a, subnet-b]
images:
  web: &img
    context: ./web
    repository: web
    args: {GO_VERSION: 1.26, DEBUG: true}
  worker:
    <<: *img
    repository: worker
batch_defaults:
  role: arn:aws:iam::123456789012:role/events
  network: *net
  tags: {team: core, env: prod}
batches:
  a:
    schedule: rate(1 hour)
    task_definition: app
    tags: {env: staging}
  b:
    schedule: rate(5 minutes)
    task_definition: app:3
    role: arn:aws:iam::123456789012:role/other
    enabled: false
`
	// x- keys are ignored, so they can hold anchors; other unknown keys are refused.
	c := mustParse(t, src, nil)
	_, err := parse(t, strings.Replace(src, "x-network:", "network:", 1), nil)
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0].Message, `unknown key "network"`) {
		t.Fatalf("want only the unknown network key reported, got %v", err)
	}
	worker := c.Image("worker")
	if worker.Context != "./web" || worker.Repository != "worker" || worker.Args["GO_VERSION"] != "1.26" || worker.Args["DEBUG"] != "true" {
		t.Fatalf("merge key: %+v", worker)
	}
	a, b := c.Batch("a"), c.Batch("b")
	if a.Role != "arn:aws:iam::123456789012:role/events" || b.Role != "arn:aws:iam::123456789012:role/other" {
		t.Fatalf("roles: %q %q", a.Role, b.Role)
	}
	if !cmp.Equal(a.Network.Subnets, []string{"subnet-a", "subnet-b"}) || a.Network != b.Network {
		t.Fatalf("network default: %+v %+v", a.Network, b.Network)
	}
	if !cmp.Equal(a.Tags, map[string]string{"team": "core", "env": "staging"}) {
		t.Fatalf("tags merged key by key, batch winning: %v", a.Tags)
	}
	if !a.IsEnabled() || b.IsEnabled() {
		t.Fatalf("enabled: a=%v b=%v", a.IsEnabled(), b.IsEnabled())
	}
	if a.Via != ViaRule || a.Count != 1 {
		t.Fatalf("batch defaults: via %q count %d", a.Via, a.Count)
	}
}

func TestDurationsAndPointers(t *testing.T) {
	c := mustParse(t, `name: n
cluster: c
services:
  web: {timeout: 20m}
batches:
  j:
    schedule: rate(1 day)
    via: scheduler
    flexible_window: 15m
    task_definition: app
    role: arn:aws:iam::123456789012:role/r
    network: {subnets: [s1], assign_public_ip: true}
    retry: {maximum_attempts: 0, maximum_event_age: 2h}
`, nil)
	if c.Service("web").Timeout.Std() != 20*time.Minute {
		t.Fatalf("timeout %v", c.Service("web").Timeout)
	}
	j := c.Batch("j")
	if j.FlexibleWindow.Std() != 15*time.Minute || j.Retry.MaximumAttempts == nil || *j.Retry.MaximumAttempts != 0 ||
		j.Retry.MaximumEventAge.Std() != 2*time.Hour || !j.Network.AssignPublicIP {
		t.Fatalf("batch j: %+v retry %+v", j, j.Retry)
	}
}

// deferredLookups resolves nothing: like an offline validate.
type fakeLookups struct{ seenStates []string }

func (f *fakeLookups) Funcs(pre *Config) (template.FuncMap, error) {
	for _, s := range pre.TFState {
		f.seenStates = append(f.seenStates, s.Name+"="+s.Bucket+"/"+s.Key)
	}
	return template.FuncMap{
		"tfstate": func(state, addr string) (string, error) {
			if addr == "outputs.private_subnet_ids" {
				return `["subnet-1", "subnet-2"]`, nil
			}
			return "from-" + state, nil
		},
	}, nil
}

func TestLookupsTwoPasses(t *testing.T) {
	src := `name: n
cluster: '{{ tfstate "ecs" "outputs.cluster_name" }}'
tfstate:
  network: {bucket: example-bucket, key: network/terraform.tfstate, region: ap-northeast-1}
  ecs: {path: ./ecs.tfstate}
batches:
  j:
    schedule: rate(1 day)
    task_definition: app
    role: arn:aws:iam::123456789012:role/r
    network:
      subnets: {{ tfstate "network" "outputs.private_subnet_ids" }}
`
	// Offline: lookups are deferred and the fields they fill stay empty
	// without type errors (a list-valued lookup sits where a list goes).
	c, err := parse(t, src, nil)
	if err != nil {
		t.Fatalf("offline parse: %v", err)
	}
	if c.Cluster != "" {
		t.Fatalf("deferred cluster should be empty, got %q", c.Cluster)
	}
	l := &fakeLookups{}
	c, err = Parse("/w/ecsctl.yml", []byte(src), LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }, Lookups: l})
	if err != nil {
		t.Fatalf("parse with lookups: %v", err)
	}
	if !cmp.Equal(l.seenStates, []string{"network=example-bucket/network/terraform.tfstate", "ecs=/"}) {
		t.Fatalf("Lookups saw states %v", l.seenStates)
	}
	if c.Cluster != "from-ecs" || !cmp.Equal(c.Batch("j").Network.Subnets, []string{"subnet-1", "subnet-2"}) {
		t.Fatalf("lookups not applied: cluster %q subnets %v", c.Cluster, c.Batch("j").Network.Subnets)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"context", "dockerfile", "target", "args", "platform", "repository", "registry", "containers", "tags"}
	for got, want := range map[string]string{
		"contxt": "context", "Dockerfile": "dockerfile", "repo": "", "taget": "target", "arg": "args",
		"registy": "registry", "container": "containers", "colour": "", "tgas": "tags",
	} {
		if s := suggest(got, known); s != want {
			t.Errorf("suggest(%q) = %q, want %q", got, s, want)
		}
	}
	if d := editDistance("abcd", "acbd"); d != 1 {
		t.Errorf("transposition distance %d, want 1", d)
	}
}

func TestProblemPositionsAfterLoad(t *testing.T) {
	c := mustParse(t, validConfigWithBatch, nil)
	p := c.Problem("batches.nightly.overrides.app", "container %q is not in task definition %s", "app", "web:3")
	if p.Line != 11 || p.Column != 7 {
		t.Fatalf("position %d:%d, want 11:7", p.Line, p.Column)
	}
	err := c.Errors([]Problem{p})
	if err == nil || !strings.Contains(err.Error(), `ecsctl.yml:11:7: batches.nightly.overrides.app: container "app" is not in task definition web:3`) {
		t.Fatalf("error: %v", err)
	}
	if c.Errors(nil) != nil {
		t.Fatal("no problems must be no error")
	}
}

const validConfigWithBatch = `name: n
cluster: c
batches:
  nightly:
    schedule: rate(1 day)
    task_definition: web
    role: arn:aws:iam::123456789012:role/r
    network:
      subnets: [s]
    overrides:
      app:
        command: [report]
`

// Offline, a lookup in batch_defaults stands for the batches' value; a key
// missing altogether is still reported, whatever else is deferred.
func TestDeferredDefaultsAndMissingKeys(t *testing.T) {
	src := `name: n
cluster: c
batch_defaults:
  role: '{{ ssm "/ci/events-role" }}'
batches:
  j:
    schedule: rate(1 day)
    task_definition: app
    network:
      subnets: {{ tfstate "network" "outputs.private_subnet_ids" }}
`
	if _, err := parse(t, src, nil); err != nil {
		t.Fatalf("deferred role in batch_defaults: %v", err)
	}
	_, err := parse(t, strings.Replace(src, "batch_defaults:\n  role: '{{ ssm \"/ci/events-role\" }}'\n", "", 1), nil)
	if err == nil || !strings.Contains(err.Error(), "batches.j.role: missing role") {
		t.Fatalf("a missing role must be reported even when the subnets are deferred, got %v", err)
	}
}

func TestCapacityProvidersAndTaskFlags(t *testing.T) {
	c := mustParse(t, `name: n
cluster: c
batch_defaults:
  role: arn:aws:iam::123456789012:role/r
  network: {subnets: [s]}
  capacity_provider_strategy:
    - {capacity_provider: FARGATE_SPOT, weight: 3}
    - capacity_provider: FARGATE
      weight: 1
      base: 1
  enable_execute_command: true
batches:
  spot:
    schedule: rate(1 day)
    task_definition: app
    group: reports
  ondemand:
    schedule: rate(1 day)
    task_definition: app
    capacity_provider_strategy: []
    enable_execute_command: false
    enable_ecs_managed_tags: true
`, nil)
	spot, ondemand := c.Batch("spot"), c.Batch("ondemand")
	want := []*CapacityProvider{{CapacityProvider: "FARGATE_SPOT", Weight: 3}, {CapacityProvider: "FARGATE", Weight: 1, Base: 1}}
	if d := cmp.Diff(want, spot.CapacityProviderStrategy); d != "" {
		t.Errorf("strategy from batch_defaults (-want +got):\n%s", d)
	}
	if !spot.ExecuteCommand() || spot.ManagedTags() || spot.Group != "reports" {
		t.Errorf("spot flags: exec %v, managed tags %v, group %q", spot.ExecuteCommand(), spot.ManagedTags(), spot.Group)
	}
	if len(ondemand.CapacityProviderStrategy) != 0 || ondemand.ExecuteCommand() || !ondemand.ManagedTags() {
		t.Errorf("a batch's own [] and false must win over batch_defaults: %+v exec %v tags %v",
			ondemand.CapacityProviderStrategy, ondemand.ExecuteCommand(), ondemand.ManagedTags())
	}

	_, err := parse(t, `name: n
cluster: c
batch_defaults:
  role: arn:aws:iam::123456789012:role/r
  network: {subnets: [s]}
  capacity_provider_strategy:
    - {capacity_provider: my-asg, weight: 1}
batches:
  a:
    schedule: rate(1 day)
    task_definition: app
  b:
    schedule: rate(1 day)
    task_definition: app
    capacity_provider_strategy:
      - {weight: 1001, base: 1}
      - capacity_provider: FARGATE_SPOT
        base: 100001
      - {capacity_provider: FARGATE_SPOT, weight: -1}
  c:
    schedule: rate(1 day)
    task_definition: app
    capacity_provider_strategy: [{capacity_provider: FARGATE}]
  d:
    schedule: rate(1 day)
    task_definition: app
    capacity_provider_strategy: [{capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}, {capacity_provider: FARGATE, weight: 1}]
    group: `+strings.Repeat("g", 256)+`
  e:
    schedule: rate(1 day)
    task_definition: app
    capacity_provider_strategy: [{capacity_provider: FARGATE, base: 1}, {capacity_provider: FARGATE_SPOT, weight: 1, base: 2}]
`, nil)
	if err == nil {
		t.Fatal("broken strategies were accepted")
	}
	if n := strings.Count(err.Error(), "listed twice"); n != 2 {
		t.Errorf("a provider listed again and again is reported once, got %d reports", n)
	}
	for _, w := range []string{
		`ecsctl.yml:7:8: batch_defaults.capacity_provider_strategy[0].capacity_provider: "my-asg" is not a Fargate capacity provider; ecsctl's batches are Fargate tasks, so use FARGATE or FARGATE_SPOT`,
		`ecsctl.yml:16:9: batches.b.capacity_provider_strategy[0].capacity_provider: missing capacity_provider: FARGATE or FARGATE_SPOT`,
		`ecsctl.yml:16:10: batches.b.capacity_provider_strategy[0].weight: must be between 0 and 1000`,
		`ecsctl.yml:18:9: batches.b.capacity_provider_strategy[1].base: must be between 0 and 100000`,
		`ecsctl.yml:19:10: batches.b.capacity_provider_strategy[2].capacity_provider: FARGATE_SPOT is listed twice`,
		`ecsctl.yml:19:43: batches.b.capacity_provider_strategy[2].weight: must be between 0 and 1000`,
		`ecsctl.yml:23:5: batches.c.capacity_provider_strategy: no capacity provider has a weight or a base above 0`,
		`ecsctl.yml:27:5: batches.d.capacity_provider_strategy: at most 6 capacity providers (got 7)`,
		`ecsctl.yml:27:76: batches.d.capacity_provider_strategy[1].capacity_provider: FARGATE is listed twice; list each capacity provider once`,
		`batches.d.group: a task group is at most 255 characters (got 256)`,
		`ecsctl.yml:32:118: batches.e.capacity_provider_strategy[1].base: only one capacity provider may have a base above 0 (entry 0 has base 1)`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing problem:\n%s\nin:\n%v", w, err)
		}
	}
}
