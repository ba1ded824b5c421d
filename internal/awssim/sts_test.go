package awssim

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestSTSGetCallerIdentity(t *testing.T) {
	s := NewTestServer(t, WithAccountID("210987654321"))
	out, err := sts.NewFromConfig(s.AWSConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(out.Account) != "210987654321" || aws.ToString(out.Arn) != "arn:aws:iam::210987654321:user/awssim" || aws.ToString(out.UserId) == "" {
		t.Fatalf("GetCallerIdentity returned account %q, arn %q, user id %q", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
	if s.Count("sts", "GetCallerIdentity") != 1 || len(s.Writes()) != 0 {
		t.Fatalf("request log: %+v", s.Requests())
	}
}
