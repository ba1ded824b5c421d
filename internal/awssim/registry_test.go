package awssim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// regClient speaks the registry API the way a Go client (crane, ko) does.
type regClient struct {
	base, user, password string
}

func newRegClient(t *testing.T, s *Server) *regClient {
	t.Helper()
	out, err := ecr.NewFromConfig(s.AWSConfig()).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatalf("GetAuthorizationToken: %v", err)
	}
	d := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(d.AuthorizationToken))
	if err != nil {
		t.Fatalf("token is not base64: %v", err)
	}
	user, pw, ok := strings.Cut(string(raw), ":")
	if !ok || user != "AWS" {
		t.Fatalf("token does not decode to AWS:<password>: %q", user)
	}
	return &regClient{base: aws.ToString(d.ProxyEndpoint), user: user, password: pw}
}

// do sends a request; hdr holds header name/value pairs.
func (c *regClient) do(method, path string, body []byte, hdr ...string) (*http.Response, []byte, error) {
	url := path
	if strings.HasPrefix(path, "/") {
		url = c.base + path
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// regError returns the first error code of a registry error body.
func regError(b []byte) string {
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(b, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code + ": " + e.Errors[0].Message
}

// testImage is a schema2 image built in memory.
type testImage struct {
	config, layer, manifest []byte
	digest                  string
}

func newTestImage(t *testing.T, content string) testImage {
	t.Helper()
	layer, diffID, err := tarGz(map[string]string{"hello.txt": content})
	if err != nil {
		t.Fatal(err)
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + diffID + `"]}}`)
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":%q,"size":%d}]}`,
		mediaDockerManifest, sha256Digest(config), len(config), sha256Digest(layer), len(layer))
	return testImage{config: config, layer: layer, manifest: []byte(manifest), digest: sha256Digest([]byte(manifest))}
}

// pushBlob uploads a blob in two chunks, as Docker does for large layers.
func (c *regClient) pushBlob(repo string, blob []byte) error {
	resp, b, err := c.do("POST", "/v2/"+repo+"/blobs/uploads/", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("start upload: %d %s", resp.StatusCode, regError(b))
	}
	loc := resp.Header.Get("Location")
	half := len(blob) / 2
	for _, chunk := range [][2]int{{0, half}, {half, len(blob)}} {
		resp, b, err = c.do("PATCH", loc, blob[chunk[0]:chunk[1]], "Content-Range", fmt.Sprintf("%d-%d", chunk[0], chunk[1]-1))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("patch upload: %d %s", resp.StatusCode, regError(b))
		}
		loc = resp.Header.Get("Location")
	}
	resp, b, err = c.do("PUT", loc+"?digest="+sha256Digest(blob), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("complete upload: %d %s", resp.StatusCode, regError(b))
	}
	return nil
}

func (c *regClient) push(repo, tag string, img testImage) error {
	for _, blob := range [][]byte{img.config, img.layer} {
		if err := c.pushBlob(repo, blob); err != nil {
			return err
		}
	}
	resp, b, err := c.do("PUT", "/v2/"+repo+"/manifests/"+tag, img.manifest, "Content-Type", mediaDockerManifest)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("put manifest: %d %s", resp.StatusCode, regError(b))
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != img.digest {
		return fmt.Errorf("put manifest: Docker-Content-Digest %s, want %s", got, img.digest)
	}
	return nil
}

func TestRegistryAuthChallenge(t *testing.T) {
	s := NewTestServer(t)
	anon := &regClient{base: s.URL()}
	resp, b, err := anon.do("GET", "/v2/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="http://`+s.Host()) {
		t.Fatalf("anonymous ping: %d %q %s, want 401 with a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
	}
	wrong := &regClient{base: s.URL(), user: "AWS", password: "guessed"}
	if resp, b, _ = wrong.do("GET", "/v2/", nil); resp.StatusCode != http.StatusUnauthorized || regError(b) != "UNAUTHORIZED: Not Authorized" {
		t.Fatalf("ping with a made-up password: %d %s", resp.StatusCode, b)
	}
	c := newRegClient(t, s)
	if c.base != "http://"+s.Host() {
		t.Fatalf("proxyEndpoint %q, want http://%s", c.base, s.Host())
	}
	if resp, b, _ = c.do("GET", "/v2/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("ping with the ECR token: %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Fatalf("missing Docker-Distribution-API-Version header: %v", resp.Header)
	}
}

func TestRegistryTokenExpires(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s := NewTestServer(t, WithClock(clock))
	c := newRegClient(t, s)
	clock.Advance(tokenLifetime + time.Second)
	resp, b, _ := c.do("GET", "/v2/", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(regError(b), "expired") {
		t.Fatalf("ping with a token past 12h: %d %s, want 403 DENIED expired", resp.StatusCode, b)
	}
}

func TestRegistryPushPull(t *testing.T) {
	s := NewTestServer(t)
	if _, err := s.SeedRepository("team/web", false); err != nil {
		t.Fatal(err)
	}
	c := newRegClient(t, s)
	img := newTestImage(t, "v1")
	if err := c.push("team/web", "v1", img); err != nil {
		t.Fatalf("push: %v", err)
	}

	// By tag and by digest, GET and HEAD serve the exact bytes pushed.
	for _, ref := range []string{"v1", img.digest} {
		resp, b, err := c.do("GET", "/v2/team/web/manifests/"+ref, nil, "Accept", mediaDockerManifest)
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(b, img.manifest) {
			t.Fatalf("GET manifest %s: %v %v %s", ref, err, resp.StatusCode, b)
		}
		if resp.Header.Get("Docker-Content-Digest") != img.digest || resp.Header.Get("Content-Type") != mediaDockerManifest {
			t.Fatalf("GET manifest %s headers: %v", ref, resp.Header)
		}
		resp, b, _ = c.do("HEAD", "/v2/team/web/manifests/"+ref, nil)
		if resp.StatusCode != http.StatusOK || len(b) != 0 || resp.ContentLength != int64(len(img.manifest)) {
			t.Fatalf("HEAD manifest %s: %d len=%d body=%q", ref, resp.StatusCode, resp.ContentLength, b)
		}
	}
	// Blobs, whole and by range.
	resp, b, _ := c.do("GET", "/v2/team/web/blobs/"+sha256Digest(img.layer), nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, img.layer) {
		t.Fatalf("GET blob: %d, %d bytes", resp.StatusCode, len(b))
	}
	resp, b, _ = c.do("GET", "/v2/team/web/blobs/"+sha256Digest(img.layer), nil, "Range", "bytes=2-5")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(b, img.layer[2:6]) {
		t.Fatalf("GET blob range: %d %x", resp.StatusCode, b)
	}
	resp, _, _ = c.do("HEAD", "/v2/team/web/blobs/"+sha256Digest([]byte("nope")), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("HEAD of an unknown blob: %d, want 404", resp.StatusCode)
	}

	// Cross-repository mount: the blob is linked, not uploaded again.
	if _, err := s.SeedRepository("team/app", false); err != nil {
		t.Fatal(err)
	}
	resp, b, _ = c.do("POST", "/v2/team/app/blobs/uploads/?mount="+sha256Digest(img.layer)+"&from=team/web", nil)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Docker-Content-Digest") != sha256Digest(img.layer) {
		t.Fatalf("mount: %d %s", resp.StatusCode, b)
	}
	resp, b, _ = c.do("POST", "/v2/team/app/blobs/uploads/?mount="+sha256Digest([]byte("other"))+"&from=team/web", nil)
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") == "" {
		t.Fatalf("mount of a blob the source lacks should start an upload: %d %s", resp.StatusCode, b)
	}
	// Monolithic upload of the config, then the manifest.
	resp, b, _ = c.do("POST", "/v2/team/app/blobs/uploads/?digest="+sha256Digest(img.config), img.config)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("monolithic upload: %d %s", resp.StatusCode, b)
	}
	resp, b, _ = c.do("PUT", "/v2/team/app/manifests/"+img.digest, img.manifest, "Content-Type", mediaDockerManifest)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put manifest by digest after mount: %d %s", resp.StatusCode, b)
	}

	// Tags, paged.
	for _, tag := range []string{"a", "b", "c"} {
		if resp, b, _ = c.do("PUT", "/v2/team/web/manifests/"+tag, img.manifest, "Content-Type", mediaDockerManifest); resp.StatusCode != http.StatusCreated {
			t.Fatalf("tag %s: %d %s", tag, resp.StatusCode, b)
		}
	}
	resp, b, _ = c.do("GET", "/v2/team/web/tags/list?n=2", nil)
	if string(b) != `{"name":"team/web","tags":["a","b"]}` || !strings.Contains(resp.Header.Get("Link"), "last=b") {
		t.Fatalf("tags page 1: %s, Link %q", b, resp.Header.Get("Link"))
	}
	if _, b, _ = c.do("GET", "/v2/team/web/tags/list?n=2&last=b", nil); string(b) != `{"name":"team/web","tags":["c","v1"]}` {
		t.Fatalf("tags page 2: %s", b)
	}

	// Deleting by digest removes the image and its tags.
	if resp, b, _ = c.do("DELETE", "/v2/team/web/manifests/"+img.digest, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete manifest: %d %s", resp.StatusCode, b)
	}
	if resp, b, _ = c.do("GET", "/v2/team/web/manifests/v1", nil); resp.StatusCode != http.StatusNotFound || regError(b) != "MANIFEST_UNKNOWN: Requested image not found" {
		t.Fatalf("GET deleted manifest: %d %s", resp.StatusCode, b)
	}
}

func TestRegistryRefusals(t *testing.T) {
	s := NewTestServer(t)
	c := newRegClient(t, s)
	img := newTestImage(t, "x")

	// A repository ECR does not have.
	err := c.push("missing", "v1", img)
	want := "NAME_UNKNOWN: The repository with name 'missing' does not exist in the registry with id '" + s.AccountID() + "'"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("push to a missing repository: %v, want %q", err, want)
	}

	if _, err := s.SeedRepository("locked", true); err != nil {
		t.Fatal(err)
	}
	// A digest that does not match the bytes leaves no blob behind.
	resp, b, _ := c.do("POST", "/v2/locked/blobs/uploads/?digest="+sha256Digest([]byte("other")), img.layer)
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(regError(b), "DIGEST_INVALID") {
		t.Fatalf("upload with a wrong digest: %d %s", resp.StatusCode, b)
	}
	resp, _, _ = c.do("HEAD", "/v2/locked/blobs/"+sha256Digest([]byte("other")), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("blob with a wrong digest was stored: %d", resp.StatusCode)
	}
	// A chunk that does not continue the upload.
	resp, _, _ = c.do("POST", "/v2/locked/blobs/uploads/", nil)
	resp, b, _ = c.do("PATCH", resp.Header.Get("Location"), []byte("abc"), "Content-Range", "5-7")
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("out-of-order chunk: %d %s", resp.StatusCode, b)
	}
	// A manifest whose layers were never pushed.
	resp, b, _ = c.do("PUT", "/v2/locked/manifests/v1", img.manifest, "Content-Type", mediaDockerManifest)
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(regError(b), "MANIFEST_BLOB_UNKNOWN") {
		t.Fatalf("manifest with unknown layers: %d %s", resp.StatusCode, b)
	}
	// An immutable tag moved to other content.
	if err := c.push("locked", "v1", img); err != nil {
		t.Fatal(err)
	}
	if err := c.push("locked", "v1", img); err != nil {
		t.Fatalf("pushing the same image again to an immutable tag should succeed: %v", err)
	}
	err = c.push("locked", "v1", newTestImage(t, "y"))
	want = "TAG_INVALID: The image tag 'v1' already exists in the 'locked' repository and cannot be overwritten because the repository is immutable."
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("moving an immutable tag: %v, want %q", err, want)
	}
	// Endpoints ECR lacks.
	resp, b, _ = c.do("GET", "/v2/_catalog", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.HasPrefix(regError(b), "UNSUPPORTED") {
		t.Fatalf("catalog: %d %s", resp.StatusCode, b)
	}
}

func TestRegistryConnectionResetMidPush(t *testing.T) {
	s := NewTestServer(t)
	if _, err := s.SeedRepository("web", false); err != nil {
		t.Fatal(err)
	}
	c := newRegClient(t, s)
	img := newTestImage(t, "reset")
	s.AddFault(Fault{Service: "registry", Operation: "PatchUpload", Reset: 1, Times: 1})

	err := c.push("web", "v1", img)
	if err == nil || !(strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset")) {
		t.Fatalf("push through a reset connection: %v, want a connection error", err)
	}
	if got := s.Count("registry", "PatchUpload"); got != 1 {
		t.Fatalf("%d PatchUpload calls logged, want 1", got)
	}
	// Nothing half-pushed is visible.
	out, err := ecr.NewFromConfig(s.AWSConfig()).DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String("web")})
	if err != nil || len(out.ImageDetails) != 0 {
		t.Fatalf("DescribeImages after a failed push: %v %v", err, out)
	}
	if _, found, ours := s.resolveImage(s.Host() + "/web:v1"); found || !ours {
		t.Fatalf("resolveImage after a failed push: found=%v ours=%v", found, ours)
	}
	// The client retries and the push goes through.
	if err := c.push("web", "v1", img); err != nil {
		t.Fatalf("push after the fault: %v", err)
	}
	if digest, found, _ := s.resolveImage(s.Host() + "/web:v1"); !found || digest != img.digest {
		t.Fatalf("resolveImage after the push: %s %v", digest, found)
	}
}

func TestResolveImage(t *testing.T) {
	s := NewTestServer(t)
	digest, err := s.SeedImage("team/web", "v1", map[string]string{"app": "#!/bin/sh\n"})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(s.Host(), ":")
	for _, tc := range []struct {
		ref         string
		found, ours bool
	}{
		{s.Host() + "/team/web:v1", true, true},
		{"localhost:" + port + "/team/web:v1", true, true},
		{s.Host() + "/team/web@" + digest, true, true},
		{s.Host() + "/team/web:v1@" + digest, true, true},
		{s.Host() + "/team/web", false, true}, // latest was never pushed
		{s.Host() + "/team/web:v2", false, true},
		{s.Host() + "/team/app:v1", false, true},
		{"public.ecr.aws/nginx/nginx:1", false, false},
		{"nginx:latest", false, false},
		{"localhost:1/team/web:v1", false, false},
	} {
		got, found, ours := s.resolveImage(tc.ref)
		if found != tc.found || ours != tc.ours || (found && got != digest) {
			t.Errorf("resolveImage(%q) = %q, %v, %v; want found=%v ours=%v", tc.ref, got, found, ours, tc.found, tc.ours)
		}
	}
}

// Concurrent pushes of shared layers, reads and ECR calls keep the store
// consistent (run with -race).
func TestRegistryConcurrentClients(t *testing.T) {
	s := NewTestServer(t)
	if _, err := s.SeedRepository("web", false); err != nil {
		t.Fatal(err)
	}
	c := newRegClient(t, s)
	client := ecr.NewFromConfig(s.AWSConfig())
	shared := newTestImage(t, "shared")
	errs := make(chan error, 16)
	for i := range 8 {
		// Half push the same image under their own tag, half other images.
		img := shared
		if i%2 == 1 {
			img = newTestImage(t, fmt.Sprintf("own-%d", i))
		}
		go func() { errs <- c.push("web", fmt.Sprintf("t%d", i), img) }()
		go func() {
			_, err := client.DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String("web")})
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	tags := 0
	for _, d := range out.ImageDetails {
		tags += len(d.ImageTags)
	}
	if len(out.ImageDetails) != 5 || tags != 8 {
		t.Fatalf("%d images with %d tags, want 5 images (1 shared + 4 own) with 8 tags", len(out.ImageDetails), tags)
	}
}

func TestRegistryStorageRemovedOnClose(t *testing.T) {
	s := New()
	if _, err := s.SeedImage("web", "v1", map[string]string{"f": "x"}); err != nil {
		t.Fatal(err)
	}
	dir := s.registry.dir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("blob directory: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("blob directory %s still there after Close: %v", dir, err)
	}
}
