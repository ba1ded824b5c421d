package config

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// decoder turns a YAML syntax tree into Go values, strictly: unknown keys,
// wrong types and missing required keys become Problems with positions, and
// decoding goes on so that every problem is reported in one run.
type decoder struct {
	probs   *problems
	anchors map[string]ast.Node
	// pos records where each decoded path was written, for later checks.
	pos map[string]position
	// deferred reports whether a scalar stands for a value that is not known
	// yet (a lookup not resolved offline); it is accepted for any type, and
	// its path is recorded in deferredPaths so checks can leave it alone.
	deferred      func(string) bool
	deferredPaths map[string]bool
}

func newDecoder(probs *problems) *decoder {
	return &decoder{probs: probs, anchors: map[string]ast.Node{}, pos: map[string]position{}, deferredPaths: map[string]bool{}}
}

// collectAnchors records every anchor of the document up front, so aliases
// work even when their anchor sits under a key ecsctl ignores (x-...).
func (d *decoder) collectAnchors(root ast.Node) {
	ast.Walk(anchorVisitor{d}, root)
}

type anchorVisitor struct{ d *decoder }

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok {
		if name, ok := a.Name.(*ast.StringNode); ok {
			v.d.anchors[name.Value] = a.Value
		}
	}
	return v
}

func posOf(n ast.Node) position {
	if n == nil || n.GetToken() == nil {
		return position{}
	}
	p := n.GetToken().Position
	return position{line: p.Line, col: p.Column}
}

// resolve unwraps anchors, aliases and tags.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.AnchorNode:
			if name, ok := t.Name.(*ast.StringNode); ok {
				d.anchors[name.Value] = t.Value
			}
			n = t.Value
		case *ast.AliasNode:
			name := ""
			if s, ok := t.Value.(*ast.StringNode); ok {
				name = s.Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.probs.add(posOf(t), "", "alias *%s refers to an anchor &%s that is not defined before it", name, name)
				return nil
			}
			n = target
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
}

// pair is one key: value of a mapping.
type pair struct {
	key   string
	keyN  ast.Node
	value ast.Node
	merge bool // a YAML merge key (<<)
}

// mappingPairs returns the pairs of a mapping node, or ok=false when n is not a mapping.
func (d *decoder) mappingPairs(n ast.Node) (pairs []pair, ok bool) {
	var values []*ast.MappingValueNode
	switch t := n.(type) {
	case *ast.MappingNode:
		values = t.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{t}
	default:
		return nil, false
	}
	for _, mv := range values {
		p := pair{keyN: mv.Key, value: mv.Value}
		switch k := mv.Key.(type) {
		case *ast.MergeKeyNode:
			p.merge = true
		default:
			p.key = scalarText(d.resolve(k))
		}
		pairs = append(pairs, p)
	}
	return pairs, true
}

// scalarText returns the text of a scalar node as written (so "1.10" stays "1.10").
func scalarText(n ast.Node) string {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value
	case *ast.LiteralNode:
		return t.Value.Value
	case nil:
		return ""
	case *ast.NullNode:
		return ""
	default:
		if tk := n.GetToken(); tk != nil {
			return tk.Value
		}
		return ""
	}
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode,
		*ast.InfinityNode, *ast.NanNode:
		return true
	}
	return false
}

// kindOf describes a node for "expected X, got Y" messages. It never quotes
// the value: it may come from a secret.
func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case nil, *ast.NullNode:
		return "nothing"
	}
	return "a " + n.Type().String()
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var durationType = reflect.TypeOf(Duration(0))

// decode stores node n into v (addressable), reporting problems under path.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	n = d.resolve(n)
	if n == nil {
		return
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		if v.Kind() == reflect.Slice && v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // present but empty
		}
		return
	}
	if d.deferred != nil && isScalar(n) && d.deferred(scalarText(n)) {
		d.deferredPaths[path] = true
		return
	}
	if v.Type() == durationType {
		d.decodeDuration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.String:
		if !isScalar(n) {
			d.probs.add(posOf(n), path, "expected a string, got %s", kindOf(n))
			return
		}
		v.SetString(scalarText(n))
	case reflect.Int:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.probs.add(posOf(n), path, "expected an integer, got %s", kindOf(n))
			return
		}
		x, err := strconv.ParseInt(strings.ReplaceAll(i.GetToken().Value, "_", ""), 0, 64)
		if err != nil {
			d.probs.add(posOf(n), path, "expected an integer: %v", err)
			return
		}
		v.SetInt(x)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.probs.add(posOf(n), path, "expected true or false, got %s", kindOf(n))
			return
		}
		v.SetBool(b.Value)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeStringMap(n, v, path)
	default:
		panic("config: unsupported field type " + v.Type().String())
	}
}

func (d *decoder) decodeDuration(n ast.Node, v reflect.Value, path string) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		d.probs.add(posOf(n), path, "expected a duration such as 90s, 15m or 1h30m, got %s", kindOf(n))
		return
	}
	dur, err := time.ParseDuration(s.Value)
	if err != nil || dur < 0 {
		d.probs.add(posOf(n), path, "expected a duration such as 90s, 15m or 1h30m")
		return
	}
	v.SetInt(int64(dur))
}

// field describes one yaml-tagged struct field.
type field struct {
	index    int
	name     string
	required bool
	keyed    bool // a []*T decoded from a mapping whose keys fill T.Name
}

func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		f := field{index: i, name: parts[0]}
		for _, opt := range parts[1:] {
			switch opt {
			case "required":
				f.required = true
			case "keyed":
				f.keyed = true
			}
		}
		fs = append(fs, f)
	}
	return fs
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	seen := map[string]bool{}
	if !d.decodeFields(n, v, path, seen) {
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		if f.required && !seen[f.name] {
			at, ok := d.pos[path]
			if !ok {
				at = posOf(n)
			}
			d.probs.add(at, path, "missing required key %q", f.name)
		}
	}
}

// decodeFields decodes the keys of mapping n into struct v, marking each key
// found in seen. It reports false when n is not a mapping.
func (d *decoder) decodeFields(n ast.Node, v reflect.Value, path string, seen map[string]bool) bool {
	pairs, ok := d.mappingPairs(n)
	if !ok {
		d.probs.add(posOf(n), path, "expected a mapping of keys, got %s", kindOf(n))
		return false
	}
	fields := fieldsOf(v.Type())
	byName := map[string]field{}
	var names []string
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	// Merged mappings (<<: *defaults) first, so the explicit keys win.
	for _, p := range pairs {
		if p.merge {
			d.decodeMerge(p.value, v, path, seen)
		}
	}
	for _, p := range pairs {
		if p.merge {
			continue
		}
		f, known := byName[p.key]
		if !known && strings.HasPrefix(p.key, "x-") {
			continue // extension keys hold anchors for reuse, as in Compose files
		}
		if !known {
			msg := "unknown key " + strconv.Quote(p.key)
			if s := suggest(p.key, names); s != "" {
				msg += "; did you mean " + strconv.Quote(s) + "?"
			} else {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				msg += "; expected one of " + strings.Join(sorted, ", ")
			}
			d.probs.add(posOf(p.keyN), path, "%s", msg)
			continue
		}
		seen[f.name] = true
		fp := join(path, f.name)
		d.pos[fp] = posOf(p.keyN)
		fv := v.Field(f.index)
		if f.keyed {
			d.decodeKeyed(p.value, fv, fp)
		} else {
			d.decode(p.value, fv, fp)
		}
	}
	return true
}

func (d *decoder) decodeMerge(n ast.Node, v reflect.Value, path string, seen map[string]bool) {
	n = d.resolve(n)
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			d.decodeMerge(item, v, path, seen)
		}
		return
	}
	if n == nil {
		return
	}
	d.decodeFields(n, v, path, seen)
}

// decodeKeyed decodes a mapping of name -> settings into a []*T, setting each T's Name.
func (d *decoder) decodeKeyed(n ast.Node, v reflect.Value, path string) {
	n = d.resolve(n)
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if n == nil {
		return
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		return
	}
	pairs, ok := d.mappingPairs(n)
	if !ok {
		d.probs.add(posOf(n), path, "expected a mapping of name: settings, got %s", kindOf(n))
		return
	}
	elem := v.Type().Elem() // *T
	for _, p := range pairs {
		if p.merge {
			d.probs.add(posOf(p.keyN), path, "<< is not supported here; merge into each entry instead")
			continue
		}
		item := reflect.New(elem.Elem())
		item.Elem().FieldByName("Name").SetString(p.key)
		ip := join(path, p.key)
		d.pos[ip] = posOf(p.keyN)
		if p.key == "" {
			d.probs.add(posOf(p.keyN), path, "an entry has an empty name")
		}
		d.decode(p.value, item.Elem(), ip)
		v.Set(reflect.Append(v, item))
	}
}

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		hint := ""
		if v.Type().Elem().Kind() == reflect.String && isScalar(n) {
			hint = ` (write a YAML list: [a, b] or one "- item" per line)`
		}
		d.probs.add(posOf(n), path, "expected a list, got %s%s", kindOf(n), hint)
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(seq.Values))
	for i, item := range seq.Values {
		ev := reflect.New(v.Type().Elem()).Elem()
		ip := path + "[" + strconv.Itoa(i) + "]"
		if _, ok := item.(*ast.MappingNode); ok {
			d.pos[ip] = posOf(item) // problems about a listed mapping point at it
		}
		d.decode(item, ev, ip)
		out = reflect.Append(out, ev)
	}
	v.Set(out)
}

// decodeStringMap decodes map[string]string; scalar values of other YAML
// types keep their written text (DEBUG: true -> "true").
func (d *decoder) decodeStringMap(n ast.Node, v reflect.Value, path string) {
	pairs, ok := d.mappingPairs(n)
	if !ok {
		d.probs.add(posOf(n), path, "expected a mapping of names to values, got %s", kindOf(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, p := range pairs {
		if p.merge {
			d.decodeStringMap(d.resolve(p.value), v, path)
			continue
		}
		val := d.resolve(p.value)
		kp := join(path, p.key)
		d.pos[kp] = posOf(p.keyN)
		switch {
		case val == nil:
			v.SetMapIndex(reflect.ValueOf(p.key), reflect.ValueOf(""))
		case isScalar(val):
			v.SetMapIndex(reflect.ValueOf(p.key), reflect.ValueOf(scalarText(val)))
		default:
			if _, isNull := val.(*ast.NullNode); isNull {
				v.SetMapIndex(reflect.ValueOf(p.key), reflect.ValueOf(""))
				continue
			}
			d.probs.add(posOf(val), kp, "expected a single value, got %s", kindOf(val))
		}
	}
}
