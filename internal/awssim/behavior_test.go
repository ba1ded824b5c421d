package awssim

import (
	"strings"
	"testing"
	"time"
)

func TestBehaviorRuleMatching(t *testing.T) {
	s := New(WithSeed(1))
	digest := "sha256:" + strings.Repeat("c", 64)
	s.SetBehavior(
		BehaviorRule{Image: "*", Behavior: Behavior{Logs: []string{"any"}}},
		BehaviorRule{Image: "127.0.0.1:4599/web", Behavior: Behavior{Logs: []string{"repo"}}},
		BehaviorRule{Image: digest, Behavior: Behavior{Logs: []string{"digest"}}},
		BehaviorRule{Image: "127.0.0.1:4599/web:v2", Behavior: Behavior{Logs: []string{"exact"}}},
		BehaviorRule{Image: "127.0.0.1:4599/web:v2", Command: []string{"migrate"}, Behavior: ExitsWith(0, time.Second)},
	)
	cases := []struct {
		image, digest string
		command       []string
		want          string
	}{
		{"127.0.0.1:4599/web:v2", "", []string{"migrate"}, "exit"},
		{"127.0.0.1:4599/web:v2", "", []string{"serve"}, "exact"},
		{"127.0.0.1:4599/web:v3", digest, nil, "digest"},
		{"127.0.0.1:4599/web@" + digest, digest, nil, "digest"},
		{"127.0.0.1:4599/web:v3", "sha256:other", nil, "repo"},
		{"127.0.0.1:4599/webapp:v1", "", nil, "any"},
	}
	for _, tc := range cases {
		s.mu.Lock()
		b := s.behaviorFor(tc.image, tc.digest, tc.command)
		s.mu.Unlock()
		got := "exit"
		if b.Exit == nil {
			got = strings.Join(b.Logs, ",")
		}
		if got != tc.want {
			t.Errorf("%s %v: got rule %q, want %q", tc.image, tc.command, got, tc.want)
		}
	}
	// Same image and command replace the rule; ClearBehaviors forgets them all.
	s.SetBehavior(BehaviorRule{Image: "*", Behavior: Behavior{Logs: []string{"any2"}}})
	s.mu.Lock()
	n, b := len(s.ecs.rules), s.behaviorFor("x", "", nil)
	s.mu.Unlock()
	if n != 5 || b.Logs[0] != "any2" {
		t.Errorf("replacing a rule: %d rules, %v", n, b.Logs)
	}
	s.ClearBehaviors()
	s.mu.Lock()
	b = s.behaviorFor("127.0.0.1:4599/web:v2", "", nil)
	s.mu.Unlock()
	if b.Exit != nil || b.Logs != nil {
		t.Errorf("after ClearBehaviors: %+v", b)
	}
}

func TestParseBehaviors(t *testing.T) {
	rules, err := ParseBehaviors([]byte(`
- image: 127.0.0.1:4599/web:broken
  exit: {code: 1, after: 5s}
  logs: ["starting", "panic: DATABASE_URL is not set"]
- image: 127.0.0.1:4599/web
  command: ["./manage", "report"]
  exit: {code: 3, after: 2m}
  exitLogs: ["report failed"]
- image: sha256:abc
  failHealthChecks: true
  healthCheckTimeout: true
- image: "*"
  startDelay: 20s
  healthyAfter: 1m30s
`))
	if err != nil {
		t.Fatalf("ParseBehaviors: %v", err)
	}
	if len(rules) != 4 || rules[0].Exit.Code != 1 || rules[0].Exit.After != 5*time.Second ||
		rules[1].Command[1] != "report" || rules[1].Exit.After != 2*time.Minute || rules[1].ExitLogs[0] != "report failed" ||
		!rules[2].FailHealthChecks || !rules[2].HealthCheckTimeout ||
		rules[3].StartDelay != 20*time.Second || rules[3].HealthyAfter != 90*time.Second {
		t.Fatalf("parsed %+v", rules)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"- exit: {code: 1}", "image is required"},
		{"- image: x\n  exit: {code: 300}", "exit code 300 is not between 0 and 255"},
		{"- image: x\n  exitcode: 1", "exitcode"},
		{"- image: x\n  startDelay: soon", `invalid duration "soon"`},
	} {
		if _, err := ParseBehaviors([]byte(bad.yaml)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want it to mention %q", bad.yaml, err, bad.want)
		}
	}
}
