package build

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ECR is the part of the Amazon ECR API a build uses; *ecr.Client fits.
type ECR interface {
	DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
	BatchGetImage(ctx context.Context, in *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	PutImage(ctx context.Context, in *ecr.PutImageInput, optFns ...func(*ecr.Options)) (*ecr.PutImageOutput, error)
}

var _ ECR = (*ecr.Client)(nil)

// manifestMediaTypes are the manifests ecsctl reads back from ECR to tag
// them again: single-platform images in Docker's or the OCI format, and
// indexes.
var manifestMediaTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.index.v1+json",
}

// repo is an ECR repository as DescribeRepositories or CreateRepository tells it.
type repo struct {
	name       string
	uri        string // host/name
	registryID string
	immutable  bool
}

func (r *repo) host() string {
	host, _, _ := strings.Cut(r.uri, "/")
	return host
}

func repoFrom(r *ecrtypes.Repository) *repo {
	return &repo{
		name:       aws.ToString(r.RepositoryName),
		uri:        aws.ToString(r.RepositoryUri),
		registryID: aws.ToString(r.RegistryId),
		immutable:  r.ImageTagMutability == ecrtypes.ImageTagMutabilityImmutable || r.ImageTagMutability == "IMMUTABLE_WITH_EXCLUSION",
	}
}

// describeRepo returns the repository, or nil when it does not exist.
func describeRepo(ctx context.Context, api ECR, name string) (*repo, error) {
	out, err := api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	var nf *ecrtypes.RepositoryNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe ECR repository %s: %w", name, err)
	case len(out.Repositories) == 0:
		return nil, nil
	}
	return repoFrom(&out.Repositories[0]), nil
}

// createRepo creates a repository with scan on push and immutable tags. One
// that appeared meanwhile is fine.
func createRepo(ctx context.Context, api ECR, name string) (*repo, error) {
	out, err := api.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(name),
		ImageTagMutability:         ecrtypes.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
	})
	var exists *ecrtypes.RepositoryAlreadyExistsException
	if errors.As(err, &exists) {
		r, err := describeRepo(ctx, api, name)
		if err == nil && r == nil {
			err = fmt.Errorf("repository %s exists and does not", name)
		}
		return r, err
	}
	if err != nil {
		return nil, fmt.Errorf("create ECR repository %s: %w", name, err)
	}
	return repoFrom(out.Repository), nil
}

// authCache gets one ECR authorization token per run: it is valid for every
// registry the caller may use, for 12 hours.
type authCache struct {
	api            ECR
	mu             sync.Mutex
	user, password string
}

// fetch gets the token once. Call with a.mu held.
func (a *authCache) fetch(ctx context.Context) error {
	if a.password != "" {
		return nil
	}
	out, err := a.api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return fmt.Errorf("get ECR authorization token: %w", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return errors.New("get ECR authorization token: the answer holds no token")
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	if err != nil {
		return errors.New("get ECR authorization token: the token is not base64")
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || password == "" {
		return errors.New("get ECR authorization token: the token is not user:password")
	}
	a.user, a.password = user, password
	return nil
}

// auth returns the X-Registry-Auth value for pushing to r. The token stays
// in memory: it is never printed nor written to disk.
func (a *authCache) auth(ctx context.Context, r *repo) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.fetch(ctx); err != nil {
		return "", err
	}
	return registryAuth(a.user, a.password, r.host()), nil
}

var ecrHostRE = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// forHost returns the X-Registry-Auth value for reading from registry host
// when it is an ECR registry, with ok false for any other registry.
func (a *authCache) forHost(ctx context.Context, host string) (auth string, ok bool, err error) {
	if !ecrHostRE.MatchString(host) {
		return "", false, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.fetch(ctx); err != nil {
		return "", false, err
	}
	return registryAuth(a.user, a.password, host), true, nil
}

// lookup is what ECR holds of an image's content key and tags.
type lookup struct {
	keyDigest string // manifest digest tagged with the content key; "" if none
	manifest  string // that manifest, to tag it again
	mediaType string
	tagDigest map[string]string // wanted tag -> the digest it names now
}

// lookupImages asks ECR, in one call, which image holds keyTag and where
// each of tags points.
func lookupImages(ctx context.Context, api ECR, r *repo, keyTag string, tags []string) (*lookup, error) {
	ids := []ecrtypes.ImageIdentifier{{ImageTag: aws.String(keyTag)}}
	for _, t := range tags {
		ids = append(ids, ecrtypes.ImageIdentifier{ImageTag: aws.String(t)})
	}
	out, err := api.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RepositoryName:     aws.String(r.name),
		RegistryId:         nonEmpty(r.registryID),
		ImageIds:           ids,
		AcceptedMediaTypes: manifestMediaTypes,
	})
	if err != nil {
		return nil, fmt.Errorf("look up images in %s: %w", r.name, err)
	}
	l := &lookup{tagDigest: map[string]string{}}
	for _, im := range out.Images {
		if im.ImageId == nil {
			continue
		}
		tag, digest := aws.ToString(im.ImageId.ImageTag), aws.ToString(im.ImageId.ImageDigest)
		if tag == keyTag {
			l.keyDigest = digest
			l.manifest = aws.ToString(im.ImageManifest)
			l.mediaType = aws.ToString(im.ImageManifestMediaType)
			continue
		}
		l.tagDigest[tag] = digest
	}
	for _, f := range out.Failures {
		switch f.FailureCode {
		case ecrtypes.ImageFailureCodeImageNotFound, ecrtypes.ImageFailureCodeImageTagDoesNotMatchDigest:
			// not there yet: that is what the lookup asks
		default:
			return nil, fmt.Errorf("look up images in %s: %s: %s", r.name, f.FailureCode, aws.ToString(f.FailureReason))
		}
	}
	return l, nil
}

// manifestOf fetches the manifest of a digest, to tag it again.
func manifestOf(ctx context.Context, api ECR, r *repo, digest string) (manifest, mediaType string, err error) {
	out, err := api.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RepositoryName:     aws.String(r.name),
		RegistryId:         nonEmpty(r.registryID),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}},
		AcceptedMediaTypes: manifestMediaTypes,
	})
	if err != nil {
		return "", "", fmt.Errorf("get manifest %s from %s: %w", digest, r.name, err)
	}
	if len(out.Images) == 0 {
		reason := "not found"
		if len(out.Failures) > 0 {
			reason = aws.ToString(out.Failures[0].FailureReason)
		}
		return "", "", fmt.Errorf("get manifest %s from %s: %s", digest, r.name, reason)
	}
	return aws.ToString(out.Images[0].ImageManifest), aws.ToString(out.Images[0].ImageManifestMediaType), nil
}

// TagConflictError says a tag already names another image in a repository
// whose tags are immutable.
type TagConflictError struct {
	Image, Repository, Tag, Digest string
	// Revision says the tag is the revision tag (else an extra tag).
	Revision bool
}

func (e *TagConflictError) Error() string {
	s := fmt.Sprintf("image %s: tag %q already names another image (%s) in the repository %s, whose tags are immutable", e.Image, e.Tag, e.Digest, e.Repository)
	if e.Revision {
		return s + ": this revision was built before from other inputs (build args from the environment, target, platform); " +
			"commit the change to get a new revision tag, or use a repository with mutable tags"
	}
	return s + ": an immutable tag cannot move to a new image; drop it from --tag or tags:, or use a repository with mutable tags"
}

// ExitCode marks a tag conflict as bad input: nothing was written.
func (e *TagConflictError) ExitCode() int { return 2 }

// tagTakenError says PutImage refused to move an immutable tag.
type tagTakenError struct{ repo, tag string }

func (e *tagTakenError) Error() string {
	return fmt.Sprintf("tag %s:%s already names another image and the repository's tags are immutable", e.repo, e.tag)
}

// putTag tags a manifest (PutImage). A tag that already names it is fine.
func putTag(ctx context.Context, api ECR, r *repo, manifest, mediaType, digest, tag string) error {
	_, err := api.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName:         aws.String(r.name),
		RegistryId:             nonEmpty(r.registryID),
		ImageManifest:          aws.String(manifest),
		ImageManifestMediaType: nonEmpty(mediaType),
		ImageDigest:            aws.String(digest),
		ImageTag:               aws.String(tag),
	})
	var exists *ecrtypes.ImageAlreadyExistsException
	var taken *ecrtypes.ImageTagAlreadyExistsException
	switch {
	case err == nil, errors.As(err, &exists):
		return nil
	case errors.As(err, &taken):
		return &tagTakenError{repo: r.name, tag: tag}
	}
	return fmt.Errorf("tag %s:%s: %w", r.name, tag, err)
}

// imageTags lists every tag of a digest, to show where a reused image came from.
func imageTags(ctx context.Context, api ECR, r *repo, digest string) ([]string, error) {
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(r.name),
		RegistryId:     nonEmpty(r.registryID),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}},
	})
	if err != nil {
		return nil, fmt.Errorf("describe image %s in %s: %w", digest, r.name, err)
	}
	if len(out.ImageDetails) == 0 {
		return nil, nil
	}
	return out.ImageDetails[0].ImageTags, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
