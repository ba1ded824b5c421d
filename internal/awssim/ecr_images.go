package awssim

import (
	"fmt"
	"slices"
	"strings"
)

// ECR's image API is a view of the registry: an image is a manifest in a
// repository, identified by its digest, with the tags pointing at it.

type ecrImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

// String renders an image id the way ECR's messages do:
// {imageDigest:'null', imageTag:'latest'}.
func (id ecrImageID) String() string {
	q := func(v string) string {
		if v == "" {
			v = "null"
		}
		return "'" + v + "'"
	}
	return fmt.Sprintf("{imageDigest:%s, imageTag:%s}", q(id.ImageDigest), q(id.ImageTag))
}

type ecrImageFailure struct {
	ImageID       ecrImageID `json:"imageId"`
	FailureCode   string     `json:"failureCode"`
	FailureReason string     `json:"failureReason"`
}

// ecrImagesIn is the request shape the image calls share.
type ecrImagesIn struct {
	RegistryID     string       `json:"registryId"`
	RepositoryName string       `json:"repositoryName"`
	ImageIDs       []ecrImageID `json:"imageIds"`
	Filter         struct {
		TagStatus string `json:"tagStatus"`
	} `json:"filter"`
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

// findImage resolves an image id by tag, digest or both; on failure it
// returns ECR's failure code and reason. Call with reg.mu held.
func (repo *repository) findImage(id ecrImageID) (m *storedManifest, code, reason string) {
	switch {
	case id.ImageDigest == "" && id.ImageTag == "":
		return nil, "MissingDigestAndTag", "Missing image digest and tag"
	case id.ImageDigest != "" && !digestRE.MatchString(id.ImageDigest):
		return nil, "InvalidImageDigest", "Invalid image digest"
	}
	digest := id.ImageDigest
	if id.ImageTag != "" {
		tagged, ok := repo.imageTags[id.ImageTag]
		if !ok {
			return nil, "ImageNotFound", "Requested image not found"
		}
		if digest != "" && digest != tagged {
			return nil, "ImageTagDoesNotMatchDigest", "Invalid image tag for given digest"
		}
		digest = tagged
	}
	if m = repo.manifests[digest]; m == nil {
		return nil, "ImageNotFound", "Requested image not found"
	}
	return m, "", ""
}

// sortedImages returns the repository's manifests, oldest push first.
// Call with reg.mu held.
func (repo *repository) sortedImages() []*storedManifest {
	var ms []*storedManifest
	for _, m := range repo.manifests {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *storedManifest) int { return strings.Compare(imageKey(a), imageKey(b)) })
	return ms
}

func imageKey(m *storedManifest) string {
	return fmt.Sprintf("%020d %s", m.pushedAt.UnixNano(), m.digest)
}

// keepByTagStatus applies DescribeImages' and ListImages' filter.tagStatus.
func keepByTagStatus(status string, tagged bool) (bool, error) {
	switch status {
	case "", "ANY":
		return true, nil
	case "TAGGED":
		return tagged, nil
	case "UNTAGGED":
		return !tagged, nil
	}
	return false, ecrInvalid("Invalid parameter at 'filter.tagStatus': %q is not TAGGED, UNTAGGED or ANY", status)
}

func (s *Server) ecrDescribeImages(c *jsonCall) (any, error) {
	var in ecrImagesIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	var images []*storedManifest
	if len(in.ImageIDs) > 0 {
		// Naming images fails the whole call when one is missing.
		for _, id := range in.ImageIDs {
			m, code, reason := repo.findImage(id)
			switch code {
			case "":
				if !slices.Contains(images, m) {
					images = append(images, m)
				}
			case "ImageNotFound":
				return nil, badRequest("ImageNotFoundException",
					"The image with imageId %s does not exist within the repository with name '%s' in the registry with id '%s'", id, repo.name, s.accountID)
			default:
				return nil, ecrInvalid("%s: %s", reason, id)
			}
		}
		return map[string]any{"imageDetails": s.ecrImageDetails(repo, images)}, nil
	}
	for _, m := range repo.sortedImages() {
		keep, err := keepByTagStatus(in.Filter.TagStatus, len(repo.tagsOf(m.digest)) > 0)
		if err != nil {
			return nil, err
		}
		if keep {
			images = append(images, m)
		}
	}
	page, next, ok := pageByKey(images, imageKey, in.NextToken, ecrPageSize(in.MaxResults))
	if !ok {
		return nil, ecrInvalidToken()
	}
	return withNextToken(map[string]any{"imageDetails": s.ecrImageDetails(repo, page)}, next), nil
}

func (s *Server) ecrImageDetails(repo *repository, ms []*storedManifest) []map[string]any {
	out := []map[string]any{}
	for _, m := range ms {
		d := map[string]any{
			"registryId":             s.accountID,
			"repositoryName":         repo.name,
			"imageDigest":            m.digest,
			"imageSizeInBytes":       m.size,
			"imagePushedAt":          Epoch(m.pushedAt),
			"imageManifestMediaType": m.mediaType,
			"imageStatus":            "ACTIVE",
		}
		if tags := repo.tagsOf(m.digest); len(tags) > 0 {
			d["imageTags"] = tags
		}
		if m.artifactType != "" {
			d["artifactMediaType"] = m.artifactType
		}
		out = append(out, d)
	}
	return out
}

func (s *Server) ecrListImages(c *jsonCall) (any, error) {
	var in ecrImagesIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	// One entry per tag, and one per untagged image.
	type entry struct {
		key string
		id  ecrImageID
	}
	var ids []entry
	for _, m := range repo.sortedImages() {
		tags := repo.tagsOf(m.digest)
		keep, err := keepByTagStatus(in.Filter.TagStatus, len(tags) > 0)
		if err != nil {
			return nil, err
		}
		if !keep {
			continue
		}
		if len(tags) == 0 {
			ids = append(ids, entry{imageKey(m), ecrImageID{ImageDigest: m.digest}})
		}
		for _, t := range tags {
			ids = append(ids, entry{imageKey(m) + " " + t, ecrImageID{ImageDigest: m.digest, ImageTag: t}})
		}
	}
	page, next, ok := pageByKey(ids, func(e entry) string { return e.key }, in.NextToken, ecrPageSize(in.MaxResults))
	if !ok {
		return nil, ecrInvalidToken()
	}
	out := []ecrImageID{}
	for _, e := range page {
		out = append(out, e.id)
	}
	return withNextToken(map[string]any{"imageIds": out}, next), nil
}

type ecrImageOut struct {
	RegistryID             string     `json:"registryId"`
	RepositoryName         string     `json:"repositoryName"`
	ImageID                ecrImageID `json:"imageId"`
	ImageManifest          string     `json:"imageManifest"`
	ImageManifestMediaType string     `json:"imageManifestMediaType"`
}

func (s *Server) ecrBatchGetImage(c *jsonCall) (any, error) {
	var in struct {
		ecrImagesIn
		AcceptedMediaTypes []string `json:"acceptedMediaTypes"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	images, failures := []ecrImageOut{}, []ecrImageFailure{}
	for _, id := range in.ImageIDs {
		m, code, reason := repo.findImage(id)
		if code == "" && len(in.AcceptedMediaTypes) > 0 && !slices.Contains(in.AcceptedMediaTypes, m.mediaType) {
			// ECR would convert schema2 to schema1; the simulator stores only
			// what was pushed.
			code, reason = "ImageNotFound", "Requested image not found in the accepted media types (it is "+m.mediaType+")"
		}
		if code != "" {
			failures = append(failures, ecrImageFailure{ImageID: id, FailureCode: code, FailureReason: reason})
			continue
		}
		images = append(images, ecrImageOut{
			RegistryID:             s.accountID,
			RepositoryName:         repo.name,
			ImageID:                ecrImageID{ImageDigest: m.digest, ImageTag: id.ImageTag},
			ImageManifest:          string(m.body),
			ImageManifestMediaType: m.mediaType,
		})
	}
	return map[string]any{"images": images, "failures": failures}, nil
}

// ecrPutImage stores a manifest given by content, typically to add a tag to
// an image already pushed: the digest is the sha256 of imageManifest exactly
// as sent, so callers pass BatchGetImage's bytes back unchanged.
func (s *Server) ecrPutImage(c *jsonCall) (any, error) {
	var in struct {
		RegistryID             string `json:"registryId"`
		RepositoryName         string `json:"repositoryName"`
		ImageManifest          string `json:"imageManifest"`
		ImageManifestMediaType string `json:"imageManifestMediaType"`
		ImageTag               string `json:"imageTag"`
		ImageDigest            string `json:"imageDigest"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ImageTag != "" && !regTagRE.MatchString(in.ImageTag) {
		return nil, ecrInvalid("Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '%s''", regTagPattern)
	}
	m, err := parseManifest([]byte(in.ImageManifest), in.ImageManifestMediaType)
	if err != nil {
		return nil, ecrInvalid("Invalid parameter at 'imageManifest': %v", err)
	}
	if in.ImageDigest != "" && in.ImageDigest != m.digest {
		return nil, badRequest("ImageDigestDoesNotMatchException",
			"The provided image digest '%s' does not match the digest '%s' calculated for the image manifest", in.ImageDigest, m.digest)
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	blobs, manifests := repo.missing(m)
	switch {
	case len(blobs) > 0:
		return nil, badRequest("LayersNotFoundException",
			"Layers with digests '%v' required for pushing image into repository with name '%s' in the registry with id '%s' do not exist", blobs, repo.name, s.accountID)
	case len(manifests) > 0:
		return nil, badRequest("ReferencedImagesNotFoundException",
			"Images with digests '%v' referenced by the manifest list do not exist in the repository with name '%s' in the registry with id '%s'", manifests, repo.name, s.accountID)
	}
	existing := repo.manifests[m.digest] != nil
	if old, tagged := repo.imageTags[in.ImageTag]; existing && (in.ImageTag == "" || (tagged && old == m.digest)) {
		return nil, badRequest("ImageAlreadyExistsException",
			"Image with digest '%s' and tag '%s' already exists in the repository with name '%s' in registry with id '%s'", m.digest, in.ImageTag, repo.name, s.accountID)
	}
	if in.ImageTag != "" && repo.tagLocked(in.ImageTag, m.digest) {
		return nil, badRequest("ImageTagAlreadyExistsException",
			"The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.", in.ImageTag, repo.name)
	}
	m.pushedAt = s.now()
	repo.store(m, in.ImageTag)
	stored := repo.manifests[m.digest]
	return map[string]any{"image": ecrImageOut{
		RegistryID:             s.accountID,
		RepositoryName:         repo.name,
		ImageID:                ecrImageID{ImageDigest: stored.digest, ImageTag: in.ImageTag},
		ImageManifest:          string(stored.body),
		ImageManifestMediaType: stored.mediaType,
	}}, nil
}

// ecrBatchDeleteImage deletes images by digest (with all their tags) or
// removes tags; an image losing its last tag is deleted too.
func (s *Server) ecrBatchDeleteImage(c *jsonCall) (any, error) {
	var in ecrImagesIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	deleted, failures := []ecrImageID{}, []ecrImageFailure{}
	for _, id := range in.ImageIDs {
		m, code, reason := repo.findImage(id)
		switch {
		case code != "":
		case id.ImageTag != "":
			repo.untag(id.ImageTag)
			deleted = append(deleted, ecrImageID{ImageDigest: m.digest, ImageTag: id.ImageTag})
		default:
			var tags []string
			tags, code, reason = repo.deleteImage(m.digest)
			if code == "" && len(tags) == 0 {
				deleted = append(deleted, ecrImageID{ImageDigest: m.digest})
			}
			for _, t := range tags {
				deleted = append(deleted, ecrImageID{ImageDigest: m.digest, ImageTag: t})
			}
		}
		if code != "" {
			failures = append(failures, ecrImageFailure{ImageID: id, FailureCode: code, FailureReason: reason})
		}
	}
	return map[string]any{"imageIds": deleted, "failures": failures}, nil
}

func (s *Server) ecrBatchCheckLayerAvailability(c *jsonCall) (any, error) {
	var in struct {
		RegistryID     string   `json:"registryId"`
		RepositoryName string   `json:"repositoryName"`
		LayerDigests   []string `json:"layerDigests"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	repo, err := s.ecrRepo(in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	type layer struct {
		LayerDigest       string `json:"layerDigest"`
		LayerAvailability string `json:"layerAvailability"`
		LayerSize         int64  `json:"layerSize"`
	}
	type failure struct {
		LayerDigest   string `json:"layerDigest"`
		FailureCode   string `json:"failureCode"`
		FailureReason string `json:"failureReason"`
	}
	layers, failures := []layer{}, []failure{}
	for _, d := range in.LayerDigests {
		switch {
		case !digestRE.MatchString(d):
			failures = append(failures, failure{d, "InvalidLayerDigest", "Invalid layer digest"})
		case !repo.blobs[d]:
			failures = append(failures, failure{d, "MissingLayerDigest", "Could not find layer"})
		default:
			layers = append(layers, layer{d, "AVAILABLE", s.registry.blobs[d]})
		}
	}
	return map[string]any{"layers": layers, "failures": failures}, nil
}
