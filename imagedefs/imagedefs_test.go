package imagedefs

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// describeDefs renders Parse's outcome: the entries (and how each image
// reference splits) or the error.
func describeDefs(defs []Definition, err error) []byte {
	var b bytes.Buffer
	if err != nil {
		fmt.Fprintf(&b, "error (exit code %d):\n%v\n", exitCode(err), err)
		return b.Bytes()
	}
	for _, d := range defs {
		ref, _ := ParseImageURI(d.ImageURI)
		fmt.Fprintf(&b, "%s -> %s\n  repository=%s tag=%q digest=%q pinned=%v\n", d.Name, d.ImageURI, ref.Repository, ref.Tag, ref.Digest, ref.Pinned())
	}
	return b.Bytes()
}

func exitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return 1
}

func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			defs, err := Parse(data)
			golden(t, "parse/"+name+".golden", describeDefs(defs, err))
			if err == nil {
				// What parses must survive a write and a read unchanged.
				out, err := Marshal(defs)
				if err != nil {
					t.Fatalf("marshal what parsed: %v", err)
				}
				again, err := Parse(out)
				if err != nil {
					t.Fatalf("parse what was written: %v\n%s", err, out)
				}
				if diff := cmp.Diff(defs, again); diff != "" {
					t.Errorf("round trip (-parsed +reparsed):\n%s", diff)
				}
			}
		})
	}
}

func TestParseOversize(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; b.Len() < MaxSize; i++ {
		fmt.Fprintf(&b, "  {\"name\": \"c%d\", \"imageUri\": \"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1\"},\n", i)
	}
	b.WriteString("  {\"name\": \"last\", \"imageUri\": \"httpd\"}\n]\n")
	_, err := Parse(b.Bytes())
	golden(t, "parse/oversize.golden", describeDefs(nil, err))

	// Writing refuses it too, and leaves the file in place alone.
	var defs []Definition
	for i := 0; i < 2000; i++ {
		defs = append(defs, Definition{Name: fmt.Sprintf("c%d", i), ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1"})
	}
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, defs); err == nil || !strings.Contains(err.Error(), "at most 100 KB") {
		t.Fatalf("WriteFile of %d entries: err = %v, want the size limit", len(defs), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Fatalf("previous file changed to %q", b)
	}
}

func TestParseDetailGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/detail/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParseDetail(data)
			var b bytes.Buffer
			if err != nil {
				fmt.Fprintf(&b, "error (exit code %d):\n%v\n", exitCode(err), err)
			} else {
				fmt.Fprintf(&b, "%+v\n", *d)
				out, err := MarshalDetail(*d)
				if err != nil {
					t.Fatalf("marshal what parsed: %v", err)
				}
				again, err := ParseDetail(out)
				if err != nil {
					t.Fatalf("parse what was written: %v", err)
				}
				if diff := cmp.Diff(d, again); diff != "" {
					t.Errorf("round trip:\n%s", diff)
				}
			}
			golden(t, "detail/"+name+".golden", b.Bytes())
		})
	}
}

func TestWriteGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	defs := []Definition{
		{Name: "web", ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{Name: "app", ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"},
		{Name: "app-worker", ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"},
	}
	if err := WriteFile(path, defs); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "write/imagedefinitions.json", got)
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(defs, back); diff != "" {
		t.Errorf("read back (-written +read):\n%s", diff)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}

	detail := Detail{ImageURI: defs[0].ImageURI, ImageDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		RepositoryName: "web", RegistryID: "123456789012", ImageTags: []string{"4f2a9c1e7b3d"}}
	dpath := filepath.Join(dir, DetailFileName)
	if err := WriteDetailFile(dpath, detail); err != nil {
		t.Fatal(err)
	}
	got, err = os.ReadFile(dpath)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "write/imageDetail.json", got)
	d, err := ReadDetailFile(dpath)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(detail, *d); diff != "" {
		t.Errorf("detail read back:\n%s", diff)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want the 2 files and no temporary file", len(entries))
	}
}

// TestWriteInvalidLeavesPrevious: invalid definitions are refused before
// anything touches the disk.
func TestWriteInvalidLeavesPrevious(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	prev := []byte("[{\"name\": \"web\", \"imageUri\": \"httpd\"}]\n")
	if err := os.WriteFile(path, prev, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, defs := range [][]Definition{
		nil,
		{{Name: "web", ImageURI: ""}},
		{{Name: "web", ImageURI: "httpd"}, {Name: "web", ImageURI: "mysql"}},
		{{Name: "", ImageURI: "httpd"}},
	} {
		err := WriteFile(path, defs)
		if err == nil {
			t.Fatalf("WriteFile(%v) succeeded", defs)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, prev) {
			t.Fatalf("previous file changed to %q", got)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the previous file", len(entries))
	}
}

// TestWriteAtomicFailure: when the rename cannot happen (the target is a
// directory), the temporary file is removed and the error says where.
func TestWriteAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "imagedefinitions.json")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteAtomic(target, []byte("[]"))
	if err == nil || !strings.Contains(err.Error(), "write "+target) {
		t.Fatalf("err = %v, want a write error naming %s", err, target)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want no temporary file left", len(entries))
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte("[{\"name\": \"web\", \"imageUri\": \"\"}]"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	want := path + ":1:30: entry 1: imageUri is empty"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
	if exitCode(err) != 2 {
		t.Errorf("exit code %d, want 2", exitCode(err))
	}
}
