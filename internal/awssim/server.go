// Package awssim is an in-process AWS simulator for ecsctl's tests and for trying
// ecsctl without an AWS account.
//
// It speaks the real AWS wire protocols on one HTTP listener, so the real
// aws-sdk-go-v2 clients talk to it with only their endpoint overridden:
// AWS JSON 1.1 (ECS, ECR, EventBridge, CloudWatch Logs, SSM), REST-JSON
// (EventBridge Scheduler), Query with XML responses (ELBv2, STS) and REST-XML
// (S3). The same listener serves an OCI/Docker registry under /v2/ that ECR's
// repository URIs point at, so a real Docker engine can push to it.
//
// All state lives behind one mutex. Time is simulated: a Clock tells the
// current simulated time and timed events (a task reaching RUNNING, a
// deployment completing) are applied lazily, in order, before each request is
// answered. Tests speed the clock up so a rolling update takes milliseconds.
package awssim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultRegion and DefaultAccountID are what a Server uses unless told otherwise.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Server is the simulator. Create it with New or NewTestServer.
type Server struct {
	region    string
	accountID string

	// mu guards everything below it, including every service's state.
	mu      sync.Mutex
	clock   Clock
	simNow  time.Time // the simulated time events and handlers see; see now()
	queue   eventQueue
	rnd     *rand.Rand
	reqlog  []Request
	faults  []*faultRule
	jsonOps map[string]map[string]jsonOp  // signing name -> operation -> handler
	qryOps  map[string]map[string]queryOp // signing name -> operation -> handler
	closers []func()

	// Per-service state. Each is owned by the file of that service.
	ecs       *ecsState
	elb       *elbState
	ecr       *ecrState
	registry  *registry // has its own lock; never take s.mu while holding it
	logs      *logsState
	ssm       *ssmState
	s3        *s3State
	events    *eventsState
	scheduler *schedulerState

	httpSrv *http.Server
	ln      net.Listener
	url     string
	host    string
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the Server read simulated time from c.
func WithClock(c Clock) Option { return func(s *Server) { s.clock = c } }

// WithSpeed runs simulated time speed times faster than wall time
// (1 = real time, 1000 = a simulated second per wall millisecond).
func WithSpeed(speed float64) Option {
	return func(s *Server) { s.clock = NewScaledClock(time.Now(), speed) }
}

// WithRegion sets the region used in ARNs and repository URIs.
func WithRegion(region string) Option { return func(s *Server) { s.region = region } }

// WithAccountID sets the account used in ARNs and returned by STS.
func WithAccountID(id string) Option { return func(s *Server) { s.accountID = id } }

// WithSeed makes generated IDs and fault sampling repeatable.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// New returns a Server that is not yet listening; call Start, or use it as an
// http.Handler.
func New(opts ...Option) *Server {
	s := &Server{
		region:    DefaultRegion,
		accountID: DefaultAccountID,
		clock:     NewScaledClock(time.Now(), 1),
		rnd:       rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42)),
		jsonOps:   map[string]map[string]jsonOp{},
		qryOps:    map[string]map[string]queryOp{},
	}
	for _, o := range opts {
		o(s)
	}
	s.simNow = s.clock.Now()
	s.registerECS()
	s.registerELB()
	s.registerECR()
	s.registerLogs()
	s.registerSSM()
	s.registerS3()
	s.registerSTS()
	s.registerEvents()
	s.registerScheduler()
	return s
}

// Region is the region the simulator pretends to be.
func (s *Server) Region() string { return s.region }

// AccountID is the account the simulator pretends to be.
func (s *Server) AccountID() string { return s.accountID }

// Clock returns the clock the simulator reads.
func (s *Server) Clock() Clock { return s.clock }

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	s.host = ln.Addr().String()
	s.url = "http://" + s.host
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return nil
}

// URL is the endpoint to give the SDK, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// Host is the listener's host:port; ECR repository URIs live on it.
func (s *Server) Host() string { return s.host }

// Close stops the listener and background work.
func (s *Server) Close() error {
	var err error
	if s.httpSrv != nil {
		// A short grace for answers in flight; connections a client opened
		// but never used would otherwise hold Shutdown for seconds.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err = s.httpSrv.Shutdown(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.httpSrv.Close()
		}
	}
	s.mu.Lock()
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	for _, c := range closers {
		c()
	}
	return err
}

// onClose registers f to run when the server closes. Call with s.mu held.
func (s *Server) onClose(f func()) { s.closers = append(s.closers, f) }

// ServeHTTP routes a request the way AWS does: the registry by path, then by
// the service named in the SigV4 credential scope, falling back to the JSON
// target prefix or the Query action for unsigned requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/") {
		s.serveRegistry(w, r)
		return
	}
	svc := signingService(r)
	if svc == "" {
		svc = guessService(r)
	}
	switch svc {
	case "ecs", "ecr", "events", "logs", "ssm":
		s.serveJSON(w, r, svc)
	case "elasticloadbalancing", "sts":
		s.serveQuery(w, r, svc)
	case "scheduler":
		s.serveScheduler(w, r)
	case "s3":
		s.serveS3(w, r)
	default:
		writeJSONError(w, &APIError{Status: 400, Code: "UnrecognizedClientException",
			Message: fmt.Sprintf("The simulator does not implement service %q.", svc)})
	}
}

// signingService returns the service of the SigV4 credential scope
// ("AKID/20260101/us-east-1/ecs/aws4_request"), or "".
func signingService(r *http.Request) string {
	cred := ""
	if a := r.Header.Get("Authorization"); a != "" {
		if i := strings.Index(a, "Credential="); i >= 0 {
			cred = a[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

var jsonTargetPrefixes = map[string]string{
	"AmazonEC2ContainerServiceV20141113":   "ecs",
	"AmazonEC2ContainerRegistry_V20150921": "ecr",
	"AWSEvents":                            "events",
	"Logs_20140328":                        "logs",
	"AmazonSSM":                            "ssm",
}

// guessService routes unsigned requests.
func guessService(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		return jsonTargetPrefixes[prefix]
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/schedules") || strings.HasPrefix(p, "/schedule-groups") || strings.HasPrefix(p, "/tags/") {
		return "scheduler"
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err == nil {
			switch r.PostForm.Get("Action") {
			case "GetCallerIdentity", "AssumeRole":
				return "sts"
			case "":
			default:
				return "elasticloadbalancing"
			}
		}
	}
	return "s3"
}

// now is the simulated time as handlers and events should see it. Call with s.mu held.
func (s *Server) now() time.Time { return s.simNow }

// lockAndAdvance takes s.mu and applies every timed event due by the clock's
// current time. Callers must s.mu.Unlock().
func (s *Server) lockAndAdvance() {
	s.mu.Lock()
	s.advanceLocked()
}

// Advance applies every event due by the clock's current time. Tests using a
// ManualClock call it after ManualClock.Advance to observe the world without a request.
func (s *Server) Advance() {
	s.lockAndAdvance()
	s.mu.Unlock()
}

func (s *Server) advanceLocked() {
	target := s.clock.Now()
	if target.Before(s.simNow) {
		target = s.simNow
	}
	for {
		ev, ok := s.queue.popDue(target)
		if !ok {
			break
		}
		if ev.at.After(s.simNow) {
			s.simNow = ev.at
		}
		ev.fn()
	}
	s.simNow = target
}

// after schedules fn to run d of simulated time from now. Call with s.mu held.
// Schedule only what will change something: an idle simulator must do no work.
func (s *Server) after(d time.Duration, fn func()) { s.queue.push(s.simNow.Add(d), fn) }

// at schedules fn at simulated time t. Call with s.mu held.
func (s *Server) at(t time.Time, fn func()) { s.queue.push(t, fn) }

// arn builds an ARN in the simulator's region and account.
func (s *Server) arn(service, resource string) string {
	return "arn:aws:" + service + ":" + s.region + ":" + s.accountID + ":" + resource
}

// hexID returns n random lowercase hex characters. Call with s.mu held.
func (s *Server) hexID(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[s.rnd.IntN(16)]
	}
	return string(b)
}

// digitID returns n random decimal digits, the first not zero. Call with s.mu held.
func (s *Server) digitID(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + s.rnd.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// uuid returns a random UUID-shaped string. Call with s.mu held.
func (s *Server) uuid() string {
	h := s.hexID(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// randFloat returns a number in [0,1). Call with s.mu held.
func (s *Server) randFloat() float64 { return s.rnd.Float64() }
