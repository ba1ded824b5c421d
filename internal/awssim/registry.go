package awssim

import "net/http"

// registry is the OCI/Docker registry served under /v2/. It has its own lock
// so large blob uploads never hold s.mu.
type registry struct{}

func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "registry not implemented", http.StatusNotImplemented)
}

// resolveImage tells whether an image reference ("host:port/repo:tag" or
// "host:port/repo@sha256:...") is served by this simulator's registry (ours)
// and, if so, whether it exists there and its manifest digest.
// It may be called with s.mu held.
func (s *Server) resolveImage(ref string) (digest string, found, ours bool) {
	return "", false, false
}
