package build

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The engine reports BuildKit progress as "moby.buildkit.trace" messages
// whose aux is a StatusResponse of moby/buildkit's control API, protobuf
// encoded. This file decodes the few fields ecsctl shows, by hand, instead
// of importing BuildKit and its dependencies:
//
//	message StatusResponse {
//	  repeated Vertex vertexes = 1;
//	  repeated VertexStatus statuses = 2;
//	  repeated VertexLog logs = 3;
//	  repeated VertexWarning warnings = 4;
//	}
//	message Vertex {
//	  string digest = 1; repeated string inputs = 2; string name = 3;
//	  bool cached = 4; Timestamp started = 5; Timestamp completed = 6;
//	  string error = 7;
//	}
//	message VertexStatus {
//	  string ID = 1; string vertex = 2; string name = 3;
//	  int64 current = 4; int64 total = 5; Timestamp timestamp = 6;
//	  Timestamp started = 7; Timestamp completed = 8;
//	}
//	message VertexLog { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3; bytes msg = 4; }
//	message VertexWarning { string vertex = 1; int64 level = 2; bytes short = 3; repeated bytes detail = 4; string url = 5; ... }
//	message Timestamp { int64 seconds = 1; int32 nanos = 2; }
//
// Unknown fields are skipped, so newer engines that add fields still decode.

type statusResponse struct {
	vertexes []vertexMsg
	statuses []vertexStatusMsg
	logs     []vertexLogMsg
	warnings []vertexWarningMsg
}

type vertexMsg struct {
	digest             string
	inputs             []string
	name               string
	cached             bool
	started, completed time.Time
	err                string
}

type vertexStatusMsg struct {
	id, vertex, name   string
	current, total     int64
	started, completed time.Time
}

type vertexLogMsg struct {
	vertex string
	stream int64
	msg    []byte
}

type vertexWarningMsg struct {
	vertex string
	level  int64
	short  []byte
	detail [][]byte
	url    string
}

var errMalformed = errors.New("malformed protobuf")

// fields walks the fields of one message, calling f with each field's
// number and its raw value: a varint, or the bytes of a length-delimited
// field. Other wire types are skipped.
func fields(b []byte, f func(num protowire.Number, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errMalformed
			}
			b = b[n:]
			if err := f(num, v, nil); err != nil {
				return err
			}
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errMalformed
			}
			b = b[n:]
			if err := f(num, 0, v); err != nil {
				return err
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return errMalformed
			}
			b = b[n:]
		}
	}
	return nil
}

func decodeStatusResponse(b []byte) (*statusResponse, error) {
	sr := &statusResponse{}
	err := fields(b, func(num protowire.Number, _ uint64, data []byte) error {
		var err error
		switch num {
		case 1:
			var v vertexMsg
			v, err = decodeVertex(data)
			sr.vertexes = append(sr.vertexes, v)
		case 2:
			var s vertexStatusMsg
			s, err = decodeVertexStatus(data)
			sr.statuses = append(sr.statuses, s)
		case 3:
			var l vertexLogMsg
			l, err = decodeVertexLog(data)
			sr.logs = append(sr.logs, l)
		case 4:
			var w vertexWarningMsg
			w, err = decodeVertexWarning(data)
			sr.warnings = append(sr.warnings, w)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decode BuildKit status: %w", err)
	}
	return sr, nil
}

func decodeVertex(b []byte) (vertexMsg, error) {
	var v vertexMsg
	err := fields(b, func(num protowire.Number, x uint64, data []byte) error {
		var err error
		switch num {
		case 1:
			v.digest = string(data)
		case 2:
			v.inputs = append(v.inputs, string(data))
		case 3:
			v.name = string(data)
		case 4:
			v.cached = x != 0
		case 5:
			v.started, err = decodeTimestamp(data)
		case 6:
			v.completed, err = decodeTimestamp(data)
		case 7:
			v.err = string(data)
		}
		return err
	})
	return v, err
}

func decodeVertexStatus(b []byte) (vertexStatusMsg, error) {
	var s vertexStatusMsg
	err := fields(b, func(num protowire.Number, x uint64, data []byte) error {
		var err error
		switch num {
		case 1:
			s.id = string(data)
		case 2:
			s.vertex = string(data)
		case 3:
			s.name = string(data)
		case 4:
			s.current = int64(x)
		case 5:
			s.total = int64(x)
		case 7:
			s.started, err = decodeTimestamp(data)
		case 8:
			s.completed, err = decodeTimestamp(data)
		}
		return err
	})
	return s, err
}

func decodeVertexLog(b []byte) (vertexLogMsg, error) {
	var l vertexLogMsg
	err := fields(b, func(num protowire.Number, x uint64, data []byte) error {
		switch num {
		case 1:
			l.vertex = string(data)
		case 3:
			l.stream = int64(x)
		case 4:
			l.msg = append([]byte(nil), data...)
		}
		return nil
	})
	return l, err
}

func decodeVertexWarning(b []byte) (vertexWarningMsg, error) {
	var w vertexWarningMsg
	err := fields(b, func(num protowire.Number, x uint64, data []byte) error {
		switch num {
		case 1:
			w.vertex = string(data)
		case 2:
			w.level = int64(x)
		case 3:
			w.short = append([]byte(nil), data...)
		case 4:
			w.detail = append(w.detail, append([]byte(nil), data...))
		case 5:
			w.url = string(data)
		}
		return nil
	})
	return w, err
}

func decodeTimestamp(b []byte) (time.Time, error) {
	var sec, nsec int64
	err := fields(b, func(num protowire.Number, x uint64, _ []byte) error {
		switch num {
		case 1:
			sec = int64(x)
		case 2:
			nsec = int64(int32(x))
		}
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, nsec), nil
}
