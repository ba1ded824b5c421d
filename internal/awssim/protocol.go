package awssim

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// APIError is an AWS error answer. Handlers return it; the protocol writes it
// in its own shape (JSON __type, Query <ErrorResponse>, S3 <Error>, ...).
type APIError struct {
	Status  int    // HTTP status
	Code    string // AWS error code, e.g. "ClientException"
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// apiErr builds an APIError with a formatted message.
func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// badRequest is the common 400 answer.
func badRequest(code, format string, args ...any) *APIError {
	return apiErr(http.StatusBadRequest, code, format, args...)
}

// responder lets a result write its own HTTP answer (REST protocols: status
// codes, headers, raw bodies).
type responder interface {
	respond(w http.ResponseWriter)
}

// statusReporter is a responder that tells the request log which status it answers.
type statusReporter interface {
	statusCode() int
}

// resultStatus is the HTTP status a successful result is answered with.
func resultStatus(res any) int {
	if sr, ok := res.(statusReporter); ok {
		return sr.statusCode()
	}
	return http.StatusOK
}

// protocol writes results and errors in one AWS wire format.
type protocol interface {
	writeResult(w http.ResponseWriter, svc, op string, result any)
	writeError(w http.ResponseWriter, svc string, err *APIError)
	throttleError(svc string) *APIError
	serverError(svc string) *APIError
}

// serveOp is the part every protocol shares: faults, the lock, advancing
// simulated time, the request log. run executes with s.mu held.
func (s *Server) serveOp(w http.ResponseWriter, p protocol, svc, op string, params json.RawMessage, run func() (any, error)) {
	s.serveOpWith(w, p, svc, op, params, true, run)
}

// serveOpUnlocked is serveOp for handlers that stream large bodies (the
// registry) and take locks themselves.
func (s *Server) serveOpUnlocked(w http.ResponseWriter, p protocol, svc, op string, params json.RawMessage, run func() (any, error)) {
	s.serveOpWith(w, p, svc, op, params, false, run)
}

func (s *Server) serveOpWith(w http.ResponseWriter, p protocol, svc, op string, params json.RawMessage, lock bool, run func() (any, error)) {
	act, latency := s.decideFault(svc, op)
	if latency > 0 {
		time.Sleep(latency)
	}
	logIt := func(status int, code string) {
		s.mu.Lock()
		s.logRequest(Request{Time: s.clock.Now(), Service: svc, Operation: op, Params: params, Status: status, ErrorCode: code})
		s.mu.Unlock()
	}
	switch act {
	case faultReset:
		logIt(0, "ConnectionReset")
		resetConnection(w)
		return
	case faultThrottle, faultServerError:
		e := p.throttleError(svc)
		if act == faultServerError {
			e = p.serverError(svc)
		}
		logIt(e.Status, e.Code)
		p.writeError(w, svc, e)
		return
	}

	var res any
	var err error
	if lock {
		s.lockAndAdvance()
		res, err = safeRun(run)
		s.logRequest(Request{Time: s.now(), Service: svc, Operation: op, Params: params, Status: statusOf(err, res), ErrorCode: codeOf(err)})
		s.mu.Unlock()
	} else {
		res, err = safeRun(run)
		logIt(statusOf(err, res), codeOf(err))
	}
	if err != nil {
		p.writeError(w, svc, asAPIError(err))
		return
	}
	if r, ok := res.(responder); ok {
		r.respond(w)
		return
	}
	p.writeResult(w, svc, op, res)
}

func safeRun(run func() (any, error)) (res any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err = apiErr(500, "InternalFailure", "simulator panic: %v", v)
		}
	}()
	return run()
}

func asAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return apiErr(500, "InternalFailure", "%v", err)
}

func statusOf(err error, res any) int {
	if err == nil {
		return resultStatus(res)
	}
	return asAPIError(err).Status
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return asAPIError(err).Code
}

// ---- AWS JSON 1.1 -------------------------------------------------------------

// jsonOp handles one JSON 1.1 operation. It runs with s.mu held and returns a
// value to marshal (structs with json tags, maps) or an error.
type jsonOp func(c *jsonCall) (any, error)

// jsonCall is one JSON 1.1 request.
type jsonCall struct {
	s    *Server
	r    *http.Request
	Body []byte
	Op   string
}

// decode unmarshals the request body into v, answering like AWS when it is
// not valid JSON.
func (c *jsonCall) decode(v any) error {
	if len(c.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return badRequest("SerializationException", "could not parse request body: %v", err)
	}
	return nil
}

// handleJSON registers a JSON 1.1 operation of service svc.
func (s *Server) handleJSON(svc, op string, h jsonOp) {
	if s.jsonOps[svc] == nil {
		s.jsonOps[svc] = map[string]jsonOp{}
	}
	s.jsonOps[svc][op] = h
}

type jsonProtocol struct{}

func (jsonProtocol) writeResult(w http.ResponseWriter, _, _ string, result any) {
	if result == nil {
		result = struct{}{}
	}
	b, err := json.Marshal(result)
	if err != nil {
		writeJSONError(w, apiErr(500, "InternalFailure", "marshal response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (jsonProtocol) writeError(w http.ResponseWriter, _ string, e *APIError) { writeJSONError(w, e) }

func (jsonProtocol) throttleError(svc string) *APIError {
	return apiErr(400, "ThrottlingException", "Rate exceeded")
}

func (jsonProtocol) serverError(svc string) *APIError {
	if svc == "ecs" || svc == "ecr" {
		return apiErr(500, "ServerException", "Service Unavailable. Please try again later.")
	}
	return apiErr(500, "InternalFailure", "An internal error occurred. Please try again later.")
}

func writeJSONError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	_, _ = w.Write(b)
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, svc string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	target := r.Header.Get("X-Amz-Target")
	_, op, _ := strings.Cut(target, ".")
	h := s.jsonOps[svc][op]
	if h == nil {
		// AWS answers an unknown X-Amz-Target with UnknownOperationException.
		s.serveOp(w, jsonProtocol{}, svc, op, body, func() (any, error) {
			return nil, badRequest("UnknownOperationException", "Operation %s is not supported by the simulator's %s service.", op, svc)
		})
		return
	}
	c := &jsonCall{s: s, r: r, Body: body, Op: op}
	s.serveOp(w, jsonProtocol{}, svc, op, body, func() (any, error) { return h(c) })
}

// Epoch is a time that marshals as AWS JSON protocols send timestamps:
// fractional seconds since the Unix epoch.
type Epoch time.Time

// MarshalJSON implements json.Marshaler.
func (e Epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	sec, frac := math.Modf(f)
	*e = Epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

// epochPtr returns a pointer to t as an Epoch, or nil for the zero time.
func epochPtr(t time.Time) *Epoch {
	if t.IsZero() {
		return nil
	}
	e := Epoch(t)
	return &e
}

// ---- Query (form in, XML out) --------------------------------------------------

// queryOp handles one Query operation. It runs with s.mu held; the result is
// marshalled with encoding/xml as the <OpResult> element's content.
type queryOp func(c *queryCall) (any, error)

// queryCall is one Query request.
type queryCall struct {
	s    *Server
	Form url.Values
	Op   string
}

// list returns the values of a Query list parameter ("Names.member.1", ...) in order.
func (c *queryCall) list(name string) []string {
	type kv struct {
		i int
		v string
	}
	var items []kv
	prefix := name + ".member."
	for k, vs := range c.Form {
		if !strings.HasPrefix(k, prefix) || len(vs) == 0 {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(k, prefix))
		if err != nil {
			continue
		}
		items = append(items, kv{i, vs[0]})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

// handleQuery registers a Query operation of service svc.
func (s *Server) handleQuery(svc, op string, h queryOp) {
	if s.qryOps[svc] == nil {
		s.qryOps[svc] = map[string]queryOp{}
	}
	s.qryOps[svc][op] = h
}

var queryNamespaces = map[string]string{
	"elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
	"sts":                  "https://sts.amazonaws.com/doc/2011-06-15/",
}

type queryProtocol struct{}

func (queryProtocol) writeResult(w http.ResponseWriter, svc, op string, result any) {
	var sb strings.Builder
	sb.WriteString(xml.Header)
	fmt.Fprintf(&sb, "<%sResponse xmlns=%q>", op, queryNamespaces[svc])
	enc := xml.NewEncoder(&sb)
	if result == nil {
		result = struct{}{}
	}
	if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
		queryProtocol{}.writeError(w, svc, apiErr(500, "InternalFailure", "marshal response: %v", err))
		return
	}
	fmt.Fprintf(&sb, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", newRequestID(), op)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, sb.String())
}

func (queryProtocol) writeError(w http.ResponseWriter, _ string, e *APIError) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	var sb strings.Builder
	sb.WriteString(xml.Header)
	sb.WriteString("<ErrorResponse><Error><Type>" + typ + "</Type><Code>")
	_ = xml.EscapeText(&sb, []byte(e.Code))
	sb.WriteString("</Code><Message>")
	_ = xml.EscapeText(&sb, []byte(e.Message))
	sb.WriteString("</Message></Error><RequestId>" + newRequestID() + "</RequestId></ErrorResponse>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, sb.String())
}

func (queryProtocol) throttleError(string) *APIError {
	return apiErr(400, "Throttling", "Rate exceeded")
}

func (queryProtocol) serverError(string) *APIError {
	return apiErr(500, "InternalFailure", "An internal error occurred. Please try again later.")
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, svc string) {
	if err := r.ParseForm(); err != nil {
		queryProtocol{}.writeError(w, svc, badRequest("MalformedQueryString", "%v", err))
		return
	}
	form := r.Form
	op := form.Get("Action")
	params, _ := json.Marshal(form)
	h := s.qryOps[svc][op]
	if h == nil {
		s.serveOp(w, queryProtocol{}, svc, op, params, func() (any, error) {
			return nil, badRequest("InvalidAction", "The action %s is not valid for this web service.", op)
		})
		return
	}
	c := &queryCall{s: s, Form: form, Op: op}
	s.serveOp(w, queryProtocol{}, svc, op, params, func() (any, error) { return h(c) })
}

var requestIDs atomic.Uint64

// newRequestID returns a request id shaped like AWS's.
func newRequestID() string {
	n := requestIDs.Add(1)
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
}
