package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// elbSection seeds ELBv2 target groups (ip targets, as Fargate services need).
type elbSection struct {
	TargetGroups []targetGroupSeed `yaml:"targetGroups"`
}

type targetGroupSeed struct {
	Name                string            `yaml:"name"`
	Protocol            string            `yaml:"protocol"` // default HTTP
	Port                int32             `yaml:"port"`     // default 80
	VpcID               string            `yaml:"vpcId"`
	HealthCheckPath     string            `yaml:"healthCheckPath"`
	HealthCheckInterval time.Duration     `yaml:"healthCheckInterval"`
	HealthyThreshold    int32             `yaml:"healthyThreshold"`
	UnhealthyThreshold  int32             `yaml:"unhealthyThreshold"`
	Matcher             string            `yaml:"matcher"`             // HTTP codes, e.g. "200-299"
	DeregistrationDelay *time.Duration    `yaml:"deregistrationDelay"` // default 300s, as on AWS
	Tags                map[string]string `yaml:"tags"`
}

// defaultVpcID is the VPC target groups live in unless the world says otherwise.
const defaultVpcID = "vpc-0a1b2c3d4e5f60718"

func (e *elbSection) seed(ctx context.Context, sd *seeder) error {
	client := elb.NewFromConfig(sd.cfg)
	for _, tg := range e.TargetGroups {
		arn, err := tg.create(ctx, client)
		if err != nil {
			return fmt.Errorf("target group %q: %w", tg.Name, err)
		}
		sd.targetGroups[tg.Name] = arn
	}
	return nil
}

func (tg targetGroupSeed) create(ctx context.Context, client *elb.Client) (string, error) {
	in := &elb.CreateTargetGroupInput{
		Name:       aws.String(tg.Name),
		Protocol:   elbtypes.ProtocolEnum(orString(tg.Protocol, "HTTP")),
		Port:       aws.Int32(orInt32(tg.Port, 80)),
		VpcId:      aws.String(orString(tg.VpcID, defaultVpcID)),
		TargetType: elbtypes.TargetTypeEnumIp,
	}
	if tg.HealthCheckPath != "" {
		in.HealthCheckPath = aws.String(tg.HealthCheckPath)
	}
	if tg.HealthCheckInterval > 0 {
		in.HealthCheckIntervalSeconds = aws.Int32(int32(tg.HealthCheckInterval / time.Second))
	}
	if tg.HealthyThreshold > 0 {
		in.HealthyThresholdCount = aws.Int32(tg.HealthyThreshold)
	}
	if tg.UnhealthyThreshold > 0 {
		in.UnhealthyThresholdCount = aws.Int32(tg.UnhealthyThreshold)
	}
	if tg.Matcher != "" {
		in.Matcher = &elbtypes.Matcher{HttpCode: aws.String(tg.Matcher)}
	}
	for k, v := range tg.Tags {
		in.Tags = append(in.Tags, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := client.CreateTargetGroup(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if tg.DeregistrationDelay != nil {
		_, err := client.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
			TargetGroupArn: aws.String(arn),
			Attributes: []elbtypes.TargetGroupAttribute{{
				Key:   aws.String("deregistration_delay.timeout_seconds"),
				Value: aws.String(strconv.Itoa(int(*tg.DeregistrationDelay / time.Second))),
			}},
		})
		if err != nil {
			return "", fmt.Errorf("set the deregistration delay: %w", err)
		}
	}
	return arn, nil
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orInt32(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}
