package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ssmSection seeds SSM parameters (for ssm lookups):
//
//	ssm:
//	  parameters:
//	    - {name: /example/batch/events_role_arn, value: "arn:aws:iam::123456789012:role/ecsEventsRole"}
//	    - {name: /example/db/password, type: SecureString, value: "..."}
type ssmSection struct {
	Parameters []parameterSeed `yaml:"parameters"`
}

type parameterSeed struct {
	Name  string `yaml:"name"`
	Type  string `yaml:"type"` // String (default), StringList or SecureString
	Value string `yaml:"value"`
}

func (e *ssmSection) seed(ctx context.Context, sd *seeder) error {
	client := ssm.NewFromConfig(sd.cfg)
	for _, p := range e.Parameters {
		if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(p.Name), Value: aws.String(p.Value), Type: ssmtypes.ParameterType(orString(p.Type, "String")),
		}); err != nil {
			return fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	return nil
}
