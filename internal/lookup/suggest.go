package lookup

import (
	"fmt"
	"strings"
)

// maxListed is how many names a message lists before it says "and N more".
const maxListed = 12

// nearby is the end of a not-found message: a suggestion when a known name
// is close to got, then the names that exist.
func nearby(got string, known []string, label string) string {
	return nearbyList(got, known, known, label)
}

// nearbyList suggests from all and lists near.
func nearbyList(got string, all, near []string, label string) string {
	var b strings.Builder
	if s := suggest(got, all); s != "" {
		fmt.Fprintf(&b, "; did you mean %q?", s)
	} else {
		b.WriteString(";")
	}
	fmt.Fprintf(&b, " %s: %s", label, listNames(near))
	return b.String()
}

func listNames(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListed], ", "), len(names)-maxListed)
}

// suggest returns the known name closest to got when it is close enough to
// be a typo, else "": the same name in a module, a name within a third of
// its length in edits, or else the shortest name got is part of.
func suggest(got string, known []string) string {
	lg := strings.ToLower(got)
	for _, k := range known {
		if strings.HasSuffix(strings.ToLower(k), "."+lg) {
			return k
		}
	}
	best, bestD := "", 0
	for _, k := range known {
		d := editDistance(lg, strings.ToLower(k))
		if best == "" || d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= max(1, min(len(got), len(best))/3) {
		return best
	}
	// A name that got is part of ("vpc_id" in "example_vpc_id").
	part := ""
	for _, k := range known {
		if len(got) >= 3 && strings.Contains(strings.ToLower(k), lg) && (part == "" || len(k) < len(part)) {
			part = k
		}
	}
	return part
}

// editDistance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
