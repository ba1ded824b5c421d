package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"text/template"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// LoadOptions tunes Load.
type LoadOptions struct {
	// LookupEnv reads environment variables for {{ env }} and {{ must_env }};
	// default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Lookups resolves {{ tfstate }} and {{ ssm }}. Without it they render
	// as Deferred and the fields they fill stay empty (offline validation).
	Lookups Lookups
}

// NotFoundError says the config file does not exist.
type NotFoundError struct{ Path string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("config file %s not found: run ecsctl in the directory that holds %s, pass --config, or create one with `ecsctl init`", e.Path, DefaultFile)
}

// Load reads, renders, decodes and checks a config file. Problems in the file
// come back as one *Error listing all of them.
func Load(path string, opts LoadOptions) (*Config, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{Path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(abs, src, opts)
}

// Parse is Load for a file already read; path names it in messages and
// anchors relative paths.
func Parse(path string, src []byte, opts LoadOptions) (*Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	display := displayPath(path)
	funcs := template.FuncMap{}
	calls := &lookupCalls{}
	for k, v := range deferredFuncs(calls) {
		funcs[k] = v
	}
	for k, v := range envFuncs(opts.LookupEnv) {
		funcs[k] = v
	}

	cfg, probs := parseOnce(path, display, src, funcs, opts.Lookups != nil)
	if err := probs.err(display); err != nil {
		return nil, err
	}
	if opts.Lookups != nil {
		more, err := opts.Lookups.Funcs(cfg)
		if err != nil {
			return nil, err
		}
		for k, v := range more {
			funcs[k] = v
		}
		if p, ok := opts.Lookups.(Prefetcher); ok && len(calls.states)+len(calls.params) > 0 {
			p.Prefetch(calls.states, calls.params)
		}
		cfg, probs = parseOnce(path, display, src, funcs, false)
		if err := probs.err(display); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// parseOnce renders, parses, decodes and checks src once. In a first pass
// that will be redone with lookups, only the parts lookups need are checked.
func parseOnce(path, display string, src []byte, funcs template.FuncMap, firstPass bool) (*Config, *problems) {
	probs := &problems{}
	rendered, ok := render(display, src, funcs, probs)
	if !ok {
		return nil, probs
	}
	file, err := parser.ParseBytes(rendered, 0)
	if err != nil {
		addSyntaxProblem(probs, err)
		return nil, probs
	}
	cfg := &Config{Path: path, Dir: filepath.Dir(path)}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		probs.add(position{line: 1, col: 1}, "", "the file is empty; it needs at least cluster and images (see examples/ecsctl.yml)")
		return nil, probs
	}
	if len(file.Docs) > 1 {
		probs.add(posOf(file.Docs[1].Body), "", "the file holds more than one YAML document; keep one")
	}
	d := newDecoder(probs)
	d.deferred = func(s string) bool { return s == Deferred }
	d.collectAnchors(file.Docs[0].Body)
	d.decodeStruct(file.Docs[0].Body, reflect.ValueOf(cfg).Elem(), "")
	if firstPass {
		return cfg, &problems{} // everything is checked again in the second pass
	}
	cfg.positions = d.pos
	applyDefaults(cfg)
	check(cfg, d.pos, d.deferredPaths, probs)
	return cfg, probs
}

func addSyntaxProblem(probs *problems, err error) {
	var se *yaml.SyntaxError
	if errors.As(err, &se) && se.Token != nil {
		probs.add(position{line: se.Token.Position.Line, col: se.Token.Position.Column}, "", "YAML syntax error: %s", se.Message)
		return
	}
	probs.add(position{}, "", "YAML syntax error: %v", err)
}

// displayPath shortens path relative to the working directory when it is below it.
func displayPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !filepath.IsAbs(rel) && len(rel) < len(path) && rel[0] != '.' {
		return rel
	}
	return path
}

// Defaults.
const (
	DefaultImageDefinitions = "imagedefinitions.json"
	DefaultDockerfile       = "Dockerfile"
)

func applyDefaults(c *Config) {
	if c.ImageDefinitions == "" {
		c.ImageDefinitions = DefaultImageDefinitions
	}
	for _, im := range c.Images {
		if im.Dockerfile == "" {
			im.Dockerfile = DefaultDockerfile
		}
		if len(im.Containers) == 0 {
			im.Containers = []string{im.Name}
		}
		if im.Platform == "" {
			im.Platform = c.Build.Platform
		}
	}
	for _, b := range c.Batches {
		if c.BatchDefaults != nil {
			fillZero(reflect.ValueOf(b).Elem(), reflect.ValueOf(c.BatchDefaults).Elem())
		}
		if b.Via == "" {
			b.Via = ViaRule
		}
		if b.Count == 0 {
			b.Count = 1
		}
	}
}

// fillZero copies every field of def into the zero fields of dst (maps are
// merged key by key, dst winning). Name fields are left alone.
func fillZero(dst, def reflect.Value) {
	for i := 0; i < dst.NumField(); i++ {
		if dst.Type().Field(i).Name == "Name" {
			continue
		}
		f, d := dst.Field(i), def.Field(i)
		switch {
		case f.Kind() == reflect.Map && !d.IsNil():
			if f.IsNil() {
				f.Set(reflect.MakeMap(f.Type()))
			}
			for _, k := range d.MapKeys() {
				if !f.MapIndex(k).IsValid() {
					f.SetMapIndex(k, d.MapIndex(k))
				}
			}
		case f.IsZero():
			f.Set(d)
		}
	}
}

// ResolvePath makes a path from the config file absolute (relative paths are
// relative to the file's directory).
func (c *Config) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}
