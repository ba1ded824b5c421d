package awssim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

// wantAPIError fails unless err is the AWS error code with a message
// containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got error %v, want %s containing %q", err, code, msg)
	}
}

func TestECRRepositories(t *testing.T) {
	s := NewTestServer(t)
	client := ecr.NewFromConfig(s.AWSConfig())
	ctx := context.Background()

	out, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String("team/web"),
		ImageTagMutability:         types.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
		EncryptionConfiguration:    &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms},
		Tags:                       []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	})
	if err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	r := out.Repository
	if aws.ToString(r.RepositoryUri) != s.Host()+"/team/web" || aws.ToString(r.RegistryId) != s.AccountID() ||
		aws.ToString(r.RepositoryArn) != "arn:aws:ecr:us-east-1:"+s.AccountID()+":repository/team/web" ||
		r.ImageTagMutability != types.ImageTagMutabilityImmutable || !r.ImageScanningConfiguration.ScanOnPush ||
		r.EncryptionConfiguration.EncryptionType != types.EncryptionTypeKms || aws.ToString(r.EncryptionConfiguration.KmsKey) == "" || r.CreatedAt == nil {
		t.Fatalf("CreateRepository returned %+v", r)
	}
	_, err = client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/web")})
	wantAPIError(t, err, "RepositoryAlreadyExistsException", "The repository with name 'team/web' already exists in the registry with id '"+s.AccountID()+"'")
	_, err = client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("Team/Web")})
	wantAPIError(t, err, "InvalidParameterException", "repositoryName")

	_, err = client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/web", "nope"}})
	wantAPIError(t, err, "RepositoryNotFoundException", "The repository with name 'nope' does not exist in the registry with id '"+s.AccountID()+"'")
	var notFound *types.RepositoryNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("the SDK did not map the error to its type: %T", err)
	}

	// Paging with the SDK's paginator, 2 at a time over 5 repositories.
	for i := range 4 {
		if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(fmt.Sprintf("svc-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	for p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeRepositories page: %v", err)
		}
		pages++
		for _, r := range page.Repositories {
			names = append(names, aws.ToString(r.RepositoryName))
		}
	}
	if strings.Join(names, ",") != "svc-0,svc-1,svc-2,svc-3,team/web" || pages != 3 {
		t.Fatalf("paged %d pages of %v", pages, names)
	}

	// Resource tags.
	arn := r.RepositoryArn
	if _, err := client.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}

	// Deleting a repository that holds images needs force.
	if _, err := s.SeedImage("svc-0", "v1", map[string]string{"f": "x"}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("svc-0")})
	wantAPIError(t, err, "RepositoryNotEmptyException", "cannot be deleted because it still contains images")
	if _, err := client.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("svc-0"), Force: true}); err != nil {
		t.Fatalf("DeleteRepository force: %v", err)
	}
	if _, found, _ := s.resolveImage(s.Host() + "/svc-0:v1"); found {
		t.Fatal("image still resolvable after its repository was deleted")
	}
}

func TestECRImages(t *testing.T) {
	s := NewTestServer(t)
	client := ecr.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	if _, err := s.SeedRepository("web", false); err != nil {
		t.Fatal(err)
	}
	reg := newRegClient(t, s)
	img := newTestImage(t, "web v1")
	if err := reg.push("web", "abc123", img); err != nil {
		t.Fatal(err)
	}

	// DescribeImages reflects the push.
	d, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("abc123")}}})
	if err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	det := d.ImageDetails[0]
	if aws.ToString(det.ImageDigest) != img.digest || strings.Join(det.ImageTags, ",") != "abc123" ||
		aws.ToString(det.ImageManifestMediaType) != mediaDockerManifest || aws.ToString(det.ArtifactMediaType) != "application/vnd.docker.container.image.v1+json" ||
		aws.ToInt64(det.ImageSizeInBytes) != int64(len(img.layer)) || det.ImagePushedAt == nil {
		t.Fatalf("DescribeImages detail %+v", det)
	}
	_, err = client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("latest")}}})
	wantAPIError(t, err, "ImageNotFoundException",
		"The image with imageId {imageDigest:'null', imageTag:'latest'} does not exist within the repository with name 'web' in the registry with id '"+s.AccountID()+"'")
	_, err = client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("nope")})
	wantAPIError(t, err, "RepositoryNotFoundException", "'nope'")

	// BatchGetImage returns the exact bytes; PutImage re-tags them and the
	// registry serves the new tag.
	got, err := client.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: aws.String("web"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("abc123")}, {ImageTag: aws.String("missing")}}})
	if err != nil || len(got.Images) != 1 || aws.ToString(got.Images[0].ImageManifest) != string(img.manifest) ||
		len(got.Failures) != 1 || got.Failures[0].FailureCode != types.ImageFailureCodeImageNotFound {
		t.Fatalf("BatchGetImage: %v %+v", err, got)
	}
	put, err := client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"), ImageTag: aws.String("release-1"),
		ImageManifest: got.Images[0].ImageManifest, ImageManifestMediaType: got.Images[0].ImageManifestMediaType})
	if err != nil || aws.ToString(put.Image.ImageId.ImageDigest) != img.digest {
		t.Fatalf("PutImage: %v %+v", err, put)
	}
	resp, body, _ := reg.do("GET", "/v2/web/manifests/release-1", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != img.digest || string(body) != string(img.manifest) {
		t.Fatalf("registry GET of the PutImage tag: %d %s", resp.StatusCode, resp.Header.Get("Docker-Content-Digest"))
	}
	_, err = client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"), ImageTag: aws.String("release-1"), ImageManifest: got.Images[0].ImageManifest})
	wantAPIError(t, err, "ImageAlreadyExistsException", "Image with digest '"+img.digest+"' and tag 'release-1' already exists")
	_, err = client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"), ImageTag: aws.String("x"),
		ImageManifest: got.Images[0].ImageManifest, ImageDigest: aws.String(sha256Digest([]byte("other")))})
	wantAPIError(t, err, "ImageDigestDoesNotMatchException", img.digest)
	// Re-serialised JSON is other content, whose digest is not the pushed one.
	_, err = client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"), ImageTag: aws.String("y"),
		ImageManifest: aws.String(" " + string(img.manifest)), ImageDigest: aws.String(img.digest)})
	wantAPIError(t, err, "ImageDigestDoesNotMatchException", img.digest)

	// ListImages: one entry per tag.
	l, err := client.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("web")})
	if err != nil || len(l.ImageIds) != 2 {
		t.Fatalf("ListImages: %v %+v", err, l)
	}

	// Layer availability.
	la, err := client.BatchCheckLayerAvailability(ctx, &ecr.BatchCheckLayerAvailabilityInput{RepositoryName: aws.String("web"),
		LayerDigests: []string{sha256Digest(img.layer), sha256Digest([]byte("no"))}})
	if err != nil || len(la.Layers) != 1 || la.Layers[0].LayerAvailability != types.LayerAvailabilityAvailable ||
		aws.ToInt64(la.Layers[0].LayerSize) != int64(len(img.layer)) || len(la.Failures) != 1 {
		t.Fatalf("BatchCheckLayerAvailability: %v %+v", err, la)
	}

	// Deleting one tag keeps the image; deleting the last deletes it.
	del, err := client.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("abc123")}}})
	if err != nil || len(del.ImageIds) != 1 || len(del.Failures) != 0 {
		t.Fatalf("BatchDeleteImage tag: %v %+v", err, del)
	}
	if _, found, _ := s.resolveImage(s.Host() + "/web@" + img.digest); !found {
		t.Fatal("image deleted although release-1 still tags it")
	}
	if _, err := client.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("release-1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.resolveImage(s.Host() + "/web@" + img.digest); found {
		t.Fatal("image kept after its last tag was deleted")
	}
}

func TestECRImmutableTags(t *testing.T) {
	s := NewTestServer(t)
	client := ecr.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	if _, err := s.SeedRepository("locked", true); err != nil {
		t.Fatal(err)
	}
	reg := newRegClient(t, s)
	v1, v2 := newTestImage(t, "one"), newTestImage(t, "two")
	if err := reg.push("locked", "v1", v1); err != nil {
		t.Fatal(err)
	}
	if err := reg.push("locked", "v2", v2); err != nil {
		t.Fatal(err)
	}
	_, err := client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("locked"), ImageTag: aws.String("v1"), ImageManifest: aws.String(string(v2.manifest))})
	wantAPIError(t, err, "ImageTagAlreadyExistsException",
		"The image tag 'v1' already exists in the 'locked' repository and cannot be overwritten because the repository is immutable.")
	// A new tag on existing content is fine.
	if _, err := client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("locked"), ImageTag: aws.String("stable"), ImageManifest: aws.String(string(v2.manifest))}); err != nil {
		t.Fatalf("PutImage of a new tag in an immutable repository: %v", err)
	}
	d, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("locked"), Filter: &types.DescribeImagesFilter{TagStatus: types.TagStatusTagged}})
	if err != nil || len(d.ImageDetails) != 2 {
		t.Fatalf("DescribeImages: %v %+v", err, d)
	}
	for _, det := range d.ImageDetails {
		want := "v1"
		if aws.ToString(det.ImageDigest) == v2.digest {
			want = "stable,v2"
		}
		if strings.Join(det.ImageTags, ",") != want {
			t.Fatalf("image %s tags %v, want %s", aws.ToString(det.ImageDigest), det.ImageTags, want)
		}
	}
}
