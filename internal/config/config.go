// Package config loads and checks ecsctl.yml, the one file that tells ecsctl
// what to build, where to push it, which services to deploy and which batch
// jobs to schedule.
//
// Loading is three steps: the file is rendered as a Go text/template (so
// values may come from the environment and, later, from Terraform state and
// SSM), parsed as YAML, and decoded into Config by a strict decoder that
// reports every problem at once with its file, line and column.
package config

import (
	"fmt"
	"strings"
	"time"
)

// DefaultFile is the config file ecsctl looks for in the working directory.
const DefaultFile = "ecsctl.yml"

// Config is a loaded ecsctl.yml.
type Config struct {
	// Name identifies this config (an application and environment, e.g.
	// "example-production"). ecsctl marks the schedules it creates with it, so
	// two repositories sharing an account never touch each other's.
	// Required when batches are defined.
	Name string `yaml:"name"`
	// Region is the AWS region; the --region flag wins over it, and it wins
	// over AWS_REGION and the profile's region.
	Region string `yaml:"region"`
	// Cluster is the ECS cluster services and batches run in unless they say otherwise.
	Cluster string `yaml:"cluster,required"`
	// ImageDefinitions is where `build` writes imagedefinitions.json and
	// `deploy` reads it (relative to the config file). Default "imagedefinitions.json".
	ImageDefinitions string `yaml:"imagedefinitions"`

	// TFState names Terraform states whose outputs and resources templates may
	// read with {{ tfstate "name" "address" }}.
	TFState []*TFState `yaml:"tfstate,keyed"`

	Build    BuildSettings `yaml:"build"`
	Images   []*Image      `yaml:"images,keyed"`
	Services []*Service    `yaml:"services,keyed"`
	// BatchDefaults holds settings every batch starts from (network, role, ...).
	BatchDefaults *Batch   `yaml:"batch_defaults"`
	Batches       []*Batch `yaml:"batches,keyed"`

	// Path is the file the config was loaded from; Dir is its directory, which
	// relative paths in it are resolved against.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`

	// positions records where each path ("images.web.context") was written.
	positions map[string]position
}

// Problem builds a Problem about path (e.g. "batches.nightly.overrides.app"),
// positioned where the file writes it or its nearest parent, for checks done
// after loading (against AWS, against a task definition).
func (c *Config) Problem(path, format string, args ...any) Problem {
	pos := position{}
	for p := path; p != ""; {
		if ps, ok := c.positions[p]; ok {
			pos = ps
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return Problem{Line: pos.line, Column: pos.col, Path: path, Message: fmt.Sprintf(format, args...)}
}

// Errors turns problems found after loading into an *Error naming this
// config's file, or nil when there are none.
func (c *Config) Errors(list []Problem) error {
	if len(list) == 0 {
		return nil
	}
	ps := &problems{list: append([]Problem(nil), list...)}
	return ps.err(displayPath(c.Path))
}

// TFState is a Terraform state file, local or in S3 (as a backend "s3" block names it).
type TFState struct {
	Name   string `yaml:"-"`
	Bucket string `yaml:"bucket"`
	Key    string `yaml:"key"`
	Region string `yaml:"region"`
	// Path is a local state file (relative to the config file); it excludes Bucket and Key.
	Path string `yaml:"path"`
}

// BuildSettings apply to every image `ecsctl build` builds.
type BuildSettings struct {
	// Concurrency is how many images build at once (default: all of them).
	Concurrency int `yaml:"concurrency"`
	// Network is the network mode of RUN steps ("default", "none", "host").
	Network string `yaml:"network"`
	// Platform is the default target platform, e.g. "linux/amd64".
	Platform string `yaml:"platform"`
	// Tags are extra tags pushed with every image, besides the revision tag.
	Tags []string `yaml:"tags"`
	// CreateRepositories creates missing ECR repositories (scan on push, immutable tags).
	CreateRepositories bool `yaml:"create_repositories"`
}

// Image is one Docker image to build and push.
type Image struct {
	Name string `yaml:"-"`
	// Context is the build context directory, relative to the config file.
	Context string `yaml:"context,required"`
	// Dockerfile is relative to the context; default "Dockerfile".
	Dockerfile string            `yaml:"dockerfile"`
	Target     string            `yaml:"target"`
	Args       map[string]string `yaml:"args"`
	Platform   string            `yaml:"platform"`
	// Repository is the ECR repository name the image is pushed to.
	Repository string `yaml:"repository"`
	// Registry is a full image name in another registry (e.g.
	// "ghcr.io/acme/web"), pushed with the user's Docker credentials.
	// Exactly one of Repository and Registry is set.
	Registry string `yaml:"registry"`
	// Containers are the container names in task definitions that run this
	// image; default: the image's name.
	Containers []string `yaml:"containers"`
	// Tags are extra tags for this image.
	Tags []string `yaml:"tags"`
}

// Service is an ECS service `ecsctl deploy` rolls out.
type Service struct {
	Name string `yaml:"-"`
	// Cluster overrides the top-level cluster.
	Cluster string `yaml:"cluster"`
	// Images lists the images (by name) whose containers this service runs;
	// default: every image whose containers its task definition has.
	Images []string `yaml:"images"`
	// Timeout bounds a rollout before ecsctl rolls back (default 15m).
	Timeout Duration `yaml:"timeout"`
}

// Batch is a scheduled Fargate task.
type Batch struct {
	Name string `yaml:"-"`
	// Schedule is cron(...), rate(...) or at(...) (at() needs the Scheduler).
	Schedule string `yaml:"schedule"`
	// Timezone is an IANA zone such as "Asia/Tokyo"; anything but UTC needs via: scheduler.
	Timezone string `yaml:"timezone"`
	// Via is where the schedule lives: "rule" (EventBridge rule, UTC, the
	// default) or "scheduler" (EventBridge Scheduler).
	Via string `yaml:"via"`
	// Service makes the batch run the task definition revision that service
	// runs, repointed on every successful deploy. Excludes TaskDefinition.
	Service string `yaml:"service"`
	// TaskDefinition is a family ("app"), a family:revision, or a task definition ARN.
	TaskDefinition string `yaml:"task_definition"`
	// Cluster overrides the top-level cluster.
	Cluster string `yaml:"cluster"`
	// Overrides change containers of the task definition for this batch.
	Overrides []*ContainerOverride `yaml:"overrides,keyed"`
	// CPU and Memory override the task-level size (Fargate units, e.g. "512", "1024").
	CPU    string `yaml:"cpu"`
	Memory string `yaml:"memory"`
	// Count is how many tasks each run starts (default 1).
	Count           int      `yaml:"count"`
	PlatformVersion string   `yaml:"platform_version"`
	Network         *Network `yaml:"network"`
	// Role is the IAM role EventBridge or the Scheduler uses to run the task.
	Role string `yaml:"role"`
	// Enabled turns the schedule on or off (default true).
	Enabled *bool        `yaml:"enabled"`
	Retry   *RetryPolicy `yaml:"retry"`
	// DeadLetterQueue is the ARN of an SQS queue for runs that could not start.
	DeadLetterQueue string `yaml:"dead_letter_queue"`
	// FlexibleWindow lets the Scheduler start the task up to this much later (Scheduler only).
	FlexibleWindow Duration          `yaml:"flexible_window"`
	Tags           map[string]string `yaml:"tags"`
	// PropagateTags copies tags to the task: "TASK_DEFINITION" or "" (none).
	PropagateTags string `yaml:"propagate_tags"`
	// Description is shown in the console next to the rule or schedule.
	Description string `yaml:"description"`
	// AWSName adopts an existing rule or schedule of this name (as `ecsctl
	// init` writes for schedules it found) instead of the name ecsctl derives
	// from the config's name and the batch's. ecsctl then manages it because
	// the config names it; --prune never deletes an adopted schedule.
	AWSName string `yaml:"aws_name"`
	// ScheduleGroup is the Scheduler group of an adopted schedule (default: ecsctl's group for this config).
	ScheduleGroup string `yaml:"schedule_group"`
	// CapacityProviderStrategy runs the task on Fargate capacity providers
	// (FARGATE, FARGATE_SPOT) instead of with launch type FARGATE.
	CapacityProviderStrategy []*CapacityProvider `yaml:"capacity_provider_strategy"`
	// EnableExecuteCommand turns ECS Exec on for the task.
	EnableExecuteCommand *bool `yaml:"enable_execute_command"`
	// EnableECSManagedTags has ECS tag the task with its cluster (and service).
	EnableECSManagedTags *bool `yaml:"enable_ecs_managed_tags"`
	// Group is the ECS task group of the task (default: family:<family>).
	Group string `yaml:"group"`
}

// CapacityProvider is one entry of a capacity provider strategy.
type CapacityProvider struct {
	// CapacityProvider is FARGATE or FARGATE_SPOT.
	CapacityProvider string `yaml:"capacity_provider"`
	// Weight is the share of tasks beyond the bases (0-1000, default 0).
	Weight int `yaml:"weight"`
	// Base is how many tasks at least run on this provider (0-100000, default 0).
	Base int `yaml:"base"`
}

// ContainerOverride changes one container of a batch's task definition.
type ContainerOverride struct {
	Name        string            `yaml:"-"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	CPU         int               `yaml:"cpu"`
	Memory      int               `yaml:"memory"`
}

// Network is an awsvpc network configuration.
type Network struct {
	Subnets        []string `yaml:"subnets"`
	SecurityGroups []string `yaml:"security_groups"`
	AssignPublicIP bool     `yaml:"assign_public_ip"`
}

// RetryPolicy says how often EventBridge retries a run that could not start.
type RetryPolicy struct {
	// MaximumAttempts is 0-185.
	MaximumAttempts *int `yaml:"maximum_attempts"`
	// MaximumEventAge is 1m-24h.
	MaximumEventAge Duration `yaml:"maximum_event_age"`
}

// Duration is a time.Duration written as "15m", "90s" or "1h30m".
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Via values.
const (
	ViaRule      = "rule"
	ViaScheduler = "scheduler"
)

// Image returns the image with the given name, or nil.
func (c *Config) Image(name string) *Image {
	for _, im := range c.Images {
		if im.Name == name {
			return im
		}
	}
	return nil
}

// Service returns the service with the given name, or nil.
func (c *Config) Service(name string) *Service {
	for _, s := range c.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Batch returns the batch with the given name, or nil.
func (c *Config) Batch(name string) *Batch {
	for _, b := range c.Batches {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// ServiceCluster is the cluster a service runs in.
func (c *Config) ServiceCluster(s *Service) string {
	if s.Cluster != "" {
		return s.Cluster
	}
	return c.Cluster
}

// BatchCluster is the cluster a batch runs in.
func (c *Config) BatchCluster(b *Batch) string {
	if b.Cluster != "" {
		return b.Cluster
	}
	return c.Cluster
}

// ImageContainers maps each container name to the image that feeds it.
func (c *Config) ImageContainers() map[string]*Image {
	m := map[string]*Image{}
	for _, im := range c.Images {
		for _, ct := range im.Containers {
			m[ct] = im
		}
	}
	return m
}

// IsEnabled reports whether the batch's schedule is on.
func (b *Batch) IsEnabled() bool { return b.Enabled == nil || *b.Enabled }

// ExecuteCommand reports whether the batch's tasks run with ECS Exec.
func (b *Batch) ExecuteCommand() bool {
	return b.EnableExecuteCommand != nil && *b.EnableExecuteCommand
}

// ManagedTags reports whether ECS tags the batch's tasks.
func (b *Batch) ManagedTags() bool { return b.EnableECSManagedTags != nil && *b.EnableECSManagedTags }

// Fargate capacity providers, the ones a batch may use.
const (
	CapacityProviderFargate     = "FARGATE"
	CapacityProviderFargateSpot = "FARGATE_SPOT"
)
