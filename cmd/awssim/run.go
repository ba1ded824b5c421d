package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// defaultSpeed makes a rolling update of a few minutes take tens of seconds:
// slow enough to watch, fast enough to wait for.
const defaultSpeed = 10

type options struct {
	addr   string
	speed  float64
	config string
}

func parseFlags(args []string, stderr io.Writer) (options, bool, error) {
	var o options
	fs := flag.NewFlagSet("awssim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:4599", "address to listen on (keep it on loopback)")
	fs.Float64Var(&o.speed, "speed", 0, fmt.Sprintf("simulated seconds per wall second (default: the world file's speed, else %d)", defaultSpeed))
	fs.StringVar(&o.config, "config", "", "world file to seed the simulator with (YAML)")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if fs.NArg() > 0 {
		return o, false, fmt.Errorf("unexpected argument %q; the options are --addr, --speed and --config", fs.Arg(0))
	}
	if o.speed < 0 {
		return o, false, fmt.Errorf("--speed %g: give a positive number of simulated seconds per wall second", o.speed)
	}
	return o, o.speed > 0, nil
}

// run starts the simulator, seeds it, prints the environment to stdout and
// serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, speedSet, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	world := &World{}
	if o.config != "" {
		if world, err = LoadWorld(o.config); err != nil {
			return err
		}
	}
	speed := world.Speed
	if speedSet || speed == 0 {
		speed = o.speed
	}
	if speed == 0 {
		speed = defaultSpeed
	}
	srv := awssim.New(world.serverOptions(speed)...)
	if err := srv.Start(o.addr); err != nil {
		return fmt.Errorf("start the simulator on %s: %w (is another awssim running? try --addr 127.0.0.1:0)", o.addr, err)
	}
	defer srv.Close()
	if err := world.Seed(ctx, srv); err != nil {
		return fmt.Errorf("seed %s: %w", o.config, err)
	}
	for _, kv := range srv.Env() {
		fmt.Fprintf(stdout, "export %s\n", shellQuote(kv))
	}
	fmt.Fprintf(stderr, "awssim: serving AWS on %s, simulated time x%g; Ctrl-C to stop\n", srv.URL(), speed)
	<-ctx.Done()
	fmt.Fprintln(stderr, "awssim: stopping")
	return nil
}

// shellQuote quotes the value of NAME=value for a POSIX shell when it needs it.
func shellQuote(kv string) string {
	name, value, _ := strings.Cut(kv, "=")
	if value != "" && strings.Trim(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@") == "" {
		return kv
	}
	return name + "='" + strings.ReplaceAll(value, "'", `'\''`) + "'"
}
