package build

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// KeyVersion names the definition of the content key below; it is hashed
// first, so changing the definition changes every key.
const KeyVersion = "ecsctl content key v2"

// KeyTagPrefix starts the ECR tag that records an image's content key.
const KeyTagPrefix = "ecsctl-key-"

// outsideDockerfile is where a Dockerfile that lives outside the build
// context is put in the context sent to the engine.
const outsideDockerfile = ".ecsctl.Dockerfile"

// buildContext is a build context after .dockerignore: the list of what is
// sent to the engine, in the order it is sent, with each file's digest. The
// list is made once; the tar stream is written from it, so the content key
// covers exactly what is built.
type buildContext struct {
	root       string // absolute context directory, symlinks resolved
	dockerfile string // the Dockerfile's name in the context (slash-separated)
	// outside is the Dockerfile's path on disk when it is not in the context.
	outside string
	entries []entry
	bytes   int64 // total size of the regular files
}

type entry struct {
	rel   string      // slash-separated path relative to root
	mode  fs.FileMode // type and permission bits
	size  int64
	mtime time.Time
	link  string   // symlink target
	sum   [32]byte // sha256 of a regular file's content
	disk  string   // path on disk; "" for root-relative
}

// loadContext walks dir, applies its .dockerignore, and hashes every file.
// dockerfile is the Dockerfile path relative to dir (it may lead outside).
// The .dockerignore and the Dockerfile are always sent, as the docker CLI
// does. Paths in outputs (ecsctl's own output files, absolute) are left out
// even without a .dockerignore: otherwise a context holding
// imagedefinitions.json would change, and be rebuilt, on every run.
func loadContext(dir, dockerfile string, outputs ...string) (*buildContext, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	bc := &buildContext{root: root}

	dfPath := dockerfile
	if !filepath.IsAbs(dfPath) {
		dfPath = filepath.Join(dir, dockerfile)
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(dfPath)); err == nil {
		dfPath = filepath.Join(real, filepath.Base(dfPath))
	}
	rel, err := filepath.Rel(root, dfPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		bc.outside = dfPath
		bc.dockerfile = outsideDockerfile
	} else {
		bc.dockerfile = filepath.ToSlash(rel)
	}

	excludes, err := readDockerignore(root)
	if err != nil {
		return nil, err
	}
	if len(excludes) > 0 {
		if m, _ := patternmatcher.Matches(".dockerignore", excludes); m {
			excludes = append(excludes, "!.dockerignore")
		}
		if bc.outside == "" {
			if m, _ := patternmatcher.Matches(bc.dockerfile, excludes); m {
				excludes = append(excludes, "!"+bc.dockerfile)
			}
		}
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(root, ".dockerignore"), err)
	}
	skipOutput := map[string]bool{}
	for _, o := range outputs {
		if real, err := filepath.EvalSymlinks(filepath.Dir(o)); err == nil {
			o = filepath.Join(real, filepath.Base(o))
		}
		skipOutput[o] = true
	}

	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		if skipOutput[path] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		relPath, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(relPath)
		if len(excludes) > 0 {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if skip {
				if !d.IsDir() || keepDir(pm, rel) {
					return nil
				}
				return filepath.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{rel: rel, mode: info.Mode(), mtime: info.ModTime()}
		switch {
		case info.Mode().IsRegular():
			e.size = info.Size()
			if e.sum, err = hashFile(path); err != nil {
				return err
			}
			bc.bytes += e.size
		case info.IsDir():
		case info.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(path); err != nil {
				return err
			}
		default:
			return nil // sockets, devices, pipes: not sent, as a build cannot use them
		}
		bc.entries = append(bc.entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read build context %s: %w", dir, err)
	}

	if bc.outside != "" {
		info, err := os.Stat(bc.outside)
		if err != nil {
			return nil, fmt.Errorf("read Dockerfile: %w", err)
		}
		e := entry{rel: outsideDockerfile, mode: info.Mode().Perm(), size: info.Size(), mtime: info.ModTime(), disk: bc.outside}
		if e.sum, err = hashFile(bc.outside); err != nil {
			return nil, fmt.Errorf("read Dockerfile: %w", err)
		}
		bc.entries = append(bc.entries, e)
		bc.bytes += e.size
	}
	return bc, nil
}

// keepDir reports whether an excluded directory must still be walked
// because an exception (!pattern) may match below it.
func keepDir(pm *patternmatcher.PatternMatcher, rel string) bool {
	if !pm.Exclusions() {
		return false
	}
	dirSlash := rel + "/"
	for _, p := range pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(p.String()+"/", dirSlash) {
			return true
		}
	}
	return false
}

func readDockerignore(root string) ([]string, error) {
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return patterns, nil
}

func hashFile(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// keyInputs are the build settings the content key covers besides the files.
type keyInputs struct {
	Target   string
	Platform string // the effective platform (the engine's when none is set)
	Args     map[string]string
	Bases    []BaseImage // unresolved ones are left out
}

// key returns the content key: the hex sha256 of a canonical text listing
// KeyVersion, the Dockerfile's name in the context, the target, the
// platform, the build args (sorted), the base images with the digest or ID
// each resolved to (see bases.go), and for every entry of the context in
// walk order its type, path, permission bits (with setuid, setgid, sticky),
// and for files the size and content sha256, for symlinks the target.
// Modification times, owners and groups do not count.
func (bc *buildContext) key(in keyInputs) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", KeyVersion)
	fmt.Fprintf(h, "dockerfile %q\n", bc.dockerfile)
	fmt.Fprintf(h, "target %q\n", in.Target)
	fmt.Fprintf(h, "platform %q\n", in.Platform)
	names := make([]string, 0, len(in.Args))
	for k := range in.Args {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(h, "arg %q %q\n", k, in.Args[k])
	}
	for _, b := range in.Bases {
		if b.Unresolved == "" {
			fmt.Fprintf(h, "base %q %q\n", b.Ref, b.Digest)
		}
	}
	for _, e := range bc.entries {
		writeEntryKey(h, e)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeEntryKey(h hash.Hash, e entry) {
	perm := uint32(e.mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
	switch {
	case e.mode.IsDir():
		fmt.Fprintf(h, "dir %q %o\n", e.rel, perm)
	case e.mode&fs.ModeSymlink != 0:
		fmt.Fprintf(h, "symlink %q %q\n", e.rel, e.link)
	default:
		fmt.Fprintf(h, "file %q %o %d %x\n", e.rel, perm, e.size, e.sum)
	}
}

// ChangedError says a file of the context changed between hashing and
// sending, so the content key would not describe the image.
type ChangedError struct{ Path string }

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed while the image was being built; run the build again", e.Path)
}

// writeTar streams the context as a tar archive: entries in walk order,
// owned by root, with their modes and modification times. Each file is
// hashed again as it is sent and must match the digest the content key used.
func (bc *buildContext) writeTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 256<<10)
	for _, e := range bc.entries {
		hdr := &tar.Header{
			Name:    e.rel,
			Mode:    tarMode(e.mode),
			ModTime: e.mtime.Truncate(time.Second),
			Format:  tar.FormatPAX,
		}
		switch {
		case e.mode.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case e.mode&fs.ModeSymlink != 0:
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = e.link
		default:
			hdr.Typeflag = tar.TypeReg
			hdr.Size = e.size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		path := e.disk
		if path == "" {
			path = filepath.Join(bc.root, filepath.FromSlash(e.rel))
		}
		if err := copyChecked(tw, path, e, buf); err != nil {
			return err
		}
	}
	return tw.Close()
}

func copyChecked(tw io.Writer, path string, e entry, buf []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(tw, h), io.LimitReader(f, e.size), buf)
	if err != nil {
		return err
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	if n != e.size || sum != e.sum {
		return &ChangedError{Path: path}
	}
	return nil
}

// tarMode converts a FileMode's permission and special bits to tar's.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
