// Command ecsctl builds a project's images, pushes them to ECR, writes
// imagedefinitions.json, deploys ECS services with a watched rolling update,
// and manages scheduled Fargate batch jobs. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // batch time zones must resolve on machines without tzdata
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
