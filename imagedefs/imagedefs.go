// Package imagedefs writes, reads and checks the files CodePipeline's ECS
// deploy actions take as input:
//
//   - imagedefinitions.json (standard ECS deploy action): a JSON array of
//     {"name": "<container>", "imageUri": "<image>"}, UTF-8, at most 100 KB;
//   - imageDetail.json (CodeDeploy blue/green ECS action): an object whose
//     ImageURI names one image, as Amazon ECR source actions produce it.
//
// Parsing is strict, because a deploy should stop on a file it cannot trust:
// unknown or repeated keys, duplicate container names, empty or malformed
// image references, non-UTF-8 bytes and oversize files are errors that say
// where (line and column) and what to do.
//
// Files are written atomically: the new content goes to a temporary file in
// the same directory, which is synced and renamed over the old one, so a
// reader sees the old file or the new one, never a part.
package imagedefs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// File names CodePipeline looks for by default.
const (
	FileName       = "imagedefinitions.json"
	DetailFileName = "imageDetail.json"
)

// MaxSize is the largest file accepted or written, in bytes. CodePipeline
// limits image definitions files to 100 KB; this package takes the smaller
// reading (100,000 bytes) so a file it accepts is never refused later.
const MaxSize = 100_000

// Definition is one entry of imagedefinitions.json: the container named Name
// in the task definition runs ImageURI.
type Definition struct {
	Name     string `json:"name"`
	ImageURI string `json:"imageUri"`
}

// Detail is imageDetail.json. Only ImageURI is required; the other fields
// are those an Amazon ECR source action writes, all optional.
type Detail struct {
	ImageURI         string   `json:"ImageURI"`
	ImageDigest      string   `json:"ImageDigest,omitempty"`
	RepositoryName   string   `json:"RepositoryName,omitempty"`
	RegistryID       string   `json:"RegistryId,omitempty"`
	ImageTags        []string `json:"ImageTags,omitempty"`
	ImageSizeInBytes string   `json:"ImageSizeInBytes,omitempty"`
	ImagePushedAt    string   `json:"ImagePushedAt,omitempty"`
	Version          string   `json:"Version,omitempty"`
}

// Ref is an image reference split into its parts.
type Ref struct {
	// Repository is the name with its registry host, if any
	// ("123456789012.dkr.ecr.us-east-1.amazonaws.com/web", "httpd").
	Repository string
	Tag        string // "" when absent
	Digest     string // "sha256:...", "" when absent
}

// Pinned reports whether the reference names an image by digest, so it
// cannot change under a deploy.
func (r Ref) Pinned() bool { return r.Digest != "" }

// containerNameRE is what ECS accepts as a container name.
var containerNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// validContainerName reports whether name is a valid ECS container name (up to 255 characters).
func validContainerName(name string) bool {
	return len(name) <= 255 && containerNameRE.MatchString(name)
}

// ParseImageURI checks an image reference as Docker and ECS read it
// ("repo", "host:port/path/repo:tag", "repo@sha256:<64 hex>",
// "repo:tag@sha256:...") and splits it.
func ParseImageURI(s string) (Ref, error) {
	switch {
	case s == "":
		return Ref{}, errors.New("is empty; give an image such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:<digest>")
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n"):
		return Ref{}, fmt.Errorf("%q contains white space", s)
	case strings.Contains(s, "://"):
		return Ref{}, fmt.Errorf("%q is a URL; give the image without a scheme (host/repository:tag or host/repository@sha256:digest)", s)
	}
	parsed, err := reference.Parse(s)
	if err != nil {
		return Ref{}, fmt.Errorf("%q is not a valid image reference: %v", s, err)
	}
	named, ok := parsed.(reference.Named)
	if !ok {
		return Ref{}, fmt.Errorf("%q has no repository name", s)
	}
	ref := Ref{Repository: named.Name()}
	if t, ok := parsed.(reference.Tagged); ok {
		ref.Tag = t.Tag()
	}
	if d, ok := parsed.(reference.Digested); ok {
		ref.Digest = d.Digest().String()
	}
	return ref, nil
}

// Problem is one thing wrong with a file, at a 1-based line and column
// (0 when it concerns the whole file).
type Problem struct {
	Line, Column int
	Message      string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Message)
}

// Error lists what is wrong with a file.
type Error struct {
	File     string // "" when parsing bytes
	Problems []Problem
}

func (e *Error) Error() string {
	name := e.File
	if name == "" {
		name = "input"
	}
	if len(e.Problems) == 1 {
		p := e.Problems[0]
		if p.Line == 0 {
			return name + ": " + p.Message
		}
		return name + ":" + p.String()
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = name + ":" + p.String()
		if p.Line == 0 {
			lines[i] = name + ": " + p.Message
		}
	}
	return fmt.Sprintf("%d problems in %s:\n  %s", len(lines), name, strings.Join(lines, "\n  "))
}

// ExitCode marks a bad file as bad input (exit code 2).
func (e *Error) ExitCode() int { return 2 }

// maxProblems bounds how many problems one Error lists.
const maxProblems = 20

// Parse reads imagedefinitions.json content.
func Parse(data []byte) ([]Definition, error) {
	p := newParser(data)
	if !p.checkEncoding() {
		return nil, p.err()
	}
	var defs []Definition
	type seenAt struct{ entry, line int }
	seen := map[string]seenAt{}
	p.document('[', func(entry int) {
		line, col := p.pos(p.next())
		fields := p.object(entry, []string{"name", "imageUri"})
		if fields == nil {
			return
		}
		def := Definition{Name: fields["name"].value, ImageURI: fields["imageUri"].value}
		if f, ok := fields["name"]; f.bad {
			// reported already
		} else if !ok {
			p.problem(line, col, "entry %d: missing \"name\" (the container name in the task definition)", entry)
		} else if !validContainerName(def.Name) {
			p.problemAt(f.off, "entry %d: container name %q must be 1-255 letters, digits, hyphens and underscores", entry, def.Name)
		} else if prev, dup := seen[def.Name]; dup {
			p.problemAt(f.off, "entry %d: container %q is already given an image by entry %d (line %d); list each container once", entry, def.Name, prev.entry, prev.line)
		} else {
			l, _ := p.pos(f.off)
			seen[def.Name] = seenAt{entry, l}
		}
		if f, ok := fields["imageUri"]; f.bad {
			// reported already
		} else if !ok {
			p.problem(line, col, "entry %d: missing \"imageUri\" (the image the container runs)", entry)
		} else if _, err := ParseImageURI(def.ImageURI); err != nil {
			p.problemAt(f.off, "entry %d: imageUri %v", entry, err)
		}
		defs = append(defs, def)
	})
	if len(p.problems) == 0 && len(defs) == 0 {
		p.problem(0, 0, "lists no images; it needs at least one {\"name\": \"<container>\", \"imageUri\": \"<image>\"}")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return defs, nil
}

// ParseDetail reads imageDetail.json content.
func ParseDetail(data []byte) (*Detail, error) {
	p := newParser(data)
	if !p.checkEncoding() {
		return nil, p.err()
	}
	known := []string{"ImageURI", "ImageDigest", "RepositoryName", "RegistryId", "ImageTags", "ImageSizeInBytes", "ImagePushedAt", "Version"}
	start := p.next()
	if p.peek() != '{' {
		p.problemAt(start, "the file must hold an object: {\"ImageURI\": \"<image>\"}; found %s", p.describe(start))
		return nil, p.err()
	}
	line, col := p.pos(start)
	fields := p.object(0, known, "ImageTags")
	p.trailing()
	if fields == nil || p.fatal {
		return nil, p.err()
	}
	d := &Detail{
		ImageURI: fields["ImageURI"].value, ImageDigest: fields["ImageDigest"].value,
		RepositoryName: fields["RepositoryName"].value, RegistryID: fields["RegistryId"].value,
		ImageTags: fields["ImageTags"].list, ImageSizeInBytes: fields["ImageSizeInBytes"].value,
		ImagePushedAt: fields["ImagePushedAt"].value, Version: fields["Version"].value,
	}
	if f, ok := fields["ImageURI"]; f.bad {
		// reported already
	} else if !ok {
		p.problem(line, col, "missing \"ImageURI\" (the image to deploy)")
	} else if _, err := ParseImageURI(f.value); err != nil {
		p.problemAt(f.off, "ImageURI %v", err)
	}
	if f, ok := fields["ImageDigest"]; ok && !f.bad && !digestRE.MatchString(f.value) {
		p.problemAt(f.off, "ImageDigest %q is not sha256:<64 lowercase hex digits>", f.value)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return d, nil
}

var digestRE = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// Check reports what Parse would refuse in defs, by entry.
func Check(defs []Definition) error {
	var list []Problem
	add := func(format string, args ...any) {
		if len(list) < maxProblems {
			list = append(list, Problem{Message: fmt.Sprintf(format, args...)})
		}
	}
	if len(defs) == 0 {
		add("lists no images; it needs at least one container and its image")
	}
	seen := map[string]int{}
	for i, d := range defs {
		n := i + 1
		switch prev, dup := seen[d.Name]; {
		case !validContainerName(d.Name):
			add("entry %d: container name %q must be 1-255 letters, digits, hyphens and underscores", n, d.Name)
		case dup:
			add("entry %d: container %q is already given an image by entry %d; list each container once", n, d.Name, prev)
		default:
			seen[d.Name] = n
		}
		if _, err := ParseImageURI(d.ImageURI); err != nil {
			add("entry %d (%s): imageUri %v", n, d.Name, err)
		}
	}
	if len(list) > 0 {
		return &Error{Problems: list}
	}
	return nil
}

// Marshal checks defs (see Check) and encodes them, one entry per line.
func Marshal(defs []Definition) ([]byte, error) {
	if err := Check(defs); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, d := range defs {
		name, _ := json.Marshal(d.Name)
		uri, _ := json.Marshal(d.ImageURI)
		fmt.Fprintf(&buf, "  {\"name\": %s, \"imageUri\": %s}", name, uri)
		if i < len(defs)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	if buf.Len() > MaxSize {
		return nil, &Error{Problems: []Problem{{Message: fmt.Sprintf("would be %d bytes; CodePipeline accepts image definitions files of at most 100 KB (this tool: %d bytes)", buf.Len(), MaxSize)}}}
	}
	return buf.Bytes(), nil
}

// MarshalDetail checks d as ParseDetail would and encodes it.
func MarshalDetail(d Detail) ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode image detail: %w", err)
	}
	b = append(b, '\n')
	if _, err := ParseDetail(b); err != nil {
		var e *Error
		if errors.As(err, &e) { // positions in generated text mean nothing to the caller
			for i := range e.Problems {
				e.Problems[i].Line, e.Problems[i].Column = 0, 0
			}
		}
		return nil, err
	}
	return b, nil
}

// ReadFile reads and checks an imagedefinitions.json file.
func ReadFile(path string) ([]Definition, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	defs, err := Parse(data)
	return defs, named(err, path)
}

// ReadDetailFile reads and checks an imageDetail.json file.
func ReadDetailFile(path string) (*Detail, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	d, err := ParseDetail(data)
	return d, named(err, path)
}

// WriteFile writes defs to path atomically. Nothing is written when defs are
// invalid; on any error the previous file is untouched.
func WriteFile(path string, defs []Definition) error {
	b, err := Marshal(defs)
	if err != nil {
		return named(err, path)
	}
	return WriteAtomic(path, b)
}

// WriteDetailFile writes d to path atomically.
func WriteDetailFile(path string, d Detail) error {
	b, err := MarshalDetail(d)
	if err != nil {
		return named(err, path)
	}
	return WriteAtomic(path, b)
}

// WriteAtomic replaces path with data: it writes a temporary file in the
// same directory, syncs it and renames it over path, so readers and a crash
// see either the old content or the new. The file is readable by all (0644).
func WriteAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // persist the rename; best effort
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: the file does not exist; run `ecsctl build` first or pass the right path: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

func named(err error, path string) error {
	var e *Error
	if errors.As(err, &e) && e.File == "" {
		e.File = path
	}
	return err
}
