package config

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// RemoteAPI is what CheckRemote reads; *ecs.Client and *ecr.Client fit.
type RemoteAPI interface {
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// RepositoryAPI is the ECR part of CheckRemote.
type RepositoryAPI interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
}

// CheckRemote checks, read-only, that what the config names exists: its
// clusters, services, ECR repositories and batch task definitions. It returns
// an *Error listing what is missing, or an error when AWS could not be asked.
func CheckRemote(ctx context.Context, c *Config, api RemoteAPI, repos RepositoryAPI) error {
	var list []Problem

	clusters := map[string]string{} // cluster -> first config path naming it
	note := func(cluster, path string) {
		if _, ok := clusters[cluster]; !ok {
			clusters[cluster] = path
		}
	}
	note(c.Cluster, "cluster")
	for _, s := range c.Services {
		note(c.ServiceCluster(s), "services."+s.Name)
	}
	for _, b := range c.Batches {
		note(c.BatchCluster(b), "batches."+b.Name)
	}
	names := sortedKeys(clusters)
	out, err := api.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: names})
	if err != nil {
		return fmt.Errorf("describe clusters: %w", err)
	}
	active := map[string]bool{}
	providers := map[string][]string{}
	for _, cl := range out.Clusters {
		if aws.ToString(cl.Status) == "ACTIVE" {
			active[aws.ToString(cl.ClusterName)] = true
			active[aws.ToString(cl.ClusterArn)] = true
			providers[aws.ToString(cl.ClusterName)] = cl.CapacityProviders
			providers[aws.ToString(cl.ClusterArn)] = cl.CapacityProviders
		}
	}
	for _, name := range names {
		if !active[name] {
			list = append(list, c.Problem(clusters[name], "cluster %q does not exist (or is not ACTIVE) in this account and region", name))
		}
	}

	// Services, ten per DescribeServices call, per cluster.
	byCluster := map[string][]*Service{}
	for _, s := range c.Services {
		if cl := c.ServiceCluster(s); active[cl] {
			byCluster[cl] = append(byCluster[cl], s)
		}
	}
	for _, cl := range sortedKeys(byCluster) {
		svcs := byCluster[cl]
		for start := 0; start < len(svcs); start += 10 {
			chunk := svcs[start:min(start+10, len(svcs))]
			in := &ecs.DescribeServicesInput{Cluster: aws.String(cl)}
			for _, s := range chunk {
				in.Services = append(in.Services, s.Name)
			}
			out, err := api.DescribeServices(ctx, in)
			if err != nil {
				return fmt.Errorf("describe services: %w", err)
			}
			found := map[string]bool{}
			for _, s := range out.Services {
				if aws.ToString(s.Status) == "ACTIVE" {
					found[aws.ToString(s.ServiceName)] = true
				}
			}
			for _, s := range chunk {
				if !found[s.Name] {
					list = append(list, c.Problem("services."+s.Name, "service %q does not exist (or is not ACTIVE) in cluster %q", s.Name, cl))
				}
			}
		}
	}

	for _, b := range c.Batches {
		if cl := c.BatchCluster(b); active[cl] {
			list = append(list, c.CheckCapacityProviders(b, cl, providers[cl])...)
		}
	}

	for _, b := range c.Batches {
		if b.TaskDefinition == "" {
			continue
		}
		_, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(b.TaskDefinition)})
		var ce *ecstypes.ClientException
		switch {
		case errors.As(err, &ce):
			list = append(list, c.Problem("batches."+b.Name+".task_definition", "task definition %q does not exist: %s", b.TaskDefinition, aws.ToString(ce.Message)))
		case err != nil:
			return fmt.Errorf("describe task definition: %w", err)
		}
	}

	for _, im := range c.Images {
		if im.Repository == "" {
			continue
		}
		_, err := repos.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{im.Repository}})
		var nf *ecrtypes.RepositoryNotFoundException
		switch {
		case errors.As(err, &nf):
			list = append(list, c.Problem("images."+im.Name+".repository", "ECR repository %q does not exist; create it, or run `ecsctl build --create-repositories`", im.Repository))
		case err != nil:
			return fmt.Errorf("describe repositories: %w", err)
		}
	}
	return c.Errors(list)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SettingPath is the config path of a batch's setting: batch_defaults' when
// the batch took the value from there, else the batch's own (positioned at
// the batch when the key is missing).
func (c *Config) SettingPath(b *Batch, key string) string {
	own := "batches." + b.Name + "." + key
	if _, ok := c.positions[own]; !ok {
		if _, ok := c.positions["batch_defaults."+key]; ok {
			return "batch_defaults." + key
		}
	}
	return own
}

// CheckCapacityProviders reports a batch whose capacity provider strategy
// names a provider its cluster does not have associated (associated is the
// cluster's capacityProviders, as DescribeClusters answers). ECS refuses to
// start such a task, and EventBridge only counts the failure in a metric: the
// batch would never run and nobody would be told.
func (c *Config) CheckCapacityProviders(b *Batch, cluster string, associated []string) []Problem {
	var missing []string
	for _, p := range b.CapacityProviderStrategy {
		if p == nil || slices.Contains(associated, p.CapacityProvider) || slices.Contains(missing, p.CapacityProvider) {
			continue
		}
		missing = append(missing, p.CapacityProvider)
	}
	if len(missing) == 0 {
		return nil
	}
	has := "has none associated"
	if len(associated) > 0 {
		has = "has " + strings.Join(associated, ", ")
	}
	what := "capacity provider " + missing[0] + " is"
	if len(missing) > 1 {
		what = "capacity providers " + strings.Join(missing, ", ") + " are"
	}
	return []Problem{c.Problem(c.SettingPath(b, "capacity_provider_strategy"),
		"%s not associated with cluster %q (it %s): ECS would refuse every run, and EventBridge only counts that in a metric; associate it (aws ecs put-cluster-capacity-providers, or Terraform's aws_ecs_cluster_capacity_providers) or remove capacity_provider_strategy to use launch type FARGATE",
		what, cluster, has)}
}
