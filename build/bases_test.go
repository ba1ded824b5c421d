package build

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-cmp/cmp"
	mbuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/internal/dockertest"
)

func TestExternalImages(t *testing.T) {
	df := parseDockerfile("Dockerfile", []byte(`# syntax=docker/dockerfile:1
ARG GO=1.26
ARG DISTRO
ARG REGISTRY=public.ecr.aws
FROM golang:${GO} AS build
ARG LATE=ignored
FROM build AS test
FROM ${REGISTRY}/docker/library/debian:${DISTRO:-bookworm}-slim
COPY --from=build /out /out
COPY --from=0 /a /a
COPY --from=ghcr.io/org/tools:2 --chown=1 /bin/tool /bin/tool
COPY --from=golang:1.26 /usr/local/go /go
FROM scratch
FROM alpine@sha256:0123456789012345678901234567890123456789012345678901234567890123
FROM $UNSET/x:1
FROM Build
`))
	got := externalImages(df, map[string]string{"GO": "1.26.8"})
	want := []baseRef{
		{ref: "golang:1.26.8", line: 5},
		{ref: "public.ecr.aws/docker/library/debian:bookworm-slim", line: 8},
		{ref: "ghcr.io/org/tools:2", line: 11},
		{ref: "golang:1.26", line: 12},
		{ref: "$UNSET/x:1", line: 15, err: "it uses $UNSET, which no ARG default or build arg sets"},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(baseRef{})); d != "" {
		t.Errorf("externalImages (-want +got):\n%s", d)
	}
}

func TestExpandArgs(t *testing.T) {
	vars := map[string]string{"A": "a", "EMPTY": ""}
	for _, c := range []struct{ in, want, missing string }{
		{"$A-${A}", "a-a", ""},
		{"${EMPTY:-x}${NOPE:-y}", "xy", ""},
		{"${A:+set}${EMPTY:+no}${NOPE:+no}", "set", ""},
		{"x:${NOPE}", "x:", "NOPE"},
		{"plain", "plain", ""},
	} {
		got, missing := expandArgs(c.in, vars)
		if got != c.want || missing != c.missing {
			t.Errorf("expandArgs(%q) = %q, %q; want %q, %q", c.in, got, missing, c.want, c.missing)
		}
	}
}

// A base image in a registry that wants credentials: ecsctl identifies it,
// pulls it (BuildKit alone could not: an Engine API build has no session to
// authenticate with), and builds. A newer image under the same tag is used
// with Pull (docker build --pull), which changes the content key and
// rebuilds the image; without Pull the engine's copy keeps being used.
func TestBuildPullsBaseImagesAndKeysThem(t *testing.T) {
	f := newFixture(t)
	f.createRepos("web", "app")
	ctx := context.Background()
	if _, err := f.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("base")}); err != nil {
		t.Fatal(err) // mutable: the tag moves
	}

	// The base lives in the simulator's registry, behind basic auth, and
	// not in the engine.
	tok, err := f.ecr.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(*tok.AuthorizationData[0].AuthorizationToken)
	if err != nil {
		t.Fatal(err)
	}
	user, password, _ := strings.Cut(string(raw), ":")
	host := f.srv.Host()
	ref := host + "/base:1"
	pushBase := func(source string) string {
		t.Helper()
		if _, err := f.engine.ImageTag(ctx, client.ImageTagOptions{Source: source, Target: ref}); err != nil {
			t.Fatal(err)
		}
		d, err := pushImage(ctx, f.engine, "base", ref, registryAuth(user, password, host), false, nopProgress{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.engine.ImageRemove(ctx, ref, client.ImageRemoveOptions{}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := pushBase(f.base)
	f.base = ref

	// Docker credentials for the registry, as `docker login` leaves them.
	dockerConfig := t.TempDir()
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}}})
	if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	withDockerConfig := func(o *Options) {
		getenv := o.Getenv
		o.Getenv = func(k string) string {
			if k == "DOCKER_CONFIG" {
				return dockerConfig
			}
			return getenv(k)
		}
	}

	res := f.mustRun(withDockerConfig)
	app := byName(res)["app"]
	if want := []BaseImage{{Ref: ref, Digest: first, Source: "registry"}}; app.Status != Built || !cmp.Equal(app.Bases, want) {
		t.Fatalf("run 1: app %s with bases %+v, want built on %+v", app.Status, app.Bases, want)
	}
	if web := byName(res)["web"]; len(web.Bases) != 0 {
		t.Errorf("web (FROM scratch) has bases %+v", web.Bases)
	}
	events := strings.Join(f.rec.Events(), "\n")
	if strings.Count(events, "pulled base image "+ref) != 1 {
		t.Errorf("the base was not pulled once:\n%s", events)
	}

	// A newer base under the same tag.
	newer := fmt.Sprintf("ecsctl-test/newer-base:%d", time.Now().UnixNano())
	dockertest.RemoveImagesAfter(t, f.engine, newer)
	b, err := f.engine.ImageBuild(ctx, dockertest.TarContext(t, map[string][]byte{"Dockerfile": []byte("FROM " + dockertest.BusyboxImage(t, f.engine) + "\nRUN echo 2 > /base-version\n")}),
		client.ImageBuildOptions{Version: mbuild.BuilderBuildKit, Tags: []string{newer}, NetworkMode: "none", Remove: true})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(b.Body)
	b.Body.Close()
	if strings.Contains(string(out), `"error"`) {
		t.Fatalf("build the newer base: %s", out)
	}
	if _, err := f.engine.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: newer + "-keep"}); err != nil {
		t.Fatal(err) // keep the pulled copy: pushBase untags ref
	}
	dockertest.RemoveImagesAfter(t, f.engine, newer+"-keep")
	second := pushBase(newer)
	if second == first {
		t.Fatal("the newer base has the same digest")
	}
	if _, err := f.engine.ImageTag(ctx, client.ImageTagOptions{Source: newer + "-keep", Target: ref}); err != nil {
		t.Fatal(err)
	}

	// Without Pull the engine's copy (the first) is what BuildKit uses:
	// same key, nothing built.
	f.rev = revB
	res = f.mustRun(withDockerConfig)
	app2 := byName(res)["app"]
	if app2.Status != Reused || app2.ContentKey != app.ContentKey || !cmp.Equal(app2.Bases, []BaseImage{{Ref: ref, Digest: first, Source: "local"}}) {
		t.Fatalf("run 2: app %s (key %s, was %s) bases %+v", app2.Status, app2.ContentKey, app.ContentKey, app2.Bases)
	}

	// With Pull the registry's newer image counts: a new key, a new build.
	f.rev = "cccccccccccc3333333333333333333333333333"
	dockertest.RemoveImagesAfter(t, f.engine, "web:cccccccccccc", "app:cccccccccccc")
	res = f.mustRun(func(o *Options) { withDockerConfig(o); o.Pull = true })
	app3 := byName(res)["app"]
	if app3.Status != Built || app3.ContentKey == app.ContentKey || !cmp.Equal(app3.Bases, []BaseImage{{Ref: ref, Digest: second, Source: "registry"}}) {
		t.Fatalf("run 3 (pull): app %s (key %s) bases %+v, want built on %s", app3.Status, app3.ContentKey, app3.Bases, second)
	}
	if web := byName(res)["web"]; web.Status != Reused {
		t.Errorf("run 3: web is %s, want reused (its inputs did not change)", web.Status)
	}
	insp, err := f.engine.ImageInspect(ctx, ref)
	if err != nil || !slices.ContainsFunc(insp.RepoDigests, func(d string) bool { return strings.HasSuffix(d, "@"+second) }) {
		t.Errorf("after run 3 the engine's %s is %v (%v), want the newer base", ref, insp.RepoDigests, err)
	}
}

// A base that cannot be identified is reported, and left out of the key.
func TestUnresolvedBaseIsReported(t *testing.T) {
	f := newFixture(t)
	f.base = f.srv.Host() + "/nothing-here:1"
	_, err := f.run(func(o *Options) { o.NoPush = true })
	if err == nil {
		t.Fatal("a build FROM an image that exists nowhere succeeded")
	}
	events := strings.Join(f.rec.Events(), "\n")
	if !strings.Contains(events, "warning: base image "+f.base+" (app/Dockerfile:3) is not part of the content key") {
		t.Errorf("no warning about the unresolved base:\n%s", events)
	}
}
