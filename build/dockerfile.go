package build

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// instruction is one Dockerfile instruction, as the file writes it.
type instruction struct {
	keyword   string // upper case: FROM, RUN, COPY, ...
	text      string // the instruction with line continuations joined
	line, end int    // first and last line (1-based)
	stage     string // name of the stage it belongs to (AS name, else stage-N)
}

// dockerfile is what error messages need of a Dockerfile: its instructions
// and lines.
type dockerfile struct {
	name         string // as the user wrote it, for messages ("web/Dockerfile")
	lines        []string
	instructions []instruction
}

var escapeDirectiveRE = regexp.MustCompile(`(?i)^#\s*escape\s*=\s*([\\` + "`" + `])\s*$`)
var fromAsRE = regexp.MustCompile(`(?i)\s+AS\s+(\S+)\s*$`)

// parseDockerfile splits a Dockerfile into instructions. It understands
// comments, the escape directive and line continuations; it does not
// validate anything (the engine does).
func parseDockerfile(name string, src []byte) *dockerfile {
	df := &dockerfile{name: name}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		df.lines = append(df.lines, strings.TrimRight(sc.Text(), "\r"))
	}
	escape := byte('\\')
	directives := true
	var cur *instruction
	stageIndex := -1
	stage := ""
	for i, raw := range df.lines {
		trimmed := strings.TrimSpace(raw)
		if directives {
			if m := escapeDirectiveRE.FindStringSubmatch(trimmed); m != nil {
				escape = m[1][0]
				continue
			}
			if !strings.HasPrefix(trimmed, "#") || !strings.Contains(trimmed, "=") {
				directives = false
			}
		}
		if strings.HasPrefix(trimmed, "#") || trimmed == "" {
			continue // comments and empty lines are dropped, even inside a continuation
		}
		part := raw
		cont := false
		if t := strings.TrimRight(raw, " \t"); len(t) > 0 && t[len(t)-1] == escape {
			part, cont = t[:len(t)-1], true
		}
		if cur == nil {
			cur = &instruction{line: i + 1}
			part = strings.TrimLeft(part, " \t")
		}
		cur.text += part
		cur.end = i + 1
		if cont {
			continue
		}
		cur.text = strings.TrimSpace(cur.text)
		kw, _, _ := strings.Cut(cur.text, " ")
		cur.keyword = strings.ToUpper(strings.TrimSpace(kw))
		if cur.keyword == "FROM" {
			stageIndex++
			stage = "stage-" + itoa(stageIndex)
			if m := fromAsRE.FindStringSubmatch(cur.text); m != nil {
				stage = strings.ToLower(m[1])
			}
		}
		cur.stage = stage
		df.instructions = append(df.instructions, *cur)
		cur = nil
	}
	if cur != nil && strings.TrimSpace(cur.text) != "" {
		cur.text = strings.TrimSpace(cur.text)
		kw, _, _ := strings.Cut(cur.text, " ")
		cur.keyword = strings.ToUpper(kw)
		cur.stage = stage
		df.instructions = append(df.instructions, *cur)
	}
	return df
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// vertexNameRE splits a BuildKit vertex name such as
// "[builder 2/5] RUN go build ./..." into its stage and command.
var vertexNameRE = regexp.MustCompile(`^\[([^\]]*?)\s*\d+/\d+\] (.*)$`)

// normalize collapses white space and upper-cases the keyword, the way
// BuildKit names a step.
func normalize(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	f[0] = strings.ToUpper(f[0])
	return strings.Join(f, " ")
}

// find returns the instruction a BuildKit vertex name refers to, or nil.
func (df *dockerfile) find(vertexName string) *instruction {
	if df == nil {
		return nil
	}
	m := vertexNameRE.FindStringSubmatch(vertexName)
	if m == nil {
		// "[internal] load metadata for docker.io/library/x:1": the FROM naming it.
		if ref, ok := strings.CutPrefix(vertexName, "[internal] load metadata for "); ok {
			for i, in := range df.instructions {
				if in.keyword == "FROM" && sameImage(fromImage(in.text), ref) {
					return &df.instructions[i]
				}
			}
		}
		return nil
	}
	stage, cmd := "", normalize(m[2])
	if f := strings.Fields(m[1]); len(f) > 0 {
		stage = f[len(f)-1] // after an optional platform
	}
	kw, _, _ := strings.Cut(cmd, " ")
	var candidates []*instruction
	for i := range df.instructions {
		in := &df.instructions[i]
		if stage != "" && in.stage != strings.ToLower(stage) {
			continue
		}
		if in.keyword == kw {
			candidates = append(candidates, in)
		}
	}
	if stage != "" && len(candidates) == 0 {
		// A platform prefix ("[linux/amd64 builder 2/3]") or an unknown
		// stage name: search every stage.
		for i := range df.instructions {
			if df.instructions[i].keyword == kw {
				candidates = append(candidates, &df.instructions[i])
			}
		}
	}
	if kw == "FROM" && len(candidates) > 0 {
		return candidates[0]
	}
	var best *instruction
	bestLen := -1
	for _, in := range candidates {
		text := normalize(in.text)
		if text == cmd {
			return in
		}
		// BuildKit expands variables in the name; take the longest common prefix.
		n := commonPrefix(text, cmd)
		if n > bestLen {
			best, bestLen = in, n
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// fromImage returns the image a FROM instruction names.
func fromImage(text string) string {
	for _, f := range strings.Fields(text)[1:] {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

// sameImage compares references loosely: docker.io/library/ and a
// missing tag do not matter.
func sameImage(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimPrefix(s, "docker.io/")
		s = strings.TrimPrefix(s, "library/")
		if !strings.Contains(s[strings.LastIndex(s, "/")+1:], ":") && !strings.Contains(s, "@") {
			s += ":latest"
		}
		return s
	}
	return a != "" && norm(a) == norm(b)
}

// excerpt returns the lines of an instruction, numbered, for a message.
func (df *dockerfile) excerpt(in *instruction) []string {
	var out []string
	for l := in.line; l <= in.end && l <= len(df.lines); l++ {
		out = append(out, padLeft(itoa(l), 4)+" | "+df.lines[l-1])
	}
	if len(out) > 8 {
		out = append(out[:7], "     | ...")
	}
	return out
}

// lineExcerpt returns one numbered line.
func (df *dockerfile) lineExcerpt(line int) []string {
	if df == nil || line < 1 || line > len(df.lines) {
		return nil
	}
	return []string{padLeft(itoa(line), 4) + " | " + df.lines[line-1]}
}

func padLeft(s string, n int) string {
	for len(s) < n {
		s = " " + s
	}
	return s
}
