package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/goccy/go-yaml"

	"github.com/ecsctl/ecsctl/imagedefs"
)

// buildspec is the part of a CodeBuild buildspec (version 0.2) the test reads.
type buildspec struct {
	Version string `yaml:"version"`
	Env     struct {
		Variables map[string]string `yaml:"variables"`
	} `yaml:"env"`
	Phases map[string]struct {
		Commands []string `yaml:"commands"`
	} `yaml:"phases"`
	Artifacts struct {
		Files []string `yaml:"files"`
	} `yaml:"artifacts"`
}

func readBuildspec(t *testing.T) buildspec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "buildspec.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var bs buildspec
	if err := yaml.Unmarshal(data, &bs); err != nil {
		t.Fatalf("buildspec.yml: %v", err)
	}
	return bs
}

// shellWords splits a command line as a POSIX shell would for the simple
// lines of the buildspec: words, "double-quoted" words with ${VAR}
// expanded, 'single-quoted' words.
func shellWords(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return os.Getenv(k)
		})
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, expand(cur.String()))
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune("|&;<>()`", rune(c)):
			t.Fatalf("buildspec command %q uses shell syntax (%c) the test cannot run; keep each command one ecsctl call", line, c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, expand(cur.String()))
	}
	return words
}

// TestBuildspecIsACodeBuildBuildspec checks what CodeBuild and the docs
// rely on: version 0.2, ecsctl installed at a pinned version, the artifacts
// CodePipeline's ECS action reads.
func TestBuildspecIsACodeBuildBuildspec(t *testing.T) {
	bs := readBuildspec(t)
	if bs.Version != "0.2" {
		t.Fatalf("version %q, want 0.2", bs.Version)
	}
	if v := bs.Env.Variables["ECSCTL_VERSION"]; !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("ECSCTL_VERSION %q is not a pinned release (vX.Y.Z)", v)
	}
	install := strings.Join(bs.Phases["install"].Commands, "\n")
	if !strings.Contains(install, `go install "github.com/ecsctl/ecsctl/cmd/ecsctl@${ECSCTL_VERSION}"`) {
		t.Fatalf("install phase does not install the pinned ecsctl:\n%s", install)
	}
	if !strings.Contains(strings.Join(bs.Artifacts.Files, " "), "imagedefinitions.json") {
		t.Fatalf("artifacts %v lack imagedefinitions.json", bs.Artifacts.Files)
	}
	for _, phase := range []string{"pre_build", "build"} {
		if len(bs.Phases[phase].Commands) == 0 {
			t.Fatalf("phase %s has no commands", phase)
		}
	}
}

// TestBuildspecInCodeBuild runs the buildspec's commands, in order, as
// CodeBuild would run them for a build CodePipeline started: in the source
// directory, with CodeBuild's variables set, against the simulated account
// of the trial (the install phase is replaced by this binary). The images
// are tagged with the pipeline's commit, the services end up running them,
// the batch schedule exists, the output says which pipeline started the
// build, and the artifacts are there.
func TestBuildspecInCodeBuild(t *testing.T) {
	w := newShipWorld(t)
	w.withProject(t)
	bs := readBuildspec(t)
	const commit = "4f2a9c1e7b3d5a69e0c1d2b3a4f5e6d7c8b9a0f1"
	env := map[string]string{
		"CODEBUILD_BUILD_ID":                "example-build:6c1f0b4e-1d2e-4f5a-8b7c-9d0e1f2a3b4c",
		"CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
		"CODEBUILD_SOURCE_VERSION":          "arn:aws:s3:::codepipeline-artifacts/example/SourceArti/abc.zip",
		"CODEBUILD_INITIATOR":               "codepipeline/example-pipeline",
		"CODEBUILD_SRC_DIR":                 w.dir,
		"CODEBUILD_BUILD_SUCCEEDING":        "1",
		"CI":                                "",
	}
	for k, v := range bs.Env.Variables {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}

	outputs := map[string]string{} // command -> stdout and stderr
	for _, phase := range []string{"pre_build", "build", "post_build"} {
		for _, line := range bs.Phases[phase].Commands {
			args := shellWords(t, line, env)
			if len(args) == 0 || args[0] != "ecsctl" {
				t.Fatalf("phase %s: %q is not an ecsctl command; the test runs only those", phase, line)
			}
			code, stdout, stderr := w.run(args[1:]...)
			if code != 0 {
				t.Fatalf("phase %s: %q exited %d:\n%s", phase, line, code, stderr)
			}
			outputs[strings.Join(args[1:], " ")] = stdout + stderr
		}
	}

	// build and deploy say which pipeline started the build, in plain lines.
	for cmd, stderr := range outputs {
		mentions := strings.Contains(stderr, "running in CodeBuild build example-build:6c1f0b4e-1d2e-4f5a-8b7c-9d0e1f2a3b4c, started by CodePipeline pipeline example-pipeline, source revision "+commit)
		verb := strings.Fields(cmd)[0]
		if (verb == "build" || verb == "deploy") != mentions {
			t.Errorf("ecsctl %s mentions the pipeline: %v\n%s", cmd, mentions, stderr)
		}
		if strings.Contains(stderr, "\x1b[") {
			t.Errorf("ecsctl %s drew with escape sequences in CodeBuild:\n%q", cmd, stderr)
		}
	}

	// Artifacts, images tagged with the commit, the service on them.
	for _, f := range bs.Artifacts.Files {
		if _, err := os.Stat(filepath.Join(w.dir, f)); err != nil {
			t.Errorf("artifact %s: %v", f, err)
		}
	}
	defs, err := imagedefs.ReadFile(filepath.Join(w.dir, "imagedefinitions.json"))
	if err != nil || len(defs) != 2 {
		t.Fatalf("imagedefinitions.json: %+v %v", defs, err)
	}
	images := map[string]string{}
	for _, d := range defs {
		images[d.Name] = d.ImageURI
		if !strings.HasPrefix(d.ImageURI, w.srv.Host()+"/"+d.Name+"@sha256:") {
			t.Errorf("%s: %s is not pinned by digest in the simulator's registry", d.Name, d.ImageURI)
		}
	}
	code, stdout, _ := w.run("--output", "json", "batch", "list")
	if code != 0 || !strings.Contains(stdout, `"timezone": "Asia/Tokyo"`) {
		t.Errorf("batch list after the buildspec: %d %s", code, stdout)
	}
	svc := w.service()
	td, err := w.ecs.DescribeTaskDefinition(t.Context(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range td.TaskDefinition.ContainerDefinitions {
		if got, want := *c.Image, images[*c.Name]; got != want {
			t.Errorf("service runs %s for %s, want %s (from imagedefinitions.json)", got, *c.Name, want)
		}
	}
	if w.srv.Count("registry", "PutManifest") != 2 {
		t.Errorf("%d manifests pushed, want 2", w.srv.Count("registry", "PutManifest"))
	}
	if !strings.Contains(outputs["build"], "tags: "+commit[:12]) {
		t.Errorf("build output does not show the revision tag %s:\n%s", commit[:12], outputs["build"])
	}
}
