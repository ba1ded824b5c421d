package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// selectServices resolves --service names (or --all) against the config.
func selectServices(cfg *config.Config, names []string, all bool, timeout time.Duration) ([]serviceRef, error) {
	switch {
	case all && len(names) > 0:
		return nil, exitcode.BadInput(errors.New("give --service names or --all, not both"))
	case !all && len(names) == 0:
		return nil, exitcode.BadInput(fmt.Errorf("name the services to deploy with --service NAME (repeatable) or --all; the config has %s", serviceNames(cfg)))
	}
	var svcs []*config.Service
	if all {
		svcs = cfg.Services
		if len(svcs) == 0 {
			return nil, exitcode.BadInput(errors.New("--all: the config defines no services; add them under services:"))
		}
	}
	seen := map[string]bool{}
	var unknown []string
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		s := cfg.Service(n)
		if s == nil {
			unknown = append(unknown, n)
			continue
		}
		svcs = append(svcs, s)
	}
	if len(unknown) > 0 {
		return nil, exitcode.BadInput(fmt.Errorf("the config defines no service %s; it has %s (services: in %s)", quoteList(unknown), serviceNames(cfg), cfg.Path))
	}
	refs := make([]serviceRef, len(svcs))
	for i, s := range svcs {
		t := timeout
		if t <= 0 {
			t = s.Timeout.Std()
		}
		if t <= 0 {
			t = DefaultTimeout
		}
		refs[i] = serviceRef{Name: s.Name, Cluster: cfg.ServiceCluster(s), Key: s.Name, Timeout: t}
	}
	return refs, nil
}

func serviceNames(cfg *config.Config) string {
	if len(cfg.Services) == 0 {
		return "none"
	}
	names := make([]string, len(cfg.Services))
	for i, s := range cfg.Services {
		names[i] = s.Name
	}
	return quoteList(names)
}

// describeServices describes services cluster by cluster, ten per call.
func describeServices(ctx context.Context, api servicesAPI, refs []serviceRef) (map[string]types.Service, error) {
	byCluster := map[string][]string{}
	var clusters []string
	for _, r := range refs {
		if _, ok := byCluster[r.Cluster]; !ok {
			clusters = append(clusters, r.Cluster)
		}
		byCluster[r.Cluster] = append(byCluster[r.Cluster], r.Name)
	}
	out := map[string]types.Service{}
	for _, cl := range clusters {
		names := byCluster[cl]
		for start := 0; start < len(names); start += maxPerDescribe {
			res, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{
				Cluster:  aws.String(cl),
				Services: names[start:min(start+maxPerDescribe, len(names))],
			})
			if err != nil {
				var nf *types.ClusterNotFoundException
				if errors.As(err, &nf) {
					return nil, exitcode.BadInput(fmt.Errorf("cluster %q does not exist in this account and region (check cluster: in the config, and the region)", cl))
				}
				return nil, fmt.Errorf("describe services: %w", err)
			}
			for _, s := range res.Services {
				out[aws.ToString(s.ServiceName)] = s
			}
		}
	}
	return out, nil
}

// checkService refuses services ecsctl cannot deploy.
func checkService(ref serviceRef, svc types.Service) error {
	if svc.ServiceName == nil || aws.ToString(svc.Status) != "ACTIVE" {
		return fmt.Errorf("service %q does not exist (or is not ACTIVE) in cluster %q; create it first (ecsctl deploys existing services)", ref.Name, ref.Cluster)
	}
	if c := svc.DeploymentController; c != nil && c.Type != "" && c.Type != types.DeploymentControllerTypeEcs {
		return fmt.Errorf("service %q uses the %s deployment controller; ecsctl deploys services using the ECS (rolling update) controller", ref.Name, c.Type)
	}
	if svc.TaskDefinition == nil {
		return fmt.Errorf("service %q has no task definition", ref.Name)
	}
	return nil
}

func joinProblems(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = "  - " + e.Error()
	}
	return fmt.Errorf("cannot deploy:\n%s", strings.Join(msgs, "\n"))
}

// imageList reads the images: --image flags over imagedefinitions.json.
// The file is read when no --image is given, or when --imagedefs names it.
func (o Options) imageList() ([]ImageRef, error) {
	var flags []ImageRef
	for _, s := range o.Images {
		r, err := ParseImageFlag(s)
		if err != nil {
			return nil, err
		}
		flags = append(flags, r)
	}
	var file []ImageRef
	if len(flags) == 0 || o.ImageDefinitions != "" {
		path := o.ImageDefinitions
		if path == "" {
			path = o.Config.ResolvePath(o.Config.ImageDefinitions)
		}
		var err error
		if file, err = readImageDefinitions(path); err != nil {
			return nil, err
		}
	}
	return mergeImages(file, flags)
}

// assignImages decides which images each service takes:
//   - a service with images: in the config takes the containers of those
//     images, each of which its task definition must have;
//   - any other service takes every listed container its task definition has.
//
// An --image container no service takes is an error, and so is an
// imagedefinitions.json container that no service takes and that no image
// of the config feeds (a typo). A service left with nothing to take is an
// error too.
func assignImages(cfg *config.Config, plans []*servicePlan, refs []ImageRef) error {
	used := map[string]bool{}
	var problems []error
	for _, p := range plans {
		cs := cfg.Service(p.ref.Name)
		have := containerNames(p.td)
		p.images = map[string]string{}
		if cs != nil && len(cs.Images) > 0 {
			var want []string
			for _, name := range cs.Images {
				if im := cfg.Image(name); im != nil {
					want = append(want, im.Containers...)
				}
			}
			for _, r := range refs {
				if slices.Contains(want, r.Container) {
					p.images[r.Container] = r.URI // checked against the task definition by render
					used[r.Container] = true
				}
			}
		} else {
			for _, r := range refs {
				if slices.Contains(have, r.Container) {
					p.images[r.Container] = r.URI
					used[r.Container] = true
				}
			}
		}
		if len(p.images) == 0 {
			listed := make([]string, len(refs))
			for i, r := range refs {
				listed[i] = r.Container
			}
			problems = append(problems, &UnknownContainerError{Service: p.ref.Name, TaskDefinition: familyRevision(p.current), Unknown: listed, Have: have})
		}
	}
	known := map[string]bool{}
	for _, im := range cfg.Images {
		for _, c := range im.Containers {
			known[c] = true
		}
	}
	var stray []string
	for _, r := range refs {
		if used[r.Container] || (r.Source != "--image" && known[r.Container]) {
			continue
		}
		stray = append(stray, r.Container)
	}
	if len(stray) > 0 && len(problems) == 0 {
		sort.Strings(stray)
		var have []string
		for _, p := range plans {
			have = append(have, fmt.Sprintf("%s has %s", p.ref.Name, quoteList(containerNames(p.td))))
		}
		problems = append(problems, fmt.Errorf("no service being deployed has container %s (%s); fix the container name", quoteList(stray), strings.Join(have, "; ")))
	}
	if len(problems) > 0 {
		return exitcode.BadInput(joinProblems(problems))
	}
	return nil
}
