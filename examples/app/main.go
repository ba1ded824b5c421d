// Command app is the example application's back end. `app serve` (the
// image's command) works a queue until stopped; `app report --since=24h` is
// the nightly batch: it writes a report and exits 0.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: app serve | app report [--since=24h]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve()
	case "report":
		fs := flag.NewFlagSet("report", flag.ExitOnError)
		since := fs.Duration("since", 24*time.Hour, "report on this much time")
		_ = fs.Parse(os.Args[2:])
		report(*since)
	default:
		fmt.Fprintf(os.Stderr, "app: unknown command %q (serve, report)\n", os.Args[1])
		os.Exit(2)
	}
}

func serve() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	tick := time.NewTicker(30 * time.Second)
	fmt.Println("app: worker started")
	for {
		select {
		case <-tick.C:
			fmt.Println("app: queue empty")
		case <-stop:
			fmt.Println("app: stopping")
			return
		}
	}
}

func report(since time.Duration) {
	end := time.Now().UTC()
	fmt.Printf("report: orders from %s to %s\n", end.Add(-since).Format(time.RFC3339), end.Format(time.RFC3339))
	fmt.Println("report: 42 orders, 0 failed payments")
	fmt.Println("report: done")
}
