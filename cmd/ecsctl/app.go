package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ecsctl/ecsctl/internal/awsclient"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
	"github.com/ecsctl/ecsctl/internal/lookup"
	"github.com/ecsctl/ecsctl/internal/output"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

func ecsctlVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// globals holds what every command shares: the global flags, the printer,
// and the config and AWS clients, each loaded on first use.
type globals struct {
	stdout, stderr io.Writer

	configPath  string
	region      string
	profile     string
	endpointURL string
	maxAttempts int
	debug       bool

	unknownCommand string

	// ctx is the run's context (lookups read S3 and SSM while the config loads);
	// offline keeps {{ tfstate }} and {{ ssm }} unresolved (plain validate).
	ctx     context.Context
	offline bool
	lookups *lookup.Resolver

	printer *output.Printer
	cfg     *config.Config
	clients *awsclient.Clients
}

// run is main without the process: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr, ctx: ctx}
	app := newApp(g)
	err := app.RunContext(ctx, args)
	if g.unknownCommand != "" {
		err = exitcode.BadInput(fmt.Errorf("unknown command %q: run ecsctl --help to see the commands", g.unknownCommand))
	}
	if err == nil {
		return exitcode.OK
	}
	code := exitcode.Of(err)
	if ctx.Err() != nil && code == exitcode.Failed {
		code = exitcode.Interrupted
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintf(stderr, "ecsctl: %s\n", g.lookups.Redact(err.Error())) // no secret from a lookup in any message
	}
	return code
}

// errReported wraps errors a command has already explained on stderr.
var errReported = errors.New("reported")

func usageError(c *cli.Context, err error, _ bool) error {
	return exitcode.BadInput(fmt.Errorf("%w (see ecsctl %s --help)", err, strings.TrimPrefix(c.Command.FullName(), "ecsctl ")))
}

func newApp(g *globals) *cli.App {
	app := &cli.App{
		Name:                 "ecsctl",
		Usage:                "build, push and deploy containers to Amazon ECS, and schedule Fargate batch jobs",
		Version:              ecsctlVersion(),
		Writer:               g.stdout,
		ErrWriter:            g.stderr,
		EnableBashCompletion: false,
		HideVersion:          true,
		OnUsageError:         usageError,
		ExitErrHandler:       func(*cli.Context, error) {}, // run() maps errors to exit codes
		CommandNotFound:      func(_ *cli.Context, name string) { g.unknownCommand = name },
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: config.DefaultFile, EnvVars: []string{"ECSCTL_CONFIG"}, Usage: "config file", Destination: &g.configPath},
			&cli.StringFlag{Name: "region", Usage: "AWS region (default: region in the config, then AWS_REGION / profile)", Destination: &g.region},
			&cli.StringFlag{Name: "profile", Usage: "AWS shared config profile", EnvVars: []string{"AWS_PROFILE"}, Destination: &g.profile},
			&cli.StringFlag{Name: "endpoint-url", Usage: "override every AWS endpoint (e.g. the local simulator); AWS_ENDPOINT_URL[_<SERVICE>] also work", Destination: &g.endpointURL},
			&cli.IntFlag{Name: "max-attempts", Value: awsclient.DefaultMaxAttempts, Usage: "attempts per AWS call (adaptive retry mode)", Destination: &g.maxAttempts},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "result format on stdout: text or json"},
			&cli.BoolFlag{Name: "no-color", Usage: "no colors (also NO_COLOR)"},
			&cli.BoolFlag{Name: "debug", Usage: "log every AWS call (operation, duration, attempts) on stderr", Destination: &g.debug},
		},
		Before: func(c *cli.Context) error {
			format, err := output.ParseFormat(c.String("output"))
			if err != nil {
				return exitcode.BadInput(err)
			}
			g.printer = output.New(output.Options{
				Stdout: g.stdout, Stderr: g.stderr, Format: format, NoColor: c.Bool("no-color"),
				// Secret values a lookup resolved never reach the screen, whoever prints them.
				Redact: func(s string) string { return g.lookups.Redact(s) },
			})
			return nil
		},
	}
	for _, mk := range commands {
		app.Commands = append(app.Commands, mk(g))
	}
	sort.Slice(app.Commands, func(i, j int) bool { return commandOrder(app.Commands[i]) < commandOrder(app.Commands[j]) })
	announceCodeBuild(g, app.Commands, "build", "deploy")
	setUsageErrors(app.Commands)
	return app
}

// commands holds every command; each command's file registers its
// constructor in an init function, so commands do not share a list to edit.
var commands []func(*globals) *cli.Command

func register(mk func(*globals) *cli.Command) { commands = append(commands, mk) }

// helpOrder lists commands in the order of the workflow; others follow by name.
var helpOrder = []string{"init", "validate", "build", "deploy", "batch", "version"}

func commandOrder(c *cli.Command) string {
	for i, name := range helpOrder {
		if c.Name == name {
			return fmt.Sprintf("%02d", i)
		}
	}
	return "99" + c.Name
}

func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = usageError
		setUsageErrors(c.Subcommands)
	}
}

// config loads the config file once.
func (g *globals) config() (*config.Config, error) {
	if g.cfg != nil {
		return g.cfg, nil
	}
	cfg, err := config.Load(g.configPath, g.loadOptions())
	if err != nil {
		return nil, g.configError(err)
	}
	g.cfg = cfg
	return cfg, nil
}

// aws returns the AWS clients, built once from the flags and the config's region.
func (g *globals) aws(ctx context.Context, cfg *config.Config) (*awsclient.Clients, error) {
	if g.clients != nil {
		return g.clients, nil
	}
	o := awsclient.Options{
		Region:      g.region,
		Profile:     g.profile,
		EndpointURL: g.endpointURL,
		MaxAttempts: g.maxAttempts,
		Version:     ecsctlVersion(),
	}
	if cfg != nil {
		o.ConfigRegion = cfg.Region
	}
	if g.debug {
		o.Debug = debugWriter{g}
	}
	ac, err := awsclient.Load(ctx, o)
	if err != nil {
		return nil, err
	}
	g.clients = awsclient.NewClients(ac)
	return g.clients, nil
}

// debugWriter sends AWS debug lines through the printer, so they stay
// readable next to a live view.
type debugWriter struct{ g *globals }

func (d debugWriter) Write(p []byte) (int, error) {
	d.g.printer.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
