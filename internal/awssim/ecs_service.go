package awssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Services: CreateService, UpdateService, DescribeServices, ListServices,
// DeleteService. How a service's deployments roll is in ecs_deploy.go.

type ecsService struct {
	cluster   *ecsCluster
	name, arn string
	status    string   // ACTIVE, DRAINING, INACTIVE
	td        *taskDef // what the PRIMARY deployment runs
	serviceSettings
	tags        []ecsTag
	roleArn     string
	placementC  []json.RawMessage
	placementS  []json.RawMessage
	registries  []json.RawMessage
	deployments []*ecsDeployment // PRIMARY first
	history     []*serviceDeployment
	events      []serviceEvent  // newest first, at most maxServiceEvents
	eventsJSON  json.RawMessage // events rendered, nil when stale
	createdAt   time.Time

	sched svcScheduler
}

// serviceSettings are what UpdateService can change.
type serviceSettings struct {
	desiredCount     int
	launchType       string
	capacityProvider []json.RawMessage
	platformVersion  string
	config           deploymentConfig
	loadBalancers    []ecsLoadBalancer
	network          *awsvpcConfig
	healthCheckGrace int
	propagateTags    string
	managedTags      bool
	enableExec       bool
}

type ecsLoadBalancer struct {
	TargetGroupArn   string `json:"targetGroupArn,omitempty"`
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	ContainerName    string `json:"containerName"`
	ContainerPort    int    `json:"containerPort"`
}

type deploymentConfig struct {
	DeploymentCircuitBreaker *circuitBreakerConfig `json:"deploymentCircuitBreaker,omitempty"`
	MaximumPercent           *int                  `json:"maximumPercent,omitempty"`
	MinimumHealthyPercent    *int                  `json:"minimumHealthyPercent,omitempty"`
	Alarms                   json.RawMessage       `json:"alarms,omitempty"`
	Strategy                 string                `json:"strategy,omitempty"`
	BakeTimeInMinutes        *int                  `json:"bakeTimeInMinutes,omitempty"`
}

type circuitBreakerConfig struct {
	Enable                 bool             `json:"enable"`
	Rollback               bool             `json:"rollback"`
	ResetOnHealthyTask     *bool            `json:"resetOnHealthyTask,omitempty"`
	ThresholdConfiguration *thresholdConfig `json:"thresholdConfiguration,omitempty"`
}

type thresholdConfig struct {
	Type  string `json:"type"`
	Value int    `json:"value"`
}

// merge applies the fields set in update, as UpdateService does.
func (c deploymentConfig) merge(update *deploymentConfig) deploymentConfig {
	if update == nil {
		return c
	}
	if update.DeploymentCircuitBreaker != nil {
		c.DeploymentCircuitBreaker = update.DeploymentCircuitBreaker
	}
	if update.MaximumPercent != nil {
		c.MaximumPercent = update.MaximumPercent
	}
	if update.MinimumHealthyPercent != nil {
		c.MinimumHealthyPercent = update.MinimumHealthyPercent
	}
	if update.Alarms != nil {
		c.Alarms = update.Alarms
	}
	if update.Strategy != "" {
		c.Strategy = update.Strategy
	}
	if update.BakeTimeInMinutes != nil {
		c.BakeTimeInMinutes = update.BakeTimeInMinutes
	}
	return c
}

// withDefaults fills in what ECS shows for an unset configuration.
func (c deploymentConfig) withDefaults() deploymentConfig {
	if c.MaximumPercent == nil {
		c.MaximumPercent = ecsIntPtr(200)
	}
	if c.MinimumHealthyPercent == nil {
		c.MinimumHealthyPercent = ecsIntPtr(100)
	}
	if c.DeploymentCircuitBreaker == nil {
		c.DeploymentCircuitBreaker = &circuitBreakerConfig{}
	}
	return c
}

func ecsIntPtr(v int) *int { return &v }

func (set serviceSettings) maxPercent() int { return *set.config.MaximumPercent }
func (set serviceSettings) minPercent() int { return *set.config.MinimumHealthyPercent }
func (set serviceSettings) breaker() circuitBreakerConfig {
	return *set.config.DeploymentCircuitBreaker
}

// resetOnHealthy reports whether a task turning healthy resets the failed
// task count (DeploymentCircuitBreaker.resetOnHealthyTask, default true).
func (svc *ecsService) resetOnHealthy() bool {
	r := svc.breaker().ResetOnHealthyTask
	return r == nil || *r
}

func (svc *ecsService) primary() *ecsDeployment { return svc.deployments[0] }

// lookupService finds a service of the cluster by name or ARN.
func (s *Server) lookupService(cl *ecsCluster, ref string) *ecsService {
	return cl.services[lastSegment(ref)]
}

func (s *Server) activeService(clusterRef, serviceRef string) (*ecsService, error) {
	cl, err := s.cluster(clusterRef)
	if err != nil {
		return nil, err
	}
	svc := s.lookupService(cl, serviceRef)
	if svc == nil {
		return nil, badRequest("ServiceNotFoundException", "Service not found.")
	}
	if svc.status != "ACTIVE" {
		return nil, badRequest("ServiceNotActiveException", "Service was not ACTIVE.")
	}
	return svc, nil
}

type serviceInput struct {
	Cluster                       string            `json:"cluster"`
	ServiceName                   string            `json:"serviceName"`
	Service                       string            `json:"service"`
	TaskDefinition                string            `json:"taskDefinition"`
	LoadBalancers                 []ecsLoadBalancer `json:"loadBalancers"`
	DesiredCount                  *int              `json:"desiredCount"`
	LaunchType                    string            `json:"launchType"`
	CapacityProviderStrategy      []json.RawMessage `json:"capacityProviderStrategy"`
	PlatformVersion               string            `json:"platformVersion"`
	Role                          string            `json:"role"`
	DeploymentConfiguration       *deploymentConfig `json:"deploymentConfiguration"`
	PlacementConstraints          []json.RawMessage `json:"placementConstraints"`
	PlacementStrategy             []json.RawMessage `json:"placementStrategy"`
	NetworkConfiguration          *networkConfig    `json:"networkConfiguration"`
	HealthCheckGracePeriodSeconds *int              `json:"healthCheckGracePeriodSeconds"`
	SchedulingStrategy            string            `json:"schedulingStrategy"`
	DeploymentController          *struct {
		Type string `json:"type"`
	} `json:"deploymentController"`
	Tags                 []ecsTag          `json:"tags"`
	EnableECSManagedTags *bool             `json:"enableECSManagedTags"`
	PropagateTags        string            `json:"propagateTags"`
	EnableExecuteCommand *bool             `json:"enableExecuteCommand"`
	ServiceRegistries    []json.RawMessage `json:"serviceRegistries"`
	ForceNewDeployment   bool              `json:"forceNewDeployment"`
	Force                bool              `json:"force"`
	Include              []string          `json:"include"`
	Services             []string          `json:"services"`
}

func (s *Server) ecsCreateService(c *jsonCall) (any, error) {
	var in serviceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if !validECSName(in.ServiceName) {
		return nil, badRequest("InvalidParameterException", "Service name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.")
	}
	if old := cl.services[in.ServiceName]; old != nil && old.status != "INACTIVE" {
		return nil, badRequest("InvalidParameterException", "Creation of service was not idempotent.")
	}
	if in.DeploymentController != nil && in.DeploymentController.Type != "" && in.DeploymentController.Type != "ECS" {
		return nil, badRequest("InvalidParameterException", "The simulator supports the ECS (rolling update) deployment controller only, not %s.", in.DeploymentController.Type)
	}
	if in.SchedulingStrategy == "DAEMON" {
		return nil, badRequest("InvalidParameterException", "The simulator supports the REPLICA scheduling strategy only.")
	}
	td, err := s.serviceTaskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	set := serviceSettings{
		launchType: in.LaunchType, capacityProvider: in.CapacityProviderStrategy,
		platformVersion: orStr(in.PlatformVersion, "LATEST"), loadBalancers: in.LoadBalancers,
		propagateTags: orStr(in.PropagateTags, "NONE"),
		config:        deploymentConfig{}.merge(in.DeploymentConfiguration).withDefaults(),
	}
	if set.launchType == "" && len(set.capacityProvider) == 0 {
		set.launchType = "EC2"
	}
	set.apply(&in)
	svc := &ecsService{
		cluster: cl, name: in.ServiceName, arn: s.arn("ecs", "service/"+cl.name+"/"+in.ServiceName),
		status: "ACTIVE", td: td, serviceSettings: set, tags: in.Tags, roleArn: in.Role,
		placementC: in.PlacementConstraints, placementS: in.PlacementStrategy, registries: in.ServiceRegistries,
		createdAt: s.now(),
	}
	if err := s.validateService(set, td); err != nil {
		return nil, err
	}
	cl.services[svc.name] = svc
	s.newDeployment(svc, td)
	s.kick(svc)
	return s.serviceAnswer(svc, true), nil
}

// serviceTaskDef resolves the task definition a service is created or updated with.
func (s *Server) serviceTaskDef(ref string) (*taskDef, error) {
	td := s.lookupTaskDef(ref)
	if td == nil {
		return nil, badRequest("InvalidParameterException", "TaskDefinition not found.")
	}
	if td.status != "ACTIVE" {
		return nil, badRequest("InvalidParameterException", "TaskDefinition is inactive")
	}
	return td, nil
}

// validateService checks what CreateService and UpdateService check against
// the task definition: launch type, network configuration, load balancers.
func (s *Server) validateService(svc serviceSettings, td *taskDef) error {
	if svc.launchType == "FARGATE" || len(svc.capacityProvider) > 0 {
		if !td.fargateCompatible() {
			return badRequest("InvalidParameterException", "Task definition does not support launch_type FARGATE.")
		}
	} else {
		return badRequest("InvalidParameterException", "The simulator runs Fargate tasks only: set launchType FARGATE (or a FARGATE capacity provider strategy).")
	}
	if err := validateNetwork(td, svc.network); err != nil {
		return err
	}
	min, max := svc.minPercent(), svc.maxPercent()
	if min < 0 || min > 100 {
		return badRequest("InvalidParameterException", "minimumHealthyPercent must be between 0 and 100.")
	}
	if max < 100 || max > 2000 {
		return badRequest("InvalidParameterException", "maximumPercent must be between 100 and 2000.")
	}
	if svc.desiredCount < 0 {
		return badRequest("InvalidParameterException", "desiredCount can not be negative.")
	}
	if svc.healthCheckGrace > 0 && len(svc.loadBalancers) == 0 {
		return badRequest("InvalidParameterException", "Health check grace period is only valid for services configured to use load balancers")
	}
	for _, lb := range svc.loadBalancers {
		tg := s.targetGroup(lb.TargetGroupArn)
		if tg == nil {
			return badRequest("InvalidParameterException", "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.")
		}
		if tg.targetType != "ip" && td.view.NetworkMode == "awsvpc" {
			return badRequest("InvalidParameterException", "The provided target group %s has target type %s, which is incompatible with the awsvpc network mode specified in the task definition.", tg.arn, tg.targetType)
		}
		cd, ok := td.view.container(lb.ContainerName)
		if !ok {
			return badRequest("InvalidParameterException", "The container %s does not exist in the task definition.", lb.ContainerName)
		}
		if !cd.hasPort(lb.ContainerPort) {
			return badRequest("InvalidParameterException", "The container %s did not have a container port %d defined.", lb.ContainerName, lb.ContainerPort)
		}
	}
	return nil
}

func validateNetwork(td *taskDef, nc *awsvpcConfig) error {
	if td.view.NetworkMode != "awsvpc" {
		return nil
	}
	if nc == nil {
		return badRequest("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	if len(nc.Subnets) == 0 {
		return badRequest("InvalidParameterException", "subnets can not be empty.")
	}
	if nc.AssignPublicIp != "" && nc.AssignPublicIp != "ENABLED" && nc.AssignPublicIp != "DISABLED" {
		return badRequest("InvalidParameterException", "assignPublicIp must be ENABLED or DISABLED.")
	}
	return nil
}

func (s *Server) ecsUpdateService(c *jsonCall) (any, error) {
	var in serviceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.activeService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	// Validate the new settings before changing anything.
	next := svc.serviceSettings
	td := svc.td
	if in.TaskDefinition != "" {
		if td, err = s.serviceTaskDef(in.TaskDefinition); err != nil {
			return nil, err
		}
	}
	next.config = svc.config.merge(in.DeploymentConfiguration).withDefaults()
	if in.LoadBalancers != nil {
		next.loadBalancers = in.LoadBalancers
	}
	if in.PlatformVersion != "" {
		next.platformVersion = in.PlatformVersion
	}
	if in.PropagateTags != "" {
		next.propagateTags = in.PropagateTags
	}
	if in.CapacityProviderStrategy != nil {
		next.capacityProvider = in.CapacityProviderStrategy
	}
	next.apply(&in)
	if err := s.validateService(next, td); err != nil {
		return nil, err
	}
	// A new deployment starts when what the tasks run changes (task
	// definition, network, load balancers, platform) or when forced; a new
	// desired count or deployment configuration alone only rescales.
	redeploy := in.ForceNewDeployment || td != svc.td ||
		!reflect.DeepEqual(next.network, svc.network) ||
		!reflect.DeepEqual(next.loadBalancers, svc.loadBalancers) ||
		next.platformVersion != svc.platformVersion
	svc.serviceSettings = next
	if redeploy {
		s.newDeployment(svc, td)
	} else {
		svc.primary().updatedAt = s.now()
	}
	svc.sched.steady = false
	s.kick(svc)
	return s.serviceAnswer(svc, false), nil
}

// apply copies the optional settings CreateService and UpdateService share.
func (set *serviceSettings) apply(in *serviceInput) {
	if in.DesiredCount != nil {
		set.desiredCount = *in.DesiredCount
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		set.healthCheckGrace = *in.HealthCheckGracePeriodSeconds
	}
	if in.EnableECSManagedTags != nil {
		set.managedTags = *in.EnableECSManagedTags
	}
	if in.EnableExecuteCommand != nil {
		set.enableExec = *in.EnableExecuteCommand
	}
	if in.NetworkConfiguration != nil {
		set.network = in.NetworkConfiguration.AwsvpcConfiguration
	}
}

func (s *Server) ecsDeleteService(c *jsonCall) (any, error) {
	var in serviceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.activeService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if svc.desiredCount > 0 && !in.Force {
		return nil, badRequest("InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")
	}
	svc.status = "DRAINING"
	svc.desiredCount = 0
	s.kick(svc)
	return s.serviceAnswer(svc, false), nil
}

func (s *Server) ecsDescribeServices(c *jsonCall) (any, error) {
	var in serviceInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if len(in.Services) == 0 || len(in.Services) > 10 {
		return nil, badRequest("InvalidParameterException", "services should have between 1 and 10 entries.")
	}
	withTags := slices.Contains(in.Include, "TAGS")
	var services [][]byte
	failures := []ecsFailure{}
	for _, ref := range in.Services {
		svc := s.lookupService(cl, ref)
		if svc == nil {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = s.arn("ecs", "service/"+cl.name+"/"+ref)
			}
			failures = append(failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		services = append(services, s.serviceJSON(svc, withTags))
	}
	var b bytes.Buffer
	b.WriteString(`{"services":[`)
	b.Write(bytes.Join(services, []byte(",")))
	b.WriteString(`],"failures":`)
	f, _ := json.Marshal(failures)
	b.Write(f)
	b.WriteString("}")
	return jsonAnswer(b.Bytes()), nil
}

// serviceAnswer is the {"service": ...} answer of CreateService, UpdateService and DeleteService.
func (s *Server) serviceAnswer(svc *ecsService, withTags bool) jsonAnswer {
	return jsonAnswer(append(append([]byte(`{"service":`), s.serviceJSON(svc, withTags)...), '}'))
}

// serviceJSON encodes a service as DescribeServices shows it. Its events,
// most of the answer, are encoded once per change and spliced in.
func (s *Server) serviceJSON(svc *ecsService, withTags bool) []byte {
	b, err := json.Marshal(s.serviceView(svc, withTags))
	if err != nil {
		panic(fmt.Sprintf("render service: %v", err))
	}
	events := svc.eventsRendered()
	out := make([]byte, 0, len(b)+len(events)+12)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"events":`...)
	out = append(out, events...)
	return append(out, '}')
}

// jsonAnswer is a JSON 1.1 answer already encoded, written as is.
type jsonAnswer []byte

func (a jsonAnswer) respond(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a)
}

func (s *Server) ecsListServices(c *jsonCall) (any, error) {
	var in struct {
		Cluster            string `json:"cluster"`
		LaunchType         string `json:"launchType"`
		SchedulingStrategy string `json:"schedulingStrategy"`
		NextToken          string `json:"nextToken"`
		MaxResults         int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, svc := range cl.services {
		if svc.status == "INACTIVE" || in.LaunchType != "" && in.LaunchType != svc.launchType ||
			in.SchedulingStrategy != "" && in.SchedulingStrategy != "REPLICA" {
			continue
		}
		arns = append(arns, svc.arn)
	}
	sort.Strings(arns)
	start, end, next, err := pageBounds(len(arns), in.NextToken, in.MaxResults, 10, 100)
	if err != nil {
		return nil, err
	}
	return map[string]any{"serviceArns": strsOrEmpty(arns[start:end]), "nextToken": optStr(next)}, nil
}

// ---- the DescribeServices shape -------------------------------------------------------

type serviceOut struct {
	ServiceArn                    string            `json:"serviceArn"`
	ServiceName                   string            `json:"serviceName"`
	ClusterArn                    string            `json:"clusterArn"`
	LoadBalancers                 []ecsLoadBalancer `json:"loadBalancers"`
	ServiceRegistries             []json.RawMessage `json:"serviceRegistries"`
	Status                        string            `json:"status"`
	DesiredCount                  int               `json:"desiredCount"`
	RunningCount                  int               `json:"runningCount"`
	PendingCount                  int               `json:"pendingCount"`
	LaunchType                    string            `json:"launchType,omitempty"`
	CapacityProviderStrategy      []json.RawMessage `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion               string            `json:"platformVersion"`
	PlatformFamily                string            `json:"platformFamily"`
	TaskDefinition                string            `json:"taskDefinition"`
	DeploymentConfiguration       deploymentConfig  `json:"deploymentConfiguration"`
	Deployments                   []deploymentOut   `json:"deployments"`
	RoleArn                       string            `json:"roleArn,omitempty"`
	CreatedAt                     Epoch             `json:"createdAt"`
	PlacementConstraints          []json.RawMessage `json:"placementConstraints"`
	PlacementStrategy             []json.RawMessage `json:"placementStrategy"`
	NetworkConfiguration          *networkConfig    `json:"networkConfiguration,omitempty"`
	HealthCheckGracePeriodSeconds *int              `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            string            `json:"schedulingStrategy"`
	DeploymentController          map[string]string `json:"deploymentController"`
	Tags                          []ecsTag          `json:"tags,omitempty"`
	CreatedBy                     string            `json:"createdBy"`
	EnableECSManagedTags          bool              `json:"enableECSManagedTags"`
	PropagateTags                 string            `json:"propagateTags"`
	EnableExecuteCommand          bool              `json:"enableExecuteCommand"`
	AvailabilityZoneRebalancing   string            `json:"availabilityZoneRebalancing"`
}

type deploymentOut struct {
	ID                   string            `json:"id"`
	Status               string            `json:"status"`
	TaskDefinition       string            `json:"taskDefinition"`
	DesiredCount         int               `json:"desiredCount"`
	PendingCount         int               `json:"pendingCount"`
	RunningCount         int               `json:"runningCount"`
	FailedTasks          int               `json:"failedTasks"`
	CreatedAt            Epoch             `json:"createdAt"`
	UpdatedAt            Epoch             `json:"updatedAt"`
	LaunchType           string            `json:"launchType,omitempty"`
	CapacityProvider     []json.RawMessage `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion      string            `json:"platformVersion"`
	PlatformFamily       string            `json:"platformFamily"`
	NetworkConfiguration *networkConfig    `json:"networkConfiguration,omitempty"`
	RolloutState         string            `json:"rolloutState"`
	RolloutStateReason   string            `json:"rolloutStateReason"`
}

func rawsOrEmpty(l []json.RawMessage) []json.RawMessage {
	if l == nil {
		return []json.RawMessage{}
	}
	return l
}

func (s *Server) serviceView(svc *ecsService, withTags bool) serviceOut {
	out := serviceOut{
		ServiceArn: svc.arn, ServiceName: svc.name, ClusterArn: svc.cluster.arn,
		LoadBalancers: svc.loadBalancers, ServiceRegistries: rawsOrEmpty(svc.registries), Status: svc.status,
		DesiredCount: svc.desiredCount, LaunchType: svc.launchType, CapacityProviderStrategy: svc.capacityProvider,
		PlatformVersion: svc.platformVersion, PlatformFamily: "Linux", TaskDefinition: svc.td.arn,
		DeploymentConfiguration: svc.config, RoleArn: svc.roleArn,
		CreatedAt: Epoch(svc.createdAt), PlacementConstraints: rawsOrEmpty(svc.placementC),
		PlacementStrategy: rawsOrEmpty(svc.placementS), SchedulingStrategy: "REPLICA",
		DeploymentController: map[string]string{"type": "ECS"}, CreatedBy: s.callerARN(),
		EnableECSManagedTags: svc.managedTags, PropagateTags: svc.propagateTags, EnableExecuteCommand: svc.enableExec,
		AvailabilityZoneRebalancing: "DISABLED",
	}
	if out.LoadBalancers == nil {
		out.LoadBalancers = []ecsLoadBalancer{}
	}
	if svc.network != nil {
		out.NetworkConfiguration = &networkConfig{AwsvpcConfiguration: svc.network}
	}
	if len(svc.loadBalancers) > 0 {
		out.HealthCheckGracePeriodSeconds = &svc.healthCheckGrace
	}
	if withTags {
		out.Tags = tagsOrEmpty(svc.tags)
	}
	for _, d := range svc.deployments {
		dv := s.deploymentView(svc, d)
		out.RunningCount += dv.RunningCount
		out.PendingCount += dv.PendingCount
		out.Deployments = append(out.Deployments, dv)
	}
	if out.Deployments == nil {
		out.Deployments = []deploymentOut{}
	}
	return out
}

func (s *Server) deploymentView(svc *ecsService, d *ecsDeployment) deploymentOut {
	out := deploymentOut{
		ID: d.id, Status: d.status, TaskDefinition: d.td.arn, FailedTasks: d.failedTasks,
		CreatedAt: Epoch(d.createdAt), UpdatedAt: Epoch(d.updatedAt), LaunchType: d.launchType,
		CapacityProvider: d.capacityProvider, PlatformVersion: d.platformVersion, PlatformFamily: "Linux",
		RolloutState: d.rolloutState, RolloutStateReason: d.rolloutStateReason,
	}
	if d.network != nil {
		out.NetworkConfiguration = &networkConfig{AwsvpcConfiguration: d.network}
	}
	live := 0
	for _, t := range d.tasks {
		if t.desiredStatus != "RUNNING" {
			continue
		}
		live++
		switch t.lastStatus {
		case "RUNNING":
			out.RunningCount++
		case "PROVISIONING", "PENDING", "ACTIVATING":
			out.PendingCount++
		}
	}
	// The PRIMARY deployment wants the service's desired count; an older one
	// keeps wanting what it still runs, shrinking as the rollout stops its tasks.
	out.DesiredCount = live
	if d.status == "PRIMARY" {
		out.DesiredCount = svc.desiredCount
	}
	return out
}
