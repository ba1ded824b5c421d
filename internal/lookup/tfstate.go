package lookup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// State is a parsed Terraform state, format version 4 (Terraform 0.12 and
// later): its root module's outputs and every resource instance's attributes.
type State struct {
	// Source names where the state came from in messages
	// ("s3://bucket/network/terraform.tfstate", "./ecs.tfstate").
	Source           string
	TerraformVersion string
	Serial           int64

	outputs   map[string]stateOutput
	resources []*stateResource
}

type stateOutput struct {
	value     any
	sensitive bool
}

type stateResource struct {
	module, mode, typ, name string
	each                    string // "", "list" or "map"
	instances               []stateInstance
}

type stateInstance struct {
	key   any // nil, int or string
	attrs map[string]any
}

// The v4 state file, as Terraform writes it.
type stateFile struct {
	Version          *int                       `json:"version"`
	TerraformVersion string                     `json:"terraform_version"`
	Serial           int64                      `json:"serial"`
	Outputs          map[string]stateFileOutput `json:"outputs"`
	Resources        []stateFileResource        `json:"resources"`
}

type stateFileOutput struct {
	Value     json.RawMessage `json:"value"`
	Sensitive bool            `json:"sensitive"`
}

type stateFileResource struct {
	Module    string              `json:"module"`
	Mode      string              `json:"mode"`
	Type      string              `json:"type"`
	Name      string              `json:"name"`
	Each      string              `json:"each"`
	Instances []stateFileInstance `json:"instances"`
}

type stateFileInstance struct {
	IndexKey       json.RawMessage   `json:"index_key"`
	Attributes     json.RawMessage   `json:"attributes"`
	AttributesFlat map[string]string `json:"attributes_flat"`
}

// ParseState parses a Terraform state file (format version 4). source
// names the state in errors.
func ParseState(source string, data []byte) (*State, error) {
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a Terraform state (JSON): %v", source, err)
	}
	if f.Version == nil {
		return nil, fmt.Errorf("%s is not a Terraform state: it has no \"version\"", source)
	}
	if *f.Version != 4 {
		return nil, fmt.Errorf("%s is a Terraform state of format version %d; ecsctl reads version 4 (Terraform 0.12 and later): run terraform apply with a newer Terraform to upgrade it", source, *f.Version)
	}
	st := &State{Source: source, TerraformVersion: f.TerraformVersion, Serial: f.Serial, outputs: map[string]stateOutput{}}
	for name, o := range f.Outputs {
		v, err := decodeValue(o.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: output %s: %v", source, name, err)
		}
		st.outputs[name] = stateOutput{value: v, sensitive: o.Sensitive}
	}
	for _, r := range f.Resources {
		mod, err := canonicalModule(r.Module)
		if err != nil {
			return nil, fmt.Errorf("%s: resource %s.%s: %v", source, r.Type, r.Name, err)
		}
		res := &stateResource{module: mod, mode: r.Mode, typ: r.Type, name: r.Name, each: r.Each}
		if res.mode == "" {
			res.mode = "managed"
		}
		for _, in := range r.Instances {
			inst := stateInstance{}
			if len(in.IndexKey) > 0 && string(in.IndexKey) != "null" {
				k, err := decodeValue(in.IndexKey)
				if err != nil {
					return nil, fmt.Errorf("%s: resource %s: index_key: %v", source, res.typ+"."+res.name, err)
				}
				switch kv := k.(type) {
				case json.Number:
					n, err := strconv.Atoi(kv.String())
					if err != nil {
						return nil, fmt.Errorf("%s: resource %s: index_key %s is not an integer", source, res.typ+"."+res.name, kv)
					}
					inst.key = n
				case string:
					inst.key = kv
				default:
					return nil, fmt.Errorf("%s: resource %s: index_key is neither a number nor a string", source, res.typ+"."+res.name)
				}
			}
			switch {
			case len(in.Attributes) > 0 && string(in.Attributes) != "null":
				v, err := decodeValue(in.Attributes)
				if err != nil {
					return nil, fmt.Errorf("%s: resource %s: attributes: %v", source, res.typ+"."+res.name, err)
				}
				m, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: resource %s: attributes are not an object", source, res.typ+"."+res.name)
				}
				inst.attrs = m
			case in.AttributesFlat != nil:
				// Legacy providers keep flat string attributes; top-level ones are usable.
				inst.attrs = map[string]any{}
				for k, v := range in.AttributesFlat {
					if !strings.ContainsAny(k, ".%#") {
						inst.attrs[k] = v
					}
				}
			}
			res.instances = append(res.instances, inst)
		}
		sort.SliceStable(res.instances, func(i, j int) bool { return keyLess(res.instances[i].key, res.instances[j].key) })
		st.resources = append(st.resources, res)
	}
	return st, nil
}

func decodeValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// canonicalModule rewrites a state's module path ("module.vpc",
// "module.app[\"web\"].module.x") so it compares equal to a parsed address's.
func canonicalModule(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	a, err := parseAddress(m + ".x.y.z")
	if err != nil {
		return "", fmt.Errorf("module path %q: %v", m, err)
	}
	return a.module, nil
}

func keyLess(a, b any) bool {
	switch x := a.(type) {
	case int:
		if y, ok := b.(int); ok {
			return x < y
		}
		return true
	case string:
		if y, ok := b.(string); ok {
			return x < y
		}
		return false
	}
	return false
}

// Outputs returns the names of the state's outputs, sorted.
func (s *State) Outputs() []string {
	names := make([]string, 0, len(s.outputs))
	for n := range s.outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Resources returns the addresses of the state's resources, sorted
// ("aws_subnet.private", "data.aws_vpc.main", "module.vpc.aws_vpc.this").
func (s *State) Resources() []string {
	out := make([]string, 0, len(s.resources))
	for _, r := range s.resources {
		out = append(out, r.address())
	}
	sort.Strings(out)
	return out
}

func (r *stateResource) address() string {
	a := address{module: r.module, mode: r.mode, typ: r.typ, name: r.name}
	return a.resource()
}

// Value is what an address names: a string, json.Number, bool, nil,
// []any or map[string]any. Sensitive says it comes from a sensitive output.
type Value struct {
	V         any
	Sensitive bool
}

// NotFoundError says an address names nothing in a state. Its message says
// what exists nearby.
type NotFoundError struct {
	Source  string
	Address string
	Detail  string
}

func (e *NotFoundError) Error() string { return e.Detail }

// Get returns the value at addr (see address for the forms it takes).
func (s *State) Get(addr string) (Value, error) {
	a, err := parseAddress(addr)
	if err != nil {
		return Value{}, err
	}
	notFound := func(format string, args ...any) error {
		return &NotFoundError{Source: s.Source, Address: addr, Detail: fmt.Sprintf(format, args...)}
	}
	if a.output != "" {
		o, ok := s.outputs[a.output]
		if !ok {
			names := s.Outputs()
			if len(names) == 0 {
				return Value{}, notFound("no output %q: the state has no outputs (add an output block to its root module and apply)", a.output)
			}
			return Value{}, notFound("no output %q%s", a.output, nearby(a.output, names, "its outputs"))
		}
		v, err := walk(o.value, a.path, "outputs."+a.output, notFound)
		return Value{V: v, Sensitive: o.sensitive}, err
	}

	res := s.resource(a)
	if res == nil {
		return Value{}, s.missingResource(a, notFound)
	}
	switch ix := a.index.(type) {
	case nil:
		if res.each != "" || len(res.instances) != 1 || res.instances[0].key != nil {
			p := pathString(a.path)
			return Value{}, notFound("%s has %s; pick one, e.g. %s%s%s, or all with %s[*]%s",
				res.address(), instancesPhrase(res), res.address(), instanceKeyExample(res), p, res.address(), p)
		}
		return s.walkInstance(res.instances[0], res.address(), a.path, notFound)
	case splatIndex:
		list := make([]any, 0, len(res.instances))
		for _, in := range res.instances {
			v, err := s.walkInstance(in, res.address()+indexString(in.key), a.path, notFound)
			if err != nil {
				return Value{}, err
			}
			list = append(list, v.V)
		}
		return Value{V: list}, nil
	default:
		for _, in := range res.instances {
			if in.key == ix {
				return s.walkInstance(in, a.instance(), a.path, notFound)
			}
		}
		if len(res.instances) == 1 && res.instances[0].key == nil {
			return Value{}, notFound("%s has no count or for_each, so it takes no index: write %s%s", res.address(), res.address(), pathString(a.path))
		}
		return Value{}, notFound("%s has no instance %s; it has %s", res.address(), indexString(ix), instancesPhrase(res))
	}
}

func (s *State) walkInstance(in stateInstance, where string, path []step, notFound func(string, ...any) error) (Value, error) {
	if in.attrs == nil {
		return Value{}, notFound("%s has no attributes in this state", where)
	}
	v, err := walk(in.attrs, path, where, notFound)
	return Value{V: v}, err
}

// resource finds the resource a names.
func (s *State) resource(a *address) *stateResource {
	for _, r := range s.resources {
		if r.module == a.module && r.mode == a.mode && r.typ == a.typ && r.name == a.name {
			return r
		}
	}
	return nil
}

func (s *State) missingResource(a *address, notFound func(string, ...any) error) error {
	all := s.Resources()
	if len(all) == 0 {
		return notFound("no resource %s: the state has no resources", a.resource())
	}
	// Resources of the same type, or in the same module, are what is nearby.
	var near []string
	for _, r := range s.resources {
		if r.typ == a.typ || (a.module != "" && r.module == a.module) {
			near = append(near, r.address())
		}
	}
	sort.Strings(near)
	if len(near) == 0 {
		near = all
	}
	return notFound("no resource %s%s", a.resource(), nearbyList(a.resource(), all, near, "resources"))
}

// walk follows path through v; where is the address of v for messages.
func walk(v any, path []step, where string, notFound func(string, ...any) error) (any, error) {
	for i, st := range path {
		switch st.kind {
		case stepSplat:
			list, ok := v.([]any)
			if !ok {
				return nil, notFound("%s is %s, not a list: [*] does not apply", where, kindOf(v))
			}
			out := make([]any, 0, len(list))
			for j, el := range list {
				w, err := walk(el, path[i+1:], where+"["+strconv.Itoa(j)+"]", notFound)
				if err != nil {
					return nil, err
				}
				out = append(out, w)
			}
			return out, nil
		case stepIndex:
			list, ok := v.([]any)
			if !ok {
				if m, isMap := v.(map[string]any); isMap {
					k := strconv.Itoa(st.index)
					if mv, ok := m[k]; ok {
						v, where = mv, where+st.String()
						continue
					}
				}
				return nil, notFound("%s is %s, not a list: %s does not apply", where, kindOf(v), st)
			}
			if st.index >= len(list) {
				if len(list) == 0 {
					return nil, notFound("%s is an empty list", where)
				}
				return nil, notFound("%s has %d elements, so %s is out of range (use [0] to [%d])", where, len(list), st, len(list)-1)
			}
			v, where = list[st.index], where+st.String()
		case stepKey:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, notFound("%s is %s, not an object: %s does not apply", where, kindOf(v), st)
			}
			mv, ok := m[st.key]
			if !ok {
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				what := "no key"
				if !st.quoted {
					what = "no attribute"
				}
				if len(keys) == 0 {
					return nil, notFound("%s has %s %q: it is empty", where, what, st.key)
				}
				return nil, notFound("%s has %s %q%s", where, what, st.key, nearby(st.key, keys, "it has"))
			}
			v, where = mv, where+st.String()
		}
	}
	return v, nil
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a bool"
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func instancesPhrase(r *stateResource) string {
	if len(r.instances) == 0 {
		return "no instances"
	}
	keys := make([]string, 0, len(r.instances))
	for _, in := range r.instances {
		keys = append(keys, indexString(in.key))
	}
	kind := ""
	switch r.each {
	case "list":
		kind = " (count)"
	case "map":
		kind = " (for_each)"
	}
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	if len(r.instances) == 1 {
		return "1 instance" + kind + ": " + keys[0]
	}
	return fmt.Sprintf("%d instances%s: %s", len(r.instances), kind, strings.Join(keys, " "))
}

func instanceKeyExample(r *stateResource) string {
	if len(r.instances) > 0 && r.instances[0].key != nil {
		return indexString(r.instances[0].key)
	}
	return "[0]"
}
