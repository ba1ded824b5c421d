package main

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
	"github.com/ecsctl/ecsctl/internal/lookup"
)

// loadOptions are how g.config() loads the config: with the tfstate and ssm
// lookups resolved (reading S3 and SSM with the same clients as the rest of
// the command), except for an offline `ecsctl validate`, where they stay
// deferred.
func (g *globals) loadOptions() config.LoadOptions {
	if g.offline {
		return config.LoadOptions{}
	}
	o := lookup.Options{
		Context: g.ctx,
		AWS: func(ctx context.Context, pre *config.Config) (aws.Config, error) {
			clients, err := g.aws(ctx, pre)
			if err != nil {
				return aws.Config{}, err
			}
			return clients.Config, nil
		},
	}
	if g.debug && g.printer != nil {
		o.Log = lookupLog{g}
	}
	g.lookups = lookup.New(o)
	return config.LoadOptions{Lookups: g.lookups}
}

// configError takes secret values out of a config error and tells a failure
// to reach AWS during a lookup (exit 1) from a config naming something that
// does not exist (exit 2).
func (g *globals) configError(err error) error {
	if g.lookups == nil {
		return err
	}
	err = g.lookups.RedactError(err)
	if g.lookups.Failure() != nil {
		return exitcode.With(exitcode.Failed, err)
	}
	return err
}

// lookupLog sends the lookups' --debug lines (what was read, never values)
// through the printer.
type lookupLog struct{ g *globals }

func (l lookupLog) Write(p []byte) (int, error) {
	l.g.printer.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
