package imagedefs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// parser is a small strict JSON reader that knows where each value starts,
// so problems can name a line and column, and that sees what encoding/json
// forgives: repeated keys, keys in the wrong case, trailing data.
type parser struct {
	data     []byte
	i        int
	problems []Problem
	fatal    bool // a syntax error: stop reading
}

// field is a value read from an object.
type field struct {
	value string   // string fields
	list  []string // string-array fields
	off   int      // where the value starts
	bad   bool     // given but unusable (wrong type or misspelt key): already reported
}

type kind int

const (
	kindString kind = iota
	kindStrings
)

func newParser(data []byte) *parser { return &parser{data: data} }

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	sort.SliceStable(p.problems, func(i, j int) bool {
		a, b := p.problems[i], p.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return &Error{Problems: p.problems}
}

// pos turns a byte offset into a 1-based line and column (in characters).
func (p *parser) pos(off int) (line, col int) {
	off = min(off, len(p.data))
	line = 1 + bytes.Count(p.data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(p.data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(p.data[start:off])
}

func (p *parser) problem(line, col int, format string, args ...any) {
	if len(p.problems) == maxProblems {
		p.problems = append(p.problems, Problem{Message: "more problems not shown"})
	}
	if len(p.problems) > maxProblems {
		return
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) problemAt(off int, format string, args ...any) {
	line, col := p.pos(off)
	p.problem(line, col, format, args...)
}

func (p *parser) syntax(off int, format string, args ...any) {
	if p.fatal {
		return
	}
	p.problemAt(off, "invalid JSON: "+format, args...)
	p.fatal = true
}

// checkEncoding reports files CodePipeline would refuse before reading them.
func (p *parser) checkEncoding() bool {
	switch {
	case len(p.data) > MaxSize:
		p.problem(0, 0, "is %d bytes; CodePipeline accepts image definitions files of at most 100 KB (this tool: %d bytes)", len(p.data), MaxSize)
		return false
	case bytes.HasPrefix(p.data, []byte("\xef\xbb\xbf")):
		p.problem(1, 1, "starts with a byte order mark; save the file as UTF-8 without BOM")
		return false
	case len(bytes.TrimSpace(p.data)) == 0:
		p.problem(0, 0, "is empty")
		return false
	}
	if !utf8.Valid(p.data) {
		off := 0
		for off < len(p.data) {
			r, n := utf8.DecodeRune(p.data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		p.problemAt(off, "invalid UTF-8 (byte 0x%02x); the file must be UTF-8 encoded", p.data[off])
		return false
	}
	return true
}

// next skips white space and returns the offset of the next token.
func (p *parser) next() int {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return p.i
		}
	}
	return p.i
}

func (p *parser) peek() byte {
	if p.next() >= len(p.data) {
		return 0
	}
	return p.data[p.i]
}

// expect consumes byte c or records a syntax error.
func (p *parser) expect(c byte, what string) bool {
	off := p.next()
	if off >= len(p.data) {
		p.syntax(off, "unexpected end of file, expected %s", what)
		return false
	}
	if p.data[off] != c {
		p.syntax(off, "expected %s, found %s", what, p.describe(off))
		return false
	}
	p.i++
	return true
}

func (p *parser) describe(off int) string {
	if off >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[off:])
	return fmt.Sprintf("%q", r)
}

// document reads the top-level value, which must be a JSON array, calling
// entry for each element, then checks nothing follows it.
func (p *parser) document(open byte, entry func(n int)) {
	off := p.next()
	if p.peek() != open {
		want := "an array: [{\"name\": \"<container>\", \"imageUri\": \"<image>\"}, ...]"
		if open == '{' {
			want = "an object: {\"ImageURI\": \"<image>\"}"
		}
		p.problemAt(off, "the file must hold %s; found %s", want, p.describe(off))
		p.fatal = true
		return
	}
	p.i++
	if p.peek() == ']' {
		p.i++
		p.trailing()
		return
	}
	for n := 1; !p.fatal; n++ {
		entry(n)
		if p.fatal {
			return
		}
		switch p.peek() {
		case ',':
			p.i++
			if p.peek() == ']' {
				p.syntax(p.i, "trailing comma before ]")
				return
			}
		case ']':
			p.i++
			p.trailing()
			return
		default:
			p.syntax(p.next(), "expected , or ] after entry %d, found %s", n, p.describe(p.next()))
			return
		}
	}
}

func (p *parser) trailing() {
	if off := p.next(); !p.fatal && off < len(p.data) {
		p.syntax(off, "unexpected %s after the end of the document", p.describe(off))
	}
}

// object reads an object whose keys must be among known (each a string
// field unless listed in lists). It returns nil when the value is not an
// object. entry > 0 prefixes problems with the entry number.
func (p *parser) object(entry int, known []string, lists ...string) map[string]field {
	prefix := ""
	if entry > 0 {
		prefix = fmt.Sprintf("entry %d: ", entry)
	}
	off := p.next()
	if p.peek() != '{' {
		p.problemAt(off, "%smust be an object such as {\"name\": \"web\", \"imageUri\": \"...\"}; found %s", prefix, p.describe(off))
		p.skipValue()
		return nil
	}
	p.i++
	fields := map[string]field{}
	if p.peek() == '}' {
		p.i++
		return fields
	}
	for !p.fatal {
		keyOff := p.next()
		key, ok := p.str()
		if !ok {
			return nil
		}
		if !p.expect(':', "':' after a key") {
			return nil
		}
		valOff := p.next()
		k := kindString
		for _, l := range lists {
			if l == key {
				k = kindStrings
			}
		}
		switch {
		case !slices.Contains(known, key):
			p.problemAt(keyOff, "%sunknown field %q%s", prefix, key, suggest(key, known))
			p.skipValue()
			for _, k := range known {
				if strings.EqualFold(k, key) && !hasKey(fields, k) {
					fields[k] = field{off: valOff, bad: true}
				}
			}
		case hasKey(fields, key) && !fields[key].bad:
			p.problemAt(keyOff, "%sfield %q is given twice", prefix, key)
			p.skipValue()
		case k == kindStrings:
			list, ok := p.strings(prefix + key)
			fields[key] = field{list: list, off: valOff, bad: !ok}
		default:
			if p.peek() != '"' {
				p.problemAt(valOff, "%s%q must be a string; found %s", prefix, key, p.describe(valOff))
				p.skipValue()
				fields[key] = field{off: valOff, bad: true}
				break
			}
			s, ok := p.str()
			if ok {
				fields[key] = field{value: s, off: valOff}
			}
		}
		if p.fatal {
			return nil
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return fields
		default:
			p.syntax(p.next(), "expected , or } in an object, found %s", p.describe(p.next()))
			return nil
		}
	}
	return nil
}

func hasKey(m map[string]field, k string) bool { _, ok := m[k]; return ok }

// suggest names the field a misspelt key probably meant, or lists them.
func suggest(key string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("; did you mean %q? (keys are case-sensitive)", k)
		}
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf("; the fields are %s", strings.Join(quoteAll(sorted), ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// str reads a JSON string.
func (p *parser) str() (string, bool) {
	start := p.next()
	if start >= len(p.data) || p.data[start] != '"' {
		p.syntax(start, "expected a string, found %s", p.describe(start))
		return "", false
	}
	end := start + 1
	for ; end < len(p.data); end++ {
		c := p.data[end]
		if c == '\\' {
			end++
			continue
		}
		if c == '"' {
			break
		}
		if c < 0x20 {
			p.syntax(end, "control character in a string")
			return "", false
		}
	}
	if end >= len(p.data) {
		p.syntax(start, "unterminated string")
		return "", false
	}
	var s string
	if err := json.Unmarshal(p.data[start:end+1], &s); err != nil {
		p.syntax(start, "bad string: %v", err)
		return "", false
	}
	p.i = end + 1
	return s, true
}

// strings reads an array of strings.
func (p *parser) strings(what string) ([]string, bool) {
	off := p.next()
	if p.peek() != '[' {
		p.problemAt(off, "%q must be an array of strings; found %s", what, p.describe(off))
		p.skipValue()
		return nil, false
	}
	p.i++
	var list []string
	if p.peek() == ']' {
		p.i++
		return list, true
	}
	for !p.fatal {
		if p.peek() != '"' {
			p.problemAt(p.next(), "%q must be an array of strings; found %s", what, p.describe(p.next()))
			p.skipValue()
		} else if s, ok := p.str(); ok {
			list = append(list, s)
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return list, true
		default:
			p.syntax(p.next(), "expected , or ] in an array, found %s", p.describe(p.next()))
			return nil, false
		}
	}
	return nil, false
}

// skipValue skips one JSON value of any kind, checking its syntax.
func (p *parser) skipValue() {
	off := p.next()
	if off >= len(p.data) {
		p.syntax(off, "unexpected end of file, expected a value")
		return
	}
	switch c := p.data[off]; {
	case c == '"':
		p.str()
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		p.i++
		if p.peek() == closer {
			p.i++
			return
		}
		for !p.fatal {
			if c == '{' {
				if _, ok := p.str(); !ok || !p.expect(':', "':' after a key") {
					return
				}
			}
			p.skipValue()
			switch p.peek() {
			case ',':
				p.i++
			case closer:
				p.i++
				return
			default:
				p.syntax(p.next(), "expected , or %c, found %s", closer, p.describe(p.next()))
				return
			}
		}
	default:
		end := off
		for end < len(p.data) && strings.IndexByte(" \t\r\n,]}:", p.data[end]) < 0 {
			end++
		}
		lit := p.data[off:end]
		var v any
		if len(lit) == 0 || json.Unmarshal(lit, &v) != nil {
			p.syntax(off, "unexpected %s", p.describe(off))
			return
		}
		p.i = end
	}
}
