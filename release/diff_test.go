package release

import (
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	b := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\n"
	got := unifiedDiff("old", "new", a, b)
	want := `--- old
+++ new
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -9,3 +9,4 @@
 i
 j
 k
+l
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d := unifiedDiff("x", "y", a, a); d != "" {
		t.Errorf("equal texts diff to %q", d)
	}
	// Applying the diff's kept and added lines gives b back.
	var rebuilt []string
	for _, op := range diffLines(splitLines(a), splitLines(b)) {
		if op.kind != '-' {
			rebuilt = append(rebuilt, op.line)
		}
	}
	if strings.Join(rebuilt, "\n")+"\n" != b {
		t.Errorf("edit script does not rebuild b: %q", rebuilt)
	}
}
