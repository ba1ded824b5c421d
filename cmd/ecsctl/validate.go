package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/ecsctl/ecsctl/batch"
	"github.com/ecsctl/ecsctl/internal/config"
)

type validateResult struct {
	File     string `json:"file"`
	Valid    bool   `json:"valid"`
	Remote   bool   `json:"remote"`
	Images   int    `json:"images"`
	Services int    `json:"services"`
	Batches  int    `json:"batches"`
}

func (v validateResult) WriteText(w io.Writer) error {
	where := "offline"
	if v.Remote {
		where = "against AWS"
	}
	_, err := fmt.Fprintf(w, "%s is valid (%s): %d images, %d services, %d batches\n", v.File, where, v.Images, v.Services, v.Batches)
	return err
}

func init() { register(validateCommand) }

func validateCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check the config file without touching AWS (exit 2 listing every problem)",
		Description: "Checks syntax, keys, types, required settings and references between them.\n" +
			"With --remote it also checks, read-only, that the clusters, services, ECR\n" +
			"repositories and task definitions it names exist.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "remote", Usage: "also check that what the config names exists in AWS (read-only)"},
		},
		Action: func(c *cli.Context) error {
			g.offline = !c.Bool("remote") // lookups are resolved only with --remote
			cfg, err := g.config()
			if err != nil {
				return err
			}
			if err := batch.Validate(cfg); err != nil {
				return err
			}
			if c.Bool("remote") {
				clients, err := g.aws(c.Context, cfg)
				if err != nil {
					return err
				}
				if err := config.CheckRemote(c.Context, cfg, clients.ECS(), clients.ECR()); err != nil {
					return err
				}
			}
			return g.printer.Result(validateResult{
				File: g.configPath, Valid: true, Remote: c.Bool("remote"),
				Images: len(cfg.Images), Services: len(cfg.Services), Batches: len(cfg.Batches),
			})
		},
	}
}
