package awsclient

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// isolate points the SDK at nothing but test credentials.
func isolate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key")
	t.Setenv("AWS_SESSION_TOKEN", "very-secret-token")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECS"} {
		t.Setenv(k, "")
	}
}

// fakeECS answers ListClusters, throttling the first call, and records requests.
type fakeECS struct {
	mu       sync.Mutex
	calls    int
	agents   []string
	auths    []string
	throttle bool
}

func (f *fakeECS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.agents = append(f.agents, r.Header.Get("User-Agent"))
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if f.throttle && f.calls == 1 {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
		return
	}
	_, _ = w.Write([]byte(`{"clusterArns":["arn:aws:ecs:eu-west-1:123456789012:cluster/a"]}`))
}

func TestRegionPrecedence(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	if _, err := Load(ctx, Options{}); !errors.As(err, new(NoRegionError)) {
		t.Fatalf("no region anywhere: want NoRegionError, got %v", err)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "us-west-2"},
		{Options{ConfigRegion: "ap-northeast-1"}, "ap-northeast-1"},
		{Options{Region: "eu-west-1", ConfigRegion: "ap-northeast-1"}, "eu-west-1"},
	} {
		cfg, err := Load(ctx, tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != tc.want {
			t.Errorf("%+v: region %q, want %q", tc.o, cfg.Region, tc.want)
		}
	}
}

func TestEndpointUserAgentRetriesAndDebugLog(t *testing.T) {
	isolate(t)
	f := &fakeECS{throttle: true}
	srv := httptest.NewServer(f)
	defer srv.Close()

	var debug bytes.Buffer
	cfg, err := Load(context.Background(), Options{Region: "eu-west-1", EndpointURL: srv.URL, Version: "1.2.3", Debug: &debug})
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewClients(cfg).ECS().ListClusters(context.Background(), &ecs.ListClustersInput{})
	if err != nil {
		t.Fatalf("ListClusters through the override: %v", err)
	}
	if len(out.ClusterArns) != 1 || f.calls != 2 {
		t.Fatalf("want the throttled call retried once: %d calls, %v", f.calls, out.ClusterArns)
	}
	if !strings.Contains(f.agents[0], "ecsctl/1.2.3") {
		t.Fatalf("user agent %q lacks ecsctl/1.2.3", f.agents[0])
	}
	if !strings.Contains(f.auths[0], "Credential=AKIDTEST/") {
		t.Fatalf("request not signed with the env credentials: %q", f.auths[0])
	}
	log := debug.String()
	if !strings.Contains(log, "aws ECS ListClusters") || !strings.Contains(log, "attempts=2") {
		t.Fatalf("debug log %q lacks the call and its attempts", log)
	}
	for _, secret := range []string{"very-secret-key", "very-secret-token", "AKIDTEST"} {
		if strings.Contains(log, secret) {
			t.Fatalf("debug log leaks %q: %s", secret, log)
		}
	}
}

func TestServiceSpecificEndpointFromEnvironment(t *testing.T) {
	isolate(t)
	f := &fakeECS{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_ECS", srv.URL)
	cfg, err := Load(context.Background(), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewClients(cfg).ECS().ListClusters(context.Background(), &ecs.ListClustersInput{}); err != nil {
		t.Fatalf("AWS_ENDPOINT_URL_ECS not honoured: %v", err)
	}
	if f.calls != 1 {
		t.Fatalf("%d calls reached the override", f.calls)
	}
}
