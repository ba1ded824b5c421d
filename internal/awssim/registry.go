package awssim

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// registry is the OCI/Docker registry served under /v2/: ECR's data plane.
// It holds ECR's repositories with their manifests, tags and blob links, so
// the ECR API and the registry API see one store.
//
// It has its own lock so large blob uploads never hold s.mu. Lock order: s.mu
// may be held when taking reg.mu (ECR handlers do), never the reverse; and no
// blob is read or written under reg.mu.
type registry struct {
	mu      sync.Mutex
	dir     string                 // blobs and uploads on disk; made on first use, removed on Close
	repos   map[string]*repository // by repository name
	blobs   map[string]int64       // digest -> size of every blob on disk
	uploads map[string]*blobUpload // by upload id
}

// repository is an ECR repository: its settings and its images.
type repository struct {
	name       string
	arn        string
	createdAt  time.Time
	immutable  bool // imageTagMutability IMMUTABLE
	scanOnPush bool
	encryption ecrEncryption
	tags       []ecrTag // resource tags (TagResource), not image tags

	blobs     map[string]bool            // digests of blobs pushed or mounted into it
	manifests map[string]*storedManifest // by digest
	imageTags map[string]string          // image tag -> manifest digest
}

// registerRegistry prepares the registry; its directory is removed on Close.
// Call with s.mu held.
func (s *Server) registerRegistry() {
	reg := &registry{
		repos:   map[string]*repository{},
		blobs:   map[string]int64{},
		uploads: map[string]*blobUpload{},
	}
	s.registry = reg
	s.onClose(func() {
		reg.mu.Lock()
		dir := reg.dir
		reg.dir = ""
		reg.mu.Unlock()
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	})
}

// storageDir returns the registry's directory, creating it on first use.
// Call with reg.mu held.
func (reg *registry) storageDir() (string, error) {
	if reg.dir != "" {
		return reg.dir, nil
	}
	dir, err := os.MkdirTemp("", "awssim-registry-")
	if err != nil {
		return "", err
	}
	for _, sub := range []string{"blobs", "uploads"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			_ = os.RemoveAll(dir)
			return "", err
		}
	}
	reg.dir = dir
	return dir, nil
}

// tagsOf returns the image tags pointing at digest, sorted.
func (repo *repository) tagsOf(digest string) []string {
	var tags []string
	for t, d := range repo.imageTags {
		if d == digest {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	return tags
}

// ---- routing ------------------------------------------------------------------

// Repository names follow the distribution reference grammar; references are
// tags or digests.
const (
	regNamePattern = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*`
	regTagPattern  = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
	digestPattern  = `sha256:[a-f0-9]{64}`
)

var (
	regManifestPath = regexp.MustCompile(`^/v2/(` + regNamePattern + `)/manifests/(` + regTagPattern + `|` + digestPattern + `)$`)
	regUploadsPath  = regexp.MustCompile(`^/v2/(` + regNamePattern + `)/blobs/uploads/?$`)
	regUploadPath   = regexp.MustCompile(`^/v2/(` + regNamePattern + `)/blobs/uploads/([A-Za-z0-9-]+)$`)
	regBlobPath     = regexp.MustCompile(`^/v2/(` + regNamePattern + `)/blobs/(` + digestPattern + `)$`)
	regTagsPath     = regexp.MustCompile(`^/v2/(` + regNamePattern + `)/tags/list$`)
	digestRE        = regexp.MustCompile(`^` + digestPattern + `$`)
	regTagRE        = regexp.MustCompile(`^` + regTagPattern + `$`)
)

// regCall is one registry request, routed.
type regCall struct {
	s    *Server
	r    *http.Request
	repo string // repository name
	ref  string // tag, digest or upload id, depending on the operation
}

// routeRegistry names the operation a request is, the way faults and the
// request log refer to it, or "" when the registry has no such endpoint.
func routeRegistry(r *http.Request) (op, repo, ref string) {
	p, m, q := r.URL.Path, r.Method, r.URL.Query()
	pick := func(ops map[string]string) string { return ops[m] }
	if p == "/v2" || p == "/v2/" {
		return pick(map[string]string{"GET": "Ping", "HEAD": "Ping"}), "", ""
	}
	if g := regManifestPath.FindStringSubmatch(p); g != nil {
		return pick(map[string]string{"GET": "GetManifest", "HEAD": "HeadManifest", "PUT": "PutManifest", "DELETE": "DeleteManifest"}), g[1], g[2]
	}
	if g := regUploadsPath.FindStringSubmatch(p); g != nil && m == http.MethodPost {
		switch {
		case q.Get("mount") != "":
			return "MountBlob", g[1], q.Get("mount")
		case q.Get("digest") != "":
			return "PutBlob", g[1], ""
		}
		return "StartUpload", g[1], ""
	}
	if g := regUploadPath.FindStringSubmatch(p); g != nil {
		return pick(map[string]string{"GET": "GetUpload", "PATCH": "PatchUpload", "PUT": "PutBlob", "DELETE": "CancelUpload"}), g[1], g[2]
	}
	if g := regBlobPath.FindStringSubmatch(p); g != nil {
		return pick(map[string]string{"GET": "GetBlob", "HEAD": "HeadBlob"}), g[1], g[2]
	}
	if g := regTagsPath.FindStringSubmatch(p); g != nil {
		return pick(map[string]string{"GET": "ListTags"}), g[1], ""
	}
	return "", "", ""
}

// serveRegistry answers the Docker Registry HTTP API v2 / OCI distribution
// API. Every operation streams or takes locks itself, so none holds s.mu.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	p := registryProtocol{realm: "http://" + s.Host() + "/"}
	op, repo, ref := routeRegistry(r)
	params, _ := json.Marshal(map[string]string{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery})
	if op == "" {
		// ECR answers endpoints it does not implement (catalog, blob
		// deletion, ...) with UNSUPPORTED.
		s.serveOpUnlocked(w, p, "registry", r.Method+" "+r.URL.Path, params, func() (any, error) {
			return nil, apiErr(http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		})
		return
	}
	c := &regCall{s: s, r: r, repo: repo, ref: ref}
	s.serveOpUnlocked(w, p, "registry", op, params, func() (any, error) {
		if err := s.checkRegistryAuth(r); err != nil {
			return nil, err
		}
		return regHandlers[op](c)
	})
}

// regHandlers maps the operations routeRegistry names to their handlers.
var regHandlers = map[string]func(*regCall) (any, error){
	"Ping":           func(*regCall) (any, error) { return regJSON(http.StatusOK, struct{}{}), nil },
	"GetManifest":    (*regCall).getManifest,
	"HeadManifest":   (*regCall).getManifest,
	"PutManifest":    (*regCall).putManifest,
	"DeleteManifest": (*regCall).deleteManifest,
	"ListTags":       (*regCall).listTags,
	"StartUpload":    (*regCall).startUpload,
	"MountBlob":      (*regCall).mountBlob,
	"GetUpload":      (*regCall).uploadStatus,
	"PatchUpload":    (*regCall).patchUpload,
	"PutBlob":        (*regCall).putBlob,
	"CancelUpload":   (*regCall).cancelUpload,
	"GetBlob":        (*regCall).getBlob,
	"HeadBlob":       (*regCall).getBlob,
}

// repository returns the named repository. Call with reg.mu held.
func (c *regCall) repository() (*repository, error) {
	repo := c.s.registry.repos[c.repo]
	if repo == nil {
		return nil, regNameUnknown(c.repo, c.s.accountID)
	}
	return repo, nil
}

// ---- wire format ----------------------------------------------------------------

// registryProtocol writes the registry's JSON error shape:
// {"errors":[{"code":"NAME_UNKNOWN","message":"..."}]}.
type registryProtocol struct {
	realm string // the Basic auth realm advertised on 401
}

func (registryProtocol) writeResult(w http.ResponseWriter, _, _ string, result any) {
	regJSON(http.StatusOK, result).respond(w)
}

func (p registryProtocol) writeError(w http.ResponseWriter, _ string, e *APIError) {
	if e.Status == http.StatusUnauthorized {
		// ECR's challenge; Docker answers it with the credentials from
		// docker login or X-Registry-Auth.
		w.Header().Set("WWW-Authenticate", `Basic realm="`+p.realm+`",service="ecr.amazonaws.com"`)
	}
	body := map[string]any{"errors": []map[string]string{{"code": e.Code, "message": e.Message}}}
	regJSON(e.Status, body).respond(w)
}

// throttleError is what ECR's registry answers when requests come too fast.
func (registryProtocol) throttleError(string) *APIError {
	return apiErr(http.StatusTooManyRequests, "TOOMANYREQUESTS", "Rate exceeded")
}

func (registryProtocol) serverError(string) *APIError {
	return apiErr(http.StatusInternalServerError, "UNKNOWN", "unknown error")
}

// regResponse is a registry answer: status, headers and an optional body.
type regResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r *regResponse) statusCode() int { return r.status }

func (r *regResponse) respond(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body))) // also for HEAD, whose body net/http drops
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

func regJSON(status int, v any) *regResponse {
	b, _ := json.Marshal(v)
	return &regResponse{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func regEmpty(status int, kv ...string) *regResponse {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return &regResponse{status: status, header: h}
}

// ---- errors as ECR words them -------------------------------------------------------

func regNameUnknown(repo, registryID string) *APIError {
	return apiErr(http.StatusNotFound, "NAME_UNKNOWN",
		"The repository with name '%s' does not exist in the registry with id '%s'", repo, registryID)
}

func regBlobUnknown() *APIError {
	return apiErr(http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
}

func regManifestUnknown() *APIError {
	return apiErr(http.StatusNotFound, "MANIFEST_UNKNOWN", "Requested image not found")
}

func regTagInvalid(tag, repo string) *APIError {
	return apiErr(http.StatusBadRequest, "TAG_INVALID",
		"The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.", tag, repo)
}

// ---- image references ------------------------------------------------------------

// resolveImage tells whether an image reference ("host:port/repo:tag" or
// "host:port/repo@sha256:...") is served by this simulator's registry (ours)
// and, if so, whether it exists there and its manifest digest.
// It may be called with s.mu held.
func (s *Server) resolveImage(ref string) (digest string, found, ours bool) {
	host, rest, ok := strings.Cut(ref, "/")
	if !ok || !s.isOurHost(host) {
		return "", false, false
	}
	name, tag, dgst := splitImageRef(rest)
	reg := s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	repo := reg.repos[name]
	if repo == nil {
		return "", false, true
	}
	if dgst != "" {
		// A digest wins over a tag, as when Docker pulls "repo:tag@digest".
		_, found = repo.manifests[dgst]
		return dgst, found, true
	}
	digest, found = repo.imageTags[tag]
	return digest, found, true
}

// isOurHost reports whether a registry host names this simulator: its
// listener address, or the same port on localhost.
func (s *Server) isOurHost(host string) bool {
	if s.host == "" {
		return false
	}
	if host == s.host {
		return true
	}
	h, port, err := net.SplitHostPort(host)
	_, ourPort, _ := net.SplitHostPort(s.host)
	return err == nil && port == ourPort && (h == "localhost" || h == "127.0.0.1")
}

// splitImageRef splits "repo[:tag][@digest]" (without host); the tag
// defaults to "latest".
func splitImageRef(s string) (name, tag, digest string) {
	s, digest, _ = strings.Cut(s, "@")
	name, tag = s, "latest"
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i:], "/") {
		name, tag = s[:i], s[i+1:]
	}
	return name, tag, digest
}
