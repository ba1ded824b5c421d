package release

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// revisionsAPI is what --keep-revisions calls.
type revisionsAPI interface {
	ListTaskDefinitions(context.Context, *ecs.ListTaskDefinitionsInput, ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
	DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)
}

// deregisterOld deregisters the ACTIVE revisions of deployed's family older
// than the newest keep, never one of protect (the revision deployed and the
// one before). It returns the revisions it deregistered (family:revision).
func deregisterOld(ctx context.Context, api revisionsAPI, deployed string, keep int, protect []string) ([]string, error) {
	family, _, ok := strings.Cut(familyRevision(deployed), ":")
	if !ok {
		return nil, fmt.Errorf("cannot tell the family of %s", deployed)
	}
	var arns []string
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc}
	for {
		out, err := api.ListTaskDefinitions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list task definitions: %w", err)
		}
		for _, a := range out.TaskDefinitionArns {
			// FamilyPrefix matches "web-batch" for "web": keep only the family.
			if f, _, _ := strings.Cut(familyRevision(a), ":"); f == family {
				arns = append(arns, a)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	var gone []string
	for i, a := range arns {
		if i < keep || slices.Contains(protect, a) {
			continue
		}
		if _, err := api.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(a)}); err != nil {
			return gone, fmt.Errorf("deregister task definition %s: %w", familyRevision(a), err)
		}
		gone = append(gone, familyRevision(a))
	}
	return gone, nil
}
