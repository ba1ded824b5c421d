package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ecsctl/ecsctl/internal/awsclient"
)

// s3Section seeds S3 objects (e.g. Terraform states for tfstate lookups),
// creating their buckets:
//
//	s3:
//	  objects:
//	    - bucket: example-tfstate
//	      key: network/terraform.tfstate
//	      file: network.tfstate    # relative to the world file; or body: "..."
type s3Section struct {
	Objects []objectSeed `yaml:"objects"`
}

type objectSeed struct {
	Bucket string `yaml:"bucket"`
	Key    string `yaml:"key"`
	File   string `yaml:"file"`
	Body   string `yaml:"body"`
}

func (e *s3Section) seed(ctx context.Context, sd *seeder) error {
	client := awsclient.NewS3(sd.cfg)
	buckets := map[string]bool{}
	for _, o := range e.Objects {
		if o.Bucket == "" || o.Key == "" {
			return fmt.Errorf("an object needs a bucket and a key")
		}
		if (o.File == "") == (o.Body == "") {
			return fmt.Errorf("object s3://%s/%s: give either file or body", o.Bucket, o.Key)
		}
		body := []byte(o.Body)
		if o.File != "" {
			p := o.File
			if !filepath.IsAbs(p) {
				p = filepath.Join(sd.dir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("object s3://%s/%s: %w", o.Bucket, o.Key, err)
			}
			body = b
		}
		if !buckets[o.Bucket] {
			_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(o.Bucket)})
			var owned *s3types.BucketAlreadyOwnedByYou
			if err != nil && !errors.As(err, &owned) {
				return fmt.Errorf("bucket %q: %w", o.Bucket, err)
			}
			buckets[o.Bucket] = true
		}
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), Body: strings.NewReader(string(body))}); err != nil {
			return fmt.Errorf("object s3://%s/%s: %w", o.Bucket, o.Key, err)
		}
	}
	return nil
}
