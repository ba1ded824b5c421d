package awssim

import (
	"crypto/rand"
	"io"
	"net/http"
	"testing"
)

// BenchmarkRegistryBlob pushes a 100 MB layer (one streamed PATCH, then PUT
// ?digest=) and pulls it back, as docker push/pull of a large image does.
func BenchmarkRegistryBlob(b *testing.B) {
	s := NewTestServer(b)
	if _, err := s.SeedRepository("big", false); err != nil {
		b.Fatal(err)
	}
	user, password := s.RegistryAuth()
	c := &regClient{base: s.URL(), user: user, password: password}
	blob := make([]byte, 100<<20)
	_, _ = rand.Read(blob)
	digest := sha256Digest(blob)

	b.Run("push", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			resp, _, err := c.do("POST", "/v2/big/blobs/uploads/", nil)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				b.Fatalf("start upload: %v %v", err, resp)
			}
			resp, _, err = c.do("PATCH", resp.Header.Get("Location"), blob)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				b.Fatalf("patch: %v %v", err, resp)
			}
			resp, body, err := c.do("PUT", resp.Header.Get("Location")+"?digest="+digest, nil)
			if err != nil || resp.StatusCode != http.StatusCreated {
				b.Fatalf("complete: %v %d %s", err, resp.StatusCode, body)
			}
		}
	})
	b.Run("pull", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			req, _ := http.NewRequest("GET", s.URL()+"/v2/big/blobs/"+digest, nil)
			req.SetBasicAuth(user, password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != int64(len(blob)) {
				b.Fatalf("pulled %d bytes: %v", n, err)
			}
		}
	})
}
