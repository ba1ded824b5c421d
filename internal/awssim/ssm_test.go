package awssim

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestSSMSecureString(t *testing.T) {
	s := NewTestServer(t)
	client := ssm.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	const secret = "arn:aws:iam::123456789012:role/secret-role"

	put, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/role"), Value: aws.String(secret), Type: types.ParameterTypeSecureString})
	if err != nil || put.Version != 1 || put.Tier != types.ParameterTierStandard {
		t.Fatalf("PutParameter: %v %+v", err, put)
	}
	plain, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/role")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(plain.Parameter.Value); v == secret || strings.Contains(v, "secret-role") || v == "" {
		t.Fatalf("a SecureString read without decryption returned %q", v)
	}
	dec, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/role"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(dec.Parameter.Value) != secret || dec.Parameter.Type != types.ParameterTypeSecureString {
		t.Fatalf("GetParameter WithDecryption: %v %+v", err, dec.Parameter)
	}
	if aws.ToString(dec.Parameter.ARN) != "arn:aws:ssm:us-east-1:"+s.AccountID()+":parameter/app/role" || dec.Parameter.LastModifiedDate == nil {
		t.Fatalf("parameter metadata %+v", dec.Parameter)
	}

	// Versions, and reading an older one by selector.
	_, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/role"), Value: aws.String("v2"), Type: types.ParameterTypeSecureString})
	wantAPIError(t, err, "ParameterAlreadyExists", "set the overwrite option")
	var exists *types.ParameterAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("the SDK did not map ParameterAlreadyExists: %T", err)
	}
	put, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/role"), Value: aws.String("v2"), Overwrite: aws.Bool(true)})
	if err != nil || put.Version != 2 {
		t.Fatalf("overwrite: %v %+v", err, put)
	}
	old, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/role:1"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(old.Parameter.Value) != secret || old.Parameter.Version != 1 {
		t.Fatalf("version 1 by selector: %v %+v", err, old.Parameter)
	}
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/role:7")})
	wantAPIError(t, err, "ParameterVersionNotFound", "could not find version 7 of /app/role")

	_, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("plain"), Value: aws.String("x"), Type: types.ParameterTypeString, KeyId: aws.String("alias/mine")})
	wantAPIError(t, err, "ValidationException", "KeyId is required for SecureString type parameter only.")
	_, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("app/role"), Value: aws.String("x"), Type: types.ParameterTypeString})
	wantAPIError(t, err, "ValidationException", "Parameter name must be a fully qualified name.")
}

func TestSSMMissingAndListing(t *testing.T) {
	s := NewTestServer(t)
	client := ssm.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	for name, value := range map[string]string{
		"/net/vpc":             "vpc-1",
		"/net/subnets":         "subnet-a,subnet-b",
		"/net/private/subnet":  "subnet-p",
		"/net/private/deep/sg": "sg-1",
		"/other":               "x",
	} {
		typ := "String"
		if strings.Contains(value, ",") {
			typ = "StringList"
		}
		if err := s.SeedParameter(name, typ, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SeedParameter("/net/db-password", "SecureString", "hunter2"); err != nil {
		t.Fatal(err)
	}

	_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/net/missing")})
	var notFound *types.ParameterNotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("missing parameter: %v, want ParameterNotFound", err)
	}
	got, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/net/vpc", "/net/missing", "/net/subnets"}})
	if err != nil || len(got.Parameters) != 2 || strings.Join(got.InvalidParameters, ",") != "/net/missing" {
		t.Fatalf("GetParameters: %v %+v", err, got)
	}
	if got.Parameters[1].Type != types.ParameterTypeStringList || aws.ToString(got.Parameters[1].Value) != "subnet-a,subnet-b" {
		t.Fatalf("StringList parameter %+v", got.Parameters[1])
	}

	byPath := func(recursive bool) []string {
		t.Helper()
		var names []string
		p := ssm.NewGetParametersByPathPaginator(client, &ssm.GetParametersByPathInput{Path: aws.String("/net"), Recursive: aws.Bool(recursive),
			WithDecryption: aws.Bool(true), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("GetParametersByPath: %v", err)
			}
			for _, prm := range page.Parameters {
				names = append(names, aws.ToString(prm.Name)+"="+aws.ToString(prm.Value))
			}
		}
		return names
	}
	if got := strings.Join(byPath(false), " "); got != "/net/db-password=hunter2 /net/subnets=subnet-a,subnet-b /net/vpc=vpc-1" {
		t.Fatalf("one level: %s", got)
	}
	if got := strings.Join(byPath(true), " "); got != "/net/db-password=hunter2 /net/private/deep/sg=sg-1 /net/private/subnet=subnet-p /net/subnets=subnet-a,subnet-b /net/vpc=vpc-1" {
		t.Fatalf("recursive: %s", got)
	}

	if _, err := client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/net/vpc")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/net/vpc")})
	if !errors.As(err, &notFound) {
		t.Fatalf("deleting twice: %v, want ParameterNotFound", err)
	}
}
