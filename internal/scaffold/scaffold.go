// Package scaffold writes a first ecsctl.yml from what runs in an ECS
// cluster (`ecsctl init`): the services named, their containers and the ECR
// repositories their images come from, and the EventBridge rules and
// Scheduler schedules that start tasks in the cluster, with their overrides,
// network settings, roles and state.
//
// Existing rules and schedules are adopted under their own names (aws_name,
// schedule_group), so applying the written config with `ecsctl batch
// schedule` changes nothing. What ecsctl cannot see in AWS (build contexts)
// or cannot express (a schedule's start date, a capacity provider strategy)
// is marked in the file with "# check:" comments.
package scaffold

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/batch"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// ECSAPI is the part of *ecs.Client init reads.
type ECSAPI interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ECRAPI is the part of *ecr.Client init reads.
type ECRAPI interface {
	DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
}

// EventsAPI is the part of *eventbridge.Client init reads.
type EventsAPI interface {
	ListRuleNamesByTarget(ctx context.Context, in *eventbridge.ListRuleNamesByTargetInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListRuleNamesByTargetOutput, error)
	DescribeRule(ctx context.Context, in *eventbridge.DescribeRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
}

// SchedulerAPI is the part of *scheduler.Client init reads.
type SchedulerAPI interface {
	ListSchedules(ctx context.Context, in *scheduler.ListSchedulesInput, optFns ...func(*scheduler.Options)) (*scheduler.ListSchedulesOutput, error)
	GetSchedule(ctx context.Context, in *scheduler.GetScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
}

var (
	_ ECSAPI       = (*ecs.Client)(nil)
	_ ECRAPI       = (*ecr.Client)(nil)
	_ EventsAPI    = (*eventbridge.Client)(nil)
	_ SchedulerAPI = (*scheduler.Client)(nil)
)

// Options say what to describe and with which clients.
type Options struct {
	Cluster  string
	Services []string
	// Name is the config's name (ecsctl marks the schedules it creates with
	// it); default: the cluster's name, with characters a name cannot hold
	// replaced by '-'.
	Name string
	// Region is written as the config's region.
	Region string

	ECS       ECSAPI
	ECR       ECRAPI
	Events    EventsAPI
	Scheduler SchedulerAPI
}

// Result is the written config and what went into it.
type Result struct {
	// Config is the text of ecsctl.yml.
	Config []byte `json:"-"`
	Name   string `json:"name"`
	// ClusterARN is the cluster described.
	ClusterARN string `json:"clusterArn"`
	// Images, Services and Batches are the names written.
	Images   []string `json:"images"`
	Services []string `json:"services"`
	Batches  []Batch  `json:"batches"`
	// Skipped are schedules that start tasks in the cluster but could not
	// be written as batches, with why.
	Skipped []Skipped `json:"skipped,omitempty"`
	// Checks are the "# check:" notes of the file: what a human must look at.
	Checks []string `json:"checks"`
}

// Batch is a schedule written as a batch.
type Batch struct {
	Name string `json:"name"`
	// Kind is "rule" or "schedule"; AWSName (and Group) where it lives.
	Kind    string `json:"kind"`
	AWSName string `json:"awsName"`
	Group   string `json:"group,omitempty"`
	// Adopted: written with aws_name (not a name ecsctl derives).
	Adopted bool `json:"adopted"`
}

// Skipped is a schedule init did not write.
type Skipped struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Group  string `json:"group,omitempty"`
	Reason string `json:"reason"`
}

// configNameRE is what a config name may be (batch.ValidConfigName).
var badNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Generate describes the cluster, its services and the schedules that
// start tasks in it, and returns an ecsctl.yml for them. It only reads.
func Generate(ctx context.Context, o Options) (*Result, error) {
	if o.Cluster == "" {
		return nil, exitcode.BadInput(errors.New("name the cluster with --cluster"))
	}
	if len(o.Services) == 0 {
		return nil, exitcode.BadInput(errors.New("name at least one service with --service (repeatable)"))
	}
	if o.Name == "" {
		o.Name = strings.Trim(badNameChars.ReplaceAllString(o.Cluster, "-"), "-_")
	}
	if !batch.ValidConfigName(o.Name) {
		return nil, exitcode.BadInput(fmt.Errorf("--name %q: a config name is letters, digits, '-' and '_', starting with a letter or digit", o.Name))
	}
	g := &gen{o: o, res: &Result{Name: o.Name}}
	if err := g.describe(ctx); err != nil {
		return nil, err
	}
	g.res.Config = g.render()
	return g.res, nil
}

type gen struct {
	o   Options
	res *Result

	clusterARN string
	services   []*service
	images     []*image          // in order of first use
	repos      map[string]string // repository URI -> name
	batches    []*batchSpec
}

type service struct {
	name    string
	taskDef *ecstypes.TaskDefinition
	// foreign: containers whose images ecsctl does not build (container -> image).
	foreign [][2]string
}

type image struct {
	name       string
	repository string
	containers []string
	services   []string
	notes      []string // "check:" notes
}

// describe reads everything, in dependency order.
func (g *gen) describe(ctx context.Context) error {
	out, err := g.o.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{g.o.Cluster}})
	if err != nil {
		return fmt.Errorf("describe clusters: %w", err)
	}
	for _, c := range out.Clusters {
		if aws.ToString(c.Status) == "ACTIVE" {
			g.clusterARN = aws.ToString(c.ClusterArn)
		}
	}
	if g.clusterARN == "" {
		return exitcode.BadInput(fmt.Errorf("cluster %q does not exist (or is not ACTIVE) in this account and region; check --cluster and --region", g.o.Cluster))
	}
	g.res.ClusterARN = g.clusterARN
	if err := g.describeServices(ctx); err != nil {
		return err
	}
	if err := g.readRepositories(ctx); err != nil {
		return err
	}
	g.mapImages()
	if err := g.readRules(ctx); err != nil {
		return err
	}
	if err := g.readSchedules(ctx); err != nil {
		return err
	}
	g.factorBatchDefaults()
	return nil
}

func (g *gen) describeServices(ctx context.Context) error {
	seen := map[string]bool{}
	var names []string
	for _, s := range g.o.Services {
		if !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	found := map[string]ecstypes.Service{}
	for start := 0; start < len(names); start += 10 {
		out, err := g.o.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(g.clusterARN), Services: names[start:min(start+10, len(names))]})
		if err != nil {
			return fmt.Errorf("describe services: %w", err)
		}
		for _, s := range out.Services {
			if aws.ToString(s.Status) == "ACTIVE" {
				found[aws.ToString(s.ServiceName)] = s
			}
		}
	}
	var missing []string
	for _, n := range names {
		if _, ok := found[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return exitcode.BadInput(fmt.Errorf("service %s not found (or not ACTIVE) in cluster %s", strings.Join(quoteAll(missing), ", "), g.o.Cluster))
	}
	for _, n := range names {
		svc := found[n]
		out, err := g.o.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
		if err != nil {
			return fmt.Errorf("describe task definition %s: %w", aws.ToString(svc.TaskDefinition), err)
		}
		g.services = append(g.services, &service{name: n, taskDef: out.TaskDefinition})
	}
	return nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strconv.Quote(x)
	}
	return out
}

// readRepositories lists the account's ECR repositories by URI, which is
// how task definitions name their images (in AWS
// <account>.dkr.ecr.<region>.amazonaws.com/<name>; in the simulator
// <host:port>/<name>).
func (g *gen) readRepositories(ctx context.Context) error {
	g.repos = map[string]string{}
	in := &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(1000)}
	for {
		out, err := g.o.ECR.DescribeRepositories(ctx, in)
		if err != nil {
			return fmt.Errorf("describe repositories: %w", err)
		}
		for _, r := range out.Repositories {
			g.repos[aws.ToString(r.RepositoryUri)] = aws.ToString(r.RepositoryName)
		}
		if aws.ToString(out.NextToken) == "" {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

// imageRepo strips the tag and digest from an image reference.
func imageRepo(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// mapImages turns the services' containers into images, one per ECR
// repository of this account.
func (g *gen) mapImages() {
	byRepo := map[string]*image{}
	names := map[string]bool{}
	for _, s := range g.services {
		for _, c := range s.taskDef.ContainerDefinitions {
			cname, ref := aws.ToString(c.Name), aws.ToString(c.Image)
			repo, ok := g.repos[imageRepo(ref)]
			if !ok {
				s.foreign = append(s.foreign, [2]string{cname, ref})
				continue
			}
			im := byRepo[repo]
			if im == nil {
				im = &image{name: imageName(repo, names), repository: repo}
				names[im.name] = true
				byRepo[repo] = im
				g.images = append(g.images, im)
			}
			if !slices.Contains(im.containers, cname) {
				im.containers = append(im.containers, cname)
			}
			if !slices.Contains(im.services, s.name) {
				im.services = append(im.services, s.name)
			}
		}
	}
	// A container name fed by two repositories (in two services) cannot be
	// expressed; keep it with the first image and say so.
	owner := map[string]*image{}
	for _, im := range g.images {
		var keep []string
		for _, c := range im.containers {
			if other, dup := owner[c]; dup {
				im.notes = append(im.notes, fmt.Sprintf("container %s also runs images of %s (in another service); a container takes one image, so image %s feeds it", c, other.repository, other.name))
				continue
			}
			owner[c] = im
			keep = append(keep, c)
		}
		im.containers = keep
	}
	for _, im := range g.images {
		g.res.Images = append(g.res.Images, im.name)
	}
	for _, s := range g.services {
		g.res.Services = append(g.res.Services, s.name)
	}
}

// imageName is a repository's last path element, or the whole path with
// '/' as '-' when that is taken.
func imageName(repo string, taken map[string]bool) string {
	name := repo[strings.LastIndexByte(repo, '/')+1:]
	if taken[name] {
		name = strings.ReplaceAll(repo, "/", "-")
	}
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", strings.ReplaceAll(repo, "/", "-"), i)
	}
	return name
}

func (g *gen) check(note string) {
	g.res.Checks = append(g.res.Checks, note)
}

func (g *gen) skip(kind, name, group, format string, args ...any) {
	g.res.Skipped = append(g.res.Skipped, Skipped{Kind: kind, Name: name, Group: group, Reason: fmt.Sprintf(format, args...)})
}

// fmtDuration writes d as the config does: "24h", "1h30m", "15m", "90s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// jsonObject decodes a JSON object, keeping numbers as written.
func jsonObject(s string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
