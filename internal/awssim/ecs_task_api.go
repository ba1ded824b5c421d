package awssim

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// RunTask, DescribeTasks, ListTasks and StopTask.

// RunTaskInput is RunTask's request as ECS's JSON spells it. EventBridge
// and Scheduler targets start tasks through ecsRunTaskLocked with it; it is
// exported only for the package's own services.
type RunTaskInput struct {
	Cluster                  string                 `json:"cluster"`
	TaskDefinition           string                 `json:"taskDefinition"`
	Count                    int                    `json:"count"`
	LaunchType               string                 `json:"launchType"`
	CapacityProviderStrategy []capacityProviderItem `json:"capacityProviderStrategy"`
	PlacementConstraints     []json.RawMessage      `json:"placementConstraints"`
	PlacementStrategy        []json.RawMessage      `json:"placementStrategy"`
	PlatformVersion          string                 `json:"platformVersion"`
	NetworkConfiguration     *networkConfig         `json:"networkConfiguration"`
	Overrides                map[string]any         `json:"overrides"`
	StartedBy                string                 `json:"startedBy"`
	Group                    string                 `json:"group"`
	Tags                     []ecsTag               `json:"tags"`
	PropagateTags            string                 `json:"propagateTags"`
	EnableECSManagedTags     bool                   `json:"enableECSManagedTags"`
	EnableExecuteCommand     bool                   `json:"enableExecuteCommand"`
	ReferenceID              string                 `json:"referenceId"`
	ClientToken              string                 `json:"clientToken"`
}

func (s *Server) ecsRunTask(c *jsonCall) (any, error) {
	var in RunTaskInput
	if err := decodeUseNumber(c.Body, &in); err != nil {
		return nil, badRequest("SerializationException", "could not parse request body: %v", err)
	}
	tasks, failures, err := s.ecsRunTaskLocked(in)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tasks    []taskOut    `json:"tasks"`
		Failures []ecsFailure `json:"failures"`
	}{Tasks: []taskOut{}, Failures: failures}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, s.taskView(t, true))
	}
	return out, nil
}

// ecsRunTaskLocked validates a RunTask request as ECS does and starts its
// tasks. Call with s.mu held.
func (s *Server) ecsRunTaskLocked(in RunTaskInput) ([]*ecsTask, []ecsFailure, error) {
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, nil, err
	}
	td := s.lookupTaskDef(in.TaskDefinition)
	if td == nil || td.status == "DELETE_IN_PROGRESS" {
		return nil, nil, badRequest("InvalidParameterException", "TaskDefinition not found.")
	}
	if in.Count == 0 {
		in.Count = 1
	}
	if in.Count < 1 || in.Count > 10 {
		return nil, nil, badRequest("InvalidParameterException", "count must be between 1 and 10.")
	}
	spec := launchSpec{
		cluster: cl, td: td, launchType: in.LaunchType, group: orStr(in.Group, "family:"+td.family),
		startedBy: in.StartedBy, enableExec: in.EnableExecuteCommand,
	}
	var providers []string
	if len(in.CapacityProviderStrategy) > 0 {
		if in.LaunchType != "" {
			return nil, nil, badRequest("InvalidParameterException", "%s", errLaunchTypeAndStrategy)
		}
		var v violations
		validateCapacityProviders(&v, in.CapacityProviderStrategy, "capacityProviderStrategy")
		if err := v.err(); err != nil {
			return nil, nil, badRequest("InvalidParameterException", "%s", err.(*APIError).Message)
		}
		for _, c := range in.CapacityProviderStrategy {
			if !slices.Contains(cl.providers, c.CapacityProvider) {
				return nil, nil, badRequest("InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
			}
		}
		providers = placeOnProviders(in.CapacityProviderStrategy, in.Count)
		spec.launchType = "FARGATE"
		if providers[0] != "FARGATE" && providers[0] != "FARGATE_SPOT" {
			spec.launchType = "EC2" // an Auto Scaling group's provider: no instances to place on
		}
	}
	if spec.launchType != "FARGATE" {
		// No container instances are ever registered, so EC2 tasks cannot be placed.
		return nil, []ecsFailure{{Arn: cl.arn, Reason: "No Container Instances were found in your cluster."}}, nil
	}
	if !td.fargateCompatible() {
		return nil, nil, badRequest("InvalidParameterException", "Task definition does not support launch_type FARGATE.")
	}
	if in.NetworkConfiguration != nil {
		spec.network = in.NetworkConfiguration.AwsvpcConfiguration
	}
	if err := validateNetwork(td, spec.network); err != nil {
		return nil, nil, err
	}
	overrides, err := normaliseOverrides(td, in.Overrides)
	if err != nil {
		return nil, nil, err
	}
	spec.overrides = overrides
	spec.cpu, _ = overrides["cpu"].(string)
	spec.memory, _ = overrides["memory"].(string)
	if spec.cpu != "" || spec.memory != "" {
		if !validFargateSize(orStr(spec.cpu, td.view.Cpu), orStr(spec.memory, td.view.Memory)) {
			return nil, nil, badRequest("InvalidParameterException", "No Fargate configuration exists for given values: %s CPU, %s memory.",
				orStr(spec.cpu, td.view.Cpu), orStr(spec.memory, td.view.Memory))
		}
	}
	if in.PropagateTags == "TASK_DEFINITION" {
		spec.tags = mergeTags(spec.tags, td.tags)
	}
	if in.EnableECSManagedTags {
		spec.tags = mergeTags(spec.tags, []ecsTag{{Key: "aws:ecs:clusterName", Value: cl.name}})
	}
	spec.tags = mergeTags(spec.tags, in.Tags)
	var tasks []*ecsTask
	for i := 0; i < in.Count; i++ {
		if providers != nil {
			spec.capacityProvider = providers[i]
		}
		tasks = append(tasks, s.launchTask(spec))
	}
	return tasks, []ecsFailure{}, nil
}

// placeOnProviders picks each task's capacity provider as ECS does: the
// provider with a base gets the first tasks up to it, the rest go by weight
// (each to the provider that stays closest to its share, the first listed
// on a tie). The Fargate providers need not be associated with the cluster here.
func placeOnProviders(items []capacityProviderItem, count int) []string {
	out := make([]string, 0, count)
	placed := make([]int, len(items))
	for _, c := range items {
		for n := 0; c.Base != nil && n < *c.Base && len(out) < count; n++ {
			out = append(out, c.CapacityProvider)
		}
	}
	weight := func(i int) int {
		if w := items[i].Weight; w != nil {
			return *w
		}
		return 0
	}
	for len(out) < count {
		best := -1
		for i := range items {
			// The lowest (placed+1)/weight, compared without dividing.
			if weight(i) > 0 && (best < 0 || (placed[i]+1)*weight(best) < (placed[best]+1)*weight(i)) {
				best = i
			}
		}
		if best < 0 {
			best = 0 // no weights: ECS would place nothing beyond the base; keep the task on the first
		}
		placed[best]++
		out = append(out, items[best].CapacityProvider)
	}
	return out
}

// normaliseOverrides checks RunTask's overrides against the task definition
// and gives every container an entry, as DescribeTasks shows them.
func normaliseOverrides(td *taskDef, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	given := map[string]map[string]any{}
	list, _ := out["containerOverrides"].([]any)
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if _, exists := td.view.container(name); !exists {
			return nil, badRequest("InvalidParameterException", "Override for container named %s is not a container in the TaskDefinition.", name)
		}
		given[name] = m
	}
	cos := []any{}
	for _, cd := range td.view.ContainerDefinitions {
		if m, ok := given[cd.Name]; ok {
			cos = append(cos, m)
		} else {
			cos = append(cos, map[string]any{"name": cd.Name})
		}
	}
	out["containerOverrides"] = cos
	if _, ok := out["inferenceAcceleratorOverrides"]; !ok {
		out["inferenceAcceleratorOverrides"] = []any{}
	}
	return out, nil
}

// lookupTask finds a task of the cluster by ID or ARN.
func (s *Server) lookupTask(cl *ecsCluster, ref string) *ecsTask {
	if t := s.ecs.tasks[ref]; t != nil && t.cluster == cl {
		return t
	}
	id := lastSegment(ref)
	if t := s.ecs.tasks[s.arn("ecs", "task/"+cl.name+"/"+id)]; t != nil {
		return t
	}
	return nil
}

func (s *Server) ecsDescribeTasks(c *jsonCall) (any, error) {
	var in struct {
		Cluster string   `json:"cluster"`
		Tasks   []string `json:"tasks"`
		Include []string `json:"include"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if len(in.Tasks) == 0 || len(in.Tasks) > 100 {
		return nil, badRequest("InvalidParameterException", "Tasks cannot be empty.")
	}
	withTags := slices.Contains(in.Include, "TAGS")
	out := struct {
		Tasks    []taskOut    `json:"tasks"`
		Failures []ecsFailure `json:"failures"`
	}{Tasks: []taskOut{}, Failures: []ecsFailure{}}
	for _, ref := range in.Tasks {
		t := s.lookupTask(cl, ref)
		if t == nil {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = s.arn("ecs", "task/"+cl.name+"/"+ref)
			}
			out.Failures = append(out.Failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.Tasks = append(out.Tasks, s.taskView(t, withTags))
	}
	return out, nil
}

func (s *Server) ecsListTasks(c *jsonCall) (any, error) {
	var in struct {
		Cluster       string `json:"cluster"`
		Family        string `json:"family"`
		ServiceName   string `json:"serviceName"`
		DesiredStatus string `json:"desiredStatus"`
		StartedBy     string `json:"startedBy"`
		LaunchType    string `json:"launchType"`
		NextToken     string `json:"nextToken"`
		MaxResults    int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	var svc *ecsService
	if in.ServiceName != "" {
		if svc = s.lookupService(cl, in.ServiceName); svc == nil {
			return nil, badRequest("ServiceNotFoundException", "Service not found.")
		}
	}
	desired := orStr(in.DesiredStatus, "RUNNING") // ListTasks shows RUNNING tasks unless told otherwise
	var tasks []*ecsTask
	for _, t := range s.ecs.tasks {
		if t.cluster != cl || t.desiredStatus != desired ||
			in.Family != "" && t.td.family != in.Family ||
			svc != nil && t.svc != svc ||
			in.StartedBy != "" && t.startedBy != in.StartedBy ||
			in.LaunchType != "" && t.launchType != in.LaunchType {
			continue
		}
		tasks = append(tasks, t)
	}
	sort.Slice(tasks, func(i, j int) bool {
		if !tasks[i].createdAt.Equal(tasks[j].createdAt) {
			return tasks[i].createdAt.Before(tasks[j].createdAt)
		}
		return tasks[i].arn < tasks[j].arn
	})
	start, end, next, err := pageBounds(len(tasks), in.NextToken, in.MaxResults, 100, 100)
	if err != nil {
		return nil, err
	}
	arns := []string{}
	for _, t := range tasks[start:end] {
		arns = append(arns, t.arn)
	}
	return map[string]any{"taskArns": arns, "nextToken": optStr(next)}, nil
}

func (s *Server) ecsStopTask(c *jsonCall) (any, error) {
	var in struct {
		Cluster string `json:"cluster"`
		Task    string `json:"task"`
		Reason  string `json:"reason"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	t := s.lookupTask(cl, in.Task)
	if t == nil {
		return nil, badRequest("InvalidParameterException", "The referenced task was not found.")
	}
	s.stopTask(t, "UserInitiated", orStr(in.Reason, "Task stopped by user"), false)
	return map[string]any{"task": s.taskView(t, false)}, nil
}
