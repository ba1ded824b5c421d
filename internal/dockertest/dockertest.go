// Package dockertest gives tests a Docker Engine client, and the fixtures
// they build images from. A test that needs Docker fails when CI is set and
// the engine is unreachable, and skips with the reason otherwise.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// Client returns a client for the engine DOCKER_HOST (or the default socket)
// names, with the API version negotiated.
func Client(tb testing.TB) *client.Client {
	tb.Helper()
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	}
	if err != nil {
		Unavailable(tb, "the Docker engine is unreachable (%v); start it as the README's test command does", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Unavailable fails the test in CI and skips it elsewhere.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("CI is set and "+format, args...)
	}
	tb.Skipf(format, args...)
}

var (
	buildMu    sync.Mutex
	binaries   = map[string]string{}
	binaryDirs []string
)

// StaticBinary compiles a Go program (main package source) into a static
// linux binary and returns its path. Results are cached per source for the
// test binary's lifetime.
func StaticBinary(tb testing.TB, source string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := binaries[source]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "ecsctl-static-*")
	if err != nil {
		tb.Fatal(err)
	}
	binaryDirs = append(binaryDirs, dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(source), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module static\n\ngo 1.21\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=-mod=mod", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build static binary: %v\n%s", err, b)
	}
	binaries[source] = out
	return out
}

// HelloSource is a tiny program for images that only need to exist.
const HelloSource = `package main

import "fmt"

func main() { fmt.Println("hello from ecsctl's tests") }
`

// TarContext returns a build context holding files (name -> content). Files
// without an extension (binaries) are stored executable.
func TarContext(tb testing.TB, files map[string][]byte) *bytes.Buffer {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, b := range files {
		mode := int64(0o644)
		if filepath.Ext(name) == "" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return &buf
}

// RemoveImagesAfter removes, when tb ends, every local image reference
// matching one of patterns (Docker's reference filter: "127.0.0.1:5000/*",
// "web:abc"), so tests do not pile images up in the engine.
func RemoveImagesAfter(tb testing.TB, c *client.Client, patterns ...string) {
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := c.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("reference", patterns...)})
		if err != nil {
			return
		}
		for _, im := range res.Items {
			for _, ref := range im.RepoTags {
				_, _ = c.ImageRemove(ctx, ref, client.ImageRemoveOptions{})
			}
		}
	})
}
