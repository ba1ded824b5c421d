package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	mbuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker is the part of the Docker Engine API a build uses;
// *client.Client fits.
type Docker interface {
	Ping(ctx context.Context, options client.PingOptions) (client.PingResult, error)
	ServerVersion(ctx context.Context, options client.ServerVersionOptions) (client.ServerVersionResult, error)
	ImageBuild(ctx context.Context, buildContext io.Reader, options client.ImageBuildOptions) (client.ImageBuildResult, error)
	ImagePush(ctx context.Context, image string, options client.ImagePushOptions) (client.ImagePushResponse, error)
	ImageTag(ctx context.Context, options client.ImageTagOptions) (client.ImageTagResult, error)
	ImageInspect(ctx context.Context, image string, options ...client.ImageInspectOption) (client.ImageInspectResult, error)
	DistributionInspect(ctx context.Context, image string, options client.DistributionInspectOptions) (client.DistributionInspectResult, error)
	ImagePull(ctx context.Context, ref string, options client.ImagePullOptions) (client.ImagePullResponse, error)
}

var _ Docker = (*client.Client)(nil)

// NewDockerClient connects to the engine the environment names (DOCKER_HOST,
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION), negotiating the
// API version.
func NewDockerClient() (*client.Client, error) {
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return c, nil
}

// engineInfo is what a build needs to know about the engine.
type engineInfo struct {
	platform string // "linux/amd64"
	version  string
}

// EngineError says the Docker engine could not be reached.
type EngineError struct{ Err error }

func (e *EngineError) Error() string {
	return fmt.Sprintf("the Docker engine is unreachable (%v): start Docker, or point DOCKER_HOST at a running engine", e.Err)
}

func (e *EngineError) Unwrap() error { return e.Err }

func pingEngine(ctx context.Context, d Docker) (engineInfo, error) {
	if _, err := d.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return engineInfo{}, &EngineError{Err: err}
	}
	v, err := d.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return engineInfo{}, &EngineError{Err: err}
	}
	return engineInfo{platform: v.Os + "/" + v.Arch, version: v.Version}, nil
}

// buildSpec is one image build on the engine.
type buildSpec struct {
	image      string // the config's image name, for progress and errors
	dockerfile string // as shown in messages
	ctx        *buildContext
	df         *dockerfile
	tags       []string // local references to tag the result with
	target     string
	platform   string // "" for the engine's
	args       map[string]string
	labels     map[string]string
	network    string
}

// buildImage builds spec with BuildKit and returns the image ID. The
// context is streamed from disk as a tar; progress goes to out.
func buildImage(ctx context.Context, d Docker, spec buildSpec, out Progress, verbose bool) (string, error) {
	opts := client.ImageBuildOptions{
		Tags:        spec.tags,
		Dockerfile:  spec.ctx.dockerfile,
		Target:      spec.target,
		Labels:      spec.labels,
		NetworkMode: spec.network,
		Version:     mbuild.BuilderBuildKit,
		Remove:      true,
		ForceRemove: true,
	}
	if len(spec.args) > 0 {
		opts.BuildArgs = map[string]*string{}
		for k, v := range spec.args {
			opts.BuildArgs[k] = &v
		}
	}
	if spec.platform != "" {
		p, err := parsePlatform(spec.platform)
		if err != nil {
			return "", err
		}
		opts.Platforms = []ocispec.Platform{p}
	}

	pr, pw := io.Pipe()
	tarErr := make(chan error, 1)
	go func() {
		err := spec.ctx.writeTar(pw)
		pw.CloseWithError(err)
		tarErr <- err
	}()
	// Whatever happens below, stop the tar writer and wait for it.
	stopTar := func() error {
		_ = pr.CloseWithError(errors.New("build ended"))
		err := <-tarErr
		var ce *ChangedError
		if errors.As(err, &ce) {
			return err
		}
		return nil
	}

	res, err := d.ImageBuild(ctx, pr, opts)
	if err != nil {
		if terr := stopTar(); terr != nil {
			return "", terr
		}
		return "", engineErr("start build", err)
	}
	defer res.Body.Close()

	tr := newTracker(spec.image, out, verbose, spec.df)
	imageID, streamErr := readBuildStream(ctx, res.Body, tr)
	if terr := stopTar(); terr != nil {
		return "", terr
	}
	var se *StepError
	switch {
	case errors.As(streamErr, &se):
		se.Dockerfile = spec.dockerfile
		return "", se
	case streamErr != nil:
		return "", streamErr
	case imageID == "":
		return "", fmt.Errorf("build: the engine reported no image ID")
	}
	return imageID, nil
}

// buildFailure carries the engine's final error message out of the stream.
type buildFailure struct{ msg string }

func (b *buildFailure) Error() string { return b.msg }

func readBuildStream(ctx context.Context, body io.Reader, tr *tracker) (string, error) {
	dec := json.NewDecoder(body)
	imageID := ""
	for {
		var msg jsonstream.Message
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return imageID, nil
			}
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", engineErr("read build output", err)
		}
		if msg.Error != nil {
			return "", tr.stepError("", msg.Error.Message)
		}
		if msg.Aux == nil {
			continue
		}
		switch msg.ID {
		case "moby.buildkit.trace":
			var raw []byte // the aux is the protobuf message, base64 in JSON
			if err := json.Unmarshal(*msg.Aux, &raw); err != nil {
				continue
			}
			sr, err := decodeStatusResponse(raw)
			if err != nil {
				continue // progress is best effort; the build result is not
			}
			tr.handle(sr)
		case "moby.image.id":
			var aux struct{ ID string }
			if err := json.Unmarshal(*msg.Aux, &aux); err == nil {
				imageID = aux.ID
			}
		}
	}
}

// engineErr wraps an engine call error, saying so when the engine is gone.
func engineErr(op string, err error) error {
	if client.IsErrConnectionFailed(err) {
		return fmt.Errorf("%s: %w", op, &EngineError{Err: err})
	}
	return fmt.Errorf("%s: %w", op, err)
}

func parsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("platform %q is not os/arch[/variant], e.g. linux/amd64", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// registryAuth encodes credentials for the engine's X-Registry-Auth
// header. The result carries a secret: never print or store it.
func registryAuth(user, password, server string) string {
	return encodeAuth(registry.AuthConfig{Username: user, Password: password, ServerAddress: server})
}

// PushError is a push the registry or the network refused.
type PushError struct {
	Ref     string
	Message string
	Hint    string
}

func (e *PushError) Error() string {
	s := fmt.Sprintf("push %s: %s", e.Ref, e.Message)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// pushImage pushes ref (a local tag) and returns the manifest digest the
// registry stored. auth is an X-Registry-Auth value ("" for none).
func pushImage(ctx context.Context, d Docker, image, ref, auth string, toECR bool, out Progress, verbose bool) (string, error) {
	pushErr := func(msg string, err error) error { return pushError(ref, msg, err, toECR) }
	resp, err := d.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		return "", pushErr(err.Error(), err)
	}
	defer resp.Close()
	layers := map[string][2]int64{} // layer -> current, total
	var order []string
	digest := ""
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", pushErr(err.Error(), err)
		}
		if msg.Error != nil {
			return "", pushErr(msg.Error.Message, nil)
		}
		if msg.Aux != nil {
			var aux struct {
				Tag    string
				Digest string
				Size   int64
			}
			if json.Unmarshal(*msg.Aux, &aux) == nil && aux.Digest != "" {
				digest = aux.Digest
			}
			continue
		}
		if msg.ID == "" {
			continue
		}
		if _, ok := layers[msg.ID]; !ok {
			order = append(order, msg.ID)
		}
		cur := layers[msg.ID]
		switch {
		case msg.Progress != nil && msg.Progress.Total > 0:
			// The engine counts the bytes it sends (tar headers included)
			// against the layer's size: a tiny layer would show "2.5 kB / 17 B".
			cur = [2]int64{min(msg.Progress.Current, msg.Progress.Total), msg.Progress.Total}
		case msg.Status == "Pushed" || strings.HasPrefix(msg.Status, "Layer already exists") || strings.HasPrefix(msg.Status, "Mounted from"):
			cur[0] = cur[1]
			if verbose {
				out.Event(image, fmt.Sprintf("push %s: %s", msg.ID, msg.Status))
			}
		}
		layers[msg.ID] = cur
		if !verbose {
			var done, total int64
			for _, id := range order {
				done += layers[id][0]
				total += layers[id][1]
			}
			out.Set(image, fmt.Sprintf("pushing %d layers  %s / %s", len(order), humanBytes(done), humanBytes(total)))
		}
	}
	if digest == "" {
		return "", &PushError{Ref: ref, Message: "the engine reported no manifest digest"}
	}
	return digest, nil
}

func pushError(ref, msg string, err error, toECR bool) error {
	if err != nil && client.IsErrConnectionFailed(err) {
		return fmt.Errorf("push %s: %w", ref, &EngineError{Err: err})
	}
	pe := &PushError{Ref: ref, Message: msg}
	low := strings.ToLower(msg)
	switch {
	case (strings.Contains(low, "unauthorized") || strings.Contains(low, "denied") || strings.Contains(low, "authentication required")) && toECR:
		pe.Hint = "the registry refused the credentials from ecr:GetAuthorizationToken: check that the role may push to the repository (ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage) and run again"
	case strings.Contains(low, "unauthorized") || strings.Contains(low, "denied") || strings.Contains(low, "authentication required"):
		pe.Hint = "the registry refused the credentials Docker has for it: run docker login " + registryHost(ref)
	case strings.Contains(low, "tag invalid") || strings.Contains(low, "immutable"):
		pe.Hint = "the repository's tags are immutable and this tag already names another image"
	case strings.Contains(low, "connection reset") || strings.Contains(low, "connection refused") || strings.Contains(low, "eof") ||
		strings.Contains(low, "timeout") || strings.Contains(low, "no such host"):
		pe.Hint = "the registry could not be reached; check the network and run again: layers already pushed are not sent again"
	}
	return pe
}
