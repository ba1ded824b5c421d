package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// Deferred is what a lookup ({{ tfstate }}, {{ ssm }}) renders to when it is
// not resolved, as in an offline `ecsctl validate`. The decoder accepts it in
// place of any value and leaves the field empty.
const Deferred = "__ecsctl_deferred_lookup__"

// Lookups resolves template functions whose values live outside the file
// (Terraform state, SSM parameters). Funcs gets the config as decoded from a
// first rendering in which lookups were Deferred, so it can read the states
// the file declares (TFState) and its region.
type Lookups interface {
	Funcs(pre *Config) (template.FuncMap, error)
}

// Prefetcher is a Lookups that can fetch, all at once, what the first
// rendering asked for, before the second rendering asks for it one value
// at a time: the states (by name) and the SSM parameters (by name).
type Prefetcher interface {
	Prefetch(states, parameters []string)
}

// lookupCalls records the lookups a rendering made, each once.
type lookupCalls struct {
	states, params []string
	seen           map[string]bool
}

func (c *lookupCalls) add(list *[]string, key, name string) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[key+name] {
		c.seen[key+name] = true
		*list = append(*list, name)
	}
}

// deferredFuncs stand in for lookups that are not resolved, recording the
// calls in calls.
func deferredFuncs(calls *lookupCalls) template.FuncMap {
	return template.FuncMap{
		"tfstate": func(args ...string) string {
			if len(args) > 0 {
				calls.add(&calls.states, "tfstate:", args[0])
			}
			return Deferred
		},
		"ssm": func(args ...string) string {
			if len(args) == 1 {
				calls.add(&calls.params, "ssm:", args[0])
			}
			return Deferred
		},
	}
}

func envFuncs(lookupEnv func(string) (string, bool)) template.FuncMap {
	return template.FuncMap{
		// env returns an environment variable, or the default (or "") when unset.
		"env": func(name string, def ...string) (string, error) {
			if len(def) > 1 {
				return "", fmt.Errorf("env takes a name and at most one default, got %d defaults", len(def))
			}
			if v, ok := lookupEnv(name); ok && v != "" {
				return v, nil
			}
			if len(def) == 1 {
				return def[0], nil
			}
			return "", nil
		},
		// must_env returns an environment variable and fails when it is unset or empty.
		"must_env": func(name string) (string, error) {
			if v, ok := lookupEnv(name); ok && v != "" {
				return v, nil
			}
			return "", fmt.Errorf("environment variable %s is not set; set it or use {{ env %q \"default\" }}", name, name)
		},
	}
}

// templateErrRE matches text/template errors: "template: NAME:LINE:COL: MSG" or "template: NAME:LINE: MSG".
var templateErrRE = regexp.MustCompile(`^template: [^:]*:(\d+)(?::(\d+))?: (.*)$`)

// callErrRE strips text/template's "executing ... at <...>: error calling f: " prefix.
var callErrRE = regexp.MustCompile(`^executing "[^"]*" at <([^>]*)>: error calling [^:]*: `)

// render executes src as a text/template. Problems carry the template's position.
func render(name string, src []byte, funcs template.FuncMap, probs *problems) ([]byte, bool) {
	tmpl, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		addTemplateProblem(probs, src, err)
		return nil, false
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, nil); err != nil {
		addTemplateProblem(probs, src, err)
		return nil, false
	}
	return out.Bytes(), true
}

func addTemplateProblem(probs *problems, src []byte, err error) {
	msg := err.Error()
	var ee template.ExecError
	if errors.As(err, &ee) {
		msg = ee.Err.Error()
	}
	m := templateErrRE.FindStringSubmatch(msg)
	if m == nil {
		probs.add(position{}, "", "template: %s", msg)
		return
	}
	line, _ := strconv.Atoi(m[1])
	col := 0
	if m[2] != "" {
		col, _ = strconv.Atoi(m[2])
	}
	text := m[3]
	if cm := callErrRE.FindStringSubmatch(text); cm != nil {
		text = "{{ " + cm[1] + " }}: " + text[len(cm[0]):]
	} else {
		text = strings.TrimPrefix(text, "executing \""+"\" ")
		text = "template: " + text
	}
	if col == 0 {
		col = firstActionColumn(src, line)
	}
	probs.add(position{line: line, col: col}, "", "%s", text)
}

// firstActionColumn finds the column of the first "{{" on a line (1 when none).
func firstActionColumn(src []byte, line int) int {
	lines := bytes.Split(src, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	if i := bytes.Index(lines[line-1], []byte("{{")); i >= 0 {
		return i + 1
	}
	return 1
}
