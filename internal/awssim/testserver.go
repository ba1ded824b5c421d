package awssim

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Test credentials. The simulator accepts any SigV4 credentials.
const (
	TestAccessKeyID     = "AKIDSIMULATOR"
	TestSecretAccessKey = "simulator-secret"
)

// NewTestServer starts a simulator on a loopback port and closes it when tb
// ends. Unless opts say otherwise its clock runs 1000 times faster than wall
// time, so a rolling update of a few tasks takes well under a second.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := New(append([]Option{WithSpeed(1000)}, opts...)...)
	if err := s.Start("127.0.0.1:0"); err != nil {
		tb.Fatalf("start simulator: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// AWSConfig returns an SDK config that reaches this simulator: static test
// credentials, its region, and its URL as the base endpoint of every service.
// S3 clients also need UsePathStyle (see S3Options).
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.region,
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		BaseEndpoint: aws.String(s.url),
	}
}

// Env returns the environment variables that point the AWS CLI, the SDKs and
// ecsctl at this simulator.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.url,
		"AWS_ACCESS_KEY_ID=" + TestAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + TestSecretAccessKey,
		"AWS_REGION=" + s.region,
		"AWS_DEFAULT_REGION=" + s.region, // the aws CLI v1 reads only this one
	}
}
