package awssim

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestCoreJSONRoutingFaultsAndLog(t *testing.T) {
	s := NewTestServer(t, WithSeed(1))
	calls := 0
	s.handleJSON("ecs", "ListClusters", func(c *jsonCall) (any, error) {
		calls++
		return map[string]any{"clusterArns": []string{s.arn("ecs", "cluster/core")}}, nil
	})
	client := ecs.NewFromConfig(s.AWSConfig())
	ctx := context.Background()

	out, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		t.Fatalf("ListClusters: %v", err)
	}
	if len(out.ClusterArns) != 1 || out.ClusterArns[0] != "arn:aws:ecs:us-east-1:123456789012:cluster/core" {
		t.Fatalf("unexpected clusters %v", out.ClusterArns)
	}

	// Two throttles in a row are absorbed by the SDK's retryer.
	s.AddFault(Fault{Service: "ecs", Operation: "ListClusters", Throttle: 1, Times: 2})
	if _, err := client.ListClusters(ctx, &ecs.ListClustersInput{}); err != nil {
		t.Fatalf("ListClusters under throttling: %v", err)
	}
	if got := s.Count("ecs", "ListClusters"); got != 4 {
		t.Fatalf("request log has %d ListClusters calls, want 4 (1 + 2 throttled + 1)", got)
	}
	if calls != 2 {
		t.Fatalf("handler ran %d times, want 2", calls)
	}
	throttled := 0
	for _, r := range s.Requests() {
		if r.ErrorCode == "ThrottlingException" {
			throttled++
		}
	}
	if throttled != 2 {
		t.Fatalf("%d throttled calls logged, want 2", throttled)
	}
	if len(s.Writes()) != 0 {
		t.Fatalf("ListClusters counted as a write: %v", s.Writes())
	}
}

func TestCoreUnknownOperation(t *testing.T) {
	s := NewTestServer(t)
	s.jsonOps["ecs"] = nil
	_, err := ecs.NewFromConfig(s.AWSConfig()).ListClusters(context.Background(), &ecs.ListClustersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
		t.Fatalf("want UnknownOperationException, got %v", err)
	}
	s.qryOps["sts"] = nil
	_, err = sts.NewFromConfig(s.AWSConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAction" {
		t.Fatalf("want InvalidAction, got %v", err)
	}
}
