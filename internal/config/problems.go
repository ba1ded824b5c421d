package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	Line, Column int    // 1-based; 0 when unknown
	Path         string // where in the document, e.g. "images.web.context"
	Message      string // what is wrong and what is expected
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", p.Line, p.Column)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem found in one config file. Callers treat it as bad
// input (exit code 2).
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = e.File + ":" + p.String()
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d problems in %s:\n  %s", len(lines), e.File, strings.Join(lines, "\n  "))
}

// problems collects Problems while a file is checked.
type problems struct {
	list []Problem
}

func (ps *problems) add(pos position, path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: pos.line, Column: pos.col, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	// A shared setting (batch_defaults) can be wrong for several batches: say it once.
	seen := map[Problem]bool{}
	uniq := ps.list[:0]
	for _, p := range ps.list {
		if !seen[p] {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	ps.list = uniq
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return &Error{File: file, Problems: ps.list}
}

type position struct{ line, col int }

// suggest returns the candidate closest to got when it is close enough to be
// a likely typo ("contxt" -> "context", "securityGroups" -> "security_groups").
func suggest(got string, candidates []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if norm(c) == norm(got) {
			return c
		}
		d := editDistance(got, c)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 2
	if len(got) <= 4 {
		limit = 1
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// ExitCode marks config problems as bad input (exit code 2).
func (e *Error) ExitCode() int { return 2 }

// ExitCode marks a missing config file as bad input (exit code 2).
func (e *NotFoundError) ExitCode() int { return 2 }
