package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ecsctl/ecsctl/internal/awsclient"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
	"github.com/ecsctl/ecsctl/release"
)

func init() { register(deployCommand) }

// watchFlags are the flags deploy and deploy wait share.
func watchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "service", Aliases: []string{"s"}, Usage: "a service of the config (repeatable)"},
		&cli.BoolFlag{Name: "all", Usage: "every service of the config"},
		&cli.DurationFlag{Name: "timeout", DefaultText: "the service's timeout in the config, else 15m", Usage: "how long a rollout, and then its rollback, may take"},
		&cli.BoolFlag{Name: "no-rollback", Usage: "on failure or timeout leave the service as it is (exit 4) instead of rolling it back"},
		&cli.DurationFlag{Name: "poll-interval", Value: 2 * time.Second, Usage: "pause between looks at a rollout while it changes (it grows to 7.5x while nothing does)"},
	}
}

func deployCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "deploy",
		Usage: "roll new images out to ECS services and watch until the rollout truly succeeded, or roll back",
		Description: "Registers a new revision of the task definition each service runs, with only the\n" +
			"images of the named containers changed (from imagedefinitions.json or --image), updates\n" +
			"the services and follows the deployment each update created until it is COMPLETED with\n" +
			"nothing older left. Shows service events, why tasks stopped (exit codes, last log lines)\n" +
			"and target health. A circuit-breaker rollback is a failure (exit 3); on a failure or\n" +
			"timeout without it, ecsctl rolls the service back to the revision it ran before and\n" +
			"watches that (exit 3), or with --no-rollback leaves it (exit 4). Another deployment in\n" +
			"progress: exit 5 unless --wait-for-lock. Ctrl-C stops watching; `ecsctl deploy wait`\n" +
			"reattaches. See docs/deploy.md.",
		Flags: append(watchFlags(),
			&cli.StringFlag{Name: "imagedefs", Usage: "imagedefinitions.json to read (default: the config's imagedefinitions, read unless --image is given)"},
			&cli.StringSliceFlag{Name: "image", Usage: "container=uri: the image of a container (repeatable; wins over imagedefinitions.json)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the task definition diff per service and write nothing"},
			&cli.BoolFlag{Name: "force-new-deployment", Usage: "deploy even when the images already run (restarts the tasks)"},
			&cli.IntFlag{Name: "keep-revisions", Usage: "after success deregister revisions of the family older than the newest N (never the one deployed nor the one before)"},
			&cli.BoolFlag{Name: "wait-for-lock", Usage: "wait for another deployment of a service to finish instead of refusing (exit 5)"},
		),
		Subcommands: []*cli.Command{deployWaitCommand(g)},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return exitcode.BadInput(fmt.Errorf("deploy takes no arguments (got %q); name services with --service", c.Args().First()))
			}
			cfg, _, w, err := g.watchOptions(c)
			if err != nil {
				return err
			}
			res, err := release.Deploy(c.Context, release.Options{
				Config:             cfg,
				Services:           c.StringSlice("service"),
				All:                c.Bool("all"),
				ImageDefinitions:   c.String("imagedefs"),
				Images:             c.StringSlice("image"),
				DryRun:             c.Bool("dry-run"),
				ForceNewDeployment: c.Bool("force-new-deployment"),
				KeepRevisions:      c.Int("keep-revisions"),
				WaitForLock:        c.Bool("wait-for-lock"),
				WatchOptions:       w,
			})
			return g.deployResult(res, err)
		},
	}
}

func deployWaitCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "wait",
		Usage: "follow the deployment in flight on services to its end, with deploy's rules, output and exit codes",
		Description: "Reattaches to a rollout (after Ctrl-C, or one another tool started): success only when\n" +
			"the deployment in flight is COMPLETED with nothing older left. A circuit-breaker rollback\n" +
			"is a failure (exit 3). On failure or timeout it rolls back to the revision of the older\n" +
			"deployment still listed, unless --no-rollback.",
		Flags: watchFlags(),
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return exitcode.BadInput(fmt.Errorf("deploy wait takes no arguments (got %q); name services with --service", c.Args().First()))
			}
			cfg, _, w, err := g.watchOptions(c)
			if err != nil {
				return err
			}
			res, err := release.Wait(c.Context, release.WaitOptions{
				Config: cfg, Services: c.StringSlice("service"), All: c.Bool("all"), WatchOptions: w,
			})
			return g.deployResult(res, err)
		},
	}
}

// watchOptions maps the shared flags, loads the config and the AWS clients.
func (g *globals) watchOptions(c *cli.Context) (*config.Config, *awsclient.Clients, release.WatchOptions, error) {
	var w release.WatchOptions
	if c.IsSet("timeout") {
		if c.Duration("timeout") <= 0 {
			return nil, nil, w, exitcode.BadInput(fmt.Errorf("--timeout must be positive, e.g. 15m"))
		}
		w.Timeout = c.Duration("timeout")
	}
	if iv := c.Duration("poll-interval"); iv > 0 {
		w.Poll = release.PollIntervals{Initial: iv, Max: iv * 15 / 2, Throttled: iv * 15}
	} else {
		return nil, nil, w, exitcode.BadInput(fmt.Errorf("--poll-interval must be positive, e.g. 2s"))
	}
	cfg, err := g.config()
	if err != nil {
		return nil, nil, w, err
	}
	clients, err := g.aws(c.Context, cfg)
	if err != nil {
		return nil, nil, w, err
	}
	w.NoRollback = c.Bool("no-rollback")
	w.ECS, w.Logs, w.ELB = clients.ECS(), clients.Logs(), clients.ELBv2()
	w.Printer = g.printer
	w.OnDeployed = afterDeploy(g, cfg)
	return cfg, clients, w, nil
}

// afterDeploy is what runs once a service deployed successfully: the
// batches that follow the service (`service:` in a batch, issue 6) are
// repointed at the revision it now runs, through batch's hook in batch.go,
// which shows each change on stderr; the changes are also the notes of the
// service's result on stdout. This is the one place deploy and batch meet.
func afterDeploy(g *globals, cfg *config.Config) func(ctx context.Context, service, taskDefinitionARN string) ([]string, error) {
	return func(ctx context.Context, service, taskDefinitionARN string) ([]string, error) {
		reps, err := repointBatches(ctx, g, cfg, service, taskDefinitionARN)
		notes := make([]string, len(reps))
		for i, r := range reps {
			notes[i] = r.String()
		}
		return notes, err
	}
}

// deployResult prints what Deploy or Wait returned (a result on stdout,
// even when it failed) and passes their error on for the exit code.
func (g *globals) deployResult(res *release.Result, err error) error {
	if res != nil {
		if perr := g.printer.Result(res); perr != nil && err == nil {
			return perr
		}
	}
	return err
}
