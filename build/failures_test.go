package build

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/imagedefs"
	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// unique returns text no earlier build has seen, so the engine cannot
// answer from its cache.
func unique(prefix string) string {
	return fmt.Sprintf("%s %d\n", prefix, time.Now().UnixNano())
}

// previousDefs writes an imagedefinitions.json a failed run must leave alone.
const previousDefs = "[\n  {\"name\": \"web\", \"imageUri\": \"example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n]\n"

// failure checks what every failure case shares: the message names what
// failed, the exit code, no imagedefinitions.json beyond the previous one,
// no imageDetail.json.
func (f *fixture) failure(err error, code int, want ...string) {
	f.t.Helper()
	if err == nil {
		f.t.Fatal("the build succeeded")
	}
	if testing.Verbose() {
		f.t.Logf("error (exit code %d):\n%v", exitcode.Of(err), err)
	}
	if got := exitcode.Of(err); got != code {
		f.t.Errorf("exit code %d, want %d (error: %v)", got, code, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			f.t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if got, _ := os.ReadFile(f.defsPath()); string(got) != previousDefs {
		f.t.Errorf("imagedefinitions.json changed:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(f.dir, DetailDir)); err == nil {
		f.t.Error("imageDetail.json files were written")
	}
	if f.t.Failed() {
		f.t.Logf("progress:\n%s", strings.Join(f.rec.Events(), "\n"))
	}
}

// withPrevious leaves only an earlier imagedefinitions.json behind.
func (f *fixture) withPrevious() *fixture {
	f.write(imagedefs.FileName, previousDefs)
	if err := os.RemoveAll(filepath.Join(f.dir, DetailDir)); err != nil {
		f.t.Fatal(err)
	}
	return f
}

func TestBuildFailsOnDockerfileSyntax(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	f.write("web/Dockerfile", "FROM scratch\nCOPY hello /hello\nRUNN echo "+unique("x"))
	_, err := f.run(nil)
	f.failure(err, exitcode.Failed, "image web: web/Dockerfile:3: invalid Dockerfile: unknown instruction: RUNN", "   3 | RUNN echo")
	if f.srv.Count("ecr", "PutImage") != 0 && f.srv.Count("registry", "PutManifest") > 1 {
		t.Log("app went on and was pushed, as images do not stop each other")
	}
}

func TestBuildFailsOnRunStep(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	f.write("app/Dockerfile", "ARG BASE\nFROM ${BASE}\n"+
		"# "+unique("comment")+
		"RUN echo compiling; \\\n    echo 'main.go:3: undefined: frobnicate' >&2; \\\n    exit 2\n")
	_, err := f.run(func(o *Options) { o.Images = []string{"app"} })
	f.failure(err, exitcode.Failed,
		"image app: app/Dockerfile:4: RUN echo compiling;",
		"the command failed (exit code: 2)",
		"   4 | RUN echo compiling; \\",
		"   6 |     exit 2",
		"last output of the step:", "\n    compiling", "\n    main.go:3: undefined: frobnicate")
	if n := f.srv.Count("registry", "PutManifest"); n != 0 {
		t.Errorf("%d manifests pushed after a failed build", n)
	}
}

func TestBuildFailsOnMissingContext(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	f.write("ecsctl.yml", strings.Replace(mustRead(t, filepath.Join(f.dir, "ecsctl.yml")), "context: ./web", "context: ./webb", 1))
	f.srv.ResetRequests()
	_, err := f.run(nil)
	f.failure(err, exitcode.Usage, "images.web.context: build context "+filepath.Join(f.dir, "webb")+" does not exist")
	if r := f.srv.Requests(); len(r) != 0 {
		t.Errorf("bad input still called AWS: %+v", r)
	}
	if n := f.docker.builds.Load(); n != 0 {
		t.Errorf("bad input still started %d builds", n)
	}
}

func TestBuildFailsOnMissingDockerfile(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	if err := os.Remove(filepath.Join(f.dir, "app", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()
	_, err := f.run(nil)
	f.failure(err, exitcode.Usage, "images.app.dockerfile: Dockerfile "+filepath.Join(f.dir, "app", "Dockerfile")+" does not exist")
	if r := f.srv.Requests(); len(r) != 0 || f.docker.builds.Load() != 0 {
		t.Errorf("bad input still called AWS (%d calls) or the engine (%d builds)", len(r), f.docker.builds.Load())
	}
}

func TestUnknownImageAndBadFlags(t *testing.T) {
	f := newFixture(t).withPrevious()
	_, err := f.run(func(o *Options) { o.Images = []string{"web", "wbe"} })
	f.failure(err, exitcode.Usage, `no image named "wbe"`, "the images are web, app")
	_, err = f.run(func(o *Options) { o.Network = "bridge"; o.Tags = []string{"-bad"}; o.Concurrency = -1 })
	f.failure(err, exitcode.Usage, `--network "bridge" is not supported`, `--tag "-bad" is not a valid image tag`, "--concurrency must be 1 or more")
	// Outside git and CodeBuild there is no revision to tag with.
	f.rev = ""
	_, err = f.run(nil)
	f.failure(err, exitcode.Usage, "cannot tell the source revision", "is not in a git work tree")
	if len(f.srv.Requests()) != 0 || f.docker.builds.Load() != 0 {
		t.Error("bad flags still called AWS or the engine")
	}
}

// TestRepositoryNotFound: without --create-repositories a missing
// repository is bad input found before any build or write; with it the
// repository is created with immutable tags and scan on push.
func TestRepositoryNotFound(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web")
	f.srv.ResetRequests()
	_, err := f.run(nil)
	f.failure(err, exitcode.Usage, `images.app.repository: ECR repository "app" does not exist`, "--create-repositories")
	if w := f.srv.Writes(); len(w) != 0 || f.docker.builds.Load() != 0 {
		t.Errorf("a missing repository still led to %d writes and %d builds", len(w), f.docker.builds.Load())
	}

	res := f.mustRun(func(o *Options) { o.CreateRepositories = true })
	out, err := f.ecr.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Repositories[0]
	if r.ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable || !r.ImageScanningConfiguration.ScanOnPush {
		t.Errorf("created repository: mutability %s, scan on push %v", r.ImageTagMutability, r.ImageScanningConfiguration.ScanOnPush)
	}
	f.checkDefinitions(res)
}

// expiringECR is the real client; the registry password it hands out has
// expired by the time it is used (the simulator's clock jumps 13 hours).
type expiringECR struct {
	*ecr.Client
	clock *awssim.ManualClock
	token *string // the token handed out, to check it never shows
}

func (e expiringECR) GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, opts ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	out, err := e.Client.GetAuthorizationToken(ctx, in, opts...)
	if err == nil {
		*e.token = aws.ToString(out.AuthorizationData[0].AuthorizationToken)
	}
	e.clock.Advance(13 * time.Hour)
	return out, err
}

func TestRegistryAuthRefused(t *testing.T) {
	clock := awssim.NewManualClock(time.Now())
	f := newFixture(t, awssim.WithClock(clock)).withPrevious()
	f.createRepos("web", "app")
	f.write("web/static/index.html", unique("<p>"))
	var token string
	_, err := f.run(func(o *Options) {
		o.Images = []string{"web"}
		o.ECR = expiringECR{Client: f.ecr, clock: clock, token: &token}
	})
	f.failure(err, exitcode.Failed, "image web: push "+f.srv.Host()+"/web:"+revA[:12], "the registry refused the credentials")
	// Neither the token nor the password in it shows anywhere.
	raw, _ := base64.StdEncoding.DecodeString(token)
	_, password, _ := strings.Cut(string(raw), ":")
	shown := err.Error() + strings.Join(f.rec.Events(), "\n")
	if token == "" || password == "" || strings.Contains(shown, token) || strings.Contains(shown, password) {
		t.Errorf("the token (%d bytes) was not handed out, or shows in the error or progress", len(token))
	}
}

func TestRegistryUnreachableMidPush(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	f.write("web/static/index.html", unique("<p>"))
	// The layers go up; the connection drops when the manifest is put.
	f.srv.AddFault(awssim.Fault{Service: "registry", Operation: "PutManifest", Reset: 1})
	_, err := f.run(func(o *Options) { o.Images = []string{"web"} })
	f.failure(err, exitcode.Failed, "image web: push "+f.srv.Host()+"/web:"+revA[:12], "the registry could not be reached")
	if f.srv.Count("registry", "PatchUpload")+f.srv.Count("registry", "PutBlob") == 0 {
		t.Error("no layer was uploaded: the failure was not mid-push")
	}
	if n := f.srv.Count("ecr", "PutImage"); n != 0 {
		t.Errorf("%d tags were put after a failed push", n)
	}
}

func TestDaemonUnreachable(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("web", "app")
	dead, err := client.New(client.WithHost("unix://"+filepath.Join(t.TempDir(), "no-docker.sock")), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()
	_, err = f.run(func(o *Options) { o.Docker = dead })
	f.failure(err, exitcode.Failed, "the Docker engine is unreachable", "no-docker.sock", "DOCKER_HOST")
	var ee *EngineError
	if !errors.As(err, &ee) {
		t.Errorf("err is %T, want an EngineError", err)
	}
	if len(f.srv.Requests()) != 0 {
		t.Error("AWS was called though the engine is unreachable")
	}
}

// TestNoPush builds without AWS: no call, no push, no file; an explicit
// platform equal to the engine's gives the same content key.
func TestNoPush(t *testing.T) {
	f := newFixture(t)
	res := f.mustRun(func(o *Options) { o.NoPush = true; o.ECR = nil; o.Images = []string{"web"} })
	im := res.Images[0]
	if im.Status != Built || im.Repository != "web" || im.Digest != "" || im.ImageID == "" {
		t.Errorf("no-push result %+v", im)
	}
	if len(f.srv.Requests()) != 0 {
		t.Errorf("--no-push called AWS: %+v", f.srv.Requests())
	}
	if _, err := os.Stat(f.defsPath()); err == nil {
		t.Error("--no-push wrote imagedefinitions.json")
	}
	if _, err := f.engine.ImageInspect(context.Background(), "web:"+revA[:12]); err != nil {
		t.Errorf("the local image web:%s is missing: %v", revA[:12], err)
	}
	again := f.mustRun(func(o *Options) { o.NoPush = true; o.ECR = nil; o.Images = []string{"web"}; o.Platform = "linux/amd64" })
	if again.Images[0].ContentKey != im.ContentKey {
		t.Errorf("--platform linux/amd64 on a linux/amd64 engine changed the key")
	}
	var out strings.Builder
	if err := res.WriteText(&out); err != nil || !strings.Contains(out.String(), "web  built    web:"+revA[:12]) {
		t.Errorf("text result %q (%v)", out.String(), err)
	}

	// target: picks the stage; it is part of the key.
	f.write("ecsctl.yml", strings.Replace(mustRead(t, filepath.Join(f.dir, "ecsctl.yml")), "    repository: app\n", "    repository: app\n    target: build\n", 1))
	res = f.mustRun(func(o *Options) { o.NoPush = true; o.ECR = nil; o.Images = []string{"app"} })
	insp, err := f.engine.ImageInspect(context.Background(), res.Images[0].ImageID)
	if err != nil {
		t.Fatal(err)
	}
	if insp.Config.WorkingDir != "/src" || strings.Join(insp.Config.Cmd, " ") == "cat /message.txt" {
		t.Errorf("target build: workdir %q, cmd %v: not the build stage", insp.Config.WorkingDir, insp.Config.Cmd)
	}
}

// TestOtherRegistry pushes an image named by registry: (not an ECR
// repository) with the user's Docker credentials, read from DOCKER_CONFIG;
// wrong credentials are refused with a clear message.
func TestOtherRegistry(t *testing.T) {
	f := newFixture(t).withPrevious()
	f.createRepos("ext")
	ref := f.srv.Host() + "/ext"
	f.write("ecsctl.yml", "cluster: example\nregion: us-east-1\nbuild: {network: none}\nimages:\n  web:\n    context: ./web\n    registry: "+ref+"\n    tags: [stable]\n")
	f.write("web/static/index.html", unique("<p>"))
	user, password := f.srv.RegistryAuth()
	dockerConfig := t.TempDir()
	writeDockerConfig := func(pw string) {
		b, _ := json.Marshal(map[string]any{"auths": map[string]any{f.srv.Host(): map[string]string{"auth": b64(user + ":" + pw)}}})
		if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := func(o *Options) {
		get := o.Getenv
		o.Getenv = func(k string) string {
			if k == "DOCKER_CONFIG" {
				return dockerConfig
			}
			return get(k)
		}
		o.ECR = nil
	}

	writeDockerConfig("wrong")
	_, err := f.run(env)
	f.failure(err, exitcode.Failed, "image web: push "+ref+":"+revA[:12], "the registry refused the credentials Docker has for it: run docker login "+f.srv.Host())

	writeDockerConfig(password)
	res := f.mustRun(env)
	im := res.Images[0]
	if im.Status != Built || im.Repository != ref || im.ImageURI != ref+"@"+im.Digest {
		t.Fatalf("result %+v", im)
	}
	for _, tag := range []string{revA[:12], "stable"} {
		if got := f.registryDigest("ext", tag); got != im.Digest {
			t.Errorf("tag %s names %s, want %s", tag, got, im.Digest)
		}
	}
	defs, err := imagedefs.ReadFile(f.defsPath())
	if err != nil || len(defs) != 1 || defs[0].ImageURI != im.ImageURI {
		t.Errorf("imagedefinitions.json = %+v, %v", defs, err)
	}
	// One image: imageDetail.json beside imagedefinitions.json too.
	if d, err := imagedefs.ReadDetailFile(filepath.Join(f.dir, imagedefs.DetailFileName)); err != nil || d.ImageURI != im.ImageURI {
		t.Errorf("imageDetail.json = %+v, %v", d, err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImmutableTagConflict: an extra tag that already names another image
// in a repository with immutable tags cannot move; that is found before
// any build or write, and said plainly.
func TestImmutableTagConflict(t *testing.T) {
	f := newFixture(t)
	f.createRepos("web")
	f.write("web/static/index.html", unique("<p>"))
	first := f.mustRun(func(o *Options) { o.Images = []string{"web"}; o.Tags = []string{"release-1"} })
	f.withPrevious()

	f.rev = revB
	f.write("web/static/index.html", unique("<p>"))
	f.srv.ResetRequests()
	builds := f.docker.builds.Load()
	_, err := f.run(func(o *Options) { o.Images = []string{"web"}; o.Tags = []string{"release-1"} })
	f.failure(err, exitcode.Usage, `image web: tag "release-1" already names another image (`+first.Images[0].Digest+`) in the repository web, whose tags are immutable`,
		"drop it from --tag or tags:")
	if w := f.srv.Writes(); len(w) != 0 || f.docker.builds.Load() != builds {
		t.Errorf("a tag conflict still led to %d writes and %d builds", len(w), f.docker.builds.Load()-builds)
	}
}
