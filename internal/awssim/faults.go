package awssim

import (
	"net"
	"net/http"
	"time"
)

// Fault makes matching calls misbehave, the way AWS does on a bad day.
type Fault struct {
	Service     string        // SigV4 signing name ("ecs"), "registry", or "" for any
	Operation   string        // operation name ("DescribeServices"), or "" for any
	Throttle    float64       // share of matching calls answered with the service's throttling error
	ServerError float64       // share answered with an HTTP 5xx
	Reset       float64       // share whose connection is reset without an answer
	Latency     time.Duration // wall-clock delay added before answering
	Times       int           // if > 0, the fault is removed after it has acted this many times
}

type faultRule struct {
	Fault
	acted int
}

type faultAction int

const (
	faultNone faultAction = iota
	faultThrottle
	faultServerError
	faultReset
)

// AddFault installs f and returns a function that removes it.
func (s *Server) AddFault(f Fault) (remove func()) {
	r := &faultRule{Fault: f}
	s.mu.Lock()
	s.faults = append(s.faults, r)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.removeFaultLocked(r)
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (s *Server) removeFaultLocked(r *faultRule) {
	for i, f := range s.faults {
		if f == r {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return
		}
	}
}

// decideFault samples the installed faults for one call.
func (s *Server) decideFault(svc, op string) (faultAction, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var latency time.Duration
	for _, f := range append([]*faultRule(nil), s.faults...) {
		if (f.Service != "" && f.Service != svc) || (f.Operation != "" && f.Operation != op) {
			continue
		}
		latency += f.Latency
		act := faultNone
		x := s.randFloat()
		switch {
		case x < f.Throttle:
			act = faultThrottle
		case x < f.Throttle+f.ServerError:
			act = faultServerError
		case x < f.Throttle+f.ServerError+f.Reset:
			act = faultReset
		}
		if act != faultNone || f.Latency > 0 {
			f.acted++
			if f.Times > 0 && f.acted >= f.Times {
				s.removeFaultLocked(f)
			}
		}
		if act != faultNone {
			return act, latency
		}
	}
	return faultNone, latency
}

// resetConnection closes the client's connection abruptly (TCP RST).
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
