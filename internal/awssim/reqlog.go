package awssim

import (
	"encoding/json"
	"strings"
	"time"
)

// Request is one call the simulator answered, as the request log keeps it.
type Request struct {
	Time      time.Time       // simulated time the call arrived
	Service   string          // SigV4 signing name: "ecs", "ecr", "events", "scheduler", "s3", ...; "registry" for /v2/
	Operation string          // API operation, e.g. "DescribeServices"
	Params    json.RawMessage // the request parameters as JSON (the body for JSON protocols; the form or path otherwise)
	Status    int             // HTTP status answered
	ErrorCode string          // AWS error code when Status is not 2xx
}

// Write reports whether the operation changes state (anything that is not a
// Describe/List/Get/BatchGet/Head/Filter/... call).
func (r Request) Write() bool { return !IsReadOperation(r.Operation) }

var readPrefixes = []string{"Describe", "List", "Get", "BatchGet", "BatchCheck", "Head", "Filter", "Search", "Ping", "Check"}

// IsReadOperation reports whether an operation name only reads.
func IsReadOperation(op string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

func (s *Server) logRequest(r Request) {
	s.reqlog = append(s.reqlog, r)
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqlog...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.reqlog = nil
	s.mu.Unlock()
}

// Writes returns the logged calls that change state, excluding the registry's.
func (s *Server) Writes() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Write() && r.Service != "registry" {
			out = append(out, r)
		}
	}
	return out
}

// Count returns how many logged calls were made to service's operation
// (successful or not). An empty service matches any.
func (s *Server) Count(service, operation string) int {
	n := 0
	for _, r := range s.Requests() {
		if (service == "" || r.Service == service) && r.Operation == operation {
			n++
		}
	}
	return n
}
