package build

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	mbuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// statusLog records every status an image goes through.
type statusLog struct {
	mu  sync.Mutex
	all []string
}

func (s *statusLog) Set(_, status string) { s.mu.Lock(); s.all = append(s.all, status); s.mu.Unlock() }
func (s *statusLog) Event(string, string) {}

// Push progress never shows more bytes done than the layers hold, though the
// engine counts tar headers against a tiny layer's size.
func TestPushProgressStaysWithinTotal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ref := f.srv.Host() + "/tiny:1"
	b, err := f.engine.ImageBuild(ctx, dockertest.TarContext(t, map[string][]byte{"Dockerfile": []byte("FROM scratch\nCOPY small /small\n"), "small": []byte("seventeen bytes!\n")}),
		client.ImageBuildOptions{Version: mbuild.BuilderBuildKit, Tags: []string{ref}, NetworkMode: "none", Remove: true})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(b.Body)
	b.Body.Close()
	if strings.Contains(string(out), `"error"`) {
		t.Fatalf("build: %s", out)
	}
	if _, err := f.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("tiny")}); err != nil {
		t.Fatal(err)
	}
	tok, err := f.ecr.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(tok.AuthorizationData[0].AuthorizationToken))
	user, password, _ := strings.Cut(string(raw), ":")
	var log statusLog
	if _, err := pushImage(ctx, f.engine, "tiny", ref, registryAuth(user, password, f.srv.Host()), true, &log, false); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^pushing \d+ layers  (.+) / (.+)$`)
	n := 0
	for _, s := range log.all {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		n++
		if parseHuman(t, m[1]) > parseHuman(t, m[2]) {
			t.Errorf("push progress beyond its total: %q", s)
		}
	}
	if n == 0 {
		t.Fatalf("no push progress among %q", log.all)
	}
}

// parseHuman reads what humanBytes writes.
func parseHuman(t *testing.T, s string) int64 {
	t.Helper()
	var v float64
	var unit string
	if _, err := fmt.Sscanf(s, "%g %s", &v, &unit); err != nil {
		t.Fatalf("progress %q: %v", s, err)
	}
	mult := map[string]float64{"B": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[unit]
	if mult == 0 {
		t.Fatalf("progress %q: unit %q", s, unit)
	}
	return int64(v * mult)
}
