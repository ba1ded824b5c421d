package awssim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Seeding puts repositories and images in place without API calls (nothing
// is logged), so tests of other services start from a known registry.

// SeedRepository creates a repository as CreateRepository would, with
// immutable tags when immutable is true, and returns its URI.
func (s *Server) SeedRepository(name string, immutable bool) (uri string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	mutability := "MUTABLE"
	if immutable {
		mutability = "IMMUTABLE"
	}
	repo, err := s.newRepositoryLocked(name, ecrRepoSettings{ImageTagMutability: mutability})
	if err != nil {
		return "", err
	}
	return s.Host() + "/" + repo.name, nil
}

// SeedImage stores a small, pullable image in repository repo (created,
// mutable, if missing) under tag: a Docker schema2 manifest with one layer
// holding files (path -> content). It returns the manifest's digest; the
// image's URI by digest is Host()+"/"+repo+"@"+digest.
func (s *Server) SeedImage(repo, tag string, files map[string]string) (digest string, err error) {
	layer, diffID, err := tarGz(files)
	if err != nil {
		return "", fmt.Errorf("seed image: %w", err)
	}
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	blobs := map[string][]byte{sha256Digest(config): config, sha256Digest(layer): layer}
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaDockerManifest,
		"config":        ociDescriptor{"application/vnd.docker.container.image.v1+json", sha256Digest(config), int64(len(config))},
		"layers":        []ociDescriptor{{"application/vnd.docker.image.rootfs.diff.tar.gzip", sha256Digest(layer), int64(len(layer))}},
	})
	m, err := parseManifest(manifest, "")
	if err != nil {
		return "", fmt.Errorf("seed image: %w", err)
	}

	dir, err := s.seedRepository(repo)
	if err != nil {
		return "", fmt.Errorf("seed image: %w", err)
	}
	for d, b := range blobs {
		if err := os.WriteFile(blobPath(dir, d), b, 0o644); err != nil {
			return "", fmt.Errorf("seed image: %w", err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	reg := s.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	r := reg.repos[repo]
	if r == nil {
		return "", fmt.Errorf("seed image: %w", ecrRepoNotFound(repo, s.accountID))
	}
	if r.tagLocked(tag, m.digest) {
		return "", fmt.Errorf("seed image: %w", regTagInvalid(tag, repo))
	}
	for d, b := range blobs {
		reg.blobs[d] = int64(len(b))
		r.blobs[d] = true
	}
	m.pushedAt = s.now()
	r.store(m, tag)
	return m.digest, nil
}

// seedRepository creates repo if missing and returns the blob directory.
func (s *Server) seedRepository(repo string) (dir string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	if s.registry.repos[repo] == nil {
		if _, err := s.newRepositoryLocked(repo, ecrRepoSettings{}); err != nil {
			return "", err
		}
	}
	return s.registry.storageDir()
}

// tarGz returns a gzipped tar of files and the sha256 of the uncompressed
// tar (the layer's diff ID).
func tarGz(files map[string]string) (layer []byte, diffID string, err error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		hdr := &tar.Header{Name: name, Mode: 0o755, Size: int64(len(files[name])), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, "", err
		}
		if _, err := tw.Write([]byte(files[name])); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return gz.Bytes(), sha256Digest(raw.Bytes()), nil
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
