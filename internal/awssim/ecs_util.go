package awssim

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Small helpers shared by the ECS and ELBv2 files.

// ecsTag is a resource tag as ECS spells it (lowercase keys).
type ecsTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// mergeTags returns tags with add applied (same key replaces), keeping order.
func mergeTags(tags, add []ecsTag) []ecsTag {
	out := append([]ecsTag(nil), tags...)
	for _, a := range add {
		replaced := false
		for i := range out {
			if out[i].Key == a.Key {
				out[i].Value = a.Value
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

// removeTags returns tags without the given keys.
func removeTags(tags []ecsTag, keys []string) []ecsTag {
	var out []ecsTag
	for _, t := range tags {
		drop := false
		for _, k := range keys {
			if t.Key == k {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tagsOrEmpty makes a nil tag list marshal as [] (ECS answers "tags": []).
func tagsOrEmpty(tags []ecsTag) []ecsTag {
	if tags == nil {
		return []ecsTag{}
	}
	return tags
}

// page cuts one page out of n items for AWS-style pagination with an opaque
// nextToken. It returns the bounds and the token for the next page ("" when
// this is the last page). max <= 0 means def; max is clamped to limit.
func pageBounds(n int, token string, max, def, limit int) (start, end int, next string, err error) {
	if max <= 0 {
		max = def
	}
	if max > limit {
		max = limit
	}
	if token != "" {
		b, derr := base64.RawURLEncoding.DecodeString(token)
		off, perr := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if derr != nil || perr != nil || !strings.HasPrefix(string(b), "o:") || off < 0 {
			return 0, 0, "", badRequest("InvalidParameterException", "Invalid nextToken.")
		}
		start = off
	}
	if start > n {
		start = n
	}
	end = start + max
	if end >= n {
		return start, n, "", nil
	}
	return start, end, base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end))), nil
}

// strPtr returns nil for "" so optional strings are omitted from answers.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ceilPct returns ceil(a*pct/100) for non-negative a.
func ceilPct(a, pct int) int { return int(math.Ceil(float64(a) * float64(pct) / 100)) }

// floorPct returns floor(a*pct/100) for non-negative a.
func floorPct(a, pct int) int { return a * pct / 100 }

// lastSegment returns what follows the last "/" of an ARN or path.
func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// decodeUseNumber unmarshals JSON keeping numbers as json.Number, so values
// the caller sent come back byte-for-byte the same.
func decodeUseNumber(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	return dec.Decode(v)
}

// callerARN is who registers task definitions and creates services: the
// identity STS's GetCallerIdentity reports for every caller.
func (s *Server) callerARN() string { return "arn:aws:iam::" + s.accountID + ":user/awssim" }
