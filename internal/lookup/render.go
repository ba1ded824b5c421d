package lookup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Render writes a value as template text: strings and numbers as they are
// (so they fit inside quotes, ARNs and names), lists and objects as YAML
// flow collections with JSON-quoted strings (["subnet-a", "subnet-b"],
// {"a": "subnet-a"}), so they can stand where the config expects a list or
// a map.
func Render(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("the value is null")
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	}
	var b strings.Builder
	if err := flow(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func flow(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(quote(x))
	case json.Number:
		b.WriteString(x.String())
	case bool:
		fmt.Fprint(b, x)
	case []any:
		b.WriteByte('[')
		for i, el := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := flow(b, el); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k) + ": ")
			if err := flow(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("cannot render a %T", v)
	}
	return nil
}

// quote writes s as a JSON string, which YAML reads as a double-quoted scalar.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(buf.String(), "\n")
}
