// Package exitcode maps errors to ecsctl's documented process exit codes, so a
// pipeline can branch on the outcome.
package exitcode

import (
	"context"
	"errors"
)

// The exit codes, as documented in README.md.
const (
	OK = 0
	// Failed: the operation failed (AWS, Docker or network error, build failure).
	Failed = 1
	// Usage: bad flags, arguments, config or input; no AWS write call was made.
	Usage = 2
	// RolledBack: a deploy failed and the service is back on the revision it ran before.
	RolledBack = 3
	// NotRolledBack: a deploy failed and the service is not back on a known-good
	// revision (--no-rollback, or the rollback failed too). Someone has to look.
	NotRolledBack = 4
	// Busy: another deployment of the service is in progress (see --wait-for-lock).
	Busy = 5
	// TaskNotStarted: `batch run` could not start the task or its container
	// (e.g. CannotPullContainerError); otherwise `batch run` exits with the
	// container's own exit code.
	TaskNotStarted = 125
	// Interrupted: stopped by Ctrl-C or SIGTERM (128 + SIGINT).
	Interrupted = 130
)

// Coder is implemented by errors that carry their own exit code.
type Coder interface {
	ExitCode() int
}

// Error attaches an exit code to an error.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode implements Coder.
func (e *Error) ExitCode() int { return e.Code }

// With attaches code to err (nil stays nil).
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// BadInput marks err as bad usage or input (exit code 2).
func BadInput(err error) error { return With(Usage, err) }

// Of returns the exit code for err: 0 for nil, the code of the outermost
// Coder in its chain, Interrupted for a cancelled context, else Failed.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Failed
}
