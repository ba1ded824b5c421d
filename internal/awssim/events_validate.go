package awssim

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Model validation the way AWS's request layer words it, shared by the
// EventBridge and EventBridge Scheduler files:
//
//	1 validation error detected: Value 'a b' at 'name' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+
//
// Every violation of a request is collected and answered in one
// ValidationException, as AWS does.
type violations []string

// add records that value at path (lowerCamel member names, list items as
// "targets.1.member.id") breaks constraint.
func (v *violations) add(value any, path, constraint string) {
	shown := "null"
	if value != nil {
		shown = fmt.Sprintf("'%v'", value)
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, path, constraint))
}

// length checks a string's length bounds; an empty optional string is not
// checked (min 1 then means "not empty when given").
func (v *violations) length(value, path string, min, max int) {
	switch n := len([]rune(value)); {
	case n == 0:
	case n < min:
		v.add(value, path, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case n > max:
		v.add(value, path, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// pattern checks value against AWS's documented pattern (shown as written in
// the API reference) when value is not empty.
func (v *violations) pattern(value, path string, re *regexp.Regexp, shown string) {
	if value != "" && !re.MatchString(value) {
		v.add(value, path, "Member must satisfy regular expression pattern: "+shown)
	}
}

// enum checks value against the allowed set when value is not empty.
func (v *violations) enum(value, path string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(value, path, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// between checks an optional number's bounds.
func (v *violations) between(value *int, path string, min, max int) {
	switch {
	case value == nil:
	case *value < min:
		v.add(*value, path, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case *value > max:
		v.add(*value, path, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// err returns the ValidationException for the collected violations, or nil.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	noun := "error"
	if len(v) > 1 {
		noun = "errors"
	}
	return badRequest("ValidationException", "%d validation %s detected: %s", len(v), noun, strings.Join(v, "; "))
}

// namePage returns the page of sorted names that follows the name token
// encodes, at most limit long, and the token of the next page ("" on the
// last). Tokens name the last item served, so items created or deleted
// between pages shift nothing. ok is false for a token it did not make.
func namePage(names []string, token string, limit int) (page []string, next string, ok bool) {
	if names == nil {
		names = []string{} // answer [] rather than null
	}
	sort.Strings(names)
	start := 0
	if token != "" {
		last, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", false
		}
		start = sort.SearchStrings(names, string(last)+"\x00")
	}
	end := min(start+limit, len(names))
	if end < len(names) {
		next = base64.RawURLEncoding.EncodeToString([]byte(names[end-1]))
	}
	return names[start:end], next, true
}
