package awssim

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// s3Object is a stored object: the bytes, their ETag (the MD5 of the body,
// as S3 computes for single-part uploads) and the headers S3 keeps.
type s3Object struct {
	body      []byte
	etag      string // quoted
	modified  time.Time
	header    http.Header       // Content-Type, Content-Encoding, ..., x-amz-meta-*
	checksums map[string]string // verified x-amz-checksum-* values by algorithm
}

func newS3Object(body []byte, now time.Time) *s3Object {
	sum := md5.Sum(body)
	return &s3Object{
		body:     body,
		etag:     `"` + hex.EncodeToString(sum[:]) + `"`,
		modified: now.Truncate(time.Second), // Last-Modified has second precision
		header:   http.Header{"Content-Type": {"binary/octet-stream"}},
	}
}

// s3StoredHeaders are the request headers S3 keeps with an object and
// returns on reads.
var s3StoredHeaders = []string{"Content-Type", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

// putObject stores an object. It honours conditional writes (If-None-Match: *
// creates only, If-Match replaces only that version), which Terraform's S3
// lock files rely on, and verifies every checksum the client sent.
func (c *s3Call) putObject() (any, error) {
	b, err := c.bucketLocked()
	if err != nil {
		return nil, err
	}
	old := b.objects[c.key]
	if inm := c.r.Header.Get("If-None-Match"); inm == "*" && old != nil {
		return nil, s3PreconditionFailed()
	}
	if im := c.r.Header.Get("If-Match"); im != "" {
		if old == nil {
			return nil, s3NoSuchKey()
		}
		if im != old.etag {
			return nil, s3PreconditionFailed()
		}
	}
	sums, err := verifyChecksums(c.r, c.sums, c.body)
	if err != nil {
		return nil, err
	}
	obj := newS3Object(c.body, c.s.now())
	obj.checksums = sums
	for _, h := range s3StoredHeaders {
		if v := c.r.Header.Get(h); v != "" {
			obj.header.Set(h, v)
		}
	}
	// aws-chunked describes the upload, not the object.
	var encodings []string
	for _, e := range strings.Split(c.r.Header.Get("Content-Encoding"), ",") {
		if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
			encodings = append(encodings, e)
		}
	}
	if len(encodings) > 0 {
		obj.header.Set("Content-Encoding", strings.Join(encodings, ","))
	}
	for k, v := range c.r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") {
			obj.header[k] = v
		}
	}
	b.objects[c.key] = obj
	res := &s3Response{status: http.StatusOK, header: http.Header{"Etag": {obj.etag}}}
	for alg, v := range sums {
		res.header.Set("X-Amz-Checksum-"+alg, v)
	}
	return res, nil
}

func s3PreconditionFailed() *APIError {
	return apiErr(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
}

// getObject answers GetObject and HeadObject, with If-Match/If-None-Match
// and a single byte range.
func (c *s3Call) getObject() (any, error) {
	b, err := c.bucketLocked()
	if err != nil {
		return nil, err
	}
	obj := b.objects[c.key]
	if obj == nil {
		return nil, s3NoSuchKey()
	}
	h := obj.header.Clone()
	h.Set("Etag", obj.etag)
	h.Set("Last-Modified", obj.modified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	if im := c.r.Header.Get("If-Match"); im != "" && im != obj.etag {
		return nil, s3PreconditionFailed()
	}
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && inm == obj.etag {
		return &s3Response{status: http.StatusNotModified, header: h}, nil
	}
	body, status := obj.body, http.StatusOK
	if start, end, ok := parseRange(c.r.Header.Get("Range"), int64(len(body))); ok {
		if start >= int64(len(body)) {
			return nil, apiErr(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
		}
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.Itoa(len(body)))
		body, status = body[start:end+1], http.StatusPartialContent
	} else if c.r.Header.Get("X-Amz-Checksum-Mode") == "ENABLED" {
		// Whole-object checksums, which the SDK then validates.
		for alg, v := range obj.checksums {
			h.Set("X-Amz-Checksum-"+alg, v)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	res := &s3Response{status: status, header: h, body: body}
	if c.r.Method == http.MethodHead {
		res.body = nil
	}
	return res, nil
}

// parseRange parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// against an object of size bytes; end is inclusive and clamped. Like S3 it
// ignores what it cannot parse, multiple ranges included.
func parseRange(header string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, z, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	var err1, err2 error
	switch {
	case a == "": // the last z bytes
		var n int64
		n, err1 = strconv.ParseInt(z, 10, 64)
		start, end = max(0, size-n), size-1
	case z == "":
		start, err1 = strconv.ParseInt(a, 10, 64)
		end = size - 1
	default:
		start, err1 = strconv.ParseInt(a, 10, 64)
		end, err2 = strconv.ParseInt(z, 10, 64)
		end = min(end, size-1)
	}
	if err1 != nil || err2 != nil || start < 0 || (a != "" && z != "" && end < start) {
		return 0, 0, false
	}
	return start, end, true
}

// deleteObject removes an object; deleting a missing key succeeds, as in S3.
func (c *s3Call) deleteObject() (any, error) {
	b, err := c.bucketLocked()
	if err != nil {
		return nil, err
	}
	delete(b.objects, c.key)
	return &s3Response{status: http.StatusNoContent}, nil
}

type s3ListEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int
	StorageClass string
}

type s3Prefix struct {
	Prefix string
}

// listObjectsV2 lists keys in order, rolling up keys that share a prefix up
// to the delimiter into CommonPrefixes; keys and prefixes together count
// toward max-keys. The continuation token names the last key or prefix
// served.
func (c *s3Call) listObjectsV2() (any, error) {
	b, err := c.bucketLocked()
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		if maxKeys, err = strconv.Atoi(v); err != nil || maxKeys < 0 {
			return nil, badRequest("InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(maxKeys, 1000)
	}
	after, afterPrefix := q.Get("start-after"), false
	if tok := q.Get("continuation-token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) == 0 {
			return nil, badRequest("InvalidArgument", "The continuation token provided is incorrect")
		}
		after, afterPrefix = string(raw[1:]), raw[0] == 'p'
	}
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) && k > after && !(afterPrefix && strings.HasPrefix(k, after)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	out := struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Xmlns                 string   `xml:"xmlns,attr"`
		Name                  string
		Prefix                string
		Delimiter             string `xml:",omitempty"`
		MaxKeys               int
		KeyCount              int
		IsTruncated           bool
		ContinuationToken     string `xml:",omitempty"`
		NextContinuationToken string `xml:",omitempty"`
		StartAfter            string `xml:",omitempty"`
		Contents              []s3ListEntry
		CommonPrefixes        []s3Prefix
	}{Xmlns: s3Namespace, Name: b.name, Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys,
		ContinuationToken: q.Get("continuation-token"), StartAfter: q.Get("start-after")}
	last := ""
	for _, k := range keys {
		rolled := ""
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				rolled = k[:len(prefix)+i+len(delim)]
			}
		}
		if rolled != "" && len(out.CommonPrefixes) > 0 && out.CommonPrefixes[len(out.CommonPrefixes)-1].Prefix == rolled {
			continue
		}
		if out.KeyCount == maxKeys {
			if maxKeys > 0 {
				out.IsTruncated = true
				out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
			}
			break
		}
		out.KeyCount++
		if rolled != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, s3Prefix{rolled})
			last = "p" + rolled
			continue
		}
		obj := b.objects[k]
		out.Contents = append(out.Contents, s3ListEntry{k, s3Time(obj.modified), obj.etag, len(obj.body), "STANDARD"})
		last = "k" + k
	}
	return s3XML(http.StatusOK, out), nil
}
