package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/ecsctl/ecsctl/batch"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

func init() { register(batchCommand) }

func batchCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "batch",
		Usage: "schedule Fargate batch jobs on EventBridge (rules or Scheduler), list, run once, delete",
		Description: "Batches are the batches: section of the config. ecsctl owns only the rules and\n" +
			"schedules it created for this config (named ecsctl.<name>.<batch>, rules tagged\n" +
			"ecsctl:config, schedules in the schedule group ecsctl.<name>). See docs/batch.md.",
		Subcommands: []*cli.Command{
			batchScheduleCommand(g),
			batchListCommand(g),
			batchRunCommand(g),
			batchDeleteCommand(g),
		},
	}
}

// batchOptions loads the config and the AWS clients every batch verb needs.
func (g *globals) batchOptions(c *cli.Context) (batch.Options, error) {
	cfg, err := g.config()
	if err != nil {
		return batch.Options{}, err
	}
	clients, err := g.aws(c.Context, cfg)
	if err != nil {
		return batch.Options{}, err
	}
	return batch.NewOptions(cfg, clients, g.printer), nil
}

func batchScheduleCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "schedule",
		Usage:     "create, update (and with --prune delete) the batches' schedules so they match the config",
		ArgsUsage: "[BATCH...]",
		Description: "Validates every batch (schedule expressions, time zones, containers of the task\n" +
			"definition, the size of a rule's Input, ...) before any write, compares the config with\n" +
			"what exists, prints the difference and applies only the changes. Nothing changed:\n" +
			"nothing is written. With BATCH names only those batches are considered.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "prune", Usage: "delete this config's schedules that are no longer in the config (targets before their rule)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the difference and write nothing"},
		},
		Action: func(c *cli.Context) error {
			opts, err := g.batchOptions(c)
			if err != nil {
				return err
			}
			so := batch.ScheduleOptions{Options: opts, Names: c.Args().Slice(), Prune: c.Bool("prune"), DryRun: c.Bool("dry-run"), Paint: g.printer}
			if !g.printer.JSON() {
				so.Diff = g.printer.Stdout()
			}
			p, err := batch.Schedule(c.Context, so)
			if err != nil {
				return err
			}
			switch {
			case p.DryRun:
				g.printer.Logf("dry run: nothing was written")
			case p.Applied:
				g.printer.Logf("applied")
			}
			if g.printer.JSON() {
				return g.printer.Result(p)
			}
			return nil
		},
	}
}

func batchListCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "show this config's schedules: state, task definition revision, next three runs (schedule's zone and UTC)",
		Action: func(c *cli.Context) error {
			opts, err := g.batchOptions(c)
			if err != nil {
				return err
			}
			res, err := batch.List(c.Context, opts)
			if err != nil {
				return err
			}
			return g.printer.Result(res)
		},
	}
}

func batchRunCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a batch once now with its schedule's parameters, stream its logs, exit with its exit code",
		ArgsUsage: "BATCH",
		Description: "Starts the task (RunTask) exactly as the batch's rule or schedule would, follows it\n" +
			"until it stops while printing its container's CloudWatch log lines on stdout, and exits\n" +
			"with the container's exit code, or 125 when the task could not start. --no-wait prints\n" +
			"the task ARN instead. On Ctrl-C it asks whether to stop the task; in CI it leaves the\n" +
			"task running and prints how to stop it.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-wait", Usage: "print the task ARN and return once the task is started"},
			&cli.DurationFlag{Name: "poll-interval", Value: 2 * time.Second, Usage: "how often the task and its logs are read"},
		},
		Action: func(c *cli.Context) error {
			if c.Duration("poll-interval") <= 0 {
				return exitcode.BadInput(fmt.Errorf("--poll-interval must be positive, e.g. 2s"))
			}
			if c.NArg() != 1 {
				return exitcode.BadInput(fmt.Errorf("batch run takes one batch name (see ecsctl batch run --help)"))
			}
			opts, err := g.batchOptions(c)
			if err != nil {
				return err
			}
			ro := batch.RunOptions{Options: opts, Name: c.Args().First(), NoWait: c.Bool("no-wait"), Output: g.printer.Stdout(), PollInterval: c.Duration("poll-interval")}
			if g.printer.JSON() {
				ro.Output = g.printer.Stderr() // stdout carries the JSON result
			}
			if g.printer.Live() && term.IsTerminal(int(os.Stdin.Fd())) {
				ro.Confirm = g.confirm
			}
			res, err := batch.Run(c.Context, ro)
			if res != nil && (g.printer.JSON() || res.Running && c.Bool("no-wait")) {
				if perr := g.printer.Result(res); perr != nil && err == nil {
					err = perr
				}
			}
			return err
		},
	}
}

// confirm asks a yes/no question on the terminal.
func (g *globals) confirm(question string) bool {
	fmt.Fprintf(g.stderr, "\n%s [y/N] ", question)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func batchDeleteCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "delete a batch's rule (targets first) or schedule",
		ArgsUsage: "BATCH",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitcode.BadInput(fmt.Errorf("batch delete takes one batch name (see ecsctl batch delete --help)"))
			}
			opts, err := g.batchOptions(c)
			if err != nil {
				return err
			}
			res, err := batch.Delete(c.Context, opts, c.Args().First())
			if err != nil {
				return err
			}
			return g.printer.Result(res)
		},
	}
}

// repointBatches is the hook `ecsctl deploy` calls once a deploy of service
// succeeded with taskDefinitionARN: the batches that follow the service
// (service: in the batch) are repointed at it, each change shown on stderr.
func repointBatches(ctx context.Context, g *globals, cfg *config.Config, service, taskDefinitionARN string) ([]batch.Repointed, error) {
	if len(cfg.Batches) == 0 {
		return nil, nil
	}
	clients, err := g.aws(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return batch.Repoint(ctx, batch.NewOptions(cfg, clients, g.printer), service, taskDefinitionARN)
}
