package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const validBase = `name: shop
cluster: shop
images:
  web:
    context: ./web
    repository: web
`

// TestValidateBrokenConfigs is the broken-config corpus: each file must be
// refused with exit code 2 and messages that name the place and say what is
// expected.
func TestValidateBrokenConfigs(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string // substrings of stderr, in order
	}{
		{
			name: "syntax error",
			yaml: "cluster: shop\nimages:\n  web: {context: ./web, repository: web\n",
			want: []string{"ecsctl.yml:3:8: YAML syntax error"},
		},
		{
			name: "unknown key with no close match",
			yaml: validBase + "colour: blue\n",
			want: []string{`ecsctl.yml:7:1: unknown key "colour"; expected one of batch_defaults, batches, build, cluster`},
		},
		{
			name: "typo gets a suggestion",
			yaml: "cluster: shop\nimages:\n  web:\n    contxt: ./web\n    repository: web\n",
			want: []string{`ecsctl.yml:3:3: images.web: missing required key "context"`, `ecsctl.yml:4:5: images.web: unknown key "contxt"; did you mean "context"?`},
		},
		{
			name: "camelCase key suggests snake_case",
			yaml: validBase + "build:\n  createRepositories: true\n",
			want: []string{`ecsctl.yml:8:3: build: unknown key "createRepositories"; did you mean "create_repositories"?`},
		},
		{
			name: "wrong type",
			yaml: validBase + "build:\n  concurrency: two\n",
			want: []string{"ecsctl.yml:8:16: build.concurrency: expected an integer, got a string"},
		},
		{
			name: "missing required field",
			yaml: "images:\n  web:\n    context: ./web\n    repository: web\n",
			want: []string{`missing required key "cluster"`},
		},
		{
			name: "empty image list",
			yaml: "cluster: shop\nimages: {}\n",
			want: []string{"ecsctl.yml:2:1: images: no images are listed"},
		},
		{
			name: "duplicate image names",
			yaml: validBase + "  web:\n    context: ./web2\n    repository: web2\n",
			want: []string{`ecsctl.yml:7:3: YAML syntax error: mapping key "web" already defined at [4:3]`},
		},
		{
			name: "container fed by two images",
			yaml: validBase + "  app:\n    context: ./app\n    repository: app\n    containers: [web]\n",
			want: []string{`ecsctl.yml:10:5: images.app.containers[0]: container "web" is already fed by image "web"`},
		},
		{
			name: "bad template",
			yaml: validBase + "region: {{ env \"AWS_REGION\" \n",
			want: []string{"ecsctl.yml:8:1: template: unclosed action started at ", "ecsctl.yml:7"},
		},
		{
			name: "unknown template function",
			yaml: validBase + "region: '{{ region }}'\n",
			want: []string{`ecsctl.yml:7:10: template: function "region" not defined`},
		},
		{
			name: "missing env var in must_env",
			yaml: validBase + "region: '{{ must_env \"ECSCTL_TEST_UNSET\" }}'\n",
			want: []string{`ecsctl.yml:7:12: {{ must_env "ECSCTL_TEST_UNSET" }}: environment variable ECSCTL_TEST_UNSET is not set`},
		},
		{
			name: "service names an unknown image",
			yaml: validBase + "services:\n  web:\n    images: [wbe]\n",
			want: []string{`ecsctl.yml:9:5: services.web.images[0]: no image named "wbe"; did you mean "web"?`},
		},
		{
			name: "image needs a repository or registry",
			yaml: "cluster: shop\nimages:\n  web:\n    context: ./web\n",
			want: []string{"ecsctl.yml:3:3: images.web: set repository (an ECR repository name) or registry"},
		},
		{
			name: "repository given as a URI",
			yaml: "cluster: shop\nimages:\n  web:\n    context: ./web\n    repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web\n",
			want: []string{"images.web.repository:", "is not a valid ECR repository name", "give the name, not the URI"},
		},
		{
			name: "rule with a time zone",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: cron(0 3 * * ? *)\n    timezone: Asia/Tokyo\n    service: web\n",
			want: []string{"batches.nightly.timezone: EventBridge rules run in UTC only; set via: scheduler to run in Asia/Tokyo"},
		},
		{
			name: "unknown time zone",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: cron(0 3 * * ? *)\n    timezone: Asia/Tokio\n    via: scheduler\n    service: web\n",
			want: []string{`batches.nightly.timezone: "Asia/Tokio" is not an IANA time zone`},
		},
		{
			name: "service and task definition both set",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n    task_definition: app\n",
			want: []string{"batches.nightly.task_definition: set service or task_definition, not both"},
		},
		{
			name: "malformed role ARN",
			yaml: validBase + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n    role: ecsEventsRole\n    network: {subnets: [subnet-1]}\n",
			want: []string{`batches.nightly.role: "ecsEventsRole" is not an IAM role ARN`},
		},
		{
			name: "command written as a string",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n    overrides:\n      web:\n        command: rake report\n",
			want: []string{"batches.nightly.overrides.web.command: expected a list, got a string (write a YAML list"},
		},
		{
			name: "batches need a name",
			yaml: strings.TrimPrefix(validBase, "name: shop\n") + batchDefaults + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n",
			want: []string{"name: name is required when batches are defined"},
		},
		{
			name: "one-off schedule on a rule",
			yaml: validBase + batchDefaults + "batches:\n  once:\n    schedule: at(2027-01-01T00:00:00)\n    service: web\n",
			want: []string{"batches.once.schedule: one-off at() schedules need the Scheduler; set via: scheduler"},
		},
		{
			name: "Unix cron instead of AWS cron",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: cron(0 3 * * *)\n    service: web\n",
			want: []string{"ecsctl.yml:13:5: batches.nightly.schedule: ", "6 fields"},
		},
		{
			name: "capacity provider of EC2",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n    capacity_provider_strategy:\n      - {capacity_provider: my-asg, weight: 1}\n",
			want: []string{`ecsctl.yml:16:10: batches.nightly.capacity_provider_strategy[0].capacity_provider: "my-asg" is not a Fargate capacity provider; ecsctl's batches are Fargate tasks, so use FARGATE or FARGATE_SPOT`},
		},
		{
			name: "capacity provider weight and base out of range",
			yaml: validBase + batchDefaults + "batches:\n  nightly:\n    schedule: rate(1 day)\n    service: web\n    capacity_provider_strategy:\n      - capacity_provider: FARGATE_SPOT\n        weight: 2000\n        base: 1\n      - {capacity_provider: FARGATE, base: 1}\n",
			want: []string{"ecsctl.yml:17:9: batches.nightly.capacity_provider_strategy[0].weight: must be between 0 and 1000",
				"ecsctl.yml:19:38: batches.nightly.capacity_provider_strategy[1].base: only one capacity provider may have a base above 0 (entry 0 has base 1)"},
		},
		{
			name: "empty file",
			yaml: "# nothing yet\n",
			want: []string{"ecsctl.yml:1:1: the file is empty"},
		},
		{
			name: "every problem at once",
			yaml: "cluster: shop\nimages:\n  web:\n    context: 3\n    repository: [web]\n    tags: latest\nservices:\n  web:\n    timeout: 30s\n",
			want: []string{"3 problems in ", "images.web.repository: expected a string, got a list",
				"images.web.tags: expected a list, got a string", "services.web.timeout: a rollout cannot finish in under a minute"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, tt.yaml)
			code, stdout, stderr := ecsctl(t, "--config", path, "validate")
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr: %s)", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout should be empty on failure, got %q", stdout)
			}
			rest := stderr
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stderr lacks %q (in order); stderr:\n%s", w, stderr)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

const batchDefaults = `batch_defaults:
  role: arn:aws:iam::123456789012:role/ecsEventsRole
  network:
    subnets: [subnet-0a1b2c3d4e5f60001]
`

func TestValidateExampleConfig(t *testing.T) {
	code, stdout, stderr := ecsctl(t, "--config", "../../examples/ecsctl.yml", "validate")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "is valid (offline): 2 images, 1 services, 1 batches") {
		t.Fatalf("unexpected result: %q", stdout)
	}
	code, stdout, _ = ecsctl(t, "--config", "../../examples/ecsctl.yml", "--output", "json", "validate")
	if code != 0 || !strings.Contains(stdout, `"valid": true`) {
		t.Fatalf("json result: code %d, %s", code, stdout)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"no-such-command"},
		{"validate", "--no-such-flag"},
		{"--output", "yaml", "version"},
		{"--config", filepath.Join(t.TempDir(), "missing.yml"), "validate"},
	} {
		code, _, stderr := ecsctl(t, args...)
		if code != 2 {
			t.Errorf("%v: exit code %d, want 2 (stderr %q)", args, code, stderr)
		}
		if !strings.HasPrefix(stderr, "ecsctl: ") {
			t.Errorf("%v: stderr should explain the problem, got %q", args, stderr)
		}
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	path := writeConfig(t, validBase)
	t.Setenv("ECSCTL_CONFIG", path)
	code, stdout, stderr := ecsctl(t, "validate")
	if code != 0 || !strings.Contains(stdout, "is valid") {
		t.Fatalf("ECSCTL_CONFIG not honoured: code %d, %s %s", code, stdout, stderr)
	}
}
