package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

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

// readImageDefinitions reads a CodePipeline imagedefinitions.json:
// [{"name":"<container>","imageUri":"<uri>"}, ...].
//
// TODO(imagedefs): switch to package imagedefs' parser once it lands.
func readImageDefinitions(path string) ([]ImageRef, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, exitcode.BadInput(fmt.Errorf("%s does not exist: run `ecsctl build` first, pass --imagedefs PATH, or give images with --image container=uri", path))
	}
	if err != nil {
		return nil, fmt.Errorf("read image definitions: %w", err)
	}
	var entries []struct {
		Name     string `json:"name"`
		ImageURI string `json:"imageUri"`
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, exitcode.BadInput(fmt.Errorf("%s is not valid imagedefinitions.json (a JSON list of {\"name\": container, \"imageUri\": uri}): %v", path, err))
	}
	if len(entries) == 0 {
		return nil, exitcode.BadInput(fmt.Errorf("%s lists no images: run `ecsctl build`, or give images with --image container=uri", path))
	}
	refs := make([]ImageRef, 0, len(entries))
	for i, e := range entries {
		if e.Name == "" || e.ImageURI == "" {
			return nil, exitcode.BadInput(fmt.Errorf("%s: entry %d needs both \"name\" (the container) and \"imageUri\"", path, i+1))
		}
		refs = append(refs, ImageRef{Container: e.Name, URI: e.ImageURI, Source: path})
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
	if strings.ContainsAny(uri, " \t") {
		return ImageRef{}, exitcode.BadInput(fmt.Errorf("--image %q: the image URI must not contain spaces", s))
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
