package release

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// Outcome is how a service's deploy ended.
type Outcome string

// Outcomes, with the exit code each gives.
const (
	OutcomeSucceeded   Outcome = "succeeded"    // 0: the new revision runs, COMPLETED
	OutcomeUnchanged   Outcome = "unchanged"    // 0: the images already run; nothing registered or deployed
	OutcomePlanned     Outcome = "planned"      // 0: --dry-run
	OutcomeRolledBack  Outcome = "rolled-back"  // 3: failed; the service is back on the revision it ran before
	OutcomeFailed      Outcome = "failed"       // 4: failed; not back on a known-good revision
	OutcomeNotDeployed Outcome = "not-deployed" // 1: registering or updating failed; the service is unchanged
	OutcomeBusy        Outcome = "busy"         // 5: another deployment is in progress; nothing done
	OutcomeSkipped     Outcome = "skipped"      // 5: not started because another service was busy
	OutcomeInterrupted Outcome = "interrupted"  // 130: stopped watching; ECS goes on
)

// Result is what Deploy and Wait report, per service in the order asked.
type Result struct {
	DryRun   bool             `json:"dryRun"`
	Services []*ServiceResult `json:"services"`
}

// ServiceResult is how one service's deploy went. The JSON field names are
// the documented --output json schema (docs/deploy.md).
type ServiceResult struct {
	Service string  `json:"service"`
	Cluster string  `json:"cluster"`
	Outcome Outcome `json:"outcome"`
	// ExitCode is this service's share of the process exit code.
	ExitCode int `json:"exitCode"`
	// Message says in a sentence how it ended.
	Message string `json:"message"`
	// OldTaskDefinition is the revision the service ran before; NewTaskDefinition
	// the one deployed (the same with --force-new-deployment and unchanged images;
	// "" when nothing was registered); FinalTaskDefinition what the service is set
	// to run at the end.
	OldTaskDefinition   string        `json:"oldTaskDefinition"`
	NewTaskDefinition   string        `json:"newTaskDefinition,omitempty"`
	FinalTaskDefinition string        `json:"finalTaskDefinition,omitempty"`
	Images              []ImageChange `json:"images"`
	// DeploymentID is the deployment UpdateService created (ecs-svc/...).
	DeploymentID string `json:"deploymentId,omitempty"`
	// RolledBackBy is "circuit-breaker" or "ecsctl" when a rollback ran;
	// RollbackDeploymentID is its deployment.
	RolledBackBy         string        `json:"rolledBackBy,omitempty"`
	RollbackDeploymentID string        `json:"rollbackDeploymentId,omitempty"`
	StartedAt            time.Time     `json:"startedAt,omitzero"`
	FinishedAt           time.Time     `json:"finishedAt,omitzero"`
	Duration             time.Duration `json:"-"`
	// Failures are the reasons seen, in order: rolloutStateReason, stopped
	// tasks (stoppedReason, exit codes), timeouts, failed rollback steps.
	Failures []string `json:"failures"`
	// Notes are what happened besides: the after-deploy hook's notes,
	// deregistered revisions.
	Notes []string `json:"notes"`
	// Diff is the --dry-run diff of the running task definition against the
	// one that would be registered.
	Diff string `json:"diff,omitempty"`
}

// MarshalJSON adds durationSeconds and keeps lists as [] rather than null.
func (r *ServiceResult) MarshalJSON() ([]byte, error) {
	type plain ServiceResult
	p := plain(*r)
	if p.Failures == nil {
		p.Failures = []string{}
	}
	if p.Notes == nil {
		p.Notes = []string{}
	}
	if p.Images == nil {
		p.Images = []ImageChange{}
	}
	return json.Marshal(struct {
		plain
		DurationSeconds float64 `json:"durationSeconds"`
	}{p, r.Duration.Round(time.Millisecond).Seconds()})
}

// WriteText prints a line per service, then its failure reasons and notes.
func (r *Result) WriteText(w io.Writer) error {
	width := 0
	for _, s := range r.Services {
		width = max(width, len(s.Service))
	}
	var sb strings.Builder
	for _, s := range r.Services {
		fmt.Fprintf(&sb, "%-*s  %s", width, s.Service, s.Outcome)
		if s.Message != "" {
			sb.WriteString(": " + s.Message)
		}
		if d := s.Duration.Round(time.Second); d > 0 {
			fmt.Fprintf(&sb, " (%s)", d)
		}
		sb.WriteString("\n")
		for _, c := range s.Images {
			fmt.Fprintf(&sb, "%*s  image %s: %s -> %s\n", width, "", c.Container, c.From, c.To)
		}
		for _, f := range s.Failures {
			fmt.Fprintf(&sb, "%*s  - %s\n", width, "", f)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&sb, "%*s  note: %s\n", width, "", n)
		}
		if s.Diff != "" {
			sb.WriteString(s.Diff)
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// Err sums the services' outcomes up as an error carrying the process exit
// code, or nil when every service succeeded (or had nothing to do). The
// worst code wins: interrupted, then failed without rollback, busy, rolled
// back, other failures.
func (r *Result) Err() error {
	rank := map[int]int{exitcode.Interrupted: 6, exitcode.NotRolledBack: 5, exitcode.Busy: 4, exitcode.RolledBack: 3, exitcode.Failed: 2}
	code := 0
	var bad []string
	for _, s := range r.Services {
		if s.ExitCode == 0 {
			continue
		}
		bad = append(bad, s.Service+": "+string(s.Outcome))
		if rank[s.ExitCode] > rank[code] || code == 0 {
			code = s.ExitCode
		}
	}
	if code == 0 {
		return nil
	}
	return exitcode.With(code, &DeployError{Summary: strings.Join(bad, ", ")})
}

// DeployError says which services did not deploy; the details are in the Result.
type DeployError struct{ Summary string }

func (e *DeployError) Error() string { return "deploy did not succeed: " + e.Summary }
