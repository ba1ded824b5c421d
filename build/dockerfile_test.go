package build

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const multiStage = `# syntax comment that is not a directive
ARG BASE
FROM ${BASE} AS builder
WORKDIR /src
# a comment between instructions

RUN --mount=type=cache,target=/cache echo hello; ls /cache; \
  # a comment inside a continuation
  echo bye >&2; exit 3
FROM scratch
COPY --from=builder /bin/busybox /bb
`

func TestParseDockerfile(t *testing.T) {
	df := parseDockerfile("app/Dockerfile", []byte(multiStage))
	type got struct {
		Keyword, Text, Stage string
		Line, End            int
	}
	var list []got
	for _, in := range df.instructions {
		list = append(list, got{in.keyword, in.text, in.stage, in.line, in.end})
	}
	want := []got{
		{"ARG", "ARG BASE", "", 2, 2},
		{"FROM", "FROM ${BASE} AS builder", "builder", 3, 3},
		{"WORKDIR", "WORKDIR /src", "builder", 4, 4},
		{"RUN", "RUN --mount=type=cache,target=/cache echo hello; ls /cache;   echo bye >&2; exit 3", "builder", 7, 9},
		{"FROM", "FROM scratch", "stage-1", 10, 10},
		{"COPY", "COPY --from=builder /bin/busybox /bb", "stage-1", 11, 11},
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("instructions (-want +got):\n%s", diff)
	}
}

func TestEscapeDirective(t *testing.T) {
	df := parseDockerfile("Dockerfile", []byte("# escape=`\nFROM scratch\nCOPY a `\n  b /\n"))
	if len(df.instructions) != 2 || df.instructions[1].text != "COPY a   b /" || df.instructions[1].end != 4 {
		t.Fatalf("instructions = %+v", df.instructions)
	}
}

// TestFindVertex maps the step names BuildKit reports (as recorded from
// the engine) to Dockerfile lines.
func TestFindVertex(t *testing.T) {
	df := parseDockerfile("app/Dockerfile", []byte(multiStage))
	for name, line := range map[string]int{
		"[builder 3/3] RUN --mount=type=cache,target=/cache echo hello; ls /cache;   echo bye >&2; exit 3": 7,
		"[builder 1/3] FROM docker.io/ecsctl-test/busybox:3d9f2889d678":                                    3,
		"[builder 2/3] WORKDIR /src":                         4,
		"[stage-1 1/1] COPY --from=builder /bin/busybox /bb": 11,
		"[linux/amd64 builder 3/3] RUN --mount=type=cache,target=/cache echo hello; ls /cache; echo bye": 7,
		"[internal] load build context": 0,
	} {
		in := df.find(name)
		got := 0
		if in != nil {
			got = in.line
		}
		if got != line {
			t.Errorf("find(%q) = line %d, want %d", name, got, line)
		}
	}
	simple := parseDockerfile("Dockerfile", []byte("FROM golang:1.22\nRUN go build ./...\n"))
	if in := simple.find("[internal] load metadata for docker.io/library/golang:1.22"); in == nil || in.line != 1 {
		t.Errorf("load metadata did not map to the FROM line: %+v", in)
	}
	if got := strings.Join(df.excerpt(&df.instructions[3]), "\n"); got != "   7 | RUN --mount=type=cache,target=/cache echo hello; ls /cache; \\\n   8 |   # a comment inside a continuation\n   9 |   echo bye >&2; exit 3" {
		t.Errorf("excerpt:\n%s", got)
	}
}
