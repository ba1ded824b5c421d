package batch

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsctl/ecsctl/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// loadConfig loads a config file from testdata with the real loader.
func loadConfig(t testing.TB, file string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("testdata", file), config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	return cfg
}

// parseConfig loads a config from text.
func parseConfig(t testing.TB, src string) (*config.Config, error) {
	t.Helper()
	return config.Parse(filepath.Join(t.TempDir(), "ecsctl.yml"), []byte(src), config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./batch -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./batch -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
	}
}

// indentJSON shows SDK inputs roughly as they go on the wire: fields the
// SDK would not send (nil pointers, empty enums) are left out.
func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(prune(tree)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil || e == "" {
				delete(x, k)
				continue
			}
			x[k] = prune(e)
		}
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
	}
	return v
}

var testTarget = target{
	clusterARN:        "arn:aws:ecs:us-east-1:123456789012:cluster/example",
	taskDefinitionARN: "arn:aws:ecs:us-east-1:123456789012:task-definition/app:12",
}

func TestTranslateGolden(t *testing.T) {
	cfg := loadConfig(t, "translate.yml")
	for _, b := range cfg.Batches {
		t.Run(b.Name, func(t *testing.T) {
			var v any
			if b.Via == config.ViaScheduler {
				in, err := ScheduleRequest(cfg.Name, b, testTarget)
				if err != nil {
					t.Fatal(err)
				}
				v = map[string]any{"CreateSchedule": in}
			} else {
				rule, targets, err := RuleRequests(cfg.Name, b, testTarget)
				if err != nil {
					t.Fatal(err)
				}
				v = map[string]any{"PutRule": rule, "PutTargets": targets}
			}
			golden(t, b.Name+".json", indentJSON(t, v))
		})
	}
}

// The same config always gives the same request, whatever order maps are
// iterated in or the file lists environment variables and containers.
func TestTranslateStable(t *testing.T) {
	cfg := loadConfig(t, "translate.yml")
	b := cfg.Batch("tokyo")
	first, err := ScheduleRequest(cfg.Name, b, testTarget)
	if err != nil {
		t.Fatal(err)
	}
	want := string(indentJSON(t, first))
	for range 20 {
		again, err := ScheduleRequest(cfg.Name, b, testTarget)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(indentJSON(t, again)); got != want {
			t.Fatalf("request changed between calls:\n%s\n%s", got, want)
		}
	}

	reordered, err := parseConfig(t, `
name: example
cluster: example
batches:
  a:
    schedule: rate(5 minutes)
    task_definition: app
    role: arn:aws:iam::123456789012:role/r
    network: {subnets: [subnet-1]}
    overrides:
      web: {environment: {B: "2", A: "1"}}
      app: {command: [x]}
  b:
    schedule: rate(5 minutes)
    task_definition: app
    role: arn:aws:iam::123456789012:role/r
    network: {subnets: [subnet-1]}
    overrides:
      app: {command: [x]}
      web: {environment: {A: "1", B: "2"}}
`)
	if err != nil {
		t.Fatal(err)
	}
	ia, err := OverridesInput(reordered.Batch("a"))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := OverridesInput(reordered.Batch("b"))
	if err != nil {
		t.Fatal(err)
	}
	if ia != ib {
		t.Errorf("overrides depend on the order in the file:\n%s\n%s", ia, ib)
	}
	if want := `{"containerOverrides":[{"name":"app","command":["x"]},{"name":"web","environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}`; ia != want {
		t.Errorf("Input = %s, want %s", ia, want)
	}
}

func TestResourceNames(t *testing.T) {
	long := strings.Repeat("b", 48)
	cases := []struct{ cfg, batch, want string }{
		{"example", "nightly", "ecsctl.example.nightly"},
		{"example-production", "report.v2", "ecsctl.example-production.report.v2"},
	}
	for _, c := range cases {
		if got := ResourceName(c.cfg, c.batch); got != c.want {
			t.Errorf("ResourceName(%q, %q) = %q, want %q", c.cfg, c.batch, got, c.want)
		}
	}
	seen := map[string]bool{}
	for _, cfgName := range []string{"app", "app-staging", strings.Repeat("c", 40), strings.Repeat("c", 41)} {
		for _, b := range []string{"x", long, long[:47] + "a"} {
			n := ResourceName(cfgName, b)
			if len(n) > maxName {
				t.Errorf("ResourceName(%q, %q) = %q: %d characters, AWS allows %d", cfgName, b, n, len(n), maxName)
			}
			if !strings.HasPrefix(n, Prefix(cfgName)) {
				t.Errorf("%q does not start with its config's prefix %q", n, Prefix(cfgName))
			}
			if seen[n] {
				t.Errorf("two batches share the name %q", n)
			}
			seen[n] = true
			if len(GroupName(cfgName)) > maxName {
				t.Errorf("GroupName(%q) is too long", cfgName)
			}
		}
	}
	// One config's prefix never selects another config's names.
	for _, a := range []string{"app", "app-staging", "app_x", strings.Repeat("c", 40)} {
		for _, b := range []string{"app", "app-staging", "app_x", strings.Repeat("c", 41)} {
			if a != b && strings.HasPrefix(ResourceName(b, "nightly"), Prefix(a)) {
				t.Errorf("config %q's prefix %q matches config %q's rule %q", a, Prefix(a), b, ResourceName(b, "nightly"))
			}
		}
	}
}
