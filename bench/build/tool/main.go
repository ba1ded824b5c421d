// Command tool supports bench/build/run.sh:
//
//	tool serve -env FILE [-repos a,b]   run the AWS simulator (ECR and its registry) until killed
//	tool gen -out DIR [-assets-mb 100] [-huge-mb 1024] [-cpu-n N]
//	                                     write the benchmark's build contexts
//	tool busybox                         import the busybox base image, print its reference
//	tool calibrate -seconds S            print the cpuwork -n that takes S CPU seconds here
//	tool seconds RESULT.json             print each image's seconds from ecsctl build's JSON result
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/dockertest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tool serve|gen|busybox|calibrate ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "gen":
		err = gen(os.Args[2:])
	case "busybox":
		err = busybox()
	case "calibrate":
		err = calibrate(os.Args[2:])
	case "seconds":
		err = seconds(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tool:", err)
		os.Exit(1)
	}
}

// serve runs a simulator and writes, to the env file, the variables that
// point ecsctl and the docker CLI at it (AWS_*, REGISTRY, PASSWORD). The
// password is a benchmark-only secret of a throwaway simulator.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	envFile := fs.String("env", "", "file to write the environment to")
	repos := fs.String("repos", "", "mutable ECR repositories to create, comma-separated")
	_ = fs.Parse(args)
	srv := awssim.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer srv.Close()
	api := ecr.NewFromConfig(srv.AWSConfig())
	for _, r := range strings.Split(*repos, ",") {
		if r == "" {
			continue
		}
		if _, err := api.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{
			RepositoryName: aws.String(r), ImageTagMutability: ecrtypes.ImageTagMutabilityMutable,
		}); err != nil {
			return err
		}
	}
	_, password := srv.RegistryAuth()
	env := append(srv.Env(), "REGISTRY="+srv.Host(), "PASSWORD="+password)
	if err := os.WriteFile(*envFile+".tmp", []byte(strings.Join(env, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(*envFile+".tmp", *envFile); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

func seconds(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("seconds: give the JSON result file")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var res struct {
		Images []struct {
			Name    string
			Status  string
			Seconds float64
		}
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	var parts []string
	for _, im := range res.Images {
		parts = append(parts, fmt.Sprintf("%s %s %.2fs", im.Name, im.Status, im.Seconds))
	}
	fmt.Println(strings.Join(parts, ", "))
	return nil
}

func busybox() error {
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	ref, err := dockertest.ImportBusybox(context.Background(), c)
	if err != nil {
		return err
	}
	fmt.Println(ref)
	return nil
}

func calibrate(args []string) error {
	fs := flag.NewFlagSet("calibrate", flag.ExitOnError)
	seconds := fs.Float64("seconds", 5, "CPU seconds wanted")
	_ = fs.Parse(args)
	const probe = 2_000_000
	sum := sha256.Sum256([]byte("ecsctl"))
	start := time.Now()
	for i := 0; i < probe; i++ {
		sum = sha256.Sum256(sum[:])
	}
	per := time.Since(start).Seconds() / probe
	fmt.Println(int(*seconds / per))
	return nil
}

// gen writes three contexts, each buildable by the legacy builder too:
//
//	assets/  ~assets-mb of incompressible static files behind a tiny server script
//	cpu/     a RUN step chaining cpu-n sha256 hashes (cpuwork, copied in by run.sh)
//	huge/    huge-mb of data, to measure ecsctl's memory while it streams a context
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	out := fs.String("out", "", "directory to write the contexts to")
	assetsMB := fs.Int("assets-mb", 100, "size of the static assets")
	hugeMB := fs.Int("huge-mb", 1024, "size of the huge context (0: none)")
	cpuN := fs.Int("cpu-n", 50_000_000, "hashes the cpu image's RUN step chains")
	_ = fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("gen: -out is required")
	}
	rng := rand.New(rand.NewChaCha8([32]byte{'e', 'c', 's', 'c', 't', 'l'}))

	// assets: 1 MB files in a few directories, plus small ones, like a
	// front-end build's output.
	a := filepath.Join(*out, "assets")
	for i := 0; i < *assetsMB; i++ {
		if err := writeRandom(rng, filepath.Join(a, "static", fmt.Sprintf("chunk-%d", i%8), fmt.Sprintf("%03d.bin", i)), 1<<20); err != nil {
			return err
		}
	}
	for i := 0; i < 200; i++ {
		if err := writeRandom(rng, filepath.Join(a, "static", "icons", fmt.Sprintf("%03d.svg", i)), 2048); err != nil {
			return err
		}
	}
	files := map[string]string{
		"assets/Dockerfile": "ARG BASE\nFROM ${BASE}\nWORKDIR /srv\nCOPY static/ ./static/\nCOPY server.sh /usr/local/bin/server\n" +
			"EXPOSE 8080\nUSER 65534\nCMD [\"server\"]\n",
		"assets/server.sh":     "#!/bin/sh\nexec httpd -f -p 8080 -h /srv/static\n",
		"assets/.dockerignore": "*.md\n",
		"assets/README.md":     "static assets of the benchmark's web image\n",
		"cpu/Dockerfile": fmt.Sprintf("ARG BASE\nFROM ${BASE}\nCOPY cpuwork /usr/local/bin/cpuwork\n"+
			"RUN cpuwork -n %d > /result.txt\nCMD [\"cat\", \"/result.txt\"]\n", *cpuN),
		"cpu/.dockerignore": "*.md\n",
	}
	if *hugeMB > 0 {
		h := filepath.Join(*out, "huge")
		for i := 0; i*64 < *hugeMB; i++ {
			if err := writeRandom(rng, filepath.Join(h, "data", fmt.Sprintf("%02d.bin", i)), 64<<20); err != nil {
				return err
			}
		}
		files["huge/Dockerfile"] = "FROM scratch\nCOPY data/ /data/\n"
	}
	for name, content := range files {
		p := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return err
		}
	}
	return nil
}

func writeRandom(rng *rand.Rand, path string, size int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for size > 0 {
		n := min(size, len(buf))
		for i := 0; i+8 <= n; i += 8 {
			v := rng.Uint64()
			buf[i], buf[i+1], buf[i+2], buf[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			buf[i+4], buf[i+5], buf[i+6], buf[i+7] = byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56)
		}
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		size -= n
	}
	if _, err := io.WriteString(f, ""); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
