package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/goccy/go-yaml"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// World is what the simulator starts with, read from a YAML world file.
//
// Each service has its own section, seeded by calling the simulator's API
// through the real SDK clients, so a seeded world went through the same
// validation as anything a client would create. To add a section (ECR
// repositories, SSM parameters, S3 objects, schedules): add its field here,
// a type with a seed method in its own seed_*.go file, and an entry in
// sections, in the order sections may depend on each other.
type World struct {
	Speed     float64               `yaml:"speed"`
	Region    string                `yaml:"region"`
	AccountID string                `yaml:"accountId"`
	Behaviors []awssim.BehaviorRule `yaml:"behaviors"`
	ELB       *elbSection           `yaml:"elb"`
	ECR       *ecrSection           `yaml:"ecr"`
	S3        *s3Section            `yaml:"s3"`
	SSM       *ssmSection           `yaml:"ssm"`
	ECS       *ecsSection           `yaml:"ecs"`

	dir string // the world file's directory, for relative file names
}

// section seeds one part of the world.
type section interface {
	seed(ctx context.Context, sd *seeder) error
}

type namedSection struct {
	name string
	s    section
}

// sections lists the world's sections in seeding order: behaviours before
// anything starts tasks, target groups before the services that use them.
func (w *World) sections() []namedSection {
	var out []namedSection
	if len(w.Behaviors) > 0 {
		out = append(out, namedSection{"behaviors", behaviorSection(w.Behaviors)})
	}
	if w.ELB != nil {
		out = append(out, namedSection{"elb", w.ELB})
	}
	if w.ECR != nil { // before ecs: its tasks run the seeded images
		out = append(out, namedSection{"ecr", w.ECR})
	}
	if w.S3 != nil {
		out = append(out, namedSection{"s3", w.S3})
	}
	if w.SSM != nil {
		out = append(out, namedSection{"ssm", w.SSM})
	}
	if w.ECS != nil {
		out = append(out, namedSection{"ecs", w.ECS})
	}
	return out
}

// seeder is what sections share while seeding.
type seeder struct {
	srv          *awssim.Server
	cfg          aws.Config
	dir          string
	targetGroups map[string]string // target group name -> ARN, from the elb section
}

// LoadWorld reads and checks a world file.
func LoadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read world file: %w", err)
	}
	w, err := ParseWorld(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.dir = filepath.Dir(path)
	return w, nil
}

// ParseWorld reads a world from YAML; relative file names are resolved
// against the current directory.
func ParseWorld(data []byte) (*World, error) {
	var w World
	if err := yaml.UnmarshalWithOptions(data, &w, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("parse world: %s", yaml.FormatError(err, false, true))
	}
	if w.Speed < 0 {
		return nil, fmt.Errorf("speed %g: give a positive number of simulated seconds per wall second", w.Speed)
	}
	if err := awssim.ValidateBehaviors(w.Behaviors); err != nil {
		return nil, err
	}
	w.dir = "."
	return &w, nil
}

// serverOptions are the simulator options the world asks for.
func (w *World) serverOptions(speed float64) []awssim.Option {
	opts := []awssim.Option{awssim.WithSpeed(speed)}
	if w.Region != "" {
		opts = append(opts, awssim.WithRegion(w.Region))
	}
	if w.AccountID != "" {
		opts = append(opts, awssim.WithAccountID(w.AccountID))
	}
	return opts
}

// Seed creates the world in a started simulator.
func (w *World) Seed(ctx context.Context, srv *awssim.Server) error {
	sd := &seeder{srv: srv, cfg: srv.AWSConfig(), dir: w.dir, targetGroups: map[string]string{}}
	for _, sec := range w.sections() {
		if err := sec.s.seed(ctx, sd); err != nil {
			return fmt.Errorf("%s: %w", sec.name, err)
		}
	}
	return nil
}

// behaviorSection installs behaviour rules (no API involved: they script the simulator).
type behaviorSection []awssim.BehaviorRule

func (b behaviorSection) seed(_ context.Context, sd *seeder) error {
	sd.srv.SetBehavior(b...)
	return nil
}
