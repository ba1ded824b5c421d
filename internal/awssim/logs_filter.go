package awssim

import "strings"

// compileFilterPattern compiles the term form of CloudWatch Logs filter
// patterns: space-separated terms that must all appear (ERROR timeout),
// "quoted phrases" matched as written, -term excluding events, and ?term
// alternatives of which one must appear (?ERROR ?WARN). Matching is
// case-sensitive and by substring. An empty pattern matches every event.
// JSON ({ $.x = 1 }), space-delimited ([a, b]) and regular-expression (%re%)
// patterns are refused: the simulator does not model them.
func compileFilterPattern(pattern string) (func(string) bool, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern != "" && strings.ContainsAny(pattern[:1], "{[%") {
		return nil, logsInvalid("The simulator supports term and \"quoted phrase\" filter patterns only, not %q.", pattern)
	}
	var all, none, oneOf []string
	for rest := pattern; rest != ""; rest = strings.TrimLeft(rest, " ") {
		kind := rest[0]
		if kind == '-' || kind == '?' {
			rest = rest[1:]
		}
		var term string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return nil, logsInvalid("Invalid filter pattern %q: unterminated quote.", pattern)
			}
			term, rest = rest[1:end+1], rest[end+2:]
		} else {
			term, rest, _ = strings.Cut(rest, " ")
		}
		switch kind {
		case '-':
			none = append(none, term)
		case '?':
			oneOf = append(oneOf, term)
		default:
			all = append(all, term)
		}
	}
	return func(msg string) bool {
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(oneOf) == 0 {
			return true
		}
		for _, t := range oneOf {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}, nil
}
