package main

import (
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/ecsctl/ecsctl/build"
	"github.com/ecsctl/ecsctl/internal/config"
)

func init() { register(buildCommand) }

func buildCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "build",
		Usage: "build the images concurrently with BuildKit, push them to ECR pinned by digest, write imagedefinitions.json",
		Description: "Builds every image of the config (or those named with --image) through the Docker\n" +
			"engine, tags each with the source revision (CODEBUILD_RESOLVED_SOURCE_VERSION, else git)\n" +
			"and the extra tags, pushes it to its ECR repository, and writes imagedefinitions.json and\n" +
			"imageDetail.json once every image succeeded. An image whose content key (its context after\n" +
			".dockerignore, Dockerfile, target, args and platform) is already in ECR is not built again:\n" +
			"the existing image gets the new tags. See docs/build.md.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "image", Usage: "build only this image (repeatable; default: all)"},
			&cli.StringSliceFlag{Name: "tag", Usage: "extra tag for every image, besides the revision tag (repeatable)"},
			&cli.BoolFlag{Name: "no-push", Usage: "build only: no AWS call, no push, no file written"},
			&cli.BoolFlag{Name: "create-repositories", Usage: "create missing ECR repositories (scan on push, immutable tags)"},
			&cli.IntFlag{Name: "concurrency", Usage: "images built at once (default: build.concurrency, else all)"},
			&cli.StringFlag{Name: "network", Usage: "network mode of RUN steps: default, none or host (default: build.network)"},
			&cli.BoolFlag{Name: "pull", Usage: "ask the registry for every base image and pull it, even when the engine has one of that name (like docker build --pull)"},
			&cli.StringFlag{Name: "platform", Usage: "target platform of every image, e.g. linux/amd64 (default: each image's platform)"},
			&cli.StringFlag{Name: "imagedefs", Usage: "where to write imagedefinitions.json (default: imagedefinitions in the config)"},
		},
		Action: func(c *cli.Context) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			opts := build.Options{
				Config:             cfg,
				Images:             c.StringSlice("image"),
				Tags:               c.StringSlice("tag"),
				NoPush:             c.Bool("no-push"),
				CreateRepositories: c.Bool("create-repositories"),
				Concurrency:        c.Int("concurrency"),
				Network:            c.String("network"),
				Platform:           c.String("platform"),
				Pull:               c.Bool("pull"),
				ImageDefinitions:   c.String("imagedefs"),
				Verbose:            !g.printer.Live(),
			}
			if c.IsSet("concurrency") && opts.Concurrency <= 0 {
				opts.Concurrency = -1 // say so rather than build everything at once
			}
			docker, err := build.NewDockerClient()
			if err != nil {
				return err
			}
			defer docker.Close()
			opts.Docker = docker
			if !opts.NoPush && needsECR(cfg.Images, opts.Images) {
				clients, err := g.aws(c.Context, cfg)
				if err != nil {
					return err
				}
				opts.ECR = clients.ECR()
			}
			board := g.printer.NewBoard()
			opts.Progress = board
			res, err := build.Run(c.Context, opts)
			board.Close()
			if err != nil {
				// With --output json a pipeline still learns what became
				// of each image (status "failed" and its error).
				if res != nil && g.printer.JSON() {
					_ = g.printer.Result(res)
				}
				return err
			}
			return g.printer.Result(res)
		},
	}
}

// needsECR reports whether any selected image is pushed to ECR (and so
// needs AWS credentials); images naming another registry do not.
func needsECR(images []*config.Image, selected []string) bool {
	for _, im := range images {
		if im.Repository == "" {
			continue
		}
		if len(selected) == 0 || slices.Contains(selected, im.Name) {
			return true
		}
	}
	return false
}
