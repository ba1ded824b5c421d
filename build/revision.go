package build

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Revision is the source revision images are tagged with.
type Revision struct {
	// ID is CODEBUILD_RESOLVED_SOURCE_VERSION, else the commit git's HEAD names.
	ID string `json:"id"`
	// Dirty says the git work tree had changes (ecsctl's own output files aside).
	Dirty bool `json:"dirty,omitempty"`
	// Source says where ID came from: "codebuild" or "git".
	Source string `json:"source"`
}

var (
	hexRE     = regexp.MustCompile(`^[0-9a-f]{12,64}$`)
	badTagRun = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
)

// Tag is the image tag for this revision: the first 12 hex digits of a
// commit (any other source version made tag-safe). A dirty tree adds
// "-dirty-" and 8 hex digits of the image's content key: in a repository
// with immutable tags, building the same commit again with other
// uncommitted changes then gets a new tag instead of a refused push, and
// with the same changes the same tag (the image is reused).
func (r Revision) Tag(contentKey string) string {
	id := r.ID
	if hexRE.MatchString(id) {
		id = id[:12]
	} else {
		id = strings.TrimLeft(badTagRun.ReplaceAllString(id, "-"), ".-")
		if len(id) > 100 {
			id = id[:100]
		}
	}
	if r.Dirty {
		id += "-dirty-" + contentKey[:8]
	}
	return id
}

// NoRevisionError says the source revision could not be found.
type NoRevisionError struct {
	Dir string
	Err error
}

func (e *NoRevisionError) Error() string {
	return fmt.Sprintf("cannot tell the source revision: %s is not in a git work tree (%v) and CODEBUILD_RESOLVED_SOURCE_VERSION is not set; "+
		"run ecsctl in a git checkout, set CODEBUILD_RESOLVED_SOURCE_VERSION, or use --no-push", e.Dir, e.Err)
}

func (e *NoRevisionError) Unwrap() error { return e.Err }

// ExitCode marks a missing revision as bad input.
func (e *NoRevisionError) ExitCode() int { return 2 }

// findRevision reads CODEBUILD_RESOLVED_SOURCE_VERSION, else asks git
// about dir. Changes to the files in ignore (ecsctl's own outputs, absolute
// paths) do not make the tree dirty.
func findRevision(ctx context.Context, dir string, getenv func(string) string, ignore []string) (Revision, error) {
	if v := strings.TrimSpace(getenv("CODEBUILD_RESOLVED_SOURCE_VERSION")); v != "" {
		return Revision{ID: v, Source: "codebuild"}, nil
	}
	head, err := git(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return Revision{}, &NoRevisionError{Dir: dir, Err: err}
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return Revision{}, &NoRevisionError{Dir: dir, Err: err}
	}
	status, err := git(ctx, dir, "status", "--porcelain=v1", "-z", "--untracked-files=all")
	if err != nil {
		return Revision{}, fmt.Errorf("git status: %w", err)
	}
	rev := Revision{ID: strings.TrimSpace(head), Source: "git"}
	rev.Dirty = dirty(status, strings.TrimSpace(top), ignore)
	return rev, nil
}

// dirty reads `git status --porcelain=v1 -z` output; paths in it are
// relative to the top of the work tree.
func dirty(status, top string, ignore []string) bool {
	var skip []string
	if real, err := filepath.EvalSymlinks(top); err == nil {
		top = real
	}
	for _, p := range ignore {
		if real, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(real, filepath.Base(p))
		}
		if rel, err := filepath.Rel(top, p); err == nil && !strings.HasPrefix(rel, "..") {
			skip = append(skip, filepath.ToSlash(rel))
		}
	}
	records := strings.Split(status, "\x00")
	for i := 0; i < len(records); i++ {
		rec := records[i]
		if len(rec) < 4 {
			continue
		}
		xy, path := rec[:2], rec[3:]
		if xy[0] == 'R' || xy[0] == 'C' {
			i++ // the next record is the original path
		}
		ignored := false
		for _, s := range skip {
			if path == s || strings.HasPrefix(path, s+"/") {
				ignored = true
			}
		}
		if !ignored {
			return true
		}
	}
	return false
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.String(), nil
}
