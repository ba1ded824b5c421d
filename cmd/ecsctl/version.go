package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/urfave/cli/v2"
)

type versionResult struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

func (v versionResult) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "ecsctl %s (%s, %s/%s)\n", v.Version, v.Go, v.OS, v.Arch)
	return err
}

func init() { register(versionCommand) }

func versionCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print ecsctl's version",
		Action: func(c *cli.Context) error {
			return g.printer.Result(versionResult{Version: ecsctlVersion(), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH})
		},
	}
}
