package build

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"
)

// Encoders for the StatusResponse fields the decoder reads, so tests build
// trace messages the way the engine sends them.
func pbString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func pbBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func pbVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func pbTime(t time.Time) []byte {
	b := pbVarint(nil, 1, uint64(t.Unix()))
	return pbVarint(b, 2, uint64(t.Nanosecond()))
}

type fakeVertex struct {
	digest, name, err  string
	cached             bool
	started, completed time.Time
}

func encodeVertex(v fakeVertex) []byte {
	b := pbString(nil, 1, v.digest)
	b = pbString(b, 2, "sha256:input")
	b = pbString(b, 3, v.name)
	if v.cached {
		b = pbVarint(b, 4, 1)
	}
	if !v.started.IsZero() {
		b = pbBytes(b, 5, pbTime(v.started))
	}
	if !v.completed.IsZero() {
		b = pbBytes(b, 6, pbTime(v.completed))
	}
	if v.err != "" {
		b = pbString(b, 7, v.err)
	}
	b = pbBytes(b, 8, []byte{0x0a, 0x01, 'x'}) // progressGroup: unknown to the decoder, skipped
	return b
}

func encodeLog(vertex string, stream uint64, msg string) []byte {
	b := pbString(nil, 1, vertex)
	b = pbBytes(b, 2, pbTime(time.Unix(1, 0)))
	b = pbVarint(b, 3, stream)
	return pbBytes(b, 4, []byte(msg))
}

func encodeStatus(vertex, name string, current, total uint64) []byte {
	b := pbString(nil, 1, "id-"+name)
	b = pbString(b, 2, vertex)
	b = pbString(b, 3, name)
	b = pbVarint(b, 4, current)
	return pbVarint(b, 5, total)
}

func response(vertexes [][]byte, statuses [][]byte, logs [][]byte) []byte {
	var b []byte
	for _, v := range vertexes {
		b = pbBytes(b, 1, v)
	}
	for _, s := range statuses {
		b = pbBytes(b, 2, s)
	}
	for _, l := range logs {
		b = pbBytes(b, 3, l)
	}
	b = protowire.AppendTag(b, 9, protowire.Fixed64Type) // an unknown field of another wire type
	return protowire.AppendFixed64(b, 42)
}

func TestDecodeStatusResponse(t *testing.T) {
	start := time.Unix(1795696964, 300154333)
	raw := response(
		[][]byte{encodeVertex(fakeVertex{digest: "sha256:a", name: "[2/2] RUN make", started: start, completed: start.Add(1500 * time.Millisecond), err: "exit code: 2"})},
		[][]byte{encodeStatus("sha256:b", "transferring context", 2<<20, 0)},
		[][]byte{encodeLog("sha256:a", 2, "boom\n")},
	)
	sr, err := decodeStatusResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.vertexes) != 1 || len(sr.statuses) != 1 || len(sr.logs) != 1 {
		t.Fatalf("decoded %d vertexes, %d statuses, %d logs", len(sr.vertexes), len(sr.statuses), len(sr.logs))
	}
	v := sr.vertexes[0]
	if v.digest != "sha256:a" || v.name != "[2/2] RUN make" || v.err != "exit code: 2" || !v.started.Equal(start) || v.completed.Sub(v.started) != 1500*time.Millisecond {
		t.Errorf("vertex = %+v", v)
	}
	if s := sr.statuses[0]; s.vertex != "sha256:b" || s.name != "transferring context" || s.current != 2<<20 {
		t.Errorf("status = %+v", s)
	}
	if l := sr.logs[0]; l.vertex != "sha256:a" || l.stream != 2 || string(l.msg) != "boom\n" {
		t.Errorf("log = %+v", l)
	}
	if _, err := decodeStatusResponse(raw[:len(raw)-3]); err == nil {
		t.Error("a truncated message decoded without error")
	}
}

type recorder struct {
	mu     sync.Mutex
	status map[string]string
	events []string
}

func (r *recorder) Set(image, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == nil {
		r.status = map[string]string{}
	}
	r.status[image] = status
}

func (r *recorder) Event(image, line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "["+image+"] "+line)
}

func (r *recorder) Events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// TestTrackerFailure replays a failing build: the error names the image,
// the Dockerfile line, the command and its last output lines; CI mode
// prints numbered steps as BuildKit's plain progress does.
func TestTrackerFailure(t *testing.T) {
	df := parseDockerfile("app/Dockerfile", []byte(multiStage))
	rec := &recorder{}
	tr := newTracker("app", rec, true, df)
	t0 := time.Unix(1000, 0)
	run := "[builder 3/3] RUN --mount=type=cache,target=/cache echo hello; ls /cache;   echo bye >&2; exit 3"
	feed := func(raw []byte) {
		sr, err := decodeStatusResponse(raw)
		if err != nil {
			t.Fatal(err)
		}
		tr.handle(sr)
	}
	feed(response([][]byte{encodeVertex(fakeVertex{digest: "sha256:from", name: "[builder 1/3] FROM docker.io/x/busybox:1", started: t0, completed: t0, cached: true})}, nil, nil))
	feed(response([][]byte{encodeVertex(fakeVertex{digest: "sha256:run", name: run, started: t0})}, nil, nil))
	var logs [][]byte
	for i := 0; i < 20; i++ {
		logs = append(logs, encodeLog("sha256:run", 1, "line "+itoa(i)+"\n"))
	}
	logs = append(logs, encodeLog("sha256:run", 2, "partial "), encodeLog("sha256:run", 2, "to be joined\nno newline at the end"))
	feed(response(nil, nil, logs))
	feed(response([][]byte{
		encodeVertex(fakeVertex{digest: "sha256:run", name: run, started: t0, completed: t0.Add(2 * time.Second), err: "executor failed running [/bin/sh -c echo hello; ls /cache;   echo bye >&2; exit 3]: exit code: 3"}),
		encodeVertex(fakeVertex{digest: "sha256:other", name: "[stage-1 1/1] COPY --from=builder /bin/busybox /bb", started: t0, completed: t0, err: "context canceled"}),
	}, nil, nil))

	se := tr.stepError("app/Dockerfile", "executor failed running [/bin/sh -c echo hello; ls /cache;   echo bye >&2; exit 3]: exit code: 3")
	if se.Line != 7 {
		t.Errorf("line = %d, want 7", se.Line)
	}
	wantOut := []string{"line 10", "line 11", "line 12", "line 13", "line 14", "line 15", "line 16", "line 17", "line 18", "line 19", "partial to be joined", "no newline at the end"}
	if diff := cmp.Diff(wantOut, se.Output); diff != "" {
		t.Errorf("output tail (-want +got):\n%s", diff)
	}
	msg := se.Error()
	for _, want := range []string{
		"image app: app/Dockerfile:7: RUN --mount=type=cache,target=/cache echo hello; ls /cache; echo bye >&2; exit 3: the command failed (exit code: 3)",
		"   7 | RUN --mount=type=cache,target=/cache echo hello; ls /cache; \\",
		"   9 |   echo bye >&2; exit 3",
		"last output of the step:\n    line 10",
		"no newline at the end",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	ev := strings.Join(rec.Events(), "\n")
	for _, want := range []string{"[app] #1 [builder 1/3] FROM docker.io/x/busybox:1", "[app] #1 CACHED", "[app] #2 " + strings.Join(strings.Fields(run), " "), "[app] #2 line 0", "[app] #2 ERROR: executor failed"} {
		if !strings.Contains(ev, want) {
			t.Errorf("events lack %q:\n%s", want, ev)
		}
	}
}

func TestTrackerParseError(t *testing.T) {
	df := parseDockerfile("web/Dockerfile", []byte("FROM scratch\nRUNN echo hi\n"))
	tr := newTracker("web", &recorder{}, false, df)
	se := tr.stepError("web/Dockerfile", "failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: RUNN")
	want := "image web: web/Dockerfile:2: invalid Dockerfile: unknown instruction: RUNN\n     2 | RUNN echo hi"
	if se.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", se.Error(), want)
	}
}

// TestTrackerLiveStatus: on a terminal the status line shows the running
// step and its progress; nothing else is printed.
func TestTrackerLiveStatus(t *testing.T) {
	rec := &recorder{}
	tr := newTracker("web", rec, false, nil)
	t0 := time.Unix(1000, 0)
	sr, _ := decodeStatusResponse(response(
		[][]byte{encodeVertex(fakeVertex{digest: "sha256:ctx", name: "[internal] load build context", started: t0})},
		[][]byte{encodeStatus("sha256:ctx", "transferring context", 3<<20, 0)}, nil))
	tr.handle(sr)
	if got := rec.status["web"]; got != "#1 [internal] load build context  transferring context 3.0 MB" {
		t.Errorf("status = %q", got)
	}
	if len(rec.events) != 0 {
		t.Errorf("live mode printed events: %v", rec.events)
	}
}

func TestTrackerCopyNotFound(t *testing.T) {
	df := parseDockerfile("web/Dockerfile", []byte("FROM scratch\nCOPY missing.txt /x\n"))
	tr := newTracker("web", &recorder{}, false, df)
	t0 := time.Unix(1000, 0)
	sr, _ := decodeStatusResponse(response([][]byte{encodeVertex(fakeVertex{digest: "sha256:c", name: "[1/1] COPY missing.txt /x", started: t0, completed: t0, err: "\"/missing.txt\" not found: not found"})}, nil, nil))
	tr.handle(sr)
	se := tr.stepError("web/Dockerfile", "failed to compute cache key: \"/missing.txt\" not found: not found")
	want := "image web: web/Dockerfile:2: COPY missing.txt /x: \"/missing.txt\" not found: not found (a COPY source must be in the build context and not excluded by .dockerignore)\n     2 | COPY missing.txt /x"
	if se.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", se.Error(), want)
	}
}
