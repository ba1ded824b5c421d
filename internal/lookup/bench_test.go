package lookup

import (
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/config"
)

// sequential hides Prefetch: the config's second rendering then fetches
// each state and parameter when it meets it, one after the other, as
// ecsctl did before.
type sequential struct{ r *Resolver }

func (s sequential) Funcs(pre *config.Config) (template.FuncMap, error) { return s.r.Funcs(pre) }

// BenchmarkLookups loads a config with three states in S3 and twelve SSM
// parameters, every call 20 ms away (a region away from CodeBuild, say),
// with and without prefetching. It reports the AWS calls per load.
//
//	go test -run '^$' -bench Lookups -benchtime 10x ./internal/lookup/
func BenchmarkLookups(b *testing.B) {
	srv := awssim.NewTestServer(b)
	var sb strings.Builder
	sb.WriteString("name: example\nregion: us-east-1\ncluster: main\ntfstate:\n")
	for i := range 3 {
		key := fmt.Sprintf("c%d/terraform.tfstate", i)
		if err := srv.SeedObject("example-tfstate", key, []byte(fmt.Sprintf(`{"version":4,"serial":1,"outputs":{"subnet":{"value":"subnet-%d","type":"string"}}}`, i))); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&sb, "  c%d: {bucket: example-tfstate, key: %s, region: us-east-1}\n", i, key)
	}
	sb.WriteString("images:\n  web: {context: ./web, repository: web}\nservices:\n  web: {}\nbatch_defaults:\n  role: arn:aws:iam::123456789012:role/r\n")
	sb.WriteString("  network: {subnets: ['{{ tfstate \"c0\" \"outputs.subnet\" }}', '{{ tfstate \"c1\" \"outputs.subnet\" }}', '{{ tfstate \"c2\" \"outputs.subnet\" }}']}\n")
	sb.WriteString("batches:\n  nightly:\n    schedule: cron(0 3 * * ? *)\n    task_definition: app\n    overrides:\n      app:\n        environment:\n")
	for i := range 12 {
		name := fmt.Sprintf("/example/p%02d", i)
		if err := srv.SeedParameter(name, "String", "v"); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&sb, "          P%02d: '{{ ssm %q }}'\n", i, name)
	}
	srv.AddFault(awssim.Fault{Service: "s3", Latency: 20 * time.Millisecond})
	srv.AddFault(awssim.Fault{Service: "ssm", Latency: 20 * time.Millisecond})
	path := configDir(b, sb.String())

	for _, mode := range []string{"sequential", "prefetch"} {
		b.Run(mode, func(b *testing.B) {
			srv.ResetRequests()
			for b.Loop() {
				r, _ := resolver(srv, nil)
				var l config.Lookups = r
				if mode == "sequential" {
					l = sequential{r}
				}
				if _, err := config.Load(path, config.LoadOptions{Lookups: l}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(srv.Requests()))/float64(b.N), "calls/load")
		})
	}
}
