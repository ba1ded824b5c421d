package lookup

import (
	"errors"
	"sort"
	"strings"

	"github.com/ecsctl/ecsctl/internal/config"
)

// Redacted replaces a secret value wherever Redact finds one.
const Redacted = "(secret)"

// Secret reports whether s is a value a lookup marked secret (a
// SecureString parameter or a sensitive output).
func (r *Resolver) Secret(s string) bool {
	if r == nil {
		return false
	}
	r.secretsMu.RLock()
	defer r.secretsMu.RUnlock()
	return r.secrets[s]
}

// Redact replaces every secret value resolved so far that occurs in s.
func (r *Resolver) Redact(s string) string {
	if r == nil {
		return s
	}
	r.secretsMu.RLock()
	secrets := make([]string, 0, len(r.secrets))
	for v := range r.secrets {
		secrets = append(secrets, v)
	}
	r.secretsMu.RUnlock()
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// RedactError takes secret values out of an error from loading the config:
// the problems of a *config.Error are rewritten in place (its type, and so
// its exit code, stay); any other error is replaced by one with the redacted
// message when it holds a secret.
func (r *Resolver) RedactError(err error) error {
	if r == nil || err == nil {
		return err
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		for i := range ce.Problems {
			ce.Problems[i].Message = r.Redact(ce.Problems[i].Message)
		}
		if msg := err.Error(); r.Redact(msg) == msg {
			return err
		}
	}
	if msg := err.Error(); r.Redact(msg) != msg {
		return &redactedError{msg: r.Redact(msg), err: err}
	}
	return err
}

// redactedError shows a redacted message but keeps the chain for errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
