package release

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/ecsctl/ecsctl/imagedefs"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// ImageRef is one container's image, as an imagedefinitions.json entry or an
// --image container=uri flag gives it.
type ImageRef struct {
	Container string
	URI       string
	// Source is where it came from ("imagedefinitions.json", "--image"), for messages.
	Source string
}

// readImageDefinitions reads a CodePipeline imagedefinitions.json
// ([{"name":"<container>","imageUri":"<uri>"}, ...]) with package imagedefs'
// strict parser.
func readImageDefinitions(path string) ([]ImageRef, error) {
	defs, err := imagedefs.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exitcode.BadInput(fmt.Errorf("%s does not exist: run `ecsctl build` first, pass --imagedefs PATH, or give images with --image container=uri", path))
	case err != nil:
		return nil, err // *imagedefs.Error says where and exits 2
	case len(defs) == 0:
		return nil, exitcode.BadInput(fmt.Errorf("%s lists no images: run `ecsctl build`, or give images with --image container=uri", path))
	}
	refs := make([]ImageRef, len(defs))
	for i, d := range defs {
		refs[i] = ImageRef{Container: d.Name, URI: d.ImageURI, Source: path}
	}
	return refs, nil
}

// ParseImageFlag parses an --image value, "container=uri".
func ParseImageFlag(s string) (ImageRef, error) {
	name, uri, ok := strings.Cut(s, "=")
	name, uri = strings.TrimSpace(name), strings.TrimSpace(uri)
	if !ok || name == "" || uri == "" {
		return ImageRef{}, exitcode.BadInput(fmt.Errorf("--image %q: write it as container=uri, e.g. --image web=123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:…", s))
	}
	if _, err := imagedefs.ParseImageURI(uri); err != nil {
		return ImageRef{}, exitcode.BadInput(fmt.Errorf("--image %s: the image %v", name, err))
	}
	return ImageRef{Container: name, URI: uri, Source: "--image"}, nil
}

// mergeImages lays refs from flags over those from the file (a flag wins for
// its container) and refuses a container named twice in one source.
func mergeImages(file, flags []ImageRef) ([]ImageRef, error) {
	out := []ImageRef{}
	idx := map[string]int{}
	for _, src := range [][]ImageRef{file, flags} {
		seen := map[string]bool{}
		for _, r := range src {
			if seen[r.Container] {
				return nil, exitcode.BadInput(fmt.Errorf("%s names container %q twice; give each container one image", r.Source, r.Container))
			}
			seen[r.Container] = true
			if i, ok := idx[r.Container]; ok {
				out[i] = r
				continue
			}
			idx[r.Container] = len(out)
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out, nil
}
