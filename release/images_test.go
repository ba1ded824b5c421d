package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

func TestImageList(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imagedefinitions.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"name":"web","imageUri":"r.example.com/web:v2"},{"name":"app","imageUri":"r.example.com/app:v2"}]`)
	file, err := readImageDefinitions(path)
	if err != nil {
		t.Fatal(err)
	}
	flag, err := ParseImageFlag("app=r.example.com/app@sha256:" + strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	refs, err := mergeImages(file, []ImageRef{flag})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].Container != "app" || refs[0].Source != "--image" || refs[1].URI != "r.example.com/web:v2" {
		t.Errorf("merged %+v", refs)
	}

	bad := []struct{ in, want string }{
		{"web", "container=uri"},
		{"=r.example.com/web:v2", "container=uri"},
		{"web=r.example.com/web:v 2", "white space"},
		{"web=https://r.example.com/web:v2", "is a URL"},
	}
	for _, b := range bad {
		_, err := ParseImageFlag(b.in)
		if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), b.want) {
			t.Errorf("--image %q: %v, want exit 2 and %q", b.in, err, b.want)
		}
	}
	if _, err := mergeImages(nil, []ImageRef{flag, flag}); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("a container twice: %v", err)
	}

	for content, want := range map[string]string{
		`[]`:                            "lists no images",
		`[{"name":"web"}]`:              "imageUri",
		`{"name":"web","imageUri":"x"}`: "",
	} {
		write(content)
		_, err := readImageDefinitions(path)
		if exitcode.Of(err) != exitcode.Usage || (want != "" && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want exit 2 and %q", content, err, want)
		}
	}
	_, err = readImageDefinitions(filepath.Join(dir, "missing.json"))
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "run `ecsctl build` first") {
		t.Errorf("missing file: %v", err)
	}
}
