package main

import (
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// codeBuildNote is the progress line that says a command runs in AWS
// CodeBuild, and for a build a pipeline started, which pipeline; "" outside
// CodeBuild. (In CodeBuild output is plain anyway: see internal/output.)
func codeBuildNote(getenv func(string) string) string {
	id := getenv("CODEBUILD_BUILD_ID")
	if id == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("running in CodeBuild build " + id)
	switch initiator := getenv("CODEBUILD_INITIATOR"); {
	case strings.HasPrefix(initiator, "codepipeline/"):
		b.WriteString(", started by CodePipeline pipeline " + strings.TrimPrefix(initiator, "codepipeline/"))
	case initiator != "":
		b.WriteString(", started by " + initiator)
	}
	if v := getenv("CODEBUILD_RESOLVED_SOURCE_VERSION"); v != "" {
		b.WriteString(", source revision " + v)
	}
	return b.String()
}

// announceCodeBuild makes the named commands say, as they start, that they
// run in CodeBuild and what started the build.
func announceCodeBuild(g *globals, cmds []*cli.Command, names ...string) {
	for _, c := range cmds {
		if !slices.Contains(names, c.Name) {
			continue
		}
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			if note := codeBuildNote(os.Getenv); note != "" && g.printer != nil {
				g.printer.Logf("%s", note)
			}
			if before != nil {
				return before(ctx)
			}
			return nil
		}
	}
}
