// Package build is `ecsctl build`: it builds the config's images
// concurrently with BuildKit through the Docker Engine API, pushes them to
// ECR (or another registry) tagged with the source revision, pins them by
// digest, and writes imagedefinitions.json and imageDetail.json.
//
// An image whose inputs did not change is not built again. Each pushed image
// carries a content key (see buildContext.key): a sha256 over its build
// context after .dockerignore, Dockerfile name, target, build args,
// platform and base images (see bases.go), recorded in ECR as the tag "ecsctl-key-<key>". When ECR already
// holds an image with the key, that image is reused: the new revision's tag
// is added to it with PutImage, with no build and no push.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecsctl/ecsctl/imagedefs"
	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// Options say what to build and where it goes. Zero values take the
// config's settings (build: and images:).
type Options struct {
	Config *config.Config
	// Images are the names of the images to build; empty for all of them.
	Images []string
	// Tags are extra tags for every image, after the config's build.tags
	// and the image's own tags.
	Tags []string
	// NoPush builds only: no AWS call, no push, no file written.
	NoPush bool
	// CreateRepositories creates missing ECR repositories (scan on push,
	// immutable tags); the config's build.create_repositories also does.
	CreateRepositories bool
	// Concurrency is how many images build at once (0: the config's, else all).
	Concurrency int
	// Network is the network mode of RUN steps: default, none or host.
	Network string
	// Pull identifies every base image by asking its registry, and pulls
	// it, even when the engine has an image of that name (docker build
	// --pull); by default the engine's image is used as it is.
	Pull bool
	// Platform overrides every image's platform ("linux/amd64").
	Platform string
	// ImageDefinitions is where imagedefinitions.json goes (default: the
	// config's imagedefinitions, relative to the config file).
	ImageDefinitions string

	// Docker is the engine; required.
	Docker Docker
	// ECR is required unless NoPush or every image names another registry.
	ECR ECR
	// Progress receives per-image progress; nil for none.
	Progress Progress
	// Verbose reports every build step and its output as events (CI logs)
	// instead of only the current step as a status line (a terminal).
	Verbose bool
	// Getenv reads CODEBUILD_RESOLVED_SOURCE_VERSION and DOCKER_CONFIG;
	// default os.Getenv.
	Getenv func(string) string
}

// Status says what became of an image.
type Status string

const (
	// Built: the engine built the image and, unless NoPush, it was pushed.
	Built Status = "built"
	// Reused: not built; ECR already held an image with the same content
	// key, and the tags it lacked (this revision's) were added to it with
	// PutImage. Nothing was pushed.
	Reused Status = "reused"
	// Skipped: not built and nothing written; ECR already held an image
	// with the same content key and every tag this run asks for.
	Skipped Status = "skipped"
	// Failed: the image could not be built, pushed or tagged.
	Failed Status = "failed"
)

// ImageResult is what became of one image.
type ImageResult struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Repository is the repository URI (host/name); with NoPush, the local name.
	Repository string `json:"repository"`
	// Tags are the tags this run gave the image: the revision tag first.
	Tags []string `json:"tags"`
	// Digest is the manifest digest the registry serves ("" with NoPush).
	Digest string `json:"digest,omitempty"`
	// ImageURI is Repository@Digest, what imagedefinitions.json holds.
	ImageURI string `json:"imageUri,omitempty"`
	// ContentKey is "sha256:<hex>" (see the package comment).
	ContentKey string `json:"contentKey"`
	// Bases are the images its Dockerfile builds on, as the key covers them.
	Bases []BaseImage `json:"bases,omitempty"`
	// ImageID is the local image ID when the image was built.
	ImageID string `json:"imageId,omitempty"`
	// Containers are the task definition containers that run this image.
	Containers []string `json:"containers"`
	// PreviousTags are the tags a reused or skipped image had before this
	// run, besides its key tag: the revisions that built or used it.
	PreviousTags []string `json:"previousTags,omitempty"`
	ContextBytes int64    `json:"contextBytes"`
	Seconds      float64  `json:"seconds"`
	Error        string   `json:"error,omitempty"`
}

// Result is what a build did.
type Result struct {
	Revision Revision      `json:"revision"`
	Pushed   bool          `json:"pushed"`
	Images   []ImageResult `json:"images"`
	// ImageDefinitions is the imagedefinitions.json written ("" if none).
	ImageDefinitions string `json:"imagedefinitions,omitempty"`
	// ImageDetails are the imageDetail.json files written.
	ImageDetails []string `json:"imageDetails,omitempty"`
}

// WriteText prints one line per image and the files written.
func (r *Result) WriteText(w io.Writer) error {
	width := 0
	for _, im := range r.Images {
		width = max(width, len(im.Name))
	}
	for _, im := range r.Images {
		ref := im.ImageURI
		if ref == "" && len(im.Tags) > 0 {
			ref = im.Repository + ":" + im.Tags[0]
		}
		line := fmt.Sprintf("%-*s  %-7s  %s", width, im.Name, im.Status, ref)
		if len(im.Tags) > 0 && im.ImageURI != "" {
			line += "  tags: " + strings.Join(im.Tags, ", ")
		}
		if len(im.PreviousTags) > 0 {
			line += "  (image of " + strings.Join(im.PreviousTags, ", ") + ")"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	for _, f := range append([]string{r.ImageDefinitions}, r.ImageDetails...) {
		if f != "" {
			if _, err := fmt.Fprintf(w, "wrote %s\n", f); err != nil {
				return err
			}
		}
	}
	return nil
}

// DetailDir is the directory, beside imagedefinitions.json, that holds one
// imageDetail.json per image (imagedetail/<image>/imageDetail.json), each
// an input artifact for CodePipeline's ECS blue/green action.
const DetailDir = "imagedetail"

// image is one image through a run.
type image struct {
	cfg        *config.Image
	name       string
	contextDir string
	dockerfile string // path on disk
	dfShown    string // as messages show it
	platform   string // "" for the engine's
	args       map[string]string
	extraTags  []string

	bc  *buildContext
	df  *dockerfile // as read when the key was computed
	key string

	repo     *repo // ECR repository; nil for another registry or NoPush
	repoName string
	external string // another registry's image name
	missing  bool   // the ECR repository does not exist yet
	revTag   string
	tags     []string // revTag, then extra tags
	lookup   *lookup

	res ImageResult
}

// Run builds, pushes and records the images.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Config == nil {
		return nil, errors.New("build: no config")
	}
	if o.Docker == nil {
		return nil, errors.New("build: no Docker client")
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	cfg := o.Config

	images, err := prepare(cfg, &o)
	if err != nil {
		return nil, err
	}
	if !o.NoPush && o.ECR == nil {
		for _, im := range images {
			if im.external == "" {
				return nil, errors.New("build: no ECR client")
			}
		}
	}
	defsPath := o.ImageDefinitions
	if defsPath == "" {
		defsPath = cfg.ResolvePath(cfg.ImageDefinitions)
	}
	defsPath, _ = filepath.Abs(defsPath)
	if !o.NoPush {
		if st, err := os.Stat(filepath.Dir(defsPath)); err != nil || !st.IsDir() {
			return nil, exitcode.BadInput(fmt.Errorf("cannot write %s: directory %s does not exist", defsPath, filepath.Dir(defsPath)))
		}
	}

	engine, err := pingEngine(ctx, o.Docker)
	if err != nil {
		return nil, err
	}

	outputs := []string{defsPath, filepath.Join(filepath.Dir(defsPath), imagedefs.DetailFileName), filepath.Join(filepath.Dir(defsPath), DetailDir)}
	rev, err := findRevision(ctx, cfg.Dir, o.Getenv, outputs)
	var nr *NoRevisionError
	switch {
	case errors.As(err, &nr) && o.NoPush:
		rev = Revision{Source: "none"}
	case err != nil:
		return nil, err
	}

	auth := &authCache{api: o.ECR}
	bases := newBaseResolver(o.Docker, o.Pull, func(ctx context.Context, ref string) (string, error) {
		if !o.NoPush && o.ECR != nil {
			if a, ok, err := auth.forHost(ctx, registryHost(ref)); ok || err != nil {
				return a, err
			}
		}
		return dockerAuth(ctx, dockerConfigDir(o.Getenv), ref)
	})
	if err := hashContexts(ctx, images, engine, o, bases, outputs); err != nil {
		return nil, err
	}

	res := &Result{Pushed: !o.NoPush, Revision: rev}
	for _, im := range images {
		im.revTag = rev.Tag(im.key)
		if rev.ID == "" {
			im.revTag = "dev-" + im.key[:12]
		}
		im.tags = append([]string{im.revTag}, without(im.extraTags, im.revTag)...)
	}

	if !o.NoPush {
		if err := planPush(ctx, images, o); err != nil {
			return nil, err
		}
	}

	runErr := execute(ctx, images, o, auth, bases)
	for _, im := range images {
		res.Images = append(res.Images, im.res)
	}
	if runErr != nil {
		return res, runErr
	}
	if o.NoPush {
		return res, nil
	}
	if err := writeFiles(images, defsPath, res); err != nil {
		return res, err
	}
	return res, nil
}

// prepare selects the images and checks, without touching the engine or
// AWS, everything a user could have got wrong.
func prepare(cfg *config.Config, o *Options) ([]*image, error) {
	var selected []*config.Image
	if len(o.Images) == 0 {
		selected = cfg.Images
	} else {
		var unknown []string
		seen := map[string]bool{}
		for _, name := range o.Images {
			im := cfg.Image(name)
			switch {
			case im == nil:
				unknown = append(unknown, fmt.Sprintf("%q", name))
			case !seen[name]:
				seen[name] = true
				selected = append(selected, im)
			}
		}
		if len(unknown) > 0 {
			return nil, exitcode.BadInput(fmt.Errorf("no image named %s in %s: the images are %s", strings.Join(unknown, ", "), cfg.Path, imageNames(cfg)))
		}
	}
	if len(selected) == 0 {
		return nil, exitcode.BadInput(fmt.Errorf("%s lists no images to build; add some under images:", cfg.Path))
	}

	var usage []string
	switch o.Network {
	case "":
		o.Network = cfg.Build.Network
	case "default", "none", "host":
	default:
		usage = append(usage, fmt.Sprintf("--network %q is not supported; use default, none or host", o.Network))
	}
	if o.Network == "default" {
		o.Network = ""
	}
	if o.Platform != "" {
		if _, err := parsePlatform(o.Platform); err != nil {
			usage = append(usage, "--platform: "+err.Error())
		}
	}
	switch {
	case o.Concurrency < 0:
		usage = append(usage, "--concurrency must be 1 or more")
	case o.Concurrency == 0:
		o.Concurrency = cfg.Build.Concurrency
	}
	if o.Concurrency <= 0 {
		o.Concurrency = len(selected)
	}
	for _, t := range o.Tags {
		if !config.ValidTag(t) {
			usage = append(usage, fmt.Sprintf("--tag %q is not a valid image tag (letters, digits, _ . -, up to 128, not starting with . or -)", t))
		} else if strings.HasPrefix(t, KeyTagPrefix) {
			usage = append(usage, fmt.Sprintf("--tag %q: tags starting with %s are ecsctl's content keys", t, KeyTagPrefix))
		}
	}
	o.CreateRepositories = o.CreateRepositories || cfg.Build.CreateRepositories
	if len(usage) > 0 {
		return nil, exitcode.BadInput(errors.New(strings.Join(usage, "; ")))
	}

	var problems []config.Problem
	var images []*image
	for _, c := range selected {
		im := &image{cfg: c, name: c.Name, repoName: c.Repository, external: c.Registry, args: c.Args}
		im.platform = c.Platform
		if o.Platform != "" {
			im.platform = o.Platform
		}
		if im.platform != "" {
			if _, err := parsePlatform(im.platform); err != nil {
				problems = append(problems, cfg.Problem("images."+c.Name+".platform", "%v", err))
			}
		}
		im.extraTags = dedupe(append(append(append([]string(nil), cfg.Build.Tags...), c.Tags...), o.Tags...))
		im.res = ImageResult{Name: c.Name, Containers: c.Containers}

		im.contextDir = cfg.ResolvePath(c.Context)
		st, err := os.Stat(im.contextDir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, cfg.Problem("images."+c.Name+".context", "build context %s does not exist; create it or fix the path (relative to %s)", im.contextDir, cfg.Dir))
			images = append(images, im)
			continue
		case err != nil:
			problems = append(problems, cfg.Problem("images."+c.Name+".context", "cannot read build context: %v", err))
			images = append(images, im)
			continue
		case !st.IsDir():
			problems = append(problems, cfg.Problem("images."+c.Name+".context", "build context %s is a file; give its directory", im.contextDir))
			images = append(images, im)
			continue
		}
		df := c.Dockerfile
		if df == "" {
			df = config.DefaultDockerfile
		}
		im.dockerfile = df
		if !filepath.IsAbs(df) {
			im.dockerfile = filepath.Join(im.contextDir, df)
		}
		im.dfShown = displayPath(cfg.Dir, im.dockerfile)
		st, err = os.Stat(im.dockerfile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, cfg.Problem("images."+c.Name+".dockerfile", "Dockerfile %s does not exist; add it, or set dockerfile: (relative to the context %s)", im.dockerfile, c.Context))
		case err != nil:
			problems = append(problems, cfg.Problem("images."+c.Name+".dockerfile", "cannot read Dockerfile: %v", err))
		case st.IsDir():
			problems = append(problems, cfg.Problem("images."+c.Name+".dockerfile", "Dockerfile %s is a directory", im.dockerfile))
		}
		images = append(images, im)
	}
	if err := cfg.Errors(problems); err != nil {
		return nil, err
	}
	return images, nil
}

func imageNames(cfg *config.Config) string {
	var names []string
	for _, im := range cfg.Images {
		names = append(names, im.Name)
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func displayPath(base, p string) string {
	if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// hashContexts reads every context (at most two at once: it is disk and
// CPU bound) and computes the content keys.
func hashContexts(ctx context.Context, images []*image, engine engineInfo, o Options, bases *baseResolver, outputs []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for _, im := range images {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			o.Progress.Set(im.name, "reading the build context")
			rel, err := filepath.Rel(im.contextDir, im.dockerfile)
			if err != nil {
				rel = im.dockerfile
			}
			bc, err := loadContext(im.contextDir, rel, outputs...)
			if err != nil {
				return fmt.Errorf("image %s: %w", im.name, err)
			}
			im.bc = bc
			platform := im.platform
			if platform == "" {
				platform = engine.platform
			}
			src, err := os.ReadFile(im.dockerfile)
			if err != nil {
				return fmt.Errorf("image %s: read Dockerfile: %w", im.name, err)
			}
			im.df = parseDockerfile(im.dfShown, src)
			o.Progress.Set(im.name, "identifying base images")
			im.res.Bases = resolveBases(gctx, im, im.df, bases, o.Progress)
			im.key = bc.key(keyInputs{Target: im.cfg.Target, Platform: platform, Args: im.args, Bases: im.res.Bases})
			im.res.ContentKey = "sha256:" + im.key
			im.res.ContextBytes = bc.bytes
			return nil
		})
	}
	return g.Wait()
}

// planPush finds (or checks it may create) each ECR repository, gets the
// registry credentials and asks ECR what it holds of each image, all
// before anything is written, so bad input fails early.
func planPush(ctx context.Context, images []*image, o Options) error {
	cfg := o.Config
	repos := map[string]*repo{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	names := map[string]bool{}
	for _, im := range images {
		if im.external == "" && !names[im.repoName] {
			names[im.repoName] = true
			name := im.repoName
			g.Go(func() error {
				r, err := describeRepo(gctx, o.ECR, name)
				if err != nil {
					return err
				}
				mu.Lock()
				repos[name] = r
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var problems []config.Problem
	for _, im := range images {
		if im.external != "" {
			im.res.Repository = im.external
			continue
		}
		im.repo = repos[im.repoName]
		if im.repo == nil {
			im.missing = true
			if !o.CreateRepositories {
				problems = append(problems, cfg.Problem("images."+im.name+".repository",
					"ECR repository %q does not exist; create it, or run ecsctl build --create-repositories (or set build.create_repositories: true)", im.repoName))
			}
			continue
		}
		im.res.Repository = im.repo.uri
	}
	if err := cfg.Errors(problems); err != nil {
		return err
	}

	g, gctx = errgroup.WithContext(ctx)
	for _, im := range images {
		if im.repo == nil {
			continue
		}
		g.Go(func() error {
			o.Progress.Set(im.name, "looking up the content key in ECR")
			l, err := lookupImages(gctx, o.ECR, im.repo, KeyTagPrefix+im.key, im.tags)
			if err != nil {
				return fmt.Errorf("image %s: %w", im.name, err)
			}
			im.lookup = l
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var conflicts []error
	for _, im := range images {
		if im.lookup == nil || !im.repo.immutable {
			continue
		}
		want := im.lookup.keyDigest // the image these tags must name; "" = a new build
		for _, t := range im.tags {
			if d, ok := im.lookup.tagDigest[t]; ok && d != want {
				conflicts = append(conflicts, &TagConflictError{Image: im.name, Repository: im.repo.name, Tag: t, Digest: d, Revision: t == im.revTag})
			}
		}
	}
	if len(conflicts) > 0 {
		return exitcode.BadInput(errors.Join(conflicts...))
	}
	return nil
}

// execute builds, pushes and tags the images, at most o.Concurrency
// builds at a time. An image that fails does not stop the others: what
// they push is reused by the next run.
func execute(ctx context.Context, images []*image, o Options, auth *authCache, bases *baseResolver) error {
	// Create missing repositories first: the first write of the run.
	for _, im := range images {
		if !im.missing {
			continue
		}
		r, err := createRepo(ctx, o.ECR, im.repoName)
		if err != nil {
			return err
		}
		for _, other := range images {
			if other.repoName == im.repoName && other.external == "" {
				other.repo, other.missing = r, false
				other.res.Repository = r.uri
			}
		}
		o.Progress.Event(im.name, "created ECR repository "+r.name+" (immutable tags, scan on push)")
	}
	// Credentials before building, so a refusal costs no build.
	if !o.NoPush {
		for _, im := range images {
			if im.repo != nil && (im.lookup == nil || im.lookup.keyDigest == "") {
				if _, err := auth.auth(ctx, im.repo); err != nil {
					return err
				}
			}
		}
	}

	slots := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	errs := make([]error, len(images))
	for i, im := range images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := runImage(ctx, im, o, auth, bases, slots)
			im.res.Seconds = time.Since(start).Seconds()
			if err != nil {
				im.res.Status = Failed
				im.res.Error = err.Error()
				o.Progress.Set(im.name, "failed")
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func runImage(ctx context.Context, im *image, o Options, auth *authCache, bases *baseResolver, slots chan struct{}) error {
	im.res.Tags = im.tags
	if im.lookup != nil && im.lookup.keyDigest != "" {
		return reuse(ctx, im, o)
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()

	for _, b := range im.res.Bases {
		if err := bases.fetch(ctx, b, o.Progress, im.name); err != nil {
			return fmt.Errorf("image %s: %w", im.name, err)
		}
	}
	local := im.localRefs(o.NoPush)
	o.Progress.Set(im.name, "building")
	spec := buildSpec{
		image: im.name, dockerfile: im.dfShown, ctx: im.bc, df: im.df,
		tags: local, target: im.cfg.Target, platform: im.platform, args: im.args, network: o.Network,
		labels: map[string]string{
			"org.opencontainers.image.revision": im.revTag,
			"io.ecsctl.content-key":             "sha256:" + im.key,
		},
	}
	id, err := buildImage(ctx, o.Docker, spec, o.Progress, o.Verbose)
	if err != nil {
		var se *StepError
		if errors.As(err, &se) || errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("image %s: build: %w", im.name, err)
	}
	im.res.ImageID = id
	im.res.Status = Built
	if o.NoPush {
		im.res.Repository = strings.TrimSuffix(local[0], ":"+im.revTag)
		o.Progress.Set(im.name, "built "+shortID(id))
		return nil
	}

	if im.external != "" {
		a, err := dockerAuth(ctx, dockerConfigDir(o.Getenv), im.external)
		if err != nil {
			return fmt.Errorf("image %s: %w", im.name, err)
		}
		var digest string
		for _, ref := range local {
			o.Progress.Set(im.name, "pushing "+ref)
			d, err := pushImage(ctx, o.Docker, im.name, ref, a, false, o.Progress, o.Verbose)
			if err != nil {
				return fmt.Errorf("image %s: %w", im.name, err)
			}
			if digest == "" {
				digest = d
			}
		}
		im.done(digest, o)
		return nil
	}

	a, err := auth.auth(ctx, im.repo)
	if err != nil {
		return err
	}
	o.Progress.Set(im.name, "pushing")
	digest, err := pushImage(ctx, o.Docker, im.name, local[0], a, true, o.Progress, o.Verbose)
	if err != nil {
		return fmt.Errorf("image %s: %w", im.name, err)
	}
	// The other tags, and last the content key: an image is reusable only
	// once it is complete.
	manifest, mediaType, err := manifestOf(ctx, o.ECR, im.repo, digest)
	if err != nil {
		return fmt.Errorf("image %s: %w", im.name, err)
	}
	for _, t := range append(im.tags[1:], KeyTagPrefix+im.key) {
		if err := putTag(ctx, o.ECR, im.repo, manifest, mediaType, digest, t); err != nil {
			var taken *tagTakenError
			if errors.As(err, &taken) && strings.HasPrefix(t, KeyTagPrefix) {
				continue // another run pushed the same inputs meanwhile: both images are fine
			}
			return fmt.Errorf("image %s: %w", im.name, err)
		}
	}
	im.done(digest, o)
	return nil
}

// localRefs are the references a build is tagged with in the engine: for
// ECR, the repository URI with the revision tag (pushed, then tagged again
// in ECR); for another registry, every tag (each pushed); with NoPush, the
// repository name.
func (im *image) localRefs(noPush bool) []string {
	switch {
	case noPush && im.external != "":
		return []string{im.external + ":" + im.revTag}
	case noPush:
		return []string{im.repoName + ":" + im.revTag}
	case im.external != "":
		var refs []string
		for _, t := range im.tags {
			refs = append(refs, im.external+":"+t)
		}
		return refs
	}
	return []string{im.repo.uri + ":" + im.revTag}
}

func (im *image) done(digest string, o Options) {
	im.res.Digest = digest
	im.res.ImageURI = im.res.Repository + "@" + digest
	o.Progress.Set(im.name, fmt.Sprintf("%s %s", im.res.Status, im.res.ImageURI))
}

// reuse tags the image ECR already holds for the content key with the tags
// it lacks.
func reuse(ctx context.Context, im *image, o Options) error {
	l := im.lookup
	var missing []string
	for _, t := range im.tags {
		if l.tagDigest[t] != l.keyDigest {
			missing = append(missing, t)
		}
	}
	prev, err := imageTags(ctx, o.ECR, im.repo, l.keyDigest)
	if err != nil {
		return fmt.Errorf("image %s: %w", im.name, err)
	}
	for _, t := range prev {
		if !strings.HasPrefix(t, KeyTagPrefix) && !slices.Contains(im.tags, t) {
			im.res.PreviousTags = append(im.res.PreviousTags, t)
		}
	}
	sort.Strings(im.res.PreviousTags)
	im.res.Status = Skipped
	if len(missing) > 0 {
		im.res.Status = Reused
		o.Progress.Set(im.name, "unchanged: tagging "+strings.Join(missing, ", "))
		for _, t := range missing {
			if err := putTag(ctx, o.ECR, im.repo, l.manifest, l.mediaType, l.keyDigest, t); err != nil {
				return fmt.Errorf("image %s: %w", im.name, err)
			}
		}
	}
	im.done(l.keyDigest, o)
	return nil
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// writeFiles writes imageDetail.json per image and imagedefinitions.json,
// that last, each atomically.
func writeFiles(images []*image, defsPath string, res *Result) error {
	dir := filepath.Dir(defsPath)
	var defs []imagedefs.Definition
	for _, im := range images {
		for _, c := range im.cfg.Containers {
			defs = append(defs, imagedefs.Definition{Name: c, ImageURI: im.res.ImageURI})
		}
	}
	if err := imagedefs.Check(defs); err != nil {
		return fmt.Errorf("write %s: %w", defsPath, err)
	}
	details := map[string]imagedefs.Detail{}
	for _, im := range images {
		d := imagedefs.Detail{ImageURI: im.res.ImageURI, ImageDigest: im.res.Digest, ImageTags: im.res.Tags}
		if im.repo != nil {
			d.RepositoryName, d.RegistryID = im.repo.name, im.repo.registryID
		}
		p := filepath.Join(dir, DetailDir, im.name, imagedefs.DetailFileName)
		details[p] = d
		if len(images) == 1 {
			details[filepath.Join(dir, imagedefs.DetailFileName)] = d
		}
	}
	paths := make([]string, 0, len(details))
	for p := range details {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := imagedefs.WriteDetailFile(p, details[p]); err != nil {
			return err
		}
		res.ImageDetails = append(res.ImageDetails, p)
	}
	if err := imagedefs.WriteFile(defsPath, defs); err != nil {
		return err
	}
	res.ImageDefinitions = defsPath
	return nil
}
