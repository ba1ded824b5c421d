package awssim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Limits of PutLogEvents.
const (
	logsMaxBatchEvents = 10000
	logsMaxBatchBytes  = 1048576 // counting 26 bytes of overhead per event
	logsMaxAge         = 14 * 24 * time.Hour
	logsMaxAhead       = 2 * time.Hour
	logsMaxSpan        = 24 * time.Hour
)

// eventPos is a position in a stream: events are ordered by timestamp, then
// by ingestion. Tokens name positions, so events written between two reads
// are neither skipped nor repeated.
type eventPos struct {
	ts  int64
	seq uint64
}

func (e logEvent) pos() eventPos { return eventPos{e.timestamp, e.seq} }

func (p eventPos) less(q eventPos) bool {
	return p.ts < q.ts || (p.ts == q.ts && p.seq < q.seq)
}

// String renders a position as the 56 digits AWS's tokens and event ids carry.
func (p eventPos) String() string { return fmt.Sprintf("%026d%030d", p.ts, p.seq) }

func parseEventPos(s string) (eventPos, bool) {
	if len(s) != 56 {
		return eventPos{}, false
	}
	ts, err1 := strconv.ParseInt(s[:26], 10, 64)
	seq, err2 := strconv.ParseUint(s[26:], 10, 64)
	return eventPos{ts, seq}, err1 == nil && err2 == nil
}

// appendEvent stores an event, keeping the stream sorted. Call with s.mu held.
func (s *Server) appendEvent(st *logStream, ts int64, message string) {
	s.logs.seq++
	e := logEvent{timestamp: ts, ingestion: s.now().UnixMilli(), seq: s.logs.seq, message: message}
	i := len(st.events)
	if i > 0 && e.pos().less(st.events[i-1].pos()) {
		i = sort.Search(len(st.events), func(j int) bool { return e.pos().less(st.events[j].pos()) })
	}
	st.events = append(st.events, logEvent{})
	copy(st.events[i+1:], st.events[i:])
	st.events[i] = e
	st.lastIngestion = s.now()
}

// putLogLinesLocked appends lines, each stamped at, to a stream, creating the
// group and the stream if needed (as the awslogs driver does). Call with s.mu held.
func (s *Server) putLogLinesLocked(group, stream string, at time.Time, lines []string) {
	st := s.streamLocked(s.groupLocked(group, true), stream, true)
	for _, l := range lines {
		s.appendEvent(st, at.UnixMilli(), l)
	}
}

type logEventIn struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// logsPutLogEvents stores a batch. Like AWS it refuses unordered batches and
// batches spanning more than 24 hours, and sets aside (rather than fails)
// events more than 14 days old or 2 hours ahead. Sequence tokens are
// accepted and ignored, as AWS has done since 2023.
func (s *Server) logsPutLogEvents(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName  string       `json:"logGroupName"`
		LogStreamName string       `json:"logStreamName"`
		LogEvents     []logEventIn `json:"logEvents"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g := s.logs.groups[in.LogGroupName]
	if g == nil {
		return nil, logsGroupNotFound()
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, logsStreamNotFound()
	}
	evs := in.LogEvents
	size := 0
	for i, e := range evs {
		if i > 0 && e.Timestamp < evs[i-1].Timestamp {
			return nil, logsInvalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
		size += len(e.Message) + 26
	}
	switch {
	case len(evs) == 0 || len(evs) > logsMaxBatchEvents:
		return nil, logsInvalid("A PutLogEvents request must carry 1 to %d log events, not %d.", logsMaxBatchEvents, len(evs))
	case size > logsMaxBatchBytes:
		return nil, logsInvalid("Upload too large: %d bytes exceeds limit of %d", size, logsMaxBatchBytes)
	case evs[len(evs)-1].Timestamp-evs[0].Timestamp > logsMaxSpan.Milliseconds():
		return nil, logsInvalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	now := s.now().UnixMilli()
	tooOldEnd, tooNewStart := 0, len(evs)
	for i, e := range evs {
		switch {
		case e.Timestamp < now-logsMaxAge.Milliseconds():
			tooOldEnd = i + 1
		case e.Timestamp > now+logsMaxAhead.Milliseconds() && tooNewStart == len(evs):
			tooNewStart = i
		}
	}
	for _, e := range evs[tooOldEnd:max(tooOldEnd, tooNewStart)] {
		s.appendEvent(st, e.Timestamp, e.Message)
	}
	out := map[string]any{"nextSequenceToken": fmt.Sprintf("%056d", s.logs.seq)}
	rejected := map[string]any{}
	if tooOldEnd > 0 {
		rejected["tooOldLogEventEndIndex"] = tooOldEnd
	}
	if tooNewStart < len(evs) {
		rejected["tooNewLogEventStartIndex"] = tooNewStart
	}
	if len(rejected) > 0 {
		out["rejectedLogEventsInfo"] = rejected
	}
	return out, nil
}

// inTimeRange reports whether ts is within [start, end); zero bounds are open.
func inTimeRange(ts, start, end int64) bool {
	return (start == 0 || ts >= start) && (end == 0 || ts < end)
}

// logsGetLogEvents reads one stream a page at a time, as AWS does:
//   - without a token it returns the first events (startFromHead) or, by
//     default, the last ones;
//   - nextForwardToken continues after the page's last event and
//     nextBackwardToken before its first;
//   - reading forward past the end returns no events and the same forward
//     token, which is how the SDK's paginator knows to stop, and how a
//     follower polls for new events.
func (s *Server) logsGetLogEvents(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName       string `json:"logGroupName"`
		LogGroupIdentifier string `json:"logGroupIdentifier"`
		LogStreamName      string `json:"logStreamName"`
		StartTime          int64  `json:"startTime"`
		EndTime            int64  `json:"endTime"`
		StartFromHead      bool   `json:"startFromHead"`
		Limit              int    `json:"limit"`
		NextToken          string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := s.logGroupRef(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, logsStreamNotFound()
	}
	var evs []logEvent
	for _, e := range st.events {
		if inTimeRange(e.timestamp, in.StartTime, in.EndTime) {
			evs = append(evs, e)
		}
	}
	limit := logsLimit(in.Limit, 10000)
	// The page is evs[lo:hi]; first and last bound it for the tokens when
	// it is empty.
	lo, hi := 0, len(evs)
	first, last := eventPos{}, eventPos{}
	if in.NextToken != "" {
		dir, digits, _ := strings.Cut(in.NextToken, "/")
		at, ok := parseEventPos(digits)
		if !ok || (dir != "f" && dir != "b") {
			return nil, logsInvalidToken()
		}
		first, last = at, at
		if dir == "f" {
			lo = sort.Search(len(evs), func(j int) bool { return at.less(evs[j].pos()) })
			hi = min(lo+limit, len(evs))
		} else {
			hi = sort.Search(len(evs), func(j int) bool { return !evs[j].pos().less(at) })
			lo = max(0, hi-limit)
		}
	} else if in.StartFromHead {
		hi = min(limit, len(evs))
	} else {
		lo = max(0, len(evs)-limit)
	}
	page := evs[lo:hi]
	if len(page) > 0 {
		first, last = page[0].pos(), page[len(page)-1].pos()
	}
	events := []map[string]any{}
	for _, e := range page {
		events = append(events, map[string]any{"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion})
	}
	return map[string]any{
		"events":            events,
		"nextForwardToken":  "f/" + last.String(),
		"nextBackwardToken": "b/" + first.String(),
	}, nil
}

// logsFilterLogEvents searches a group's streams, merging their events in
// time order.
func (s *Server) logsFilterLogEvents(c *jsonCall) (any, error) {
	var in struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupIdentifier  string   `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           int64    `json:"startTime"`
		EndTime             int64    `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		Limit               int      `json:"limit"`
		NextToken           string   `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := s.logGroupRef(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, logsInvalid("You cannot specify both LogStreamNames and LogStreamNamePrefix.")
	}
	match, err := compileFilterPattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	var after eventPos
	if in.NextToken != "" {
		var ok bool
		if after, ok = parseEventPos(in.NextToken); !ok {
			return nil, logsInvalidToken()
		}
	}
	streams := map[string]*logStream{}
	for _, name := range in.LogStreamNames {
		if streams[name] = g.streams[name]; streams[name] == nil {
			return nil, logsStreamNotFound()
		}
	}
	if len(in.LogStreamNames) == 0 {
		for name, st := range g.streams {
			if strings.HasPrefix(name, in.LogStreamNamePrefix) {
				streams[name] = st
			}
		}
	}
	type hit struct {
		stream string
		e      logEvent
	}
	var hits []hit
	for name, st := range streams {
		for _, e := range st.events {
			// FilterLogEvents' endTime is inclusive, unlike GetLogEvents'.
			if after.less(e.pos()) && inTimeRange(e.timestamp, in.StartTime, 0) &&
				(in.EndTime == 0 || e.timestamp <= in.EndTime) && match(e.message) {
				hits = append(hits, hit{name, e})
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].e.pos().less(hits[j].e.pos()) })
	limit := logsLimit(in.Limit, 10000)
	out := map[string]any{}
	if len(hits) > limit {
		hits = hits[:limit]
		out["nextToken"] = hits[limit-1].e.pos().String()
	}
	events := []map[string]any{}
	for _, h := range hits {
		events = append(events, map[string]any{
			"logStreamName": h.stream,
			"timestamp":     h.e.timestamp,
			"message":       h.e.message,
			"ingestionTime": h.e.ingestion,
			"eventId":       h.e.pos().String(),
		})
	}
	out["events"] = events
	return out, nil
}
