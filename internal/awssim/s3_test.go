package awssim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Client is an S3 client as config.LoadDefaultConfig would make it:
// path-style, computing and validating checksums whenever S3 supports them.
func s3Client(cfg aws.Config) *s3.Client {
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// tfstate is a Terraform state (format version 4) of a few KB.
func tfstate() []byte {
	var res strings.Builder
	for i := range 12 {
		fmt.Fprintf(&res, `%s{"mode":"managed","type":"aws_subnet","name":"private","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{"index_key":%d,"schema_version":1,"attributes":{"id":"subnet-%08x","cidr_block":"10.0.%d.0/24","tags":{"Name":"private-%d ünïcode"}}}]}`,
			map[bool]string{true: "", false: ","}[i == 0], i, i*7919, i, i)
	}
	return []byte(`{
  "version": 4,
  "terraform_version": "1.9.5",
  "serial": 42,
  "lineage": "3f0c6a8e-6c1d-4c47-9d0e-0a5b2f1e9c11",
  "outputs": {
    "example_vpc_id": {"value": "vpc-0abc", "type": "string"},
    "private_subnet_ids": {"value": ["subnet-a", "subnet-b"], "type": ["list", "string"]}
  },
  "resources": [` + res.String() + `],
  "check_results": null
}
`)
}

func TestS3Objects(t *testing.T) {
	s := NewTestServer(t)
	client := s3Client(s.AWSConfig())
	ctx := context.Background()

	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tf-state")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("tf-state")}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	state := tfstate()
	if len(state) < 2048 {
		t.Fatalf("fixture is only %d bytes", len(state))
	}
	put, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate"),
		Body: bytes.NewReader(state), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	sum := md5.Sum(state)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	if aws.ToString(put.ETag) != etag {
		t.Fatalf("ETag %s, want %s", aws.ToString(put.ETag), etag)
	}

	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(body, state) {
		t.Fatalf("the state did not round-trip byte for byte (%v, %d of %d bytes)", err, len(body), len(state))
	}
	if aws.ToString(got.ETag) != etag || aws.ToString(got.ContentType) != "application/json" || got.LastModified == nil {
		t.Fatalf("GetObject metadata: etag %s type %s modified %v", aws.ToString(got.ETag), aws.ToString(got.ContentType), got.LastModified)
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate")})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len(state)) || aws.ToString(head.ETag) != etag {
		t.Fatalf("HeadObject: %v %+v", err, head)
	}
	part, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate"), Range: aws.String("bytes=4-15")})
	if err != nil {
		t.Fatal(err)
	}
	partBody, _ := io.ReadAll(part.Body)
	part.Body.Close()
	if !bytes.Equal(partBody, state[4:16]) || aws.ToString(part.ContentRange) != fmt.Sprintf("bytes 4-15/%d", len(state)) {
		t.Fatalf("range read %q, Content-Range %s", partBody, aws.ToString(part.ContentRange))
	}

	// Missing keys and buckets, in the SDK's typed errors.
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/ecs.tfstate")})
	var noKey *types.NoSuchKey
	if !errors.As(err, &noKey) {
		t.Fatalf("GetObject of a missing key: %v, want NoSuchKey", err)
	}
	wantAPIError(t, err, "NoSuchKey", "The specified key does not exist.")
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k")})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("nope")})
	var notFound *types.NotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("HeadObject of a missing key: %v, want NotFound", err)
	}
	_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("no-such-bucket")})
	if !errors.As(err, &notFound) {
		t.Fatalf("HeadBucket of a missing bucket: %v, want NotFound", err)
	}

	// Conditional create, as Terraform's S3 lock file does it.
	lock := &s3.PutObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate.tflock"), Body: strings.NewReader(`{"ID":"1"}`), IfNoneMatch: aws.String("*")}
	if _, err := client.PutObject(ctx, lock); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	lock.Body = strings.NewReader(`{"ID":"2"}`)
	_, err = client.PutObject(ctx, lock)
	wantAPIError(t, err, "PreconditionFailed", "pre-conditions")

	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate.tflock")}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
	wantAPIError(t, err, "InvalidBucketName", "The specified bucket is not valid.")
	_, err = client.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("tf-state"), Key: aws.String("env/prod/network.tfstate")})
	wantAPIError(t, err, "NotImplemented", "not implemented")
}

func TestS3ListObjectsV2(t *testing.T) {
	s := NewTestServer(t)
	client := s3Client(s.AWSConfig())
	ctx := context.Background()
	for _, k := range []string{"env/dev/a.tfstate", "env/prod/a.tfstate", "env/prod/b.tfstate", "env/root.tfstate", "other.txt", "env/stage/a.tfstate"} {
		if err := s.SeedObject("states", k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	var keys, prefixes []string
	pages := 0
	for p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String("states"), Prefix: aws.String("env/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		pages++
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
			if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) {
				t.Fatalf("size of %s: %d", aws.ToString(o.Key), aws.ToInt64(o.Size))
			}
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	if strings.Join(keys, ",") != "env/root.tfstate" || strings.Join(prefixes, ",") != "env/dev/,env/prod/,env/stage/" || pages != 2 {
		t.Fatalf("%d pages: keys %v, prefixes %v", pages, keys, prefixes)
	}
	all, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("states")})
	if err != nil || aws.ToInt32(all.KeyCount) != 6 || aws.ToBool(all.IsTruncated) {
		t.Fatalf("list all: %v %+v", err, all)
	}
	_, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nope")})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
}

// Over TLS the SDK streams uploads as aws-chunked with a trailing checksum.
func TestS3AwsChunkedUpload(t *testing.T) {
	s := New()
	ts := httptest.NewTLSServer(s)
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	cfg := aws.Config{
		Region:       s.Region(),
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		BaseEndpoint: aws.String(ts.URL),
		HTTPClient:   ts.Client(),
	}
	client := s3Client(cfg)
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tls")}); err != nil {
		t.Fatal(err)
	}
	state := tfstate()
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("s.tfstate"), Body: bytes.NewReader(state)}); err != nil {
		t.Fatalf("PutObject over TLS: %v", err)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("s.tfstate"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(got.Body) // the SDK validates the checksum as it reads
	got.Body.Close()
	if err != nil || !bytes.Equal(body, state) {
		t.Fatalf("aws-chunked upload did not round-trip: %v, %d of %d bytes", err, len(body), len(state))
	}
	if aws.ToString(got.ChecksumCRC32) == "" {
		t.Fatal("GetObject with ChecksumMode ENABLED returned no CRC32 checksum")
	}

	// A trailer that does not match the payload is refused.
	crc := crc32.ChecksumIEEE([]byte("other"))
	chunked := fmt.Sprintf("5;chunk-signature=abc\r\nhello\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n",
		base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}))
	req, _ := http.NewRequest("PUT", ts.URL+"/tls/bad", strings.NewReader(chunked))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", "5")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "<Code>BadDigest</Code>") {
		t.Fatalf("mismatched trailer checksum: %d %s", resp.StatusCode, msg)
	}
}
