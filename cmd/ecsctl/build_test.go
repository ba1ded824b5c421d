package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsctl/ecsctl/imagedefs"
	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// buildProject copies the example project of the build package, with its
// web binary compiled, into a temporary directory, points ecsctl at the
// simulator and returns the config path.
func buildProject(t *testing.T) (string, *awssim.Server) {
	t.Helper()
	engine := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, engine)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../build/testdata/project")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../build/testdata/project/web/main.go")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(dockertest.StaticBinary(t, string(src)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web", "hello"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := awssim.NewTestServer(t)
	dockertest.RemoveImagesAfter(t, engine, srv.Host()+"/*")
	useSimulator(t, srv)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
	t.Setenv("BASE", base)
	t.Setenv("CODEBUILD_RESOLVED_SOURCE_VERSION", "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00")
	return filepath.Join(dir, "ecsctl.yml"), srv
}

type buildOutput struct {
	Revision struct{ ID, Source string }
	Images   []struct {
		Name, Status, Repository, Digest, ImageURI, ContentKey string
		Tags                                                   []string
	}
	ImageDefinitions string
}

// TestBuildCommand runs `ecsctl build` as a pipeline would: JSON result on
// stdout, plain prefixed progress on stderr, no secret anywhere, nothing
// written to the Docker config; the second run skips both images.
func TestBuildCommand(t *testing.T) {
	cfgPath, srv := buildProject(t)
	code, stdout, stderr := ecsctl(t, "--config", cfgPath, "--output", "json", "build", "--create-repositories", "--tag", "release-1")
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
	}
	var out buildOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not the JSON result: %v\n%s", err, stdout)
	}
	if out.Revision.Source != "codebuild" || len(out.Images) != 2 {
		t.Fatalf("result %+v", out)
	}
	for _, im := range out.Images {
		if im.Status != "built" || im.ImageURI != im.Repository+"@"+im.Digest || im.Repository != srv.Host()+"/"+im.Name ||
			strings.Join(im.Tags, ",") != "c0ffee00c0ff,release-1" || !strings.HasPrefix(im.ContentKey, "sha256:") {
			t.Errorf("image %+v", im)
		}
	}
	defs, err := imagedefs.ReadFile(out.ImageDefinitions)
	if err != nil || len(defs) != 3 {
		t.Fatalf("imagedefinitions.json: %+v %v", defs, err)
	}
	if testing.Verbose() {
		t.Logf("stderr:\n%s\nstdout:\n%s", stderr, stdout)
	}
	// CI progress: timestamped lines prefixed with the image.
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[app\] #\d+ \[build 4/4\] RUN --mount=type=cache`).MatchString(stderr) ||
		!regexp.MustCompile(`(?m)^\S+ \[web\] `).MatchString(stderr) {
		t.Errorf("stderr lacks prefixed progress lines:\n%s", stderr)
	}
	// No registry password (the simulator issues "sim" + hex) nor token
	// (base64 of "AWS:sim...") shows, and nothing went to disk for Docker.
	if regexp.MustCompile(`sim[0-9a-f]{40,}|QVdTOnNpb`).MatchString(stdout + stderr) {
		t.Errorf("output shows a registry password or token:\n%s\n%s", stdout, stderr)
	}
	if _, err := os.Stat(os.Getenv("DOCKER_CONFIG")); err == nil {
		t.Errorf("%s was created: credentials must not be written to disk", os.Getenv("DOCKER_CONFIG"))
	}

	code, stdout, stderr = ecsctl(t, "--config", cfgPath, "--output", "json", "build", "--tag", "release-1")
	if code != 0 {
		t.Fatalf("second run: exit code %d\n%s", code, stderr)
	}
	out = buildOutput{}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	for _, im := range out.Images {
		if im.Status != "skipped" {
			t.Errorf("second run: %s is %s, want skipped", im.Name, im.Status)
		}
	}

	// Text output: one line per image, then the files written.
	code, stdout, _ = ecsctl(t, "--config", cfgPath, "build", "--image", "web", "--tag", "release-1")
	if code != 0 || !regexp.MustCompile(`^web  skipped  \S+/web@sha256:[0-9a-f]{64}  tags: c0ffee00c0ff, release-1\nwrote \S+imagedefinitions.json\n`).MatchString(stdout) {
		t.Errorf("text result (exit %d):\n%s", code, stdout)
	}
}

func TestBuildCommandErrors(t *testing.T) {
	cfgPath, srv := buildProject(t)

	code, stdout, stderr := ecsctl(t, "--config", cfgPath, "build", "--image", "nope")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `ecsctl: no image named "nope"`) {
		t.Errorf("unknown image: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, _, stderr = ecsctl(t, "--config", cfgPath, "build")
	if code != 2 || !strings.Contains(stderr, `ECR repository "web" does not exist`) || !strings.Contains(stderr, `ECR repository "app" does not exist`) {
		t.Errorf("missing repositories: exit %d, stderr:\n%s", code, stderr)
	}

	// A failed build: the JSON result still says what became of each image.
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfgPath), "app", "Dockerfile"), []byte("FROM scratch\nRUNN x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = ecsctl(t, "--config", cfgPath, "--output", "json", "build", "--create-repositories")
	var out buildOutput
	if code != 1 || json.Unmarshal([]byte(stdout), &out) != nil || !strings.Contains(stderr, "ecsctl: image app: app/Dockerfile:2: invalid Dockerfile: unknown instruction: RUNN") {
		t.Errorf("failed build: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, im := range out.Images {
		if want := map[string]string{"web": "built", "app": "failed"}[im.Name]; im.Status != want {
			t.Errorf("%s is %s, want %s", im.Name, im.Status, want)
		}
	}

	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "dead.sock"))
	srv.ResetRequests()
	code, _, stderr = ecsctl(t, "--config", cfgPath, "build", "--create-repositories")
	if code != 1 || !strings.Contains(stderr, "ecsctl: the Docker engine is unreachable") || !strings.Contains(stderr, "dead.sock") {
		t.Errorf("dead engine: exit %d, stderr:\n%s", code, stderr)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("AWS writes with the engine unreachable: %+v", w)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfgPath), "imagedefinitions.json")); err == nil {
		t.Error("imagedefinitions.json written by a failed run")
	}
}
