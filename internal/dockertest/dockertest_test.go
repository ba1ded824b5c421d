package dockertest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// TestEngineBuildsScratchImage proves the engine works end to end through the
// SDK: a FROM scratch image with a static Go binary, built with BuildKit.
func TestEngineBuildsScratchImage(t *testing.T) {
	c := Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bin, err := os.ReadFile(StaticBinary(t, HelloSource))
	if err != nil {
		t.Fatal(err)
	}
	tag := "ecsctl-dockertest:" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	res, err := c.ImageBuild(ctx, TarContext(t, map[string][]byte{
		"Dockerfile": []byte("FROM scratch\nCOPY hello /hello\nENTRYPOINT [\"/hello\"]\n"),
		"hello":      bin,
	}), client.ImageBuildOptions{Tags: []string{tag}, Version: build.BuilderBuildKit, NetworkMode: "none", Remove: true})
	if err != nil {
		t.Fatalf("image build: %v", err)
	}
	defer res.Body.Close()
	var imageID string
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var msg struct {
			ID    string          `json:"id"`
			Aux   json.RawMessage `json:"aux"`
			Error string          `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Fatalf("decode build message %q: %v", sc.Text(), err)
		}
		if msg.Error != "" {
			t.Fatalf("build failed: %s", msg.Error)
		}
		if msg.ID == "moby.image.id" {
			var aux struct{ ID string }
			if err := json.Unmarshal(msg.Aux, &aux); err != nil {
				t.Fatal(err)
			}
			imageID = aux.ID
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(imageID, "sha256:") {
		t.Fatalf("build reported no image id (got %q)", imageID)
	}
	t.Cleanup(func() { _, _ = c.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })

	insp, err := c.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatalf("inspect %s: %v", tag, err)
	}
	if insp.ID != imageID {
		t.Fatalf("tag %s points at %s, build said %s", tag, insp.ID, imageID)
	}
	if got := insp.Config.Entrypoint; len(got) != 1 || got[0] != "/hello" {
		t.Fatalf("entrypoint = %v, want [/hello]", got)
	}
}

// TestBusyboxImage: the imported base has a shell on PATH and the applets.
func TestBusyboxImage(t *testing.T) {
	c := Client(t)
	ref := BusyboxImage(t, c)
	if again := BusyboxImage(t, c); again != ref {
		t.Fatalf("second call gave %s, first %s", again, ref)
	}
	insp, err := c.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref, BusyboxRepository+":") || len(insp.Config.Cmd) != 1 || insp.Config.Cmd[0] != "sh" ||
		!strings.Contains(strings.Join(insp.Config.Env, " "), "PATH=/usr/local/sbin:") {
		t.Fatalf("%s: cmd %v env %v", ref, insp.Config.Cmd, insp.Config.Env)
	}
	if insp.Size < 1<<20 {
		t.Errorf("%s is %d bytes: busybox is missing", ref, insp.Size)
	}
}
