package awssim

import "net/http"

// s3State holds S3 buckets and objects.
type s3State struct{}

func (s *Server) registerS3() {}

func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "s3 not implemented", http.StatusNotImplemented)
}
