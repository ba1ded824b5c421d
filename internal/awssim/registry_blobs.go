package awssim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Blobs (layers and image configs) live on disk, content-addressed, shared by
// every repository; a repository sees a blob once it was pushed or mounted
// into it. Uploads follow the distribution API: POST starts a session, PATCH
// appends chunks, PUT ?digest= completes it after checking the content's
// sha256. POST ?digest= uploads a whole blob at once and POST ?mount=&from=
// links a blob another repository already has.

// blobUpload is an upload session: the bytes received so far, hashed as they
// arrive so completing a 100 MB layer does not read it again.
type blobUpload struct {
	mu   sync.Mutex // serialises the requests of one session; taken before reg.mu, never after
	id   string
	repo string
	file *os.File
	hash hash.Hash
	size int64
	done bool // completed or abandoned; the session no longer accepts bytes
}

func blobPath(dir, digest string) string {
	return filepath.Join(dir, "blobs", strings.TrimPrefix(digest, "sha256:"))
}

// newUpload opens a session for repo. register makes it addressable by id
// (a monolithic upload is not).
func (c *regCall) newUpload(register bool) (*blobUpload, error) {
	reg := c.s.registry
	reg.mu.Lock()
	_, err := c.repository()
	var dir string
	if err == nil {
		dir, err = reg.storageDir()
	}
	reg.mu.Unlock()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(dir, "uploads"), "upload-")
	if err != nil {
		return nil, err
	}
	up := &blobUpload{id: newUploadID(), repo: c.repo, file: f, hash: sha256.New()}
	if register {
		reg.mu.Lock()
		reg.uploads[up.id] = up
		reg.mu.Unlock()
	}
	return up, nil
}

// upload finds the session the request names.
func (c *regCall) upload() (*blobUpload, error) {
	reg := c.s.registry
	reg.mu.Lock()
	up := reg.uploads[c.ref]
	_, err := c.repository()
	reg.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if up == nil || up.repo != c.repo {
		return nil, apiErr(http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
	}
	return up, nil
}

// abandon drops a session and its bytes. Call with up.mu held.
func (reg *registry) abandon(up *blobUpload) {
	up.done = true
	_ = up.file.Close()
	_ = os.Remove(up.file.Name())
	reg.mu.Lock()
	delete(reg.uploads, up.id)
	reg.mu.Unlock()
}

// receive appends the request body to the session. Call with up.mu held.
// A broken body abandons the session: the client must start over, as with a
// registry that lost the connection mid-chunk.
func (c *regCall) receive(up *blobUpload) error {
	if up.done {
		return apiErr(http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
	}
	if cr := c.r.Header.Get("Content-Range"); cr != "" {
		start, _, _ := strings.Cut(strings.TrimPrefix(cr, "bytes="), "-")
		if n, err := strconv.ParseInt(start, 10, 64); err != nil || n != up.size {
			return apiErr(http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID",
				"chunk starts at %s but the upload has %d bytes", start, up.size)
		}
	}
	n, err := io.Copy(io.MultiWriter(up.file, up.hash), c.r.Body)
	up.size += n
	if err != nil {
		c.s.registry.abandon(up)
		return apiErr(http.StatusBadRequest, "BLOB_UPLOAD_INVALID", "blob upload invalid: %v", err)
	}
	return nil
}

// uploadAccepted is the answer to a session that takes more chunks.
func uploadAccepted(repo string, up *blobUpload) *regResponse {
	end := up.size - 1
	if end < 0 {
		end = 0
	}
	return regEmpty(http.StatusAccepted,
		"Location", "/v2/"+repo+"/blobs/uploads/"+up.id,
		"Range", fmt.Sprintf("0-%d", end),
		"Docker-Upload-UUID", up.id)
}

func (c *regCall) startUpload() (any, error) {
	up, err := c.newUpload(true)
	if err != nil {
		return nil, err
	}
	return uploadAccepted(c.repo, up), nil
}

func (c *regCall) patchUpload() (any, error) {
	up, err := c.upload()
	if err != nil {
		return nil, err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if err := c.receive(up); err != nil {
		return nil, err
	}
	return uploadAccepted(c.repo, up), nil
}

func (c *regCall) uploadStatus() (any, error) {
	up, err := c.upload()
	if err != nil {
		return nil, err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	res := uploadAccepted(c.repo, up)
	res.status = http.StatusNoContent
	return res, nil
}

func (c *regCall) cancelUpload() (any, error) {
	up, err := c.upload()
	if err != nil {
		return nil, err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	c.s.registry.abandon(up)
	return regEmpty(http.StatusNoContent), nil
}

// putBlob completes a session (PUT .../uploads/<id>?digest=) or uploads a
// whole blob (POST .../uploads/?digest=), with the body as the last bytes.
func (c *regCall) putBlob() (any, error) {
	want := c.r.URL.Query().Get("digest")
	if !digestRE.MatchString(want) {
		return nil, apiErr(http.StatusBadRequest, "DIGEST_INVALID", "provided digest %q is not a sha256 digest", want)
	}
	var up *blobUpload
	var err error
	if c.ref == "" {
		up, err = c.newUpload(false)
	} else {
		up, err = c.upload()
	}
	if err != nil {
		return nil, err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if err := c.receive(up); err != nil {
		return nil, err
	}
	reg := c.s.registry
	if got := "sha256:" + hex.EncodeToString(up.hash.Sum(nil)); got != want {
		reg.abandon(up)
		return nil, apiErr(http.StatusBadRequest, "DIGEST_INVALID",
			"provided digest did not match uploaded content (got %s)", got)
	}
	if err := c.commit(up, want); err != nil {
		return nil, err
	}
	return regEmpty(http.StatusCreated, "Location", "/v2/"+c.repo+"/blobs/"+want, "Docker-Content-Digest", want), nil
}

// commit moves a verified upload into the blob store and links it into its
// repository. Call with up.mu held.
func (c *regCall) commit(up *blobUpload, digest string) error {
	reg := c.s.registry
	up.done = true
	err := up.file.Close()
	reg.mu.Lock()
	dir := reg.dir
	reg.mu.Unlock()
	if err == nil {
		// Renaming over an identical blob pushed concurrently is harmless:
		// readers keep the file they opened.
		err = os.Rename(up.file.Name(), blobPath(dir, digest))
	}
	if err != nil {
		_ = os.Remove(up.file.Name())
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	delete(reg.uploads, up.id)
	if err != nil {
		return err
	}
	reg.blobs[digest] = up.size
	repo, err := c.repository() // it may have been deleted during the upload
	if err != nil {
		return err
	}
	repo.blobs[digest] = true
	return nil
}

// mountBlob links a blob from another repository (?mount=<digest>&from=<repo>)
// without uploading it; when the source does not have it the registry starts
// an ordinary upload instead, as the distribution spec says.
func (c *regCall) mountBlob() (any, error) {
	from := c.r.URL.Query().Get("from")
	reg := c.s.registry
	reg.mu.Lock()
	repo, err := c.repository()
	mounted := false
	if src := reg.repos[from]; err == nil && src != nil && src.blobs[c.ref] {
		repo.blobs[c.ref] = true
		mounted = true
	}
	reg.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !mounted {
		return c.startUpload()
	}
	return regEmpty(http.StatusCreated, "Location", "/v2/"+c.repo+"/blobs/"+c.ref, "Docker-Content-Digest", c.ref), nil
}

// getBlob answers GET and HEAD of a blob, with ranges.
func (c *regCall) getBlob() (any, error) {
	reg := c.s.registry
	reg.mu.Lock()
	repo, err := c.repository()
	var path string
	if err == nil {
		if _, stored := reg.blobs[c.ref]; !stored || !repo.blobs[c.ref] {
			err = regBlobUnknown()
		}
		path = blobPath(reg.dir, c.ref)
	}
	reg.mu.Unlock()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &blobContent{r: c.r, f: f, digest: c.ref}, nil
}

// blobContent streams a blob after the request's locks are released.
type blobContent struct {
	r      *http.Request
	f      *os.File
	digest string
}

func (b *blobContent) respond(w http.ResponseWriter) {
	defer b.f.Close()
	h := w.Header()
	h.Set("Docker-Distribution-API-Version", "registry/2.0")
	h.Set("Docker-Content-Digest", b.digest)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"`+b.digest+`"`)
	http.ServeContent(w, b.r, "", time.Time{}, b.f)
}

// newUploadID returns a random UUID, as ECR names upload sessions.
func newUploadID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
