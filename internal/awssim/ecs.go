package awssim

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// This file holds the ECS world's state, the operation table and clusters.
// Task definitions, services and their deployments, tasks and service events
// each have their own ecs_*.go file.

// ecsState is the ECS world: clusters (holding services and tasks), task
// definition families, behaviour rules and the lifecycle timings.
type ecsState struct {
	clusters map[string]*ecsCluster // by name
	families map[string]*tdFamily   // by family name
	tasks    map[string]*ecsTask    // every known task, by ARN
	timings  ECSTimings
	rules    []BehaviorRule
	ips      map[string]bool // private IPv4 addresses handed to task ENIs
}

func newECSState() *ecsState {
	return &ecsState{
		clusters: map[string]*ecsCluster{},
		families: map[string]*tdFamily{},
		tasks:    map[string]*ecsTask{},
		timings:  DefaultECSTimings(),
		ips:      map[string]bool{},
	}
}

func (s *Server) registerECS() {
	s.ecs = newECSState()
	ops := map[string]jsonOp{
		"CreateCluster":               s.ecsCreateCluster,
		"DescribeClusters":            s.ecsDescribeClusters,
		"ListClusters":                s.ecsListClusters,
		"DeleteCluster":               s.ecsDeleteCluster,
		"PutClusterCapacityProviders": s.ecsPutClusterCapacityProviders,
		"RegisterTaskDefinition":      s.ecsRegisterTaskDefinition,
		"DescribeTaskDefinition":      s.ecsDescribeTaskDefinition,
		"DeregisterTaskDefinition":    s.ecsDeregisterTaskDefinition,
		"DeleteTaskDefinitions":       s.ecsDeleteTaskDefinitions,
		"ListTaskDefinitions":         s.ecsListTaskDefinitions,
		"ListTaskDefinitionFamilies":  s.ecsListTaskDefinitionFamilies,
		"CreateService":               s.ecsCreateService,
		"UpdateService":               s.ecsUpdateService,
		"DescribeServices":            s.ecsDescribeServices,
		"ListServices":                s.ecsListServices,
		"DeleteService":               s.ecsDeleteService,
		"ListServiceDeployments":      s.ecsListServiceDeployments,
		"DescribeServiceDeployments":  s.ecsDescribeServiceDeployments,
		"RunTask":                     s.ecsRunTask,
		"DescribeTasks":               s.ecsDescribeTasks,
		"ListTasks":                   s.ecsListTasks,
		"StopTask":                    s.ecsStopTask,
		"TagResource":                 s.ecsTagResource,
		"UntagResource":               s.ecsUntagResource,
		"ListTagsForResource":         s.ecsListTagsForResource,
	}
	for op, h := range ops {
		s.handleJSON("ecs", op, h)
	}
}

// ---- clusters ------------------------------------------------------------------

type ecsCluster struct {
	name      string
	arn       string
	status    string // ACTIVE or INACTIVE
	tags      []ecsTag
	settings  []clusterSetting
	providers []string
	services  map[string]*ecsService // by name, including INACTIVE ones until replaced
	createdAt time.Time
}

type clusterSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// cluster finds an ACTIVE cluster by name or ARN; "" means "default", as ECS does.
func (s *Server) cluster(ref string) (*ecsCluster, error) {
	if ref == "" {
		ref = "default"
	}
	c := s.ecs.clusters[lastSegment(ref)]
	if c == nil || c.status != "ACTIVE" {
		return nil, badRequest("ClusterNotFoundException", "Cluster not found.")
	}
	return c, nil
}

type clusterOut struct {
	ClusterArn                        string           `json:"clusterArn"`
	ClusterName                       string           `json:"clusterName"`
	Status                            string           `json:"status"`
	RegisteredContainerInstancesCount int              `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int              `json:"runningTasksCount"`
	PendingTasksCount                 int              `json:"pendingTasksCount"`
	ActiveServicesCount               int              `json:"activeServicesCount"`
	Statistics                        []any            `json:"statistics"`
	Tags                              []ecsTag         `json:"tags"`
	Settings                          []clusterSetting `json:"settings"`
	CapacityProviders                 []string         `json:"capacityProviders"`
	DefaultCapacityProviderStrategy   []any            `json:"defaultCapacityProviderStrategy"`
}

func (s *Server) clusterView(c *ecsCluster, withTags bool) clusterOut {
	out := clusterOut{
		ClusterArn: c.arn, ClusterName: c.name, Status: c.status,
		Statistics: []any{}, Tags: []ecsTag{}, Settings: c.settings,
		CapacityProviders: append([]string{}, c.providers...), DefaultCapacityProviderStrategy: []any{},
	}
	if withTags {
		out.Tags = tagsOrEmpty(c.tags)
	}
	for _, svc := range c.services {
		if svc.status == "ACTIVE" {
			out.ActiveServicesCount++
		}
	}
	for _, t := range s.ecs.tasks {
		if t.cluster != c {
			continue
		}
		switch t.lastStatus {
		case "RUNNING":
			out.RunningTasksCount++
		case "PROVISIONING", "PENDING", "ACTIVATING":
			out.PendingTasksCount++
		}
	}
	return out
}

func (s *Server) ecsCreateCluster(c *jsonCall) (any, error) {
	var in struct {
		ClusterName       string           `json:"clusterName"`
		Tags              []ecsTag         `json:"tags"`
		Settings          []clusterSetting `json:"settings"`
		CapacityProviders []string         `json:"capacityProviders"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ClusterName == "" {
		in.ClusterName = "default"
	}
	if !validECSName(in.ClusterName) {
		return nil, badRequest("InvalidParameterException", "Cluster name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.")
	}
	// CreateCluster is idempotent: an ACTIVE cluster of that name is returned as is.
	cl := s.ecs.clusters[in.ClusterName]
	if cl == nil || cl.status != "ACTIVE" {
		settings := in.Settings
		if len(settings) == 0 {
			settings = []clusterSetting{{Name: "containerInsights", Value: "disabled"}}
		}
		cl = &ecsCluster{
			name: in.ClusterName, arn: s.arn("ecs", "cluster/"+in.ClusterName), status: "ACTIVE",
			tags: in.Tags, settings: settings, providers: in.CapacityProviders,
			services: map[string]*ecsService{}, createdAt: s.now(),
		}
		s.ecs.clusters[in.ClusterName] = cl
	}
	return map[string]any{"cluster": s.clusterView(cl, true)}, nil
}

// validName reports whether n is 1-255 letters, digits, hyphens and underscores.
func validECSName(n string) bool {
	if n == "" || len(n) > 255 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) ecsDescribeClusters(c *jsonCall) (any, error) {
	var in struct {
		Clusters []string `json:"clusters"`
		Include  []string `json:"include"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Clusters) == 0 {
		in.Clusters = []string{"default"}
	}
	withTags := slices.Contains(in.Include, "TAGS")
	clusters := []clusterOut{}
	failures := []ecsFailure{}
	for _, ref := range in.Clusters {
		// Deleted clusters are still described, with status INACTIVE.
		if cl := s.ecs.clusters[lastSegment(ref)]; cl != nil {
			clusters = append(clusters, s.clusterView(cl, withTags))
			continue
		}
		failures = append(failures, ecsFailure{Arn: s.clusterARNFor(ref), Reason: "MISSING"})
	}
	return map[string]any{"clusters": clusters, "failures": failures}, nil
}

func (s *Server) clusterARNFor(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return s.arn("ecs", "cluster/"+ref)
}

func (s *Server) ecsListClusters(c *jsonCall) (any, error) {
	var in struct {
		NextToken  string `json:"nextToken"`
		MaxResults int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var arns []string
	for _, cl := range s.ecs.clusters {
		if cl.status == "ACTIVE" {
			arns = append(arns, cl.arn)
		}
	}
	sort.Strings(arns)
	start, end, next, err := pageBounds(len(arns), in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, err
	}
	return map[string]any{"clusterArns": strsOrEmpty(arns[start:end]), "nextToken": optStr(next)}, nil
}

func (s *Server) ecsDeleteCluster(c *jsonCall) (any, error) {
	var in struct {
		Cluster string `json:"cluster"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	for _, svc := range cl.services {
		if svc.status != "INACTIVE" {
			return nil, badRequest("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
		}
	}
	for _, t := range s.ecs.tasks {
		if t.cluster == cl && t.lastStatus != "STOPPED" {
			return nil, badRequest("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
		}
	}
	cl.status = "INACTIVE"
	return map[string]any{"cluster": s.clusterView(cl, true)}, nil
}

// ecsPutClusterCapacityProviders replaces the capacity providers associated
// with a cluster. Only Fargate's own providers exist in the simulator (it has
// no Auto Scaling groups).
func (s *Server) ecsPutClusterCapacityProviders(c *jsonCall) (any, error) {
	var in struct {
		Cluster           string   `json:"cluster"`
		CapacityProviders []string `json:"capacityProviders"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.CapacityProviders == nil {
		return nil, badRequest("InvalidParameterException", "capacityProviders can not be null.")
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	for _, p := range in.CapacityProviders {
		if p != "FARGATE" && p != "FARGATE_SPOT" {
			return nil, badRequest("InvalidParameterException", "The specified capacity provider '%s' does not exist. Specify a valid capacity provider and try again.", p)
		}
	}
	cl.providers = append([]string{}, in.CapacityProviders...)
	return map[string]any{"cluster": s.clusterView(cl, true)}, nil
}

// failure is an entry of the "failures" list of ECS batch operations.
type ecsFailure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// nonNil makes a nil string slice marshal as [].
func strsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
