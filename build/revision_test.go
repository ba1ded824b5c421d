package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func noEnv(string) string { return "" }

func TestRevisionFromGit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	runGit(t, dir, "init", "-q")
	writeTree(t, dir, map[string]string{"ecsctl.yml": "x", "web/Dockerfile": "FROM scratch\n", ".gitignore": "ignored/\n"})
	runGit(t, dir, "add", ".")
	runGit(t, dir, "commit", "-q", "-m", "first")
	head := runGit(t, dir, "rev-parse", "HEAD")
	outputs := []string{filepath.Join(dir, "imagedefinitions.json"), filepath.Join(dir, "imageDetail.json"), filepath.Join(dir, DetailDir)}

	rev, err := findRevision(ctx, filepath.Join(dir, "web"), noEnv, outputs)
	if err != nil {
		t.Fatal(err)
	}
	if rev.ID != head || rev.Dirty || rev.Source != "git" {
		t.Fatalf("clean tree: %+v, want %s clean", rev, head)
	}
	key := strings.Repeat("ab", 32)
	if got := rev.Tag(key); got != head[:12] {
		t.Errorf("tag = %q, want %q", got, head[:12])
	}

	// ecsctl's own outputs and git-ignored files leave the tree clean.
	writeTree(t, dir, map[string]string{"imagedefinitions.json": "[]", "imageDetail.json": "{}", DetailDir + "/web/imageDetail.json": "{}", "ignored/x": "x"})
	if rev, err := findRevision(ctx, dir, noEnv, outputs); err != nil || rev.Dirty {
		t.Fatalf("outputs made the tree dirty: %+v %v", rev, err)
	}
	// Any other change, tracked or not, makes it dirty; the tag then
	// carries the content key so two dirty builds of one commit differ.
	writeTree(t, dir, map[string]string{"web/new.txt": "x"})
	rev, err = findRevision(ctx, dir, noEnv, outputs)
	if err != nil || !rev.Dirty {
		t.Fatalf("untracked file: %+v %v, want dirty", rev, err)
	}
	if got, want := rev.Tag(key), head[:12]+"-dirty-abababab"; got != want {
		t.Errorf("dirty tag = %q, want %q", got, want)
	}
	if err := os.Remove(filepath.Join(dir, "web/new.txt")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"web/Dockerfile": "FROM scratch\nCOPY . /\n"})
	if rev, _ := findRevision(ctx, dir, noEnv, outputs); !rev.Dirty {
		t.Error("a modified tracked file left the tree clean")
	}
}

func TestRevisionFromCodeBuild(t *testing.T) {
	env := func(k string) string {
		if k == "CODEBUILD_RESOLVED_SOURCE_VERSION" {
			return "4f2a9c1e7b3d5a6978812345f0e1d2c3b4a59687"
		}
		return ""
	}
	rev, err := findRevision(context.Background(), t.TempDir(), env, nil) // no git needed
	if err != nil {
		t.Fatal(err)
	}
	if rev.Source != "codebuild" || rev.Tag("") != "4f2a9c1e7b3d" {
		t.Errorf("rev = %+v tag %q", rev, rev.Tag(""))
	}
	// An S3 source version is not a commit: it is made tag-safe.
	if got := (Revision{ID: "arn:aws:s3:::bucket/key.zip/v=3"}).Tag(""); got != "arn-aws-s3-bucket-key.zip-v-3" {
		t.Errorf("S3 version tag = %q", got)
	}
}

func TestNoRevision(t *testing.T) {
	_, err := findRevision(context.Background(), t.TempDir(), noEnv, nil)
	var nr *NoRevisionError
	if !errors.As(err, &nr) {
		t.Fatalf("err = %v, want NoRevisionError", err)
	}
	if nr.ExitCode() != 2 || !strings.Contains(err.Error(), "CODEBUILD_RESOLVED_SOURCE_VERSION") {
		t.Errorf("err = %v", err)
	}
}
