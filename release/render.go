package release

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// readOnlyFields are the fields of types.TaskDefinition that
// DescribeTaskDefinition reports and RegisterTaskDefinition does not take.
var readOnlyFields = map[string]bool{
	"TaskDefinitionArn":  true,
	"Revision":           true,
	"Status":             true,
	"RequiresAttributes": true,
	"Compatibilities":    true,
	"RegisteredAt":       true,
	"RegisteredBy":       true,
	"DeregisteredAt":     true,
	"DeleteRequestedAt":  true,
}

// inputOnlyFields are the fields of RegisterTaskDefinitionInput that
// types.TaskDefinition lacks; they are filled from elsewhere.
var inputOnlyFields = map[string]bool{
	"Tags": true, // DescribeTaskDefinition's tags (include=TAGS)
}

// ImageChange is a container whose image a deploy changes.
type ImageChange struct {
	Container string `json:"container"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// revision is the task definition a deploy registers, rendered from the one
// the service runs.
type revision struct {
	input   *ecs.RegisterTaskDefinitionInput
	changes []ImageChange // in container order; empty when the images are those running
	dropped []string      // fields of the running task definition that could not be carried over
}

// registerInputFrom copies every field of td that RegisterTaskDefinition
// takes, by field name, so fields a newer SDK adds are carried over without
// a change here. It returns the names of fields td sets that are neither
// copied nor known to be read-only (a newer SDK whose input lacks them); the
// caller warns about those.
//
// Slices and pointers are shared with td; callers replace, never modify, what
// they change (see withImages).
func registerInputFrom(td *types.TaskDefinition, tags []types.Tag) (*ecs.RegisterTaskDefinitionInput, []string) {
	in := &ecs.RegisterTaskDefinitionInput{}
	src := reflect.ValueOf(td).Elem()
	dst := reflect.ValueOf(in).Elem()
	var dropped []string
	for i := 0; i < src.NumField(); i++ {
		f := src.Type().Field(i)
		if !f.IsExported() || readOnlyFields[f.Name] {
			continue
		}
		to := dst.FieldByName(f.Name)
		if !to.IsValid() || to.Type() != f.Type || !to.CanSet() {
			if !src.Field(i).IsZero() {
				dropped = append(dropped, f.Name)
			}
			continue
		}
		to.Set(src.Field(i))
	}
	for _, t := range tags {
		// Keys starting with "aws:" belong to AWS (CloudFormation adds them);
		// RegisterTaskDefinition refuses them, and AWS adds them again itself.
		if strings.HasPrefix(strings.ToLower(aws.ToString(t.Key)), "aws:") {
			continue
		}
		in.Tags = append(in.Tags, t)
	}
	return in, dropped
}

// render builds the revision that runs images (container name -> image URI)
// instead of td's. Every container named in images must exist in td.
func render(td *types.TaskDefinition, tags []types.Tag, images map[string]string) (*revision, error) {
	if err := checkContainers(td, images); err != nil {
		return nil, err
	}
	in, dropped := registerInputFrom(td, tags)
	rev := &revision{input: in, dropped: dropped}
	defs := make([]types.ContainerDefinition, len(td.ContainerDefinitions))
	copy(defs, td.ContainerDefinitions)
	for i := range defs {
		name := aws.ToString(defs[i].Name)
		uri, ok := images[name]
		if !ok {
			continue
		}
		if from := aws.ToString(defs[i].Image); from != uri {
			rev.changes = append(rev.changes, ImageChange{Container: name, From: from, To: uri})
			defs[i].Image = aws.String(uri)
		}
	}
	in.ContainerDefinitions = defs
	return rev, nil
}

// UnknownContainerError says an image was given for a container the task
// definition does not have.
type UnknownContainerError struct {
	Service        string
	TaskDefinition string   // family:revision
	Unknown        []string // containers named in the images but not in the task definition
	Have           []string // containers the task definition has
}

func (e *UnknownContainerError) Error() string {
	svc := ""
	if e.Service != "" {
		svc = "service " + e.Service + ": "
	}
	return fmt.Sprintf("%stask definition %s has no container %s (it has %s); fix the container name in the image list or the config's images.<name>.containers",
		svc, e.TaskDefinition, quoteList(e.Unknown), quoteList(e.Have))
}

// ExitCode marks an unknown container as bad input.
func (e *UnknownContainerError) ExitCode() int { return 2 }

func checkContainers(td *types.TaskDefinition, images map[string]string) error {
	have := containerNames(td)
	var unknown []string
	for name := range images {
		if !slices.Contains(have, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return &UnknownContainerError{TaskDefinition: familyRevision(aws.ToString(td.TaskDefinitionArn)), Unknown: unknown, Have: have}
}

func containerNames(td *types.TaskDefinition) []string {
	names := make([]string, 0, len(td.ContainerDefinitions))
	for _, c := range td.ContainerDefinitions {
		names = append(names, aws.ToString(c.Name))
	}
	return names
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// familyRevision shortens a task definition ARN to "family:revision".
func familyRevision(arn string) string {
	if i := strings.LastIndex(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}
