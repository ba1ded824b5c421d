package awssim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// benchWorld builds a cluster with 10 services of 2 tasks behind a target
// group, each after one completed deployment; with fullEvents each service
// also has the 100 events DescribeServices shows at most.
func benchWorld(b *testing.B, fullEvents bool) (*Server, []string) {
	f := newManualFixture(b)
	srv := f.srv
	f.createCluster("main")
	td := f.registerWeb("web", "registry.example.com/web:v1")
	var names []string
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("web-%d", i)
		tg := f.createTargetGroup(name, 30)
		f.createService("main", name, td, serviceOpts{desired: 2, targetGroup: tg, breaker: true, rollback: true})
		names = append(names, name)
	}
	f.advance(5*time.Second, 5*time.Minute, nil, nil)
	if fullEvents {
		srv.mu.Lock()
		for _, svc := range srv.ecs.clusters["main"].services {
			for len(svc.events) < maxServiceEvents {
				srv.serviceEvent(svc, msgStarted, svc.name, 2, "(task 0123456789abcdef0123456789abcdef) (task fedcba9876543210fedcba9876543210)")
			}
		}
		srv.mu.Unlock()
	}
	return srv, names
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkDescribeServices10 measures DescribeServices for 10 services:
// through the real SDK client over loopback HTTP (what a caller sees), and
// the simulator alone (routing, lock, handler and JSON encoding, without the
// network or the SDK's signing and decoding).
func BenchmarkDescribeServices10(b *testing.B) {
	for _, full := range []bool{false, true} {
		events := "few-events"
		if full {
			events = "100-events"
		}
		srv, names := benchWorld(b, full)
		b.Run("sdk/"+events, func(b *testing.B) {
			client := ecs.NewFromConfig(srv.AWSConfig())
			in := &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: names}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				out, err := client.DescribeServices(context.Background(), in)
				lat = append(lat, time.Since(start))
				if err != nil || len(out.Services) != 10 {
					b.Fatalf("DescribeServices: %v", err)
				}
			}
			reportPercentiles(b, lat)
		})
		b.Run("server/"+events, func(b *testing.B) {
			body := `{"cluster":"main","services":["` + strings.Join(names, `","`) + `"]}`
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
				req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices")
				rec := httptest.NewRecorder()
				start := time.Now()
				srv.ServeHTTP(rec, req)
				lat = append(lat, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(len(srvBody(srv, body))), "bytes/answer")
			reportPercentiles(b, lat)
		})
	}
}

func srvBody(srv *Server, body string) []byte {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Body.Bytes()
}
