package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// useSimulator points the AWS SDK of in-process ecsctl runs at srv only
// (no shared config, no instance metadata) and marks the run as CI.
func useSimulator(t *testing.T, srv *awssim.Server) {
	t.Helper()
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("CI", "true")
}

// ecsctl runs the CLI in-process and returns its exit code, stdout and stderr.
func ecsctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"ecsctl"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeConfig writes an ecsctl.yml into a fresh directory and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ecsctl.yml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
