package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
	"github.com/ecsctl/ecsctl/internal/scaffold"
)

func init() { register(initCommand) }

// initResult is init's result on stdout.
type initResult struct {
	*scaffold.Result
	File string `json:"file"`
}

func (r initResult) WriteText(w io.Writer) error {
	adopted := 0
	for _, b := range r.Batches {
		if b.Adopted {
			adopted++
		}
	}
	_, err := fmt.Fprintf(w, "wrote %s: %d images, %d services, %d batches (%d adopted by name); %d lines marked \"check:\" to look at\n",
		r.File, len(r.Images), len(r.Services), len(r.Batches), adopted, len(r.Checks))
	return err
}

func initCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write an ecsctl.yml from what runs: services, their images' ECR repositories, and the schedules that start tasks in the cluster",
		ArgsUsage: " ",
		Description: "Describes the cluster, the services named (task definitions, containers and the ECR\n" +
			"repositories of their images) and the EventBridge rules and Scheduler schedules that\n" +
			"start tasks in the cluster (overrides, network, role, state, retry policy), and writes\n" +
			"an ecsctl.yml for them. Existing rules and schedules are adopted under their names\n" +
			"(aws_name), so `ecsctl batch schedule` then changes nothing. Only reads AWS. Refuses\n" +
			"to overwrite a file without --force. See docs/init.md.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cluster", Usage: "the ECS cluster (name or ARN)"},
			&cli.StringSliceFlag{Name: "service", Aliases: []string{"s"}, Usage: "a service of the cluster (repeatable)"},
			&cli.StringFlag{Name: "name", Usage: "the config's name, which marks the schedules ecsctl creates (default: the cluster's name)"},
			&cli.StringFlag{Name: "output-file", Usage: "where to write (\"-\": stdout; default: --config, else ecsctl.yml)"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite the file if it exists"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return exitcode.BadInput(fmt.Errorf("init takes no arguments (got %q); name services with --service", c.Args().First()))
			}
			if c.String("cluster") == "" || len(c.StringSlice("service")) == 0 {
				return exitcode.BadInput(errors.New("init needs --cluster and at least one --service, e.g. ecsctl init --cluster main --service web"))
			}
			path := c.String("output-file")
			if path == "" {
				path = g.configPath
			}
			if path != "-" && !c.Bool("force") {
				if _, err := os.Stat(path); err == nil {
					return exitcode.BadInput(fmt.Errorf("%s exists; pass --force to overwrite it, or --output-file to write elsewhere", path))
				} else if !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("check %s: %w", path, err)
				}
			}
			clients, err := g.aws(c.Context, nil)
			if err != nil {
				return err
			}
			res, err := scaffold.Generate(c.Context, scaffold.Options{
				Cluster: c.String("cluster"), Services: c.StringSlice("service"), Name: c.String("name"),
				Region: clients.Config.Region,
				ECS:    clients.ECS(), ECR: clients.ECR(), Events: clients.EventBridge(), Scheduler: clients.Scheduler(),
			})
			if err != nil {
				return err
			}
			for _, s := range res.Skipped {
				name := s.Name
				if s.Group != "" {
					name = s.Group + "/" + s.Name
				}
				g.printer.Warnf("%s %s not written: %s", s.Kind, name, s.Reason)
			}
			abs, err := filepath.Abs(path)
			if path == "-" || err != nil {
				abs = filepath.Join(".", config.DefaultFile)
			}
			// What init writes must load; anything else is a bug in init.
			if _, err := config.Parse(abs, res.Config, config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }}); err != nil {
				return fmt.Errorf("init wrote a config that does not validate, a bug in ecsctl: %w\n%s", err, res.Config)
			}
			if path == "-" {
				_, err := g.printer.Stdout().Write(res.Config)
				return err
			}
			if err := writeFileAtomic(path, res.Config); err != nil {
				return err
			}
			for _, note := range res.Checks {
				g.printer.Logf("check: %s", note)
			}
			return g.printer.Result(initResult{Result: res, File: path})
		},
	}
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so path is either the old file or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}
