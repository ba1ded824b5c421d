package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ecrSection seeds ECR repositories and, in them, small images that task
// definitions of the world can run before anything was pushed:
//
//	ecr:
//	  repositories:
//	    - name: web
//	      immutable: false       # tag mutability (default mutable)
//	      images:
//	        - tag: initial
//	          files: {/etc/web/message.txt: "hello"}
//
// Their URIs are <simulator host>/<name>:<tag>.
type ecrSection struct {
	Repositories []repositorySeed `yaml:"repositories"`
}

type repositorySeed struct {
	Name      string      `yaml:"name"`
	Immutable bool        `yaml:"immutable"`
	Images    []imageSeed `yaml:"images"`
}

type imageSeed struct {
	Tag   string            `yaml:"tag"`
	Files map[string]string `yaml:"files"` // path -> content of the image's one layer
}

func (e *ecrSection) seed(ctx context.Context, sd *seeder) error {
	client := ecr.NewFromConfig(sd.cfg)
	for _, r := range e.Repositories {
		if r.Name == "" {
			return fmt.Errorf("a repository needs a name")
		}
		mutability := ecrtypes.ImageTagMutabilityMutable
		if r.Immutable {
			mutability = ecrtypes.ImageTagMutabilityImmutable
		}
		if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(r.Name), ImageTagMutability: mutability}); err != nil {
			return fmt.Errorf("repository %q: %w", r.Name, err)
		}
		for _, im := range r.Images {
			if im.Tag == "" {
				return fmt.Errorf("repository %q: an image needs a tag", r.Name)
			}
			files := im.Files
			if len(files) == 0 {
				files = map[string]string{"/seeded": r.Name + ":" + im.Tag + "\n"}
			}
			if _, err := sd.srv.SeedImage(r.Name, im.Tag, files); err != nil {
				return fmt.Errorf("image %s:%s: %w", r.Name, im.Tag, err)
			}
		}
	}
	return nil
}
