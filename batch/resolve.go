package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecsctl/ecsctl/internal/config"
)

// resolved is a batch with what AWS told about it: the cluster and task
// definition it runs.
type resolved struct {
	batch   *config.Batch
	target  target
	taskDef *ecstypes.TaskDefinition
}

// resolver looks up, read-only, the clusters, services and task definitions
// batches name, and reports what does not exist or does not fit as
// Problems positioned in the config.
type resolver struct {
	opts     Options
	cfg      *config.Config
	problems []config.Problem

	mu        sync.Mutex
	clusters  map[string]string                   // cluster name or ARN -> ARN
	providers map[string][]string                 // cluster ARN -> its associated capacity providers
	services  map[string]*ecstypes.Service        // cluster ARN + "/" + service name
	taskDefs  map[string]*ecstypes.TaskDefinition // identifier as asked -> task definition
	tdErrors  map[string]error                    // identifier -> why it could not be described
}

func newResolver(opts Options) *resolver {
	return &resolver{
		opts: opts, cfg: opts.Config,
		clusters:  map[string]string{},
		providers: map[string][]string{},
		services:  map[string]*ecstypes.Service{},
		taskDefs:  map[string]*ecstypes.TaskDefinition{},
		tdErrors:  map[string]error{},
	}
}

func (r *resolver) problem(path, format string, args ...any) {
	r.problems = append(r.problems, r.cfg.Problem(path, format, args...))
}

func batchPath(b *config.Batch, key string) string {
	if key == "" {
		return "batches." + b.Name
	}
	return "batches." + b.Name + "." + key
}

// serviceCluster is the cluster the service a batch follows runs in.
func (r *resolver) serviceCluster(b *config.Batch) string {
	if s := r.cfg.Service(b.Service); s != nil && b.Cluster == "" {
		return r.cfg.ServiceCluster(s)
	}
	return r.cfg.BatchCluster(b)
}

// resolve resolves batches. Problems are collected in r.problems; the error
// is for AWS calls that failed.
func (r *resolver) resolve(ctx context.Context, batches []*config.Batch) (map[string]*resolved, error) {
	// Clusters, in one call.
	var names []string
	seen := map[string]bool{}
	for _, b := range batches {
		for _, c := range []string{r.cfg.BatchCluster(b), r.serviceCluster(b)} {
			if c != "" && !seen[c] {
				seen[c] = true
				names = append(names, c)
			}
		}
	}
	if err := r.describeClusters(ctx, names); err != nil {
		return nil, err
	}

	// Services batches follow, ten per call per cluster.
	byCluster := map[string][]string{}
	for _, b := range batches {
		if b.Service == "" {
			continue
		}
		arn, ok := r.clusters[r.serviceCluster(b)]
		if !ok {
			continue
		}
		if !slices.Contains(byCluster[arn], b.Service) {
			byCluster[arn] = append(byCluster[arn], b.Service)
		}
	}
	if err := r.describeServices(ctx, byCluster); err != nil {
		return nil, err
	}

	// Task definitions, one call per distinct one, concurrently.
	want := map[*config.Batch]string{}
	var ids []string
	for _, b := range batches {
		id := b.TaskDefinition
		if b.Service != "" {
			arn, ok := r.clusters[r.serviceCluster(b)]
			if !ok {
				continue
			}
			svc := r.services[arn+"/"+b.Service]
			if svc == nil {
				r.problem(batchPath(b, "service"), "service %q not found in cluster %s; name a service that is running (DescribeServices)", b.Service, shortARN(arn))
				continue
			}
			id = aws.ToString(svc.TaskDefinition)
		}
		if id == "" {
			continue
		}
		want[b] = id
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if err := r.describeTaskDefinitions(ctx, ids); err != nil {
		return nil, err
	}

	out := map[string]*resolved{}
	for _, b := range batches {
		clusterARN, ok := r.clusters[r.cfg.BatchCluster(b)]
		id, hasTD := want[b]
		if !ok || !hasTD {
			continue
		}
		td := r.taskDefs[id]
		if td == nil {
			key := "task_definition"
			if b.Service != "" {
				key = "service"
			}
			r.problem(batchPath(b, key), "task definition %q cannot be used: %v", id, r.tdErrors[id])
			continue
		}
		if !r.checkTaskDefinition(b, td) {
			continue
		}
		if ps := r.cfg.CheckCapacityProviders(b, r.cfg.BatchCluster(b), r.providers[clusterARN]); len(ps) > 0 {
			r.problems = append(r.problems, ps...)
			continue
		}
		out[b.Name] = &resolved{batch: b, target: target{clusterARN: clusterARN, taskDefinitionARN: aws.ToString(td.TaskDefinitionArn)}, taskDef: td}
	}
	return out, nil
}

func (r *resolver) describeClusters(ctx context.Context, names []string) error {
	for start := 0; start < len(names); start += 100 {
		chunk := names[start:min(start+100, len(names))]
		out, err := r.opts.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: chunk})
		if err != nil {
			return fmt.Errorf("describe clusters: %w", err)
		}
		for _, c := range out.Clusters {
			if aws.ToString(c.Status) != "ACTIVE" {
				continue
			}
			arn := aws.ToString(c.ClusterArn)
			r.clusters[aws.ToString(c.ClusterName)] = arn
			r.clusters[arn] = arn
			r.providers[arn] = c.CapacityProviders
		}
	}
	for _, n := range names {
		if _, ok := r.clusters[n]; !ok {
			path := "cluster"
			for _, b := range r.cfg.Batches {
				if b.Cluster == n {
					path = batchPath(b, "cluster")
					break
				}
			}
			r.problem(path, "cluster %q not found or not ACTIVE; name an existing ECS cluster", n)
		}
	}
	return nil
}

func (r *resolver) describeServices(ctx context.Context, byCluster map[string][]string) error {
	clusters := make([]string, 0, len(byCluster))
	for c := range byCluster {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	for _, c := range clusters {
		names := byCluster[c]
		for start := 0; start < len(names); start += 10 {
			out, err := r.opts.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(c), Services: names[start:min(start+10, len(names))]})
			if err != nil {
				return fmt.Errorf("describe services: %w", err)
			}
			for i := range out.Services {
				s := &out.Services[i]
				if aws.ToString(s.Status) == "ACTIVE" {
					r.services[c+"/"+aws.ToString(s.ServiceName)] = s
				}
			}
		}
	}
	return nil
}

func (r *resolver) describeTaskDefinitions(ctx context.Context, ids []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.concurrency())
	for _, id := range ids {
		g.Go(func() error {
			td, err := describeTaskDefinition(gctx, r.opts.ECS, id)
			r.mu.Lock()
			defer r.mu.Unlock()
			var nf *notFoundError
			switch {
			case errors.As(err, &nf):
				r.tdErrors[id] = nf
			case err != nil:
				return err
			default:
				r.taskDefs[id] = td
			}
			return nil
		})
	}
	return g.Wait()
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// describeTaskDefinition describes id; a task definition that does not
// exist or is not ACTIVE is a *notFoundError.
func describeTaskDefinition(ctx context.Context, api ECSAPI, id string) (*ecstypes.TaskDefinition, error) {
	out, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(id)})
	if err != nil {
		var ce *ecstypes.ClientException
		if errors.As(err, &ce) {
			return nil, &notFoundError{msg: "it does not exist (" + aws.ToString(ce.Message) + ")"}
		}
		return nil, fmt.Errorf("describe task definition %s: %w", id, err)
	}
	td := out.TaskDefinition
	if td == nil {
		return nil, &notFoundError{msg: "it does not exist"}
	}
	if td.Status != "" && td.Status != ecstypes.TaskDefinitionStatusActive {
		return nil, &notFoundError{msg: fmt.Sprintf("%s is %s; ECS runs new tasks only from ACTIVE revisions", shortARN(aws.ToString(td.TaskDefinitionArn)), td.Status)}
	}
	return td, nil
}

// checkTaskDefinition checks that b's overrides fit td: the containers exist
// and the task size is one Fargate offers. It reports problems and returns
// whether there were none.
func (r *resolver) checkTaskDefinition(b *config.Batch, td *ecstypes.TaskDefinition) bool {
	probs := checkAgainstTaskDefinition(b, td)
	for _, p := range probs {
		r.problem(p.path, "%s", p.msg)
	}
	return len(probs) == 0
}

type pathMsg struct{ path, msg string }

func checkAgainstTaskDefinition(b *config.Batch, td *ecstypes.TaskDefinition) []pathMsg {
	var out []pathMsg
	name := shortARN(aws.ToString(td.TaskDefinitionArn))
	if td.NetworkMode != "" && td.NetworkMode != ecstypes.NetworkModeAwsvpc {
		key := "task_definition"
		if b.Service != "" {
			key = "service"
		}
		out = append(out, pathMsg{batchPath(b, key), fmt.Sprintf("task definition %s uses network mode %s; Fargate batches need awsvpc", name, td.NetworkMode)})
	}
	containers := containerNames(td)
	for _, o := range b.Overrides {
		if !slices.Contains(containers, o.Name) {
			msg := fmt.Sprintf("no container %q in task definition %s; its containers are: %s", o.Name, name, strings.Join(containers, ", "))
			out = append(out, pathMsg{batchPath(b, "overrides."+o.Name), msg})
		}
	}
	if b.CPU != "" || b.Memory != "" {
		cpu, mem := b.CPU, b.Memory
		if cpu == "" {
			cpu = aws.ToString(td.Cpu)
		}
		if mem == "" {
			mem = aws.ToString(td.Memory)
		}
		key := "cpu"
		if b.CPU == "" {
			key = "memory"
		}
		if msg := fargateSize(cpu, mem); msg != "" {
			out = append(out, pathMsg{batchPath(b, key), msg})
		}
	}
	return out
}

func containerNames(td *ecstypes.TaskDefinition) []string {
	var names []string
	for _, c := range td.ContainerDefinitions {
		names = append(names, aws.ToString(c.Name))
	}
	return names
}

// fargateMemory lists, per task CPU, the memory Fargate offers (MiB):
// from, to, step.
var fargateMemory = map[int][3]int{
	256:   {512, 2048, 0}, // 512, 1024, 2048
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// fargateSize checks a task size against what Fargate offers and returns
// what is wrong, or "".
func fargateSize(cpu, mem string) string {
	c, err := strconv.Atoi(cpu)
	r, ok := fargateMemory[c]
	if err != nil || !ok {
		return fmt.Sprintf("task cpu %q is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384 (CPU units)", cpu)
	}
	if mem == "" {
		return ""
	}
	m, err := strconv.Atoi(mem)
	if err != nil {
		return fmt.Sprintf("task memory %q is not a number of MiB, e.g. 2048", mem)
	}
	fits := m >= r[0] && m <= r[1]
	if c == 256 {
		fits = m == 512 || m == 1024 || m == 2048
	} else if fits {
		fits = (m-r[0])%r[2] == 0
	}
	if !fits {
		allowed := fmt.Sprintf("%d to %d MiB in steps of %d", r[0], r[1], r[2])
		if c == 256 {
			allowed = "512, 1024 or 2048 MiB"
		}
		return fmt.Sprintf("Fargate has no task with cpu %d and memory %d; with cpu %d use %s", c, m, c, allowed)
	}
	return ""
}
