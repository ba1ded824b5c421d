package lookup

import (
	"fmt"
	"strconv"
	"strings"
)

// An address names a value in a Terraform state, as HCL would reference it:
//
//	outputs.example_vpc_id
//	outputs.private_subnet_ids[0]
//	aws_subnet.private[0].id           (count)
//	aws_subnet.az["a"].id              (for_each)
//	aws_subnet.private[*].id           (every instance, a list)
//	data.aws_vpc.main.cidr_block
//	module.vpc.aws_subnet.private[1].id
//	module.app["web"].aws_lb.this.arn
type address struct {
	output string // outputs.NAME; "" for a resource

	module string // canonical module path ("module.vpc[0].module.x"), "" for the root
	mode   string // "managed" or "data"
	typ    string
	name   string
	// index selects an instance: nil none given, else an int, a string or splat.
	index any

	path []step // what follows: attributes, keys, indexes
}

// splat is the [*] index.
type splatIndex struct{}

// A step is .name, [n], ["key"] or [*].
type step struct {
	kind   stepKind
	key    string // .name or ["key"]
	quoted bool   // the key was written ["key"] (a for_each key or map key)
	index  int    // [n]
}

type stepKind int

const (
	stepKey stepKind = iota
	stepIndex
	stepSplat
)

func (s step) String() string {
	switch s.kind {
	case stepIndex:
		return "[" + strconv.Itoa(s.index) + "]"
	case stepSplat:
		return "[*]"
	}
	if !s.quoted && identRE(s.key) {
		return "." + s.key
	}
	return "[" + strconv.Quote(s.key) + "]"
}

// resource is the resource part of a, as written in messages ("module.vpc.aws_subnet.private").
func (a *address) resource() string {
	var b strings.Builder
	if a.module != "" {
		b.WriteString(a.module + ".")
	}
	if a.mode == "data" {
		b.WriteString("data.")
	}
	b.WriteString(a.typ + "." + a.name)
	return b.String()
}

// instance is the resource with its index ("aws_subnet.az[\"a\"]").
func (a *address) instance() string {
	return a.resource() + indexString(a.index)
}

func indexString(ix any) string {
	switch v := ix.(type) {
	case int:
		return "[" + strconv.Itoa(v) + "]"
	case string:
		return "[" + strconv.Quote(v) + "]"
	case splatIndex:
		return "[*]"
	}
	return ""
}

func pathString(steps []step) string {
	var b strings.Builder
	for _, s := range steps {
		b.WriteString(s.String())
	}
	return b.String()
}

// AddressError says an address cannot be parsed.
type AddressError struct {
	Address string
	Reason  string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("%q is not a state address (%s); write outputs.NAME, TYPE.NAME.ATTRIBUTE, TYPE.NAME[0].ATTRIBUTE, TYPE.NAME[\"key\"].ATTRIBUTE, data.TYPE.NAME.ATTRIBUTE or module.NAME.TYPE.NAME.ATTRIBUTE", e.Address, e.Reason)
}

// parseAddress parses an address (see address).
func parseAddress(s string) (*address, error) {
	bad := func(format string, args ...any) error {
		return &AddressError{Address: s, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(s) == "" {
		return nil, bad("it is empty")
	}
	steps, err := lexSteps(s)
	if err != nil {
		return nil, bad("%v", err)
	}
	if steps[0].kind != stepKey {
		return nil, bad("it starts with an index")
	}
	a := &address{}
	i := 0
	next := func() (step, bool) {
		if i >= len(steps) {
			return step{}, false
		}
		st := steps[i]
		i++
		return st, true
	}
	// nextName returns the next step, which must be .name.
	nextName := func(what string) (string, error) {
		st, ok := next()
		if !ok {
			return "", bad("%s is missing", what)
		}
		if st.kind != stepKey || !identRE(st.key) {
			return "", bad("expected %s, found %s", what, st)
		}
		return st.key, nil
	}
	// optIndex consumes an [n], ["k"] or [*] step if one follows.
	optIndex := func() any {
		if i >= len(steps) {
			return nil
		}
		st := steps[i]
		switch {
		case st.kind == stepIndex:
			i++
			return st.index
		case st.kind == stepSplat:
			i++
			return splatIndex{}
		case st.kind == stepKey && st.quoted:
			i++
			return st.key
		}
		return nil
	}

	first := steps[0]
	if first.key == "outputs" || first.key == "output" {
		i = 1
		name, err := nextName("an output name after outputs.")
		if err != nil {
			return nil, err
		}
		if first.key == "output" {
			return nil, bad("outputs are read as outputs.%s (plural, as in terraform_remote_state)", name)
		}
		a.output = name
		a.path = steps[i:]
		return a, nil
	}

	var mods []string
	for i < len(steps) && steps[i].kind == stepKey && steps[i].key == "module" && !steps[i].quoted {
		i++
		name, err := nextName("a module name after module.")
		if err != nil {
			return nil, err
		}
		ix := optIndex()
		if _, ok := ix.(splatIndex); ok {
			return nil, bad("module.%s[*]: pick one module instance", name)
		}
		mods = append(mods, "module."+name+indexString(ix))
	}
	a.module = strings.Join(mods, ".")
	a.mode = "managed"
	if i < len(steps) && steps[i].kind == stepKey && steps[i].key == "data" && !steps[i].quoted {
		a.mode = "data"
		i++
	}
	if a.typ, err = nextName("a resource type"); err != nil {
		return nil, err
	}
	if a.name, err = nextName("a resource name after " + a.typ + "."); err != nil {
		return nil, err
	}
	a.index = optIndex()
	a.path = steps[i:]
	if len(a.path) == 0 {
		return nil, bad("name an attribute of %s, e.g. %s.id", a.instance(), a.instance())
	}
	return a, nil
}

// lexSteps splits an address into .name, [n], ["key"] and [*] steps. The
// first name has no leading dot.
func lexSteps(s string) ([]step, error) {
	var out []step
	i := 0
	readName := func() (string, error) {
		j := i
		for j < len(s) && (isIdentByte(s[j])) {
			j++
		}
		if j == i {
			if i < len(s) {
				return "", fmt.Errorf("unexpected %q at offset %d", s[i], i)
			}
			return "", fmt.Errorf("it ends with a dot")
		}
		name := s[i:j]
		i = j
		return name, nil
	}
	name, err := readName()
	if err != nil {
		return nil, err
	}
	out = append(out, step{key: name})
	for i < len(s) {
		switch s[i] {
		case '.':
			i++
			name, err := readName()
			if err != nil {
				return nil, err
			}
			out = append(out, step{key: name})
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if s[i+1:min(i+2, len(s))] == `"` {
				// A quoted key may hold ']': find the closing quote first.
				q, err := strconv.QuotedPrefix(s[i+1:])
				if err != nil {
					return nil, fmt.Errorf("unterminated string at offset %d", i+1)
				}
				key, _ := strconv.Unquote(q)
				j := i + 1 + len(q)
				if j >= len(s) || s[j] != ']' {
					return nil, fmt.Errorf("missing ] after %s", q)
				}
				out = append(out, step{key: key, quoted: true})
				i = j + 1
				continue
			}
			if end < 0 {
				return nil, fmt.Errorf("missing ] after offset %d", i)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			switch {
			case inner == "*":
				out = append(out, step{kind: stepSplat})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("index [%s] is neither a number, a \"quoted key\" nor *", inner)
				}
				out = append(out, step{kind: stepIndex, index: n})
			}
			i += end + 1
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d", s[i], i)
		}
	}
	return out, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func identRE(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
