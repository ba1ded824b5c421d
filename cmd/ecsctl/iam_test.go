package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// The IAM policy documents of docs/iam are checked against what each
// command really calls: every command runs against the simulator (the
// trial's world), the request log is turned into IAM actions, and each
// policy must allow exactly the actions its command used — a missing one
// breaks the command, a superfluous one is not least privilege.
//
// Turning calls into actions:
//   - an API operation is the action of its name (ecs:UpdateService), except
//     S3's ListObjectsV2 (s3:ListBucket), HeadObject (s3:GetObject) and STS's
//     GetCallerIdentity (no permission needed);
//   - the registry calls a docker push and pull make are ECR's layer and
//     image actions (ecr:InitiateLayerUpload, ecr:BatchGetImage, ...);
//   - a call that hands a role to a service needs iam:PassRole for that
//     service: task definitions with roles (ecs-tasks), rule targets
//     (events), schedule targets (scheduler), RunTask (ecs-tasks);
//   - creating with tags needs the service's TagResource.
//
// S3, SSM and KMS calls are the config's lookups (docs/iam/lookups.json),
// which every command makes when ecsctl.yml uses them.
//
// A statement whose Sid starts with "NotInSimulator" lists actions the
// simulator cannot show being needed (kms:Decrypt of a SecureString under a
// customer managed key); they are exempt from the superfluous check only.

// registryActions maps the simulator's registry operations to ECR's IAM actions.
var registryActions = map[string][]string{
	"Ping":           nil,
	"GetManifest":    {"ecr:BatchGetImage"},
	"HeadManifest":   {"ecr:BatchGetImage"},
	"PutManifest":    {"ecr:PutImage"},
	"DeleteManifest": {"ecr:BatchDeleteImage"},
	"ListTags":       {"ecr:ListImages"},
	"StartUpload":    {"ecr:InitiateLayerUpload"},
	"MountBlob":      {"ecr:InitiateLayerUpload", "ecr:GetDownloadUrlForLayer"},
	"GetUpload":      {"ecr:UploadLayerPart"},
	"PatchUpload":    {"ecr:UploadLayerPart"},
	"PutBlob":        {"ecr:CompleteLayerUpload"},
	"CancelUpload":   {"ecr:UploadLayerPart"},
	"GetBlob":        {"ecr:GetDownloadUrlForLayer"},
	"HeadBlob":       {"ecr:BatchCheckLayerAvailability"},
}

// iamActions returns the IAM actions one logged call needs.
func iamActions(t *testing.T, r awssim.Request) []string {
	t.Helper()
	if r.Service == "registry" {
		acts, ok := registryActions[r.Operation]
		if !ok {
			t.Fatalf("registry operation %q has no IAM mapping; add it to registryActions", r.Operation)
		}
		return acts
	}
	var params map[string]any
	_ = json.Unmarshal(r.Params, &params)
	has := func(keys ...string) bool {
		for _, k := range keys {
			switch v := params[k].(type) {
			case string:
				if v != "" {
					return true
				}
			case []any:
				if len(v) > 0 {
					return true
				}
			case map[string]any:
				if len(v) > 0 {
					return true
				}
			}
		}
		return false
	}
	prefix := r.Service
	switch r.Service {
	case "sts":
		if r.Operation == "GetCallerIdentity" {
			return nil
		}
	case "s3":
		switch r.Operation {
		case "ListObjectsV2", "ListObjects":
			return []string{"s3:ListBucket"}
		case "HeadObject":
			return []string{"s3:GetObject"}
		}
	}
	acts := []string{prefix + ":" + r.Operation}
	switch r.Service + ":" + r.Operation {
	case "ecs:RegisterTaskDefinition":
		if has("taskRoleArn", "executionRoleArn") {
			acts = append(acts, "iam:PassRole@ecs-tasks.amazonaws.com")
		}
		if has("tags") {
			acts = append(acts, "ecs:TagResource")
		}
	case "ecs:RunTask":
		// The task definitions of this world have a task and an execution role.
		acts = append(acts, "iam:PassRole@ecs-tasks.amazonaws.com")
		if has("tags") {
			acts = append(acts, "ecs:TagResource")
		}
	case "events:PutTargets":
		if targets, ok := params["Targets"].([]any); ok {
			for _, tg := range targets {
				if m, ok := tg.(map[string]any); ok && m["RoleArn"] != nil {
					acts = append(acts, "iam:PassRole@events.amazonaws.com")
				}
			}
		}
	case "events:PutRule":
		if has("Tags") {
			acts = append(acts, "events:TagResource")
		}
	case "scheduler:CreateSchedule", "scheduler:UpdateSchedule":
		if tg, ok := params["Target"].(map[string]any); ok && tg["RoleArn"] != nil {
			acts = append(acts, "iam:PassRole@scheduler.amazonaws.com")
		}
	case "scheduler:CreateScheduleGroup":
		if has("Tags") {
			acts = append(acts, "scheduler:TagResource")
		}
	case "ecr:CreateRepository":
		if has("tags") {
			acts = append(acts, "ecr:TagResource")
		}
	}
	return acts
}

// policy is an IAM policy document as docs/iam holds them.
type policy struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Action    any // a string or a list
		Resource  any
		Condition map[string]map[string]any
	}
}

// actions returns what a policy allows, with iam:PassRole qualified by the
// services it may pass roles to (iam:PassRole@events.amazonaws.com), and
// the actions of NotInSimulator statements apart.
func (p policy) actions(t *testing.T, name string) (checked, unobservable map[string]bool) {
	t.Helper()
	checked, unobservable = map[string]bool{}, map[string]bool{}
	if p.Version != "2012-10-17" {
		t.Errorf("%s: Version %q, want 2012-10-17", name, p.Version)
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			t.Errorf("%s: statement %s is not Allow", name, st.Sid)
		}
		var list []string
		switch a := st.Action.(type) {
		case string:
			list = []string{a}
		case []any:
			for _, x := range a {
				list = append(list, fmt.Sprint(x))
			}
		}
		into := checked
		if strings.HasPrefix(st.Sid, "NotInSimulator") {
			into = unobservable
		}
		for _, a := range list {
			if a != "iam:PassRole" {
				into[a] = true
				continue
			}
			var services []string
			switch v := st.Condition["StringEquals"]["iam:PassedToService"].(type) {
			case string:
				services = []string{v}
			case []any:
				for _, x := range v {
					services = append(services, fmt.Sprint(x))
				}
			}
			if len(services) == 0 {
				t.Errorf("%s: iam:PassRole without an iam:PassedToService condition passes roles to anything", name)
			}
			for _, s := range services {
				into["iam:PassRole@"+s] = true
			}
		}
	}
	return checked, unobservable
}

func readPolicy(t *testing.T, name string) policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs/iam", name+".json"))
	if err != nil {
		t.Fatalf("policy for %s: %v", name, err)
	}
	var p policy
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("docs/iam/%s.json: %v", name, err)
	}
	return p
}

// iamRun collects the actions of the commands it runs, per policy.
type iamRun struct {
	t        *testing.T
	w        *shipWorld
	observed map[string]map[string]string // policy -> action -> the command that needed it
}

// run runs ecsctl with args, expecting exit code want, and files the
// actions it used under policy (lookups under "lookups").
func (r *iamRun) run(policy string, want int, args ...string) string {
	r.t.Helper()
	r.w.srv.ResetRequests()
	code, stdout, stderr := r.w.run(args...)
	if code != want {
		r.t.Fatalf("ecsctl %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, stderr)
	}
	for _, req := range r.w.srv.Requests() {
		if req.Status == 0 {
			continue // a connection reset: never reached the service
		}
		for _, a := range iamActions(r.t, req) {
			p := policy
			if req.Service == "s3" || req.Service == "ssm" || req.Service == "kms" {
				p = "lookups"
			}
			if r.observed[p] == nil {
				r.observed[p] = map[string]string{}
			}
			if _, ok := r.observed[p][a]; !ok {
				r.observed[p][a] = "ecsctl " + strings.Join(args, " ")
			}
		}
	}
	return stdout
}

func (r *iamRun) writeConfig(content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.w.dir, "ecsctl.yml"), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// ruleBatch adds batches on EventBridge rules to the trial's config, so
// batch schedule creates both kinds, one following the service and one
// naming a task definition.
const ruleBatch = `  cleanup:
    schedule: rate(1 day)
    service: web
    role: arn:aws:iam::123456789012:role/ecsEventsRole
    overrides:
      app:
        command: [/app, cleanup]
  weekly:
    schedule: cron(0 4 ? * SUN *)
    task_definition: web
    role: arn:aws:iam::123456789012:role/ecsEventsRole
`

func TestIAMPolicies(t *testing.T) {
	w := newShipWorld(t)
	r := &iamRun{t: t, w: w, observed: map[string]map[string]string{}}
	base, err := os.ReadFile(filepath.Join(w.dir, "ecsctl.yml"))
	if err != nil {
		t.Fatal(err)
	}
	withRule := string(base) + ruleBatch
	r.writeConfig(withRule)

	// validate --remote, and the lookups it resolves, found and missing
	// (missing ones list what exists nearby).
	r.run("validate", 0, "validate", "--remote")
	r.writeConfig(strings.Replace(withRule, "key: ecs/terraform.tfstate", "key: ecs/terraform.tfstat", 1))
	r.run("validate", 2, "validate", "--remote")
	r.writeConfig(strings.Replace(withRule, "/example/batch/events_role_arn", "/example/batch/events_role", 1))
	r.run("validate", 2, "validate", "--remote")
	r.writeConfig(withRule)

	// build, creating a repository that is missing (needs Docker).
	built := false
	t.Run("build", func(t *testing.T) {
		w.withProject(t)
		if _, err := ecr.NewFromConfig(w.srv.AWSConfig()).DeleteRepository(context.Background(), &ecr.DeleteRepositoryInput{
			RepositoryName: aws.String("app"), Force: true}); err != nil {
			t.Fatal(err)
		}
		// app builds on a base image in ECR the engine does not have, so
		// ecsctl pulls it; Docker has credentials for the registry, as
		// `docker login` or the ECR credential helper leave them.
		if _, err := w.srv.SeedImage("base", "1", map[string]string{"/etc/base-release": "1\n"}); err != nil {
			t.Fatal(err)
		}
		dockerfile := "FROM " + w.srv.Host() + "/base:1\nCOPY bin/app /app\nCMD [\"/app\", \"serve\"]\n"
		if err := os.WriteFile(filepath.Join(w.dir, "app", "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			t.Fatal(err)
		}
		tok, err := ecr.NewFromConfig(w.srv.AWSConfig()).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
		if err != nil {
			t.Fatal(err)
		}
		creds, _ := json.Marshal(map[string]any{"auths": map[string]any{w.srv.Host(): map[string]string{"auth": aws.ToString(tok.AuthorizationData[0].AuthorizationToken)}}})
		if err := os.MkdirAll(os.Getenv("DOCKER_CONFIG"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json"), creds, 0o600); err != nil {
			t.Fatal(err)
		}
		w.srv.ResetRequests() // the seeding and the token above are the test's
		sub := *r             // same observations, this subtest's failures
		sub.t = t
		sub.run("build", 0, "build", "--create-repositories")
		built = true
	})
	if !built {
		// Without Docker (outside CI): deploy seeded images instead.
		var defs []map[string]string
		for _, name := range []string{"web", "app"} {
			d, err := w.srv.SeedImage(name, "v2", map[string]string{"/v2": name})
			if err != nil {
				t.Fatal(err)
			}
			defs = append(defs, map[string]string{"name": name, "imageUri": w.srv.Host() + "/" + name + "@" + d})
		}
		data, _ := json.Marshal(defs)
		if err := os.WriteFile(filepath.Join(w.dir, "imagedefinitions.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	r.run("batch-schedule", 0, "batch", "schedule")
	r.run("init", 0, "init", "--cluster", "example", "--service", "web", "--output-file", "-")
	// deploy: success (repointing the batches that follow the service), a
	// failed rollout rolled back, pruning old revisions, reattaching.
	r.run("deploy", 0, "deploy", "--all", "--poll-interval", "10ms")
	r.run("deploy", 3, "deploy", "--service", "web", "--image", "web="+w.srv.Host()+"/web:broken", "--poll-interval", "10ms")
	r.run("deploy", 0, "deploy", "--all", "--force-new-deployment", "--keep-revisions", "1", "--poll-interval", "10ms")
	r.run("deploy", 0, "deploy", "wait", "--all", "--poll-interval", "10ms")
	r.run("batch-list", 0, "batch", "list")
	r.run("batch-run", 0, "batch", "run", "--poll-interval", "10ms", "nightly-report")
	// batch schedule again: an update, and --prune deleting the rule batch.
	r.writeConfig(strings.Replace(string(base), "schedule: cron(0 3 * * ? *)", "schedule: cron(30 3 * * ? *)", 1))
	r.run("batch-schedule", 0, "batch", "schedule", "--prune")
	r.run("batch-delete", 0, "batch", "delete", "nightly-report")

	names := []string{"validate", "init", "batch-schedule", "deploy", "batch-list", "batch-run", "batch-delete", "lookups"}
	if built {
		names = append(names, "build")
	}
	for _, name := range names {
		allowed, unobservable := readPolicy(t, name).actions(t, name)
		used := r.observed[name]
		var missing, extra []string
		for a, cmd := range used {
			if !allowed[a] && !unobservable[a] {
				missing = append(missing, a+" (used by "+cmd+")")
			}
		}
		for a := range allowed {
			if _, ok := used[a]; !ok {
				extra = append(extra, a)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("docs/iam/%s.json lacks:\n  %s", name, strings.Join(missing, "\n  "))
		}
		if len(extra) > 0 {
			t.Errorf("docs/iam/%s.json allows what its command never called (not least privilege):\n  %s", name, strings.Join(extra, "\n  "))
		}
	}
}
