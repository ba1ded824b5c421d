package awssim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/moby/moby/api/types/build"
	dockerregistry "github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// staticBinaryContext returns a build context: a FROM scratch Dockerfile and
// a static Go binary compiled for it.
func staticBinaryContext(t *testing.T) *bytes.Buffer {
	t.Helper()
	app, err := os.ReadFile(dockertest.StaticBinary(t, dockertest.HelloSource))
	if err != nil {
		t.Fatal(err)
	}
	return dockertest.TarContext(t, map[string][]byte{
		"Dockerfile": []byte("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"),
		"app":        app,
	})
}

// registryAuth encodes credentials the way the engine's X-Registry-Auth wants.
func registryAuth(t *testing.T, user, password, server string) string {
	t.Helper()
	b, err := json.Marshal(dockerregistry.AuthConfig{Username: user, Password: password, ServerAddress: server})
	if err != nil {
		t.Fatal(err)
	}
	return base64.URLEncoding.EncodeToString(b)
}

// pushImage pushes ref and returns the manifest digest the engine reported.
func pushImage(ctx context.Context, cli *client.Client, ref, auth string) (string, error) {
	resp, err := cli.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		return "", err
	}
	digest := ""
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return "", err
		}
		if msg.Error != nil {
			return "", msg.Error
		}
		var aux struct{ Digest string }
		if msg.Aux != nil && json.Unmarshal(*msg.Aux, &aux) == nil && aux.Digest != "" {
			digest = aux.Digest
		}
	}
	return digest, nil
}

func TestRegistryDockerPushAndPull(t *testing.T) {
	cli := dockertest.Client(t)
	s := NewTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ecrc := ecr.NewFromConfig(s.AWSConfig())
	repo, err := ecrc.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("awssim-test/hello")})
	if err != nil {
		t.Fatal(err)
	}
	ref := aws.ToString(repo.Repository.RepositoryUri) + ":v1"

	res, err := cli.ImageBuild(ctx, staticBinaryContext(t), client.ImageBuildOptions{
		Tags: []string{ref}, Version: build.BuilderBuildKit, NetworkMode: "none", Remove: true,
	})
	if err != nil {
		t.Fatalf("ImageBuild: %v", err)
	}
	out, err := readBuildOutput(res.Body)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })

	// Credentials from GetAuthorizationToken, as ecsctl build gets them.
	tok, err := ecrc.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	data := tok.AuthorizationData[0]
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(data.AuthorizationToken))
	user, password, _ := strings.Cut(string(raw), ":")
	server := strings.TrimPrefix(aws.ToString(data.ProxyEndpoint), "http://")

	// Without valid credentials the push is refused.
	if _, err := pushImage(ctx, cli, ref, registryAuth(t, "AWS", "not-a-token", server)); err == nil {
		t.Fatal("push with a made-up password succeeded")
	}
	if _, err := pushImage(ctx, cli, ref, ""); err == nil {
		t.Fatal("push without credentials succeeded")
	}

	pushed, err := pushImage(ctx, cli, ref, registryAuth(t, user, password, server))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if !digestRE.MatchString(pushed) {
		t.Fatalf("the engine reported no digest for the push (got %q)", pushed)
	}
	d, err := ecrc.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("awssim-test/hello")})
	if err != nil || len(d.ImageDetails) != 1 {
		t.Fatalf("DescribeImages: %v %+v", err, d)
	}
	if got := aws.ToString(d.ImageDetails[0].ImageDigest); got != pushed {
		t.Fatalf("DescribeImages digest %s, the push reported %s", got, pushed)
	}
	if strings.Join(d.ImageDetails[0].ImageTags, ",") != "v1" {
		t.Fatalf("DescribeImages tags %v, want v1", d.ImageDetails[0].ImageTags)
	}

	// The engine pulls it back by digest once it no longer has the image.
	inspect, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ImageRemove(ctx, inspect.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
		t.Fatal(err)
	}
	byDigest := aws.ToString(repo.Repository.RepositoryUri) + "@" + pushed
	pull, err := cli.ImagePull(ctx, byDigest, client.ImagePullOptions{RegistryAuth: registryAuth(t, user, password, server)})
	if err != nil {
		t.Fatalf("ImagePull: %v", err)
	}
	if err := pull.Wait(ctx); err != nil {
		t.Fatalf("pull: %v", err)
	}
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), byDigest, client.ImageRemoveOptions{Force: true}) })
	// The config comes from the registry; the engine may keep the layer in
	// its build cache and skip downloading it.
	if n := s.Count("registry", "GetBlob"); n < 1 {
		t.Fatalf("the pull fetched no blob from the registry")
	}
	if pulled, err := cli.ImageInspect(ctx, byDigest); err != nil || pulled.ID != inspect.ID {
		t.Fatalf("pulled image %v %v, want the pushed image %s", pulled.ID, err, inspect.ID)
	}

	// Seeded images are real images too.
	seeded, err := s.SeedImage("awssim-test/seeded", "v1", map[string]string{"hello.txt": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	seededRef := s.Host() + "/awssim-test/seeded@" + seeded
	pull, err = cli.ImagePull(ctx, seededRef, client.ImagePullOptions{RegistryAuth: registryAuth(t, user, password, server)})
	if err == nil {
		err = pull.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("pull of a seeded image: %v", err)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), seededRef, client.ImageRemoveOptions{Force: true})
	})
}

// readBuildOutput drains a build's JSON stream and returns its error, if any.
func readBuildOutput(body io.ReadCloser) (string, error) {
	defer body.Close()
	var log strings.Builder
	dec := json.NewDecoder(body)
	for {
		var msg struct {
			Stream      string `json:"stream"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return log.String(), nil
		} else if err != nil {
			return log.String(), err
		}
		log.WriteString(msg.Stream)
		if msg.ErrorDetail != nil {
			return log.String(), errors.New(msg.ErrorDetail.Message)
		}
	}
}
