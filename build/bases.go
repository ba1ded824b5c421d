package build

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/opencontainers/go-digest"
)

// Base images. An image built FROM golang:1.26 changes when that tag moves,
// though nothing in its context did, so the content key also covers every
// image a Dockerfile starts from or copies from: the image BuildKit will
// use for it. The engine's own image of that name comes first (the build
// uses it without pulling), named by the registry digest it was pulled by
// when it has one, so a laptop and a fresh CI machine agree; else the digest
// the registry answers for the tag now. References pinned by digest are
// covered by the Dockerfile's text already, and so are earlier stages.

// BaseImage is an image a Dockerfile builds on, as the content key saw it.
type BaseImage struct {
	// Ref is the reference as the Dockerfile names it, build args expanded.
	Ref string `json:"ref"`
	// Digest is the registry digest (sha256:...) the build uses, or for an
	// image the engine has only locally (imported, or built here), its ID.
	Digest string `json:"digest,omitempty"`
	// Source is "local" (the engine's image) or "registry".
	Source string `json:"source,omitempty"`
	// Unresolved says why the image could not be identified; it is then not
	// part of the content key (ecsctl warns).
	Unresolved string `json:"unresolved,omitempty"`
}

// baseRef is an image a Dockerfile instruction names.
type baseRef struct {
	ref  string // build args expanded
	line int
	err  string // why the reference cannot be known before building
}

var argRE = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expandArgs expands $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word} the way
// a Dockerfile does, and reports the first variable no value is known for.
func expandArgs(s string, vars map[string]string) (string, string) {
	missing := ""
	out := argRE.ReplaceAllStringFunc(s, func(m string) string {
		g := argRE.FindStringSubmatch(m)
		name, op, word := g[1], g[2], g[3]
		if name == "" {
			name = g[4]
		}
		v, ok := vars[name]
		switch op {
		case ":-":
			if !ok || v == "" {
				return word
			}
		case ":+":
			if ok && v != "" {
				return word
			}
			return ""
		}
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	return out, missing
}

// externalImages lists the images a Dockerfile's FROM and COPY --from
// instructions name, other than scratch, earlier stages and references
// pinned by digest. Variables take the global ARGs' defaults (the ARGs
// before the first FROM), overridden by build args; a reference with a
// variable neither sets comes back with err set.
func externalImages(df *dockerfile, buildArgs map[string]string) []baseRef {
	vars := map[string]string{}
	stages := map[string]bool{}
	var refs []baseRef
	seen := map[string]bool{}
	add := func(raw string, line int) {
		ref, missing := expandArgs(raw, vars)
		r := baseRef{ref: ref, line: line}
		if missing != "" {
			r.ref, r.err = raw, "it uses $"+missing+", which no ARG default or build arg sets"
		}
		switch {
		case r.ref == "", strings.EqualFold(r.ref, "scratch"), stages[strings.ToLower(r.ref)], strings.Contains(r.ref, "@sha256:"), seen[r.ref]:
			return
		}
		seen[r.ref] = true
		refs = append(refs, r)
	}
	inStages := false
	for _, in := range df.instructions {
		switch in.keyword {
		case "ARG":
			if inStages {
				continue // a stage's ARGs do not reach FROM
			}
			for _, f := range strings.Fields(in.text)[1:] {
				name, def, hasDef := strings.Cut(f, "=")
				if v, ok := buildArgs[name]; ok {
					vars[name] = v
				} else if hasDef {
					vars[name] = strings.Trim(def, `"'`)
				}
			}
		case "FROM":
			inStages = true
			add(fromImage(in.text), in.line)
			if m := fromAsRE.FindStringSubmatch(in.text); m != nil {
				stages[strings.ToLower(m[1])] = true
			}
		case "COPY":
			for _, f := range strings.Fields(in.text)[1:] {
				from, ok := strings.CutPrefix(f, "--from=")
				if !ok {
					continue
				}
				if _, err := strconv.Atoi(from); err == nil {
					break // a stage by its index
				}
				add(from, in.line)
			}
		}
	}
	return refs
}

// baseResolver identifies base images, each once per run, concurrently,
// and fetches those the engine lacks before a build needs them.
type baseResolver struct {
	docker Docker
	// pull skips the engine's images: every base is identified by the
	// registry and pulled (docker build --pull).
	pull bool
	// auth returns the X-Registry-Auth value for reading ref from its
	// registry ("" for anonymous access).
	auth func(ctx context.Context, ref string) (string, error)

	mu    sync.Mutex
	cache map[string]*baseResult
}

type baseResult struct {
	once    sync.Once
	img     BaseImage
	auth    string
	fetch   sync.Once
	fetched error
}

func newBaseResolver(d Docker, pull bool, auth func(context.Context, string) (string, error)) *baseResolver {
	return &baseResolver{docker: d, pull: pull, auth: auth, cache: map[string]*baseResult{}}
}

func (r *baseResolver) entry(ref string) *baseResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.cache[ref]
	if res == nil {
		res = &baseResult{}
		r.cache[ref] = res
	}
	return res
}

// resolve identifies the image ref names, as the build will use it.
func (r *baseResolver) resolve(ctx context.Context, ref string) BaseImage {
	res := r.entry(ref)
	res.once.Do(func() { res.img, res.auth = r.lookup(ctx, ref) })
	return res.img
}

func (r *baseResolver) lookup(ctx context.Context, ref string) (BaseImage, string) {
	img := BaseImage{Ref: ref}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		img.Unresolved = fmt.Sprintf("not a valid image reference: %v", err)
		return img, ""
	}
	var local client.ImageInspectResult
	err = cerrdefs.ErrNotFound
	if !r.pull {
		local, err = r.docker.ImageInspect(ctx, ref)
	}
	switch {
	case err == nil:
		img.Source, img.Digest = "local", local.ID
		for _, rd := range local.RepoDigests {
			if d, err := reference.ParseNormalizedNamed(rd); err == nil && d.Name() == named.Name() {
				if c, ok := d.(reference.Canonical); ok {
					img.Digest = c.Digest().String() // as pulled: what the registry names it
					break
				}
			}
		}
		return img, ""
	case !cerrdefs.IsNotFound(err):
		img.Unresolved = fmt.Sprintf("inspect the engine's image: %v", err)
		return img, ""
	}
	auth, err := r.auth(ctx, ref)
	if err != nil {
		img.Unresolved = err.Error()
		return img, ""
	}
	dist, err := r.docker.DistributionInspect(ctx, ref, client.DistributionInspectOptions{EncodedRegistryAuth: auth})
	if err != nil {
		img.Unresolved = fmt.Sprintf("ask the registry: %v", err)
		return img, ""
	}
	img.Source, img.Digest = "registry", dist.Descriptor.Digest.String()
	return img, auth
}

// fetch pulls a base the registry identified, by its digest, and tags it
// with the reference the Dockerfile uses, once per run. BuildKit then takes
// it from the engine: builds started through the Engine API have no client
// session, so BuildKit cannot authenticate to a registry by itself (and
// engines before 2026 cannot even pull public images that way).
func (r *baseResolver) fetch(ctx context.Context, b BaseImage, out Progress, image string) error {
	if b.Source != "registry" {
		return nil
	}
	res := r.entry(b.Ref)
	res.fetch.Do(func() {
		named, err := reference.ParseNormalizedNamed(b.Ref)
		if err != nil {
			res.fetched = err
			return
		}
		d, err := digest.Parse(b.Digest)
		if err != nil {
			res.fetched = err
			return
		}
		pinned, err := reference.WithDigest(reference.TrimNamed(named), d)
		if err != nil {
			res.fetched = err
			return
		}
		out.Set(image, "pulling base image "+b.Ref)
		pull, err := r.docker.ImagePull(ctx, pinned.String(), client.ImagePullOptions{RegistryAuth: res.auth})
		if err == nil {
			err = pull.Wait(ctx)
			_ = pull.Close()
		}
		if err != nil {
			res.fetched = fmt.Errorf("pull base image %s: %w", pinned, err)
			return
		}
		if _, err := r.docker.ImageTag(ctx, client.ImageTagOptions{Source: pinned.String(), Target: b.Ref}); err != nil {
			res.fetched = fmt.Errorf("tag base image %s as %s: %w", pinned, b.Ref, err)
			return
		}
		out.Event(image, "pulled base image "+b.Ref+" ("+b.Digest+")")
	})
	return res.fetched
}

// resolveBases identifies the base images of im's Dockerfile. Those that
// cannot be identified are reported and left out of the key.
func resolveBases(ctx context.Context, im *image, df *dockerfile, r *baseResolver, out Progress) []BaseImage {
	refs := externalImages(df, im.args)
	imgs := make([]BaseImage, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		if ref.err != "" {
			imgs[i] = BaseImage{Ref: ref.ref, Unresolved: ref.err}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			imgs[i] = r.resolve(ctx, ref.ref)
		}()
	}
	wg.Wait()
	for i, b := range imgs {
		if b.Unresolved != "" {
			out.Event(im.name, fmt.Sprintf("warning: base image %s (%s:%d) is not part of the content key, so a change to it alone will not rebuild this image: %s; fix that, or pin the image by digest (FROM name@sha256:...)",
				b.Ref, im.dfShown, refs[i].line, b.Unresolved))
		}
	}
	return imgs
}
