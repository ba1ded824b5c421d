package awssim

import "time"

// logsState holds CloudWatch Logs groups, streams and events.
type logsState struct{}

func (s *Server) registerLogs() {}

// putLogLinesLocked appends lines, each stamped at, to a stream, creating the
// group and the stream if needed (as the awslogs driver does). Call with s.mu held.
func (s *Server) putLogLinesLocked(group, stream string, at time.Time, lines []string) {}
