package awssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Manifest media types the registry stores. Docker 20.10 pushes schema2;
// BuildKit and go-containerregistry also push OCI manifests and indexes.
const (
	mediaDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaOCIManifest        = "application/vnd.oci.image.manifest.v1+json"
	mediaOCIIndex           = "application/vnd.oci.image.index.v1+json"
)

// maxManifestSize is ECR's limit on a manifest's size.
const maxManifestSize = 4 << 20

// storedManifest is a manifest exactly as pushed: its digest is the sha256 of
// these bytes, so re-serialising it would make another image.
type storedManifest struct {
	digest       string
	mediaType    string
	body         []byte
	pushedAt     time.Time
	artifactType string   // media type of the config (ECR's artifactMediaType)
	size         int64    // ECR's imageSizeInBytes: the layers' sizes, or the largest child's for an index
	blobs        []string // config and layers of an image manifest
	children     []string // manifests of an index
}

func (m *storedManifest) isIndex() bool {
	return m.mediaType == mediaDockerManifestList || m.mediaType == mediaOCIIndex
}

type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// parseManifest checks that body is a manifest the registry stores.
// declared is the media type the client sent (Content-Type, or ECR's
// imageManifestMediaType); when it is empty or generic the body's own
// mediaType field decides, and OCI documents may omit both.
func parseManifest(body []byte, declared string) (*storedManifest, error) {
	var doc struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     string          `json:"mediaType"`
		Config        *ociDescriptor  `json:"config"`
		Layers        []ociDescriptor `json:"layers"`
		Manifests     []ociDescriptor `json:"manifests"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("manifest is not valid JSON: %v", err)
	}
	if doc.SchemaVersion != 2 {
		return nil, fmt.Errorf("unsupported manifest schemaVersion %d", doc.SchemaVersion)
	}
	if t, _, err := mime.ParseMediaType(declared); err == nil {
		declared = t
	}
	if declared == "application/json" || declared == "application/octet-stream" {
		declared = ""
	}
	mt := doc.MediaType
	switch {
	case declared != "" && mt != "" && declared != mt:
		return nil, fmt.Errorf("manifest media type %q does not match the declared %q", mt, declared)
	case mt == "" && declared != "":
		mt = declared
	case mt == "" && doc.Config != nil:
		mt = mediaOCIManifest
	case mt == "" && doc.Manifests != nil:
		mt = mediaOCIIndex
	}
	m := &storedManifest{digest: sha256Digest(body), mediaType: mt, body: body}
	switch mt {
	case mediaDockerManifest, mediaOCIManifest:
		if doc.Config == nil || !digestRE.MatchString(doc.Config.Digest) {
			return nil, errors.New("image manifest has no valid config descriptor")
		}
		m.artifactType = doc.Config.MediaType
		m.blobs = append(m.blobs, doc.Config.Digest)
		for _, l := range doc.Layers {
			if !digestRE.MatchString(l.Digest) {
				return nil, fmt.Errorf("layer digest %q is not a sha256 digest", l.Digest)
			}
			m.blobs = append(m.blobs, l.Digest)
			m.size += l.Size
		}
	case mediaDockerManifestList, mediaOCIIndex:
		for _, c := range doc.Manifests {
			if !digestRE.MatchString(c.Digest) {
				return nil, fmt.Errorf("manifest digest %q is not a sha256 digest", c.Digest)
			}
			m.children = append(m.children, c.Digest)
		}
	case "":
		return nil, errors.New("manifest media type is missing")
	default:
		return nil, fmt.Errorf("unsupported manifest media type %q", mt)
	}
	return m, nil
}

// missing returns the blobs and child manifests m refers to that the
// repository does not have. Call with reg.mu held.
func (repo *repository) missing(m *storedManifest) (blobs, manifests []string) {
	for _, d := range m.blobs {
		if !repo.blobs[d] {
			blobs = append(blobs, d)
		}
	}
	for _, d := range m.children {
		if repo.manifests[d] == nil {
			manifests = append(manifests, d)
		}
	}
	return blobs, manifests
}

// tagLocked reports whether an immutable repository refuses to move tag to
// digest. Call with reg.mu held.
func (repo *repository) tagLocked(tag, digest string) bool {
	old, ok := repo.imageTags[tag]
	return repo.immutable && ok && old != digest
}

// store adds m, keeping the first push time of content pushed again, and
// points tag at it unless tag is "". Call with reg.mu held.
func (repo *repository) store(m *storedManifest, tag string) {
	if old := repo.manifests[m.digest]; old != nil {
		m = old
	} else {
		for _, d := range m.children {
			m.size = max(m.size, repo.manifests[d].size)
		}
		repo.manifests[m.digest] = m
	}
	if tag != "" {
		repo.imageTags[tag] = m.digest
	}
}

// referencedBy returns an index of the repository listing digest, or "".
// Call with reg.mu held.
func (repo *repository) referencedBy(digest string) string {
	for _, m := range repo.manifests {
		if slices.Contains(m.children, digest) {
			return m.digest
		}
	}
	return ""
}

// deleteImage removes a manifest and every tag on it. ECR refuses while an
// index in the repository still lists it. Call with reg.mu held.
func (repo *repository) deleteImage(digest string) (tags []string, failureCode, reason string) {
	if repo.manifests[digest] == nil {
		return nil, "ImageNotFound", "Requested image not found"
	}
	if idx := repo.referencedBy(digest); idx != "" {
		return nil, "ImageReferencedByManifestList", "Requested image referenced by manifest list: [" + idx + "]"
	}
	tags = repo.tagsOf(digest)
	for _, t := range tags {
		delete(repo.imageTags, t)
	}
	delete(repo.manifests, digest)
	return tags, "", ""
}

// untag removes an image tag; an image losing its last tag is deleted, as
// ECR's BatchDeleteImage does. Call with reg.mu held.
func (repo *repository) untag(tag string) (digest, failureCode, reason string) {
	digest, ok := repo.imageTags[tag]
	if !ok {
		return "", "ImageNotFound", "Requested image not found"
	}
	delete(repo.imageTags, tag)
	if len(repo.tagsOf(digest)) == 0 && repo.referencedBy(digest) == "" {
		delete(repo.manifests, digest)
	}
	return digest, "", ""
}

// ---- registry endpoints ---------------------------------------------------------

func (c *regCall) putManifest() (any, error) {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxManifestSize+1))
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid: %v", err)
	}
	if len(body) > maxManifestSize {
		return nil, apiErr(http.StatusRequestEntityTooLarge, "MANIFEST_INVALID", "manifest invalid: larger than %d bytes", maxManifestSize)
	}
	m, err := parseManifest(body, c.r.Header.Get("Content-Type"))
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid: %v", err)
	}
	tag := c.ref
	if digestRE.MatchString(c.ref) {
		if c.ref != m.digest {
			return nil, apiErr(http.StatusBadRequest, "DIGEST_INVALID",
				"provided digest %s did not match the manifest's digest %s", c.ref, m.digest)
		}
		tag = ""
	}
	m.pushedAt = c.s.clock.Now()

	reg := c.s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	repo, err := c.repository()
	if err != nil {
		return nil, err
	}
	if blobs, manifests := repo.missing(m); len(blobs)+len(manifests) > 0 {
		return nil, apiErr(http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN",
			"manifest references content unknown to the repository: %v", append(blobs, manifests...))
	}
	if tag != "" && repo.tagLocked(tag, m.digest) {
		return nil, regTagInvalid(tag, c.repo)
	}
	repo.store(m, tag)
	return regEmpty(http.StatusCreated, "Location", "/v2/"+c.repo+"/manifests/"+m.digest, "Docker-Content-Digest", m.digest), nil
}

// getManifest answers GET and HEAD of a manifest by tag or digest, with the
// exact bytes pushed.
func (c *regCall) getManifest() (any, error) {
	reg := c.s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	repo, err := c.repository()
	if err != nil {
		return nil, err
	}
	digest := c.ref
	if !digestRE.MatchString(c.ref) {
		digest = repo.imageTags[c.ref]
	}
	m := repo.manifests[digest]
	if m == nil {
		return nil, regManifestUnknown()
	}
	return &regResponse{status: http.StatusOK, body: m.body, header: http.Header{
		"Content-Type":          {m.mediaType},
		"Docker-Content-Digest": {m.digest},
		"Etag":                  {`"` + m.digest + `"`},
	}}, nil
}

// deleteManifest deletes an image by digest, or removes a tag.
func (c *regCall) deleteManifest() (any, error) {
	reg := c.s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	repo, err := c.repository()
	if err != nil {
		return nil, err
	}
	var code, reason string
	if digestRE.MatchString(c.ref) {
		_, code, reason = repo.deleteImage(c.ref)
	} else {
		_, code, reason = repo.untag(c.ref)
	}
	switch code {
	case "":
		return regEmpty(http.StatusAccepted), nil
	case "ImageNotFound":
		return nil, regManifestUnknown()
	default:
		return nil, apiErr(http.StatusConflict, "DENIED", "%s", reason)
	}
}

// listTags answers GET /v2/<name>/tags/list, paged by n and last with a Link
// header as the distribution spec describes.
func (c *regCall) listTags() (any, error) {
	reg := c.s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	repo, err := c.repository()
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	tags := []string{}
	for t := range repo.imageTags {
		if t > q.Get("last") {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	res := regJSON(http.StatusOK, nil)
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n >= 0 && n < len(tags) {
		tags = tags[:n]
		if n > 0 {
			next := url.Values{"n": {strconv.Itoa(n)}, "last": {tags[n-1]}}
			res.header.Set("Link", `</v2/`+c.repo+`/tags/list?`+next.Encode()+`>; rel="next"`)
		}
	}
	res.body, _ = json.Marshal(map[string]any{"name": c.repo, "tags": tags})
	return res, nil
}
