package build

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/imagedefs"
	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// countingDocker counts the builds and pushes asked of the engine.
type countingDocker struct {
	Docker
	builds, pushes atomic.Int32
}

func (c *countingDocker) ImageBuild(ctx context.Context, r io.Reader, o client.ImageBuildOptions) (client.ImageBuildResult, error) {
	c.builds.Add(1)
	return c.Docker.ImageBuild(ctx, r, o)
}

func (c *countingDocker) ImagePush(ctx context.Context, ref string, o client.ImagePushOptions) (client.ImagePushResponse, error) {
	c.pushes.Add(1)
	return c.Docker.ImagePush(ctx, ref, o)
}

// fixture is the example project (testdata/project) copied to a temporary
// directory, a simulator with its ECR and registry, and the engine.
type fixture struct {
	t      *testing.T
	dir    string
	srv    *awssim.Server
	ecr    *ecr.Client
	engine *client.Client
	docker *countingDocker
	base   string
	rev    string // CODEBUILD_RESOLVED_SOURCE_VERSION
	rec    *recorder
}

const revA = "aaaaaaaaaaaa1111111111111111111111111111"
const revB = "bbbbbbbbbbbb2222222222222222222222222222"

func newFixture(t *testing.T, opts ...awssim.Option) *fixture {
	t.Helper()
	engine := dockertest.Client(t)
	f := &fixture{t: t, engine: engine, docker: &countingDocker{Docker: engine}, base: dockertest.BusyboxImage(t, engine), rev: revA, rec: &recorder{}}
	f.srv = awssim.NewTestServer(t, opts...)
	f.ecr = ecr.NewFromConfig(f.srv.AWSConfig())
	f.dir = t.TempDir()
	if err := os.CopyFS(f.dir, os.DirFS("testdata/project")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/project/web/main.go")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(dockertest.StaticBinary(t, string(src)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "web", "hello"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	dockertest.RemoveImagesAfter(t, engine, f.srv.Host()+"/*", "web:"+revA[:12], "web:"+revB[:12], "app:"+revA[:12], "app:"+revB[:12])
	return f
}

func (f *fixture) createRepos(names ...string) {
	f.t.Helper()
	for _, n := range names {
		_, err := f.ecr.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{
			RepositoryName: aws.String(n), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable,
		})
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) write(name, content string) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) config() *config.Config {
	f.t.Helper()
	cfg, err := config.Load(filepath.Join(f.dir, "ecsctl.yml"), config.LoadOptions{LookupEnv: func(k string) (string, bool) {
		if k == "BASE" {
			return f.base, true
		}
		return "", false
	}})
	if err != nil {
		f.t.Fatal(err)
	}
	return cfg
}

func (f *fixture) options() Options {
	return Options{
		Config:   f.config(),
		Docker:   f.docker,
		ECR:      f.ecr,
		Progress: f.rec,
		Verbose:  true,
		Getenv: func(k string) string {
			if k == "CODEBUILD_RESOLVED_SOURCE_VERSION" {
				return f.rev
			}
			return ""
		},
	}
}

func (f *fixture) run(change func(*Options)) (*Result, error) {
	f.t.Helper()
	o := f.options()
	if change != nil {
		change(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return Run(ctx, o)
}

func (f *fixture) mustRun(change func(*Options)) *Result {
	f.t.Helper()
	res, err := f.run(change)
	if err != nil {
		f.t.Fatalf("build: %v\nprogress:\n%s", err, strings.Join(f.rec.Events(), "\n"))
	}
	return res
}

func (f *fixture) defsPath() string { return filepath.Join(f.dir, imagedefs.FileName) }

// registryDigest asks the registry, as a Docker client would, which
// manifest ref names.
func (f *fixture) registryDigest(repo, ref string) string {
	f.t.Helper()
	user, password := f.srv.RegistryAuth()
	req, err := http.NewRequest(http.MethodHead, f.srv.URL()+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Accept", strings.Join(manifestMediaTypes, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("HEAD %s:%s: %s", repo, ref, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// ecrTags returns the tags ECR lists for a digest.
func (f *fixture) ecrTags(repo, digest string) []string {
	f.t.Helper()
	out, err := f.ecr.DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}},
	})
	if err != nil {
		f.t.Fatalf("DescribeImages %s@%s: %v", repo, digest, err)
	}
	tags := out.ImageDetails[0].ImageTags
	slices.Sort(tags)
	return tags
}

func byName(res *Result) map[string]ImageResult {
	m := map[string]ImageResult{}
	for _, im := range res.Images {
		m[im.Name] = im
	}
	return m
}

// checkDefinitions checks imagedefinitions.json against the result and
// against what the registry and ECR serve.
func (f *fixture) checkDefinitions(res *Result) {
	f.t.Helper()
	defs, err := imagedefs.ReadFile(f.defsPath())
	if err != nil {
		f.t.Fatal(err)
	}
	images := byName(res)
	want := []imagedefs.Definition{
		{Name: "web", ImageURI: images["web"].ImageURI},
		{Name: "app", ImageURI: images["app"].ImageURI},
		{Name: "app-worker", ImageURI: images["app"].ImageURI},
	}
	if !slices.Equal(defs, want) {
		f.t.Fatalf("imagedefinitions.json = %+v, want %+v", defs, want)
	}
	for _, name := range []string{"web", "app"} {
		im := images[name]
		ref, err := imagedefs.ParseImageURI(im.ImageURI)
		if err != nil || ref.Repository != f.srv.Host()+"/"+name || !ref.Pinned() || ref.Digest != im.Digest {
			f.f("image %s: imageUri %q (%+v, %v) is not the repository pinned by digest %s", name, im.ImageURI, ref, err, im.Digest)
		}
		// What the registry serves for the revision tag and for the
		// content key tag is the digest imagedefinitions.json pins.
		if got := f.registryDigest(name, im.Tags[0]); got != im.Digest {
			f.f("image %s: the registry serves %s for tag %s, imagedefinitions.json says %s", name, got, im.Tags[0], im.Digest)
		}
		if got := f.registryDigest(name, im.Digest); got != im.Digest {
			f.f("image %s: HEAD by digest answered %s", name, got)
		}
		tags := f.ecrTags(name, im.Digest)
		if !slices.Contains(tags, im.Tags[0]) || !slices.Contains(tags, KeyTagPrefix+strings.TrimPrefix(im.ContentKey, "sha256:")) {
			f.f("image %s: ECR tags %v lack the revision tag %s or the key tag", name, tags, im.Tags[0])
		}
		detail, err := imagedefs.ReadDetailFile(filepath.Join(f.dir, DetailDir, name, imagedefs.DetailFileName))
		if err != nil || detail.ImageURI != im.ImageURI || detail.ImageDigest != im.Digest || detail.RepositoryName != name {
			f.f("image %s: imageDetail.json = %+v, %v", name, detail, err)
		}
	}
}

func (f *fixture) f(format string, args ...any) { f.t.Helper(); f.t.Errorf(format, args...) }

// TestBuildPushSkipRebuild is the main flow on a real engine and the
// simulator's ECR and registry: both images built and pushed, pinned by
// digest; a second run skips both; a change to one file rebuilds only its
// image and reuses the other under the new revision.
func TestBuildPushSkipRebuild(t *testing.T) {
	f := newFixture(t)
	f.createRepos("web", "app")

	// 1. Cold: both built, concurrently.
	res := f.mustRun(nil)
	images := byName(res)
	for _, name := range []string{"web", "app"} {
		if im := images[name]; im.Status != Built || im.Tags[0] != revA[:12] || im.ImageID == "" {
			t.Fatalf("run 1: %s = %+v, want built with tag %s", name, im, revA[:12])
		}
	}
	if n := f.docker.builds.Load(); n != 2 {
		t.Fatalf("run 1 asked for %d builds, want 2", n)
	}
	f.checkDefinitions(res)
	if res.ImageDefinitions != f.defsPath() {
		t.Errorf("result names %q as imagedefinitions.json", res.ImageDefinitions)
	}
	// The local image carries the revision and content key as labels.
	insp, err := f.engine.ImageInspect(context.Background(), images["app"].ImageID)
	if err != nil {
		t.Fatal(err)
	}
	if l := insp.Config.Labels; l["org.opencontainers.image.revision"] != revA[:12] || l["io.ecsctl.content-key"] != images["app"].ContentKey {
		t.Errorf("labels = %v", l)
	}
	if got := insp.Config.Cmd; !slices.Equal(got, []string{"cat", "/message.txt"}) {
		t.Errorf("app's CMD = %v: the final stage was not the one built", got)
	}
	events := strings.Join(f.rec.Events(), "\n")
	if !strings.Contains(events, "[app] #") || !strings.Contains(events, "RUN --mount=type=cache") || !strings.Contains(events, "[web] #") {
		t.Errorf("CI progress lacks numbered steps per image:\n%s", events)
	}
	first, err := os.ReadFile(f.defsPath())
	if err != nil {
		t.Fatal(err)
	}

	// 2. Nothing changed: no build, no push, no ECR write; same file.
	f.srv.ResetRequests()
	uploadsBefore := f.srv.Count("registry", "StartUpload")
	res = f.mustRun(nil)
	for _, im := range res.Images {
		if im.Status != Skipped {
			t.Errorf("run 2: %s is %s, want skipped", im.Name, im.Status)
		}
	}
	if n := f.docker.builds.Load(); n != 2 {
		t.Errorf("run 2 asked for %d more builds", n-2)
	}
	if n := f.docker.pushes.Load(); n != 2 {
		t.Errorf("run 2 pushed %d more times", n-2)
	}
	if w := f.srv.Writes(); len(w) != 0 {
		t.Errorf("run 2 wrote to AWS: %+v", w)
	}
	if f.srv.Count("registry", "StartUpload") != uploadsBefore {
		t.Error("run 2 uploaded blobs")
	}
	second, _ := os.ReadFile(f.defsPath())
	if string(second) != string(first) {
		t.Errorf("run 2 changed imagedefinitions.json:\n%s\nto\n%s", first, second)
	}

	// 3. A new revision changes one file of app: app is built, web is
	// reused (tagged with the new revision, not built, not pushed).
	f.rev = revB
	// (unique, so the RUN step runs rather than coming from the engine's cache)
	f.write("app/message.txt", fmt.Sprintf("hello again from the app image, %d\n", time.Now().UnixNano()))
	before := byName(res)
	res = f.mustRun(nil)
	images = byName(res)
	web, app := images["web"], images["app"]
	if web.Status != Reused || web.Digest != before["web"].Digest || !slices.Equal(web.Tags, []string{revB[:12]}) {
		t.Errorf("run 3: web = %+v, want reused with digest %s and tag %s", web, before["web"].Digest, revB[:12])
	}
	if !slices.Contains(web.PreviousTags, revA[:12]) {
		t.Errorf("run 3: web's previous tags %v do not trace it to %s", web.PreviousTags, revA[:12])
	}
	if app.Status != Built || app.Digest == before["app"].Digest {
		t.Errorf("run 3: app = %+v, want built with a new digest", app)
	}
	if n := f.docker.builds.Load(); n != 3 {
		t.Errorf("run 3: %d builds in all, want 3", n)
	}
	f.checkDefinitions(res)
	if tags := f.ecrTags("web", web.Digest); !slices.Contains(tags, revA[:12]) || !slices.Contains(tags, revB[:12]) {
		t.Errorf("web's image tags %v lack one of the revisions", tags)
	}
	if testing.Verbose() {
		t.Logf("progress:\n%s", strings.Join(f.rec.Events(), "\n"))
	}
	// The cache mount kept its content from the first build.
	if !regexp.MustCompile(`\[app\] #\d+ cache hit: \d+ earlier runs`).MatchString(strings.Join(f.rec.Events(), "\n")) {
		t.Errorf("the rebuilt RUN step did not find its cache mount's content:\n%s", strings.Join(f.rec.Events(), "\n"))
	}
}
