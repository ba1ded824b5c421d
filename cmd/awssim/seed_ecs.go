package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// ecsSection seeds ECS clusters, task definitions and services.
type ecsSection struct {
	// Timings override how long the steps of a task's life take, in
	// simulated time (see awssim.ECSTimings); unset ones keep their defaults.
	Timings *awssim.ECSTimings `yaml:"timings"`
	// Clusters to create; clusters named by services are created too.
	Clusters []string `yaml:"clusters"`
	// TaskDefinitions are RegisterTaskDefinition inputs (the JSON a team
	// keeps in its repository), inline or as {file: path.json}.
	TaskDefinitions []map[string]any `yaml:"taskDefinitions"`
	Services        []serviceSeed    `yaml:"services"`
}

// serviceSeed is a Fargate service, in the few words a world file needs.
type serviceSeed struct {
	Cluster                string            `yaml:"cluster"`
	Name                   string            `yaml:"name"`
	TaskDefinition         string            `yaml:"taskDefinition"` // family, family:revision or ARN
	DesiredCount           int32             `yaml:"desiredCount"`
	TargetGroup            string            `yaml:"targetGroup"` // name of a target group of the elb section
	ContainerName          string            `yaml:"containerName"`
	ContainerPort          int32             `yaml:"containerPort"`
	Subnets                []string          `yaml:"subnets"`
	SecurityGroups         []string          `yaml:"securityGroups"`
	AssignPublicIP         bool              `yaml:"assignPublicIp"`
	MinimumHealthyPercent  *int32            `yaml:"minimumHealthyPercent"`
	MaximumPercent         *int32            `yaml:"maximumPercent"`
	CircuitBreaker         *circuitBreaker   `yaml:"circuitBreaker"`
	HealthCheckGracePeriod time.Duration     `yaml:"healthCheckGracePeriod"`
	PropagateTags          string            `yaml:"propagateTags"`
	EnableECSManagedTags   bool              `yaml:"enableECSManagedTags"`
	Tags                   map[string]string `yaml:"tags"`
}

type circuitBreaker struct {
	Enable   bool `yaml:"enable"`
	Rollback bool `yaml:"rollback"`
}

// defaultSubnets are where services run unless the world says otherwise.
var defaultSubnets = []string{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"}

func (e *ecsSection) seed(ctx context.Context, sd *seeder) error {
	if e.Timings != nil {
		sd.srv.SetECSTimings(*e.Timings)
	}
	client := ecs.NewFromConfig(sd.cfg)
	clusters := append([]string(nil), e.Clusters...)
	for _, svc := range e.Services {
		clusters = append(clusters, orString(svc.Cluster, "default"))
	}
	for _, name := range clusters {
		if _, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
			return fmt.Errorf("cluster %q: %w", name, err)
		}
	}
	for i, raw := range e.TaskDefinitions {
		in, err := taskDefinitionInput(raw, sd.dir)
		if err != nil {
			return fmt.Errorf("task definition %d: %w", i+1, err)
		}
		if _, err := client.RegisterTaskDefinition(ctx, in); err != nil {
			return fmt.Errorf("task definition %q: %w", aws.ToString(in.Family), err)
		}
	}
	for _, svc := range e.Services {
		in, err := svc.input(sd.targetGroups)
		if err != nil {
			return fmt.Errorf("service %q: %w", svc.Name, err)
		}
		if _, err := client.CreateService(ctx, in); err != nil {
			return fmt.Errorf("service %q: %w", svc.Name, err)
		}
	}
	return nil
}

// taskDefinitionInput turns a world file entry into RegisterTaskDefinition's
// input: the entry itself, or the JSON file it names.
func taskDefinitionInput(raw map[string]any, dir string) (*ecs.RegisterTaskDefinitionInput, error) {
	var data []byte
	if file, ok := raw["file"].(string); ok && len(raw) == 1 {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read task definition: %w", err)
		}
		data = b
	} else {
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("encode task definition: %w", err)
		}
		data = b
	}
	// The SDK's input types have no JSON tags, but their field names are
	// the API's member names capitalised, which encoding/json matches.
	var in ecs.RegisterTaskDefinitionInput
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("not a RegisterTaskDefinition input (as `aws ecs register-task-definition --cli-input-json` takes): %w", err)
	}
	return &in, nil
}

func (svc serviceSeed) input(targetGroups map[string]string) (*ecs.CreateServiceInput, error) {
	if svc.Name == "" || svc.TaskDefinition == "" {
		return nil, fmt.Errorf("a service needs a name and a taskDefinition")
	}
	in := &ecs.CreateServiceInput{
		Cluster:        aws.String(orString(svc.Cluster, "default")),
		ServiceName:    aws.String(svc.Name),
		TaskDefinition: aws.String(svc.TaskDefinition),
		DesiredCount:   aws.Int32(svc.DesiredCount),
		LaunchType:     ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets:        svc.Subnets,
			SecurityGroups: svc.SecurityGroups,
			AssignPublicIp: ecstypes.AssignPublicIpDisabled,
		}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			MinimumHealthyPercent: svc.MinimumHealthyPercent,
			MaximumPercent:        svc.MaximumPercent,
		},
		PropagateTags:        ecstypes.PropagateTags(svc.PropagateTags),
		EnableECSManagedTags: svc.EnableECSManagedTags,
	}
	if len(svc.Subnets) == 0 {
		in.NetworkConfiguration.AwsvpcConfiguration.Subnets = defaultSubnets
	}
	if svc.AssignPublicIP {
		in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = ecstypes.AssignPublicIpEnabled
	}
	if cb := svc.CircuitBreaker; cb != nil {
		in.DeploymentConfiguration.DeploymentCircuitBreaker = &ecstypes.DeploymentCircuitBreaker{Enable: cb.Enable, Rollback: cb.Rollback}
	}
	if svc.TargetGroup != "" {
		arn, ok := targetGroups[svc.TargetGroup]
		if !ok {
			return nil, fmt.Errorf("target group %q is not in the elb section; add it there or fix the name", svc.TargetGroup)
		}
		if svc.ContainerName == "" || svc.ContainerPort == 0 {
			return nil, fmt.Errorf("a service behind target group %q needs containerName and containerPort", svc.TargetGroup)
		}
		in.LoadBalancers = []ecstypes.LoadBalancer{{
			TargetGroupArn: aws.String(arn), ContainerName: aws.String(svc.ContainerName), ContainerPort: aws.Int32(svc.ContainerPort)}}
	}
	if svc.HealthCheckGracePeriod > 0 {
		in.HealthCheckGracePeriodSeconds = aws.Int32(int32(svc.HealthCheckGracePeriod / time.Second))
	}
	for k, v := range svc.Tags {
		in.Tags = append(in.Tags, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return in, nil
}
