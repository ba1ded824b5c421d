package awssim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Behaviour scripting: what the "containers" of the simulated ECS do. Nothing
// runs; a rule tells the simulator how a container of a given image behaves
// (how long it takes to start, whether and when it exits and with which code,
// how its health checks go, what it logs), and the task lifecycle follows.

// Behavior is how a container behaves once ECS starts it. The zero value is a
// well-behaved server: it starts, passes its health checks and runs until stopped.
type Behavior struct {
	// StartDelay is added to the time the task takes to reach RUNNING (a slow
	// image pull or a slow entrypoint).
	StartDelay time.Duration `yaml:"startDelay,omitempty" json:"startDelay,omitempty"`
	// Exit makes the container exit on its own. A task whose essential
	// container exits stops with stopCode EssentialContainerExited.
	Exit *ExitBehavior `yaml:"exit,omitempty" json:"exit,omitempty"`
	// FailHealthChecks makes the task's load balancer targets go unhealthy
	// (and its container health checks, if it has any, fail), so ECS replaces it.
	FailHealthChecks bool `yaml:"failHealthChecks,omitempty" json:"failHealthChecks,omitempty"`
	// HealthCheckCode is the HTTP status failing ELB health checks get
	// (Target.ResponseCodeMismatch); default 502.
	HealthCheckCode int `yaml:"healthCheckCode,omitempty" json:"healthCheckCode,omitempty"`
	// HealthCheckTimeout makes failing ELB health checks time out instead
	// (Target.Timeout, "Request timed out").
	HealthCheckTimeout bool `yaml:"healthCheckTimeout,omitempty" json:"healthCheckTimeout,omitempty"`
	// HealthyAfter is how long after reaching RUNNING the application starts
	// answering health checks. If it is longer than the target group's
	// unhealthy threshold allows, the target goes unhealthy first, as on AWS.
	HealthyAfter time.Duration `yaml:"healthyAfter,omitempty" json:"healthyAfter,omitempty"`
	// Logs are printed when the container starts; ExitLogs when it exits on
	// its own. They go to CloudWatch Logs for containers using awslogs.
	Logs     []string `yaml:"logs,omitempty" json:"logs,omitempty"`
	ExitLogs []string `yaml:"exitLogs,omitempty" json:"exitLogs,omitempty"`
}

// ExitBehavior makes a container exit with Code after running for After.
type ExitBehavior struct {
	Code  int           `yaml:"code" json:"code"`
	After time.Duration `yaml:"after,omitempty" json:"after,omitempty"`
}

// BehaviorRule gives the behaviour of the containers it matches.
type BehaviorRule struct {
	// Image matches a container's image by its exact URI
	// ("127.0.0.1:4599/web:v2"), by the URI without tag or digest
	// ("127.0.0.1:4599/web"), by digest ("sha256:..."; an image pushed to the
	// simulator's registry matches by the digest its tag resolves to), or
	// "*" for every image.
	Image string `yaml:"image" json:"image"`
	// Command, if set, restricts the rule to containers running exactly this
	// command (the task definition's, or RunTask's override), so a batch run
	// of a service image can behave differently.
	Command  []string `yaml:"command,omitempty" json:"command,omitempty"`
	Behavior `yaml:",inline"`
}

// ExitsWith is shorthand for a behaviour that exits with code after running for after.
func ExitsWith(code int, after time.Duration) Behavior {
	return Behavior{Exit: &ExitBehavior{Code: code, After: after}}
}

// ECSTimings are the simulated durations of the steps a Fargate task and an
// ELB target go through. The defaults are close to what Fargate shows, so a
// rolling update of a few tasks behind a load balancer takes a few simulated
// minutes (most of it the target group's 300 s deregistration delay).
type ECSTimings struct {
	Provisioning       time.Duration `yaml:"provisioning" json:"provisioning"`             // PROVISIONING: ENI created and attached
	Pull               time.Duration `yaml:"pull" json:"pull"`                             // PENDING: images pulled
	Activating         time.Duration `yaml:"activating" json:"activating"`                 // ACTIVATING: targets registered
	Stable             time.Duration `yaml:"stable" json:"stable"`                         // a task with no health check counts as healthy after running this long
	Deactivating       time.Duration `yaml:"deactivating" json:"deactivating"`             // DEACTIVATING without a load balancer (with one: the deregistration delay)
	Stopping           time.Duration `yaml:"stopping" json:"stopping"`                     // STOPPING: containers get SIGTERM and exit
	Deprovisioning     time.Duration `yaml:"deprovisioning" json:"deprovisioning"`         // DEPROVISIONING: ENI detached and deleted
	TargetRegistration time.Duration `yaml:"targetRegistration" json:"targetRegistration"` // ELB target in "initial" (Elb.RegistrationInProgress)
	HealthReaction     time.Duration `yaml:"healthReaction" json:"healthReaction"`         // the scheduler acts on a failed health check after this long
	StoppedRetention   time.Duration `yaml:"stoppedRetention" json:"stoppedRetention"`     // how long a STOPPED task stays describable
}

// DefaultECSTimings are the timings a new Server uses.
func DefaultECSTimings() ECSTimings {
	return ECSTimings{
		Provisioning:       10 * time.Second,
		Pull:               15 * time.Second,
		Activating:         5 * time.Second,
		Stable:             30 * time.Second,
		Deactivating:       2 * time.Second,
		Stopping:           5 * time.Second,
		Deprovisioning:     10 * time.Second,
		TargetRegistration: 10 * time.Second,
		HealthReaction:     10 * time.Second,
		StoppedRetention:   time.Hour,
	}
}

// SetBehavior adds rules. A rule with the same Image and Command as an
// existing one replaces it. Rules apply to tasks started afterwards.
func (s *Server) SetBehavior(rules ...BehaviorRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rules {
		replaced := false
		for i, old := range s.ecs.rules {
			if old.Image == r.Image && slices.Equal(old.Command, r.Command) {
				s.ecs.rules[i] = r
				replaced = true
				break
			}
		}
		if !replaced {
			s.ecs.rules = append(s.ecs.rules, r)
		}
	}
}

// ClearBehaviors removes every behaviour rule.
func (s *Server) ClearBehaviors() {
	s.mu.Lock()
	s.ecs.rules = nil
	s.mu.Unlock()
}

// SetECSTimings replaces the lifecycle timings; zero fields keep their defaults.
func (s *Server) SetECSTimings(t ECSTimings) {
	d := DefaultECSTimings()
	fill := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&t.Provisioning, d.Provisioning)
	fill(&t.Pull, d.Pull)
	fill(&t.Activating, d.Activating)
	fill(&t.Stable, d.Stable)
	fill(&t.Deactivating, d.Deactivating)
	fill(&t.Stopping, d.Stopping)
	fill(&t.Deprovisioning, d.Deprovisioning)
	fill(&t.TargetRegistration, d.TargetRegistration)
	fill(&t.HealthReaction, d.HealthReaction)
	fill(&t.StoppedRetention, d.StoppedRetention)
	s.mu.Lock()
	s.ecs.timings = t
	s.mu.Unlock()
}

// behaviorFor picks the behaviour of a container: the most specific matching
// rule (a command match beats an image match; an exact URI beats a digest,
// which beats a repository), the latest one among equals.
func (s *Server) behaviorFor(image, digest string, command []string) Behavior {
	best, bestScore := Behavior{}, -1
	for _, r := range s.ecs.rules {
		score := imageMatchScore(r.Image, image, digest)
		if score < 0 {
			continue
		}
		if r.Command != nil {
			if !slices.Equal(r.Command, command) {
				continue
			}
			score += 10
		}
		if score >= bestScore {
			best, bestScore = r.Behavior, score
		}
	}
	return best
}

// imageMatchScore says how well a rule's image pattern matches a container
// image (-1: not at all).
func imageMatchScore(pattern, image, digest string) int {
	switch {
	case pattern == image:
		return 3
	case strings.HasPrefix(pattern, "sha256:"):
		if pattern == digest || strings.HasSuffix(image, "@"+pattern) {
			return 2
		}
		return -1
	case pattern == imageRepo(image) && pattern == imageRepo(pattern):
		return 1
	case pattern == "*":
		return 0
	}
	return -1
}

// imageRepo strips the tag and digest from an image reference.
func imageRepo(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// ParseBehaviors reads behaviour rules from YAML: a list of rules, e.g.
//
//   - image: 127.0.0.1:4599/web:broken
//     exit: {code: 1, after: 5s}
//     logs: ["starting", "panic: config missing"]
//   - image: 127.0.0.1:4599/web
//     healthyAfter: 20s
func ParseBehaviors(data []byte) ([]BehaviorRule, error) {
	var rules []BehaviorRule
	if err := yaml.UnmarshalWithOptions(data, &rules, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("parse behaviour rules: %w", err)
	}
	if err := ValidateBehaviors(rules); err != nil {
		return nil, err
	}
	return rules, nil
}

// ValidateBehaviors checks rules for mistakes a person can fix.
func ValidateBehaviors(rules []BehaviorRule) error {
	for i, r := range rules {
		if r.Image == "" {
			return fmt.Errorf("behaviour rule %d: image is required (a URI, a URI without tag, a sha256: digest or \"*\")", i+1)
		}
		if r.Exit != nil && (r.Exit.Code < 0 || r.Exit.Code > 255) {
			return fmt.Errorf("behaviour rule %d (%s): exit code %d is not between 0 and 255", i+1, r.Image, r.Exit.Code)
		}
		if r.HealthCheckCode != 0 && (r.HealthCheckCode < 100 || r.HealthCheckCode > 599) {
			return fmt.Errorf("behaviour rule %d (%s): healthCheckCode %d is not an HTTP status", i+1, r.Image, r.HealthCheckCode)
		}
	}
	return nil
}
