package config

import (
	"context"
	"errors"
	"fmt"
	"sort"

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
	for _, cl := range out.Clusters {
		if aws.ToString(cl.Status) == "ACTIVE" {
			active[aws.ToString(cl.ClusterName)] = true
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
