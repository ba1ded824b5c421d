package build

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeTree creates files (path -> content; a trailing "/" makes a
// directory, "->target" a symlink) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "/"):
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(content, "->"):
			if err := os.Symlink(strings.TrimPrefix(content, "->"), p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func names(bc *buildContext) []string {
	var out []string
	for _, e := range bc.entries {
		out = append(out, e.rel)
	}
	return out
}

func TestDockerignore(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":              "FROM scratch\n",
		".dockerignore":           "# comment\n*.md\n!KEEP.md\nnode_modules\nlogs/**\n!logs/keep/important.log\n.dockerignore\nDockerfile\n",
		"README.md":               "x",
		"KEEP.md":                 "x",
		"main.go":                 "x",
		"node_modules/a/b.js":     "x",
		"logs/x.log":              "x",
		"logs/keep/important.log": "x",
		"logs/keep/other.log":     "x",
		"src/app.md":              "x",
		"src/app.go":              "x",
		"link":                    "->src/app.go",
	})
	bc, err := loadContext(dir, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// As the docker CLI: the Dockerfile and .dockerignore are always sent;
	// *.md matches at the top only; an exception re-includes a file below
	// an excluded directory.
	want := []string{".dockerignore", "Dockerfile", "KEEP.md", "link", "logs", "logs/keep/important.log", "main.go", "src", "src/app.go", "src/app.md"}
	if diff := cmp.Diff(want, names(bc)); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	if bc.dockerfile != "Dockerfile" || bc.outside != "" {
		t.Errorf("dockerfile = %q outside = %q", bc.dockerfile, bc.outside)
	}
}

// TestOutputsLeftOut: ecsctl's own outputs inside a context are not part of
// it, so writing them does not change the key of the next run.
func TestOutputsLeftOut(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY . /\n", "main.go": "x"})
	outputs := []string{filepath.Join(dir, "imagedefinitions.json"), filepath.Join(dir, "imageDetail.json"), filepath.Join(dir, DetailDir)}
	bc, err := loadContext(dir, "Dockerfile", outputs...)
	if err != nil {
		t.Fatal(err)
	}
	before := bc.key(keyInputs{})
	writeTree(t, dir, map[string]string{"imagedefinitions.json": "[]", "imageDetail.json": "{}", DetailDir + "/web/imageDetail.json": "{}"})
	bc, err = loadContext(dir, "Dockerfile", outputs...)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Dockerfile", "main.go"}, names(bc)); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	if bc.key(keyInputs{}) != before {
		t.Error("writing the output files changed the key")
	}
}

func TestDockerfileOutsideContext(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"docker/web.Dockerfile": "FROM scratch\nCOPY a /a\n", "ctx/a": "x"})
	bc, err := loadContext(filepath.Join(root, "ctx"), "../docker/web.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if bc.dockerfile != outsideDockerfile {
		t.Fatalf("dockerfile = %q, want %q", bc.dockerfile, outsideDockerfile)
	}
	if diff := cmp.Diff([]string{"a", outsideDockerfile}, names(bc)); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	before := bc.key(keyInputs{})
	writeTree(t, root, map[string]string{"docker/web.Dockerfile": "FROM scratch\nCOPY a /b\n"})
	bc2, err := loadContext(filepath.Join(root, "ctx"), "../docker/web.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if bc2.key(keyInputs{}) == before {
		t.Error("changing a Dockerfile outside the context did not change the key")
	}
}

// TestContentKey: the key follows content, modes, names, args, target and
// platform, and ignores modification times, owners and ignored files.
func TestContentKey(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":    "FROM scratch\nCOPY . /\n",
		".dockerignore": "*.log\n",
		"a.txt":         "alpha",
		"sub/b.txt":     "beta",
		"sub/link":      "->../a.txt",
	})
	in := keyInputs{Target: "final", Platform: "linux/amd64", Args: map[string]string{"A": "1", "B": "2"}}
	key := func() string {
		t.Helper()
		bc, err := loadContext(dir, "Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		return bc.key(in)
	}
	base := key()
	if len(base) != 64 {
		t.Fatalf("key %q is not 64 hex digits", base)
	}
	if key() != base {
		t.Fatal("the key is not deterministic")
	}

	// Neither modification times nor ownership count.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range []string{"a.txt", "sub/b.txt", "sub", "Dockerfile"} {
		if err := os.Chtimes(filepath.Join(dir, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 {
		if err := os.Lchown(filepath.Join(dir, "a.txt"), 4321, 4321); err != nil {
			t.Fatal(err)
		}
	}
	if got := key(); got != base {
		t.Error("touching or chowning files changed the key")
	}
	// Ignored files do not count.
	writeTree(t, dir, map[string]string{"debug.log": "noise"})
	if got := key(); got != base {
		t.Error("a file .dockerignore excludes changed the key")
	}

	changes := []struct {
		name string
		do   func()
		undo func()
	}{
		{"content", func() { writeTree(t, dir, map[string]string{"sub/b.txt": "BETA"}) }, func() { writeTree(t, dir, map[string]string{"sub/b.txt": "beta"}) }},
		{"mode", func() { _ = os.Chmod(filepath.Join(dir, "a.txt"), 0o755) }, func() { _ = os.Chmod(filepath.Join(dir, "a.txt"), 0o644) }},
		{"new file", func() { writeTree(t, dir, map[string]string{"c.txt": ""}) }, func() { _ = os.Remove(filepath.Join(dir, "c.txt")) }},
		{"rename", func() { _ = os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "a2.txt")) }, func() { _ = os.Rename(filepath.Join(dir, "a2.txt"), filepath.Join(dir, "a.txt")) }},
		{"symlink target", func() {
			_ = os.Remove(filepath.Join(dir, "sub/link"))
			_ = os.Symlink("b.txt", filepath.Join(dir, "sub/link"))
		}, func() {
			_ = os.Remove(filepath.Join(dir, "sub/link"))
			_ = os.Symlink("../a.txt", filepath.Join(dir, "sub/link"))
		}},
		{"dockerignore", func() { writeTree(t, dir, map[string]string{".dockerignore": "*.log\n*.tmp\n"}) }, func() { writeTree(t, dir, map[string]string{".dockerignore": "*.log\n"}) }},
		{"arg", func() { in.Args["B"] = "3" }, func() { in.Args["B"] = "2" }},
		{"new arg", func() { in.Args["C"] = "" }, func() { delete(in.Args, "C") }},
		{"target", func() { in.Target = "" }, func() { in.Target = "final" }},
		{"platform", func() { in.Platform = "linux/arm64" }, func() { in.Platform = "linux/amd64" }},
	}
	seen := map[string]string{base: "base"}
	for _, c := range changes {
		c.do()
		got := key()
		if prev, dup := seen[got]; dup {
			t.Errorf("changing the %s gives the key of %s", c.name, prev)
		}
		seen[got] = c.name
		c.undo()
		if key() != base {
			t.Fatalf("undoing the %s did not restore the key", c.name)
		}
	}
}

// TestTarStream: the stream holds what the list says, owned by root, with
// modes and symlinks; a file changed after hashing fails the stream.
func TestTarStream(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", "bin/tool": "#!/bin/sh\n", "data/x": "xyz", "ln": "->data/x"})
	if err := os.Chmod(filepath.Join(dir, "bin/tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	bc, err := loadContext(dir, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(bc.writeTar(pw)) }()
	tr := tar.NewReader(pr)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s owned by %d:%d %q, want root", h.Name, h.Uid, h.Gid, h.Uname)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(rune(h.Typeflag)) + " " + strings.TrimPrefix(os.FileMode(h.Mode).String(), "-") + " " + h.Linkname + string(b)
	}
	want := map[string]string{
		"Dockerfile": "0 rw-r--r-- FROM scratch\n",
		"bin/":       "5 rwxr-xr-x ",
		"bin/tool":   "0 rwxr-xr-x #!/bin/sh\n",
		"data/":      "5 rwxr-xr-x ",
		"data/x":     "0 rw-r--r-- xyz",
		"ln":         "2 rwxrwxrwx data/x",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tar (-want +got):\n%s", diff)
	}

	writeTree(t, dir, map[string]string{"data/x": "XYZ"}) // same size, other content
	err = bc.writeTar(io.Discard)
	var ce *ChangedError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Path, "data/x") {
		t.Fatalf("err = %v, want a ChangedError for data/x", err)
	}
}
