package awssim

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// s3State holds S3 buckets and their objects, in memory: the simulator's S3
// is for Terraform state files and similar small objects.
type s3State struct {
	buckets map[string]*s3Bucket
}

type s3Bucket struct {
	name    string
	created time.Time
	objects map[string]*s3Object
}

func (s *Server) registerS3() {
	s.s3 = &s3State{buckets: map[string]*s3Bucket{}}
}

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// s3Call is one S3 request, routed, with its body already read and decoded.
type s3Call struct {
	s      *Server
	r      *http.Request
	bucket string
	key    string
	body   []byte
	sums   map[string]string // checksums sent as aws-chunked trailers
}

// s3Handlers maps the operations routeS3 names to their handlers, which run
// with s.mu held.
var s3Handlers = map[string]func(*s3Call) (any, error){
	"ListBuckets":   (*s3Call).listBuckets,
	"CreateBucket":  (*s3Call).createBucket,
	"HeadBucket":    (*s3Call).headBucket,
	"DeleteBucket":  (*s3Call).deleteBucket,
	"ListObjectsV2": (*s3Call).listObjectsV2,
	"PutObject":     (*s3Call).putObject,
	"GetObject":     (*s3Call).getObject,
	"HeadObject":    (*s3Call).getObject,
	"DeleteObject":  (*s3Call).deleteObject,
}

// s3QueryParams are the query parameters of the modelled operations; any
// other one selects a subresource (?acl, ?tagging, ?uploads, ...) that is not.
var s3QueryParams = []string{"x-id", "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type", "fetch-owner"}

// routeS3 names the operation of a path-style request. supported is false
// for operations the simulator does not model.
func routeS3(r *http.Request) (op, bucket, key string, supported bool) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for p := range r.URL.Query() {
		if !slices.Contains(s3QueryParams, p) {
			return r.Method + " ?" + p, bucket, key, false
		}
	}
	m := r.Method
	switch {
	case bucket == "" && m == http.MethodGet:
		return "ListBuckets", "", "", true
	case bucket == "":
	case key == "":
		switch {
		case m == http.MethodGet && r.URL.Query().Get("list-type") == "2":
			return "ListObjectsV2", bucket, "", true
		case m == http.MethodGet:
			return "ListObjects", bucket, "", false
		}
		op = map[string]string{"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}[m]
	case m == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "CopyObject", bucket, key, false
	default:
		op = map[string]string{"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}[m]
	}
	if op == "" {
		return m + " " + r.URL.Path, bucket, key, false
	}
	return op, bucket, key, true
}

// serveS3 answers S3's REST-XML protocol, path-style
// (http://host/bucket/key), as clients with UsePathStyle send it.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	op, bucket, key, supported := routeS3(r)
	params, _ := json.Marshal(map[string]string{"Bucket": bucket, "Key": key, "Query": r.URL.RawQuery})
	if !supported {
		s.serveOp(w, s3Protocol{}, "s3", op, params, func() (any, error) {
			return nil, apiErr(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented (the simulator does not model %s).", op)
		})
		return
	}
	// Bodies are read before taking s.mu.
	c := &s3Call{s: s, r: r, bucket: bucket, key: key}
	var bodyErr error
	if op == "PutObject" || op == "CreateBucket" {
		c.body, c.sums, bodyErr = readS3Body(r)
	}
	s.serveOp(w, s3Protocol{}, "s3", op, params, func() (any, error) {
		if bodyErr != nil {
			return nil, bodyErr
		}
		return s3Handlers[op](c)
	})
}

// ---- wire format ---------------------------------------------------------------------

// s3Protocol writes S3's error shape: an <Error> document, or for HEAD
// requests the status alone.
type s3Protocol struct{}

func (s3Protocol) writeResult(w http.ResponseWriter, _, _ string, result any) {
	s3XML(http.StatusOK, result).respond(w)
}

func (s3Protocol) writeError(w http.ResponseWriter, _ string, e *APIError) {
	body := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
		HostID    string `xml:"HostId"`
	}{Code: e.Code, Message: e.Message, RequestID: newRequestID(), HostID: "awssim"}
	s3XML(e.Status, body).respond(w)
}

func (s3Protocol) throttleError(string) *APIError {
	return apiErr(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
}

func (s3Protocol) serverError(string) *APIError {
	return apiErr(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
}

// s3Response is an S3 answer: status, headers and an optional body.
type s3Response struct {
	status int
	header http.Header
	body   []byte
}

func (r *s3Response) statusCode() int { return r.status }

func (r *s3Response) respond(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("X-Amz-Request-Id", newRequestID())
	w.Header().Set("X-Amz-Id-2", "awssim")
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

func s3XML(status int, v any) *s3Response {
	b, err := xml.Marshal(v)
	if err != nil {
		return &s3Response{status: http.StatusInternalServerError, header: http.Header{}}
	}
	return &s3Response{status: status, header: http.Header{"Content-Type": {"application/xml"}}, body: append([]byte(xml.Header), b...)}
}

// s3Time formats timestamps as S3's XML does.
func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ---- errors as S3 words them ------------------------------------------------------------

func s3NoSuchBucket() *APIError {
	return apiErr(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
}

func s3NoSuchKey() *APIError {
	return apiErr(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

// bucketLocked returns the request's bucket. Call with s.mu held.
func (c *s3Call) bucketLocked() (*s3Bucket, error) {
	b := c.s.s3.buckets[c.bucket]
	if b == nil {
		return nil, s3NoSuchBucket()
	}
	return b, nil
}

// ---- buckets ------------------------------------------------------------------------------

var s3BucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
var ipv4RE = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)

func validBucketName(name string) bool {
	return s3BucketNameRE.MatchString(name) && !strings.Contains(name, "..") && !ipv4RE.MatchString(name)
}

// newBucketLocked creates a bucket. Call with s.mu held.
func (s *Server) newBucketLocked(name string) (*s3Bucket, error) {
	if !validBucketName(name) {
		return nil, badRequest("InvalidBucketName", "The specified bucket is not valid.")
	}
	b := &s3Bucket{name: name, created: s.now(), objects: map[string]*s3Object{}}
	s.s3.buckets[name] = b
	return b, nil
}

// createBucket creates a bucket in the simulator's region. Creating a
// bucket one already owns succeeds in us-east-1 and is refused elsewhere,
// as S3 does.
func (c *s3Call) createBucket() (any, error) {
	var conf struct {
		LocationConstraint string
	}
	if len(c.body) > 0 {
		if err := xml.Unmarshal(c.body, &conf); err != nil {
			return nil, badRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
	}
	region := c.s.region
	switch {
	case conf.LocationConstraint != "" && region == "us-east-1" && conf.LocationConstraint == region:
		return nil, badRequest("InvalidLocationConstraint", "The specified location-constraint is not valid")
	case conf.LocationConstraint != "" && conf.LocationConstraint != region:
		return nil, badRequest("IllegalLocationConstraintException",
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", conf.LocationConstraint)
	}
	if c.s.s3.buckets[c.bucket] != nil {
		if region != "us-east-1" {
			return nil, apiErr(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
		}
	} else if _, err := c.s.newBucketLocked(c.bucket); err != nil {
		return nil, err
	}
	return &s3Response{status: http.StatusOK, header: http.Header{"Location": {"/" + c.bucket}}}, nil
}

func (c *s3Call) headBucket() (any, error) {
	if _, err := c.bucketLocked(); err != nil {
		return nil, err
	}
	return &s3Response{status: http.StatusOK, header: http.Header{"X-Amz-Bucket-Region": {c.s.region}}}, nil
}

func (c *s3Call) deleteBucket() (any, error) {
	b, err := c.bucketLocked()
	if err != nil {
		return nil, err
	}
	if len(b.objects) > 0 {
		return nil, apiErr(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	}
	delete(c.s.s3.buckets, b.name)
	return &s3Response{status: http.StatusNoContent}, nil
}

func (c *s3Call) listBuckets() (any, error) {
	type bucket struct {
		Name         string
		CreationDate string
		BucketRegion string
	}
	out := struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		Xmlns   string   `xml:"xmlns,attr"`
		Owner   struct{ ID, DisplayName string }
		Buckets []bucket `xml:"Buckets>Bucket"`
	}{Xmlns: s3Namespace}
	out.Owner.ID, out.Owner.DisplayName = c.s.accountID, "awssim"
	for _, b := range c.s.s3.buckets {
		out.Buckets = append(out.Buckets, bucket{b.name, s3Time(b.created), c.s.region})
	}
	slices.SortFunc(out.Buckets, func(a, b bucket) int { return strings.Compare(a.Name, b.Name) })
	return s3XML(http.StatusOK, out), nil
}

// SeedObject stores an object, creating its bucket if needed, as PutObject
// would, without a request.
func (s *Server) SeedObject(bucket, key string, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.s3.buckets[bucket]
	if b == nil {
		var err error
		if b, err = s.newBucketLocked(bucket); err != nil {
			return err
		}
	}
	b.objects[key] = newS3Object(body, s.now())
	return nil
}
