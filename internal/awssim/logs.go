package awssim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// logsState holds CloudWatch Logs groups, their streams and events.
type logsState struct {
	groups map[string]*logGroup
	seq    uint64 // ingestion counter: orders events of the same millisecond
}

type logGroup struct {
	name      string
	createdAt time.Time
	streams   map[string]*logStream
}

type logStream struct {
	name          string
	createdAt     time.Time
	events        []logEvent // sorted by timestamp, then ingestion
	lastIngestion time.Time
}

// logEvent is one stored event. (timestamp, seq) is its position: tokens and
// event ids are built from it.
type logEvent struct {
	timestamp int64 // ms since the epoch, as the writer stamped it
	ingestion int64 // ms since the epoch, when the simulator received it
	seq       uint64
	message   string
}

func (s *Server) registerLogs() {
	s.logs = &logsState{groups: map[string]*logGroup{}}
	for op, h := range map[string]jsonOp{
		"CreateLogGroup":     s.logsCreateLogGroup,
		"DescribeLogGroups":  s.logsDescribeLogGroups,
		"DeleteLogGroup":     s.logsDeleteLogGroup,
		"CreateLogStream":    s.logsCreateLogStream,
		"DescribeLogStreams": s.logsDescribeLogStreams,
		"PutLogEvents":       s.logsPutLogEvents,
		"GetLogEvents":       s.logsGetLogEvents,
		"FilterLogEvents":    s.logsFilterLogEvents,
	} {
		s.handleJSON("logs", op, h)
	}
}

// ---- errors as CloudWatch Logs words them ----------------------------------------

func logsInvalid(format string, args ...any) *APIError {
	return badRequest("InvalidParameterException", format, args...)
}

func logsGroupNotFound() *APIError {
	return badRequest("ResourceNotFoundException", "The specified log group does not exist.")
}

func logsStreamNotFound() *APIError {
	return badRequest("ResourceNotFoundException", "The specified log stream does not exist.")
}

func logsInvalidToken() *APIError {
	return logsInvalid("The specified nextToken is invalid.")
}

// ---- groups ------------------------------------------------------------------------

var (
	logGroupNameRE  = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	logStreamNameRE = regexp.MustCompile(`^[^:*]{1,512}$`)
)

// groupArn is the ARN DescribeLogGroups reports as logGroupArn; its "arn"
// field is the same with ":*" appended.
func (s *Server) logGroupArn(name string) string { return s.arn("logs", "log-group:"+name) }

// logGroupRef resolves the logGroupName / logGroupIdentifier pair most calls
// accept (the identifier may be a name or an ARN). Call with s.mu held.
func (s *Server) logGroupRef(name, identifier string) (*logGroup, error) {
	switch {
	case name != "" && identifier != "":
		return nil, logsInvalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case identifier != "":
		name = strings.TrimSuffix(identifier, ":*")
		if strings.HasPrefix(name, "arn:") {
			_, name, _ = strings.Cut(name, ":log-group:")
		}
	}
	g := s.logs.groups[name]
	if g == nil {
		return nil, logsGroupNotFound()
	}
	return g, nil
}

// groupLocked returns the named group, creating it when create is true (the
// awslogs driver's awslogs-create-group). Call with s.mu held.
func (s *Server) groupLocked(name string, create bool) *logGroup {
	g := s.logs.groups[name]
	if g == nil && create {
		g = &logGroup{name: name, createdAt: s.now(), streams: map[string]*logStream{}}
		s.logs.groups[name] = g
	}
	return g
}

func (s *Server) logsCreateLogGroup(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !logGroupNameRE.MatchString(in.LogGroupName) {
		return nil, logsInvalid("Log group name %q must be 1 to 512 characters of a-z, A-Z, 0-9, '_', '-', '/', '.' and '#'.", in.LogGroupName)
	}
	if s.logs.groups[in.LogGroupName] != nil {
		return nil, badRequest("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	s.groupLocked(in.LogGroupName, true)
	return struct{}{}, nil
}

func (s *Server) logsDeleteLogGroup(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if s.logs.groups[in.LogGroupName] == nil {
		return nil, logsGroupNotFound()
	}
	delete(s.logs.groups, in.LogGroupName)
	return struct{}{}, nil
}

// logsLimit is a page size: limit within 1..max, or max.
func logsLimit(limit, max int) int {
	if limit <= 0 || limit > max {
		return max
	}
	return limit
}

func (s *Server) logsDescribeLogGroups(c *jsonCall) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, logsInvalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	var groups []*logGroup
	for _, g := range s.logs.groups {
		if strings.HasPrefix(g.name, in.LogGroupNamePrefix) && strings.Contains(g.name, in.LogGroupNamePattern) {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b *logGroup) int { return strings.Compare(a.name, b.name) })
	page, next, ok := pageByKey(groups, func(g *logGroup) string { return g.name }, in.NextToken, logsLimit(in.Limit, 50))
	if !ok {
		return nil, logsInvalidToken()
	}
	out := []map[string]any{}
	for _, g := range page {
		var stored int
		for _, st := range g.streams {
			for _, e := range st.events {
				stored += len(e.message)
			}
		}
		d := map[string]any{
			"logGroupName":      g.name,
			"creationTime":      g.createdAt.UnixMilli(),
			"metricFilterCount": 0,
			"arn":               s.logGroupArn(g.name) + ":*",
			"logGroupArn":       s.logGroupArn(g.name),
			"storedBytes":       stored,
			"logGroupClass":     "STANDARD",
		}
		out = append(out, d)
	}
	return withNextToken(map[string]any{"logGroups": out}, next), nil
}

// ---- streams ---------------------------------------------------------------------------

// streamLocked returns the named stream of g, creating it when create is
// true. Call with s.mu held.
func (s *Server) streamLocked(g *logGroup, name string, create bool) *logStream {
	st := g.streams[name]
	if st == nil && create {
		st = &logStream{name: name, createdAt: s.now()}
		g.streams[name] = st
	}
	return st
}

func (s *Server) logsCreateLogStream(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !logStreamNameRE.MatchString(in.LogStreamName) {
		return nil, logsInvalid("Log stream name %q must be 1 to 512 characters without ':' or '*'.", in.LogStreamName)
	}
	g := s.logs.groups[in.LogGroupName]
	if g == nil {
		return nil, logsGroupNotFound()
	}
	if g.streams[in.LogStreamName] != nil {
		return nil, badRequest("ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	s.streamLocked(g, in.LogStreamName, true)
	return struct{}{}, nil
}

// invertKey maps a key to one that sorts in the opposite order (each byte
// complemented, then a terminator above every complemented byte), so
// descending listings page with the same ascending pageByKey.
func invertKey(k string) string {
	b := []byte(k)
	for i := range b {
		b[i] = ^b[i]
	}
	return string(append(b, 0xff))
}

func (s *Server) logsDescribeLogStreams(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogGroupIdentifier  string `json:"logGroupIdentifier"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		OrderBy             string `json:"orderBy"`
		Descending          bool   `json:"descending"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := s.logGroupRef(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	// Order by name, or by the last event's time (streams without events first).
	key := func(st *logStream) string { return st.name }
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		if in.LogStreamNamePrefix != "" {
			return nil, logsInvalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
		key = func(st *logStream) string { return fmt.Sprintf("%020d %s", lastEventTime(st), st.name) }
	default:
		return nil, logsInvalid("orderBy must be LogStreamName or LastEventTime, not %q", in.OrderBy)
	}
	if in.Descending {
		asc := key
		key = func(st *logStream) string { return invertKey(asc(st)) }
	}
	var streams []*logStream
	for _, st := range g.streams {
		if strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			streams = append(streams, st)
		}
	}
	slices.SortFunc(streams, func(a, b *logStream) int { return strings.Compare(key(a), key(b)) })
	page, next, ok := pageByKey(streams, key, in.NextToken, logsLimit(in.Limit, 50))
	if !ok {
		return nil, logsInvalidToken()
	}
	out := []map[string]any{}
	for _, st := range page {
		d := map[string]any{
			"logStreamName": st.name,
			"creationTime":  st.createdAt.UnixMilli(),
			"arn":           s.logGroupArn(g.name) + ":log-stream:" + st.name,
			"storedBytes":   0, // deprecated by AWS, always 0
		}
		if n := len(st.events); n > 0 {
			d["firstEventTimestamp"] = st.events[0].timestamp
			d["lastEventTimestamp"] = st.events[n-1].timestamp
			d["lastIngestionTime"] = st.lastIngestion.UnixMilli()
			d["uploadSequenceToken"] = fmt.Sprintf("%056d", st.events[n-1].seq)
		}
		out = append(out, d)
	}
	return withNextToken(map[string]any{"logStreams": out}, next), nil
}

func lastEventTime(st *logStream) int64 {
	if len(st.events) == 0 {
		return 0
	}
	return st.events[len(st.events)-1].timestamp
}
