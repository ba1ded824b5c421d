package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/ecsctl/ecsctl/internal/awsclient"
	"github.com/ecsctl/ecsctl/internal/awssim"
)

// The trial's world (examples/trial/world.yml) seeds ECR repositories with
// images, S3 objects from files next to it and SSM parameters, before the
// service whose tasks run the seeded images.
func TestSeedTrialWorld(t *testing.T) {
	srv := awssim.NewTestServer(t, awssim.WithRegion("ap-northeast-1"))
	data, err := os.ReadFile("../../examples/trial/world.yml")
	if err != nil {
		t.Fatal(err)
	}
	// The file names the registry on the simulator's default port, as
	// scripts/trial.sh does when it picks another one.
	world, err := ParseWorld([]byte(strings.ReplaceAll(string(data), "127.0.0.1:4599", srv.Host())))
	if err != nil {
		t.Fatalf("ParseWorld: %v", err)
	}
	world.dir = "../../examples/trial"
	ctx := context.Background()
	if err := world.Seed(ctx, srv); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	cfg := srv.AWSConfig()

	repos, err := ecr.NewFromConfig(cfg).DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("web")})
	if err != nil || len(repos.ImageDetails) != 1 || repos.ImageDetails[0].ImageTags[0] != "initial" {
		t.Fatalf("web repository images: %+v %v", repos, err)
	}

	obj, err := awsclient.NewS3(cfg).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("example-tfstate"), Key: aws.String("network/terraform.tfstate")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	want, _ := os.ReadFile("../../examples/trial/terraform/network.tfstate")
	if string(body) != string(want) {
		t.Fatalf("the network state in S3 is not the file's content (%d bytes, want %d)", len(body), len(want))
	}

	p, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/example/report/api_token"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(p.Parameter.Value) != "trial-token-not-a-secret-elsewhere" || p.Parameter.Type != "SecureString" {
		t.Fatalf("SecureString parameter: %+v %v", p, err)
	}

	// The service starts its tasks from the seeded images.
	client := ecs.NewFromConfig(cfg)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("example"), Services: []string{"web"}})
		if err != nil || len(out.Services) != 1 {
			t.Fatalf("DescribeServices: %v", err)
		}
		if s := out.Services[0]; s.RunningCount == 2 {
			break
		}
		for _, e := range out.Services[0].Events {
			if strings.Contains(aws.ToString(e.Message), "unable") {
				t.Fatalf("service event: %s", aws.ToString(e.Message))
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service never ran 2 tasks: %+v", out.Services[0].Events)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSeedSectionErrors(t *testing.T) {
	for _, tc := range []struct{ world, want string }{
		{"s3:\n  objects:\n    - {bucket: b, key: k}\n", "give either file or body"},
		{"s3:\n  objects:\n    - {bucket: b, key: k, file: nope.json}\n", "nope.json"},
		{"ecr:\n  repositories:\n    - {name: web, images: [{files: {/a: b}}]}\n", "an image needs a tag"},
		{"ssm:\n  parameters:\n    - {name: /a, type: Secret, value: v}\n", `parameter "/a"`},
	} {
		w, err := ParseWorld([]byte(tc.world))
		if err != nil {
			t.Fatalf("ParseWorld(%q): %v", tc.world, err)
		}
		err = w.Seed(context.Background(), awssim.NewTestServer(t))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.world, err, tc.want)
		}
	}
}
