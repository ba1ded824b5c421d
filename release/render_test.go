package release

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs from the golden file (-want +got; go test -update rewrites it):\n%s", name, d)
	}
}

// wireECS is an ECS client on the real SDK whose HTTP client answers
// DescribeTaskDefinition with a fixture and records every request body.
type wireECS struct {
	describe []byte
	bodies   map[string][]byte // operation -> last request body
}

func (w *wireECS) Do(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.")
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	w.bodies[op] = b
	answer := []byte("{}")
	switch op {
	case "DescribeTaskDefinition":
		answer = w.describe
	case "RegisterTaskDefinition":
		answer = []byte(`{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:43","family":"web","revision":43}}`)
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body:       io.NopCloser(bytes.NewReader(answer)),
		Request:    r,
	}, nil
}

func newWireECS(t *testing.T, fixture string) (*ecs.Client, *wireECS) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	w := &wireECS{describe: b, bodies: map[string][]byte{}}
	return ecs.New(ecs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://ecs.invalid"),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   w,
		Retryer:      aws.NopRetryer{},
	}), w
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// TestRenderRichTaskDefinitionLosesNothing sends a rich task definition
// through the real SDK both ways (DescribeTaskDefinition's answer in,
// RegisterTaskDefinition's request out) and checks that the request is the
// task definition minus its read-only fields, with the tags and only the
// named containers' images changed.
func TestRenderRichTaskDefinitionLosesNothing(t *testing.T) {
	client, wire := newWireECS(t, "taskdef-rich.json")
	ctx := context.Background()
	out, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String("web"),
		Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]string{
		"web": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"app": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	}
	rev, err := render(out.TaskDefinition, out.Tags, images)
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.dropped) > 0 {
		t.Errorf("fields dropped: %v", rev.dropped)
	}
	if len(rev.changes) != 2 || rev.changes[0].Container != "web" || rev.changes[1].Container != "app" {
		t.Errorf("changes = %+v, want web then app", rev.changes)
	}
	if _, err := client.RegisterTaskDefinition(ctx, rev.input); err != nil {
		t.Fatal(err)
	}

	// What ECS should receive: the fixture minus read-only fields, the new
	// images, and the tags that are not AWS's own.
	fixture := decodeJSON(t, wire.describe).(map[string]any)
	want := fixture["taskDefinition"].(map[string]any)
	for _, k := range []string{"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"} {
		delete(want, k)
	}
	for _, c := range want["containerDefinitions"].([]any) {
		c := c.(map[string]any)
		if uri, ok := images[c["name"].(string)]; ok {
			c["image"] = uri
		}
	}
	var tags []any
	for _, tg := range fixture["tags"].([]any) {
		if !strings.HasPrefix(tg.(map[string]any)["key"].(string), "aws:") {
			tags = append(tags, tg)
		}
	}
	want["tags"] = tags
	got := decodeJSON(t, wire.bodies["RegisterTaskDefinition"])
	if d := cmp.Diff(any(want), got); d != "" {
		t.Errorf("RegisterTaskDefinition request differs from the task definition (-want +got):\n%s", d)
	}
	pretty, err := indentJSON(wire.bodies["RegisterTaskDefinition"])
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "register-rich.golden.json", pretty)

	// The rendering must not have modified what it was given.
	if aws.ToString(out.TaskDefinition.ContainerDefinitions[0].Image) == images["web"] {
		t.Error("render changed the image of the task definition it read")
	}
}

// TestRegisterInputCoversTaskDefinition fails when the SDK's TaskDefinition
// gains a field that is neither copied to RegisterTaskDefinitionInput (same
// name and type) nor known to be read-only, or the input gains one the task
// definition lacks: decide, then update readOnlyFields or inputOnlyFields.
func TestRegisterInputCoversTaskDefinition(t *testing.T) {
	td := reflect.TypeOf(types.TaskDefinition{})
	in := reflect.TypeOf(ecs.RegisterTaskDefinitionInput{})
	copied := 0
	for i := 0; i < td.NumField(); i++ {
		f := td.Field(i)
		if !f.IsExported() {
			continue
		}
		g, ok := in.FieldByName(f.Name)
		switch {
		case readOnlyFields[f.Name]:
			if ok {
				t.Errorf("TaskDefinition.%s is listed read-only but RegisterTaskDefinitionInput takes it now: copy it", f.Name)
			}
		case !ok:
			t.Errorf("TaskDefinition.%s is new to ecsctl: RegisterTaskDefinitionInput lacks it; if it is read-only add it to readOnlyFields, else carry it over", f.Name)
		case g.Type != f.Type:
			t.Errorf("TaskDefinition.%s is %s but RegisterTaskDefinitionInput.%s is %s: copy it by hand", f.Name, f.Type, f.Name, g.Type)
		default:
			copied++
		}
	}
	for name := range readOnlyFields {
		if _, ok := td.FieldByName(name); !ok {
			t.Errorf("readOnlyFields lists %s, which TaskDefinition no longer has", name)
		}
	}
	for i := 0; i < in.NumField(); i++ {
		f := in.Field(i)
		if !f.IsExported() || inputOnlyFields[f.Name] {
			continue
		}
		if _, ok := td.FieldByName(f.Name); !ok {
			t.Errorf("RegisterTaskDefinitionInput.%s is new to ecsctl and DescribeTaskDefinition does not return it: decide where its value comes from", f.Name)
		}
	}
	if copied < 15 {
		t.Errorf("only %d fields copied; the reflection walk is broken", copied)
	}
}

func TestRenderUnknownContainer(t *testing.T) {
	td := &types.TaskDefinition{
		TaskDefinitionArn:    aws.String("arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("web:1")}, {Name: aws.String("app"), Image: aws.String("app:1")}},
	}
	_, err := render(td, nil, map[string]string{"web": "web:2", "wbe": "x", "worker": "y"})
	uc, ok := err.(*UnknownContainerError)
	if !ok {
		t.Fatalf("err = %v, want *UnknownContainerError", err)
	}
	if !reflect.DeepEqual(uc.Unknown, []string{"wbe", "worker"}) || !reflect.DeepEqual(uc.Have, []string{"web", "app"}) {
		t.Errorf("unknown %v have %v", uc.Unknown, uc.Have)
	}
	for _, s := range []string{`"wbe"`, `"worker"`, `it has "web", "app"`, "web:7"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %s", err, s)
		}
	}
}

func TestRenderSameImagesChangesNothing(t *testing.T) {
	td := &types.TaskDefinition{
		Family:               aws.String("web"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("web:1")}},
	}
	rev, err := render(td, nil, map[string]string{"web": "web:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.changes) != 0 {
		t.Errorf("changes = %v, want none", rev.changes)
	}
}

func TestDryRunDiffShowsOnlyImages(t *testing.T) {
	client, _ := newWireECS(t, "taskdef-rich.json")
	out, err := client.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]string{"app": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	rev, err := render(out.TaskDefinition, out.Tags, images)
	if err != nil {
		t.Fatal(err)
	}
	p := &servicePlan{current: aws.ToString(out.TaskDefinition.TaskDefinitionArn), td: out.TaskDefinition, tags: out.Tags, images: images, rev: rev}
	r := &ServiceResult{}
	if err := planDryRun(p, r); err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, l := range strings.Split(r.Diff, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			changed = append(changed, l)
		}
	}
	if len(changed) != 2 || !strings.Contains(changed[0], "app@sha256:2222") || !strings.Contains(changed[1], "app@sha256:bbbb") {
		t.Errorf("diff changes %q, want the app image line out and in", changed)
	}
	golden(t, "dry-run-rich.diff", r.Diff)
}

func TestMaskedJSONHidesLikelySecrets(t *testing.T) {
	in := &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("app:1"),
			Environment: []types.KeyValuePair{
				{Name: aws.String("GITHUB_TOKEN"), Value: aws.String("ghp_abcdefghijklmnop")},
				{Name: aws.String("db_password"), Value: aws.String("hunter2")},
				{Name: aws.String("LOG_LEVEL"), Value: aws.String("debug")},
			},
		}},
	}
	s, err := maskedJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ghp_abcdefghijklmnop", "hunter2"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q printed", secret)
		}
	}
	for _, want := range []string{`"(sensitive, 20 characters)"`, `"(sensitive, 7 characters)"`, `"debug"`, `"GITHUB_TOKEN"`} {
		if !strings.Contains(s, want) {
			t.Errorf("masked JSON lacks %s:\n%s", want, s)
		}
	}
}
