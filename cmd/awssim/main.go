// Command awssim runs ecsctl's AWS simulator on a loopback port, so ecsctl
// (and the aws CLI) can be tried without an AWS account:
//
//	go run ./cmd/awssim [--addr 127.0.0.1:4599] [--speed 10] [--config world.yml]
//
// It prints the environment to point clients at it (eval "$(...)" or copy
// the export lines), logs to stderr, and runs until Ctrl-C or SIGTERM.
// Simulated time runs --speed times faster than wall time.
//
// A world file seeds the simulator through its own API, section by section:
//
//	speed: 10                      # simulated seconds per wall second (--speed wins)
//	behaviors:                     # how containers of an image behave (see awssim.BehaviorRule)
//	  - image: 127.0.0.1:4599/web:broken
//	    exit: {code: 1, after: 5s}
//	    logs: ["panic: DATABASE_URL is not set"]
//	elb:
//	  targetGroups:
//	    - name: web                # HTTP, ip targets; port 80 unless given
//	      healthCheckPath: /health
//	      deregistrationDelay: 30s
//	ecs:
//	  timings: {pull: 20s}         # simulated durations of task steps (see awssim.ECSTimings)
//	  clusters: [main]
//	  taskDefinitions:             # RegisterTaskDefinition inputs, inline or from JSON files
//	    - file: web-taskdef.json
//	  services:
//	    - cluster: main
//	      name: web
//	      taskDefinition: web
//	      desiredCount: 2
//	      targetGroup: web         # a target group of the elb section
//	      containerName: web
//	      containerPort: 80
//	      circuitBreaker: {enable: true, rollback: true}
//
// See testdata/world.yml for a complete example.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "awssim: %v\n", err)
		os.Exit(1)
	}
}
