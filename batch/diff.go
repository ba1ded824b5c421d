package batch

import (
	"fmt"
	"io"
	"strings"
)

// Painter styles diff lines; *output.Printer implements it (colors only on
// a terminal). A nil Painter writes plain text.
type Painter interface {
	Green(string) string
	Red(string) string
	Yellow(string) string
	Dim(string) string
	Bold(string) string
}

type plain struct{}

func (plain) Green(s string) string  { return s }
func (plain) Red(s string) string    { return s }
func (plain) Yellow(s string) string { return s }
func (plain) Dim(s string) string    { return s }
func (plain) Bold(s string) string   { return s }

// WriteDiff writes p as a readable diff:
//
//	$ ecsctl batch schedule
//	+ rule ecsctl.example.nightly  (batch nightly)
//	    schedule          cron(0 3 * * ? *)
//	~ schedule ecsctl.example/ecsctl.example.report  (batch report)
//	    schedule          cron(0 3 * * ? *) -> cron(0 4 * * ? *)
//	- rule ecsctl.example.old  (batch old: not in the config)
//	1 to create, 1 to change, 1 to delete, 4 unchanged.
//
// Unchanged batches are counted, not shown.
func WriteDiff(w io.Writer, p *Plan, paint Painter) error {
	if paint == nil {
		paint = plain{}
	}
	var b strings.Builder
	if p.CreateGroup {
		fmt.Fprintf(&b, "%s schedule group %s  %s\n", paint.Green("+"), paint.Bold(p.Group), paint.Dim("(tag "+TagConfig+"="+p.Config+")"))
	}
	for _, c := range p.Changes {
		writeChange(&b, c, paint)
	}
	b.WriteString(summary(p) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (c *Change) title() string {
	if c.Kind == KindSchedule {
		return "schedule " + c.Group + "/" + c.Name
	}
	return "rule " + c.Name
}

func writeChange(b *strings.Builder, c *Change, paint Painter) {
	var mark, note string
	switch c.Action {
	case ActionUnchanged:
		return
	case ActionCreate:
		mark = paint.Green("+")
	case ActionUpdate:
		mark = paint.Yellow("~")
	case ActionDelete:
		mark = paint.Red("-")
	case ActionKeep:
		mark = " "
	case ActionForeign:
		mark = paint.Yellow("!")
	}
	note = "batch " + c.Batch
	if c.Note != "" {
		note += ": " + c.Note
	}
	fmt.Fprintf(b, "%s %s  %s\n", mark, paint.Bold(c.title()), paint.Dim("("+note+")"))
	if c.Action == ActionKeep || c.Action == ActionForeign {
		return
	}
	fs := c.Fields
	if c.Action == ActionDelete {
		// What is deleted is named by its schedule and revision; the rest is noise.
		fs = nil
		for _, f := range c.Fields {
			switch f.Key {
			case "schedule", "timezone", "state", "task_definition":
				fs = append(fs, f)
			}
		}
	}
	width := 0
	for _, f := range fs {
		width = max(width, len(f.Key))
	}
	for _, f := range fs {
		old, nw := display(f.Key, f.Old), display(f.Key, f.New)
		var v string
		switch {
		case c.Action == ActionCreate:
			v = nw
		case c.Action == ActionDelete:
			v = paint.Dim(old)
		case f.Old == "":
			v = paint.Green("+ " + nw)
		case f.New == "":
			v = paint.Red("- " + old)
		default:
			v = paint.Red(old) + " -> " + paint.Green(nw)
		}
		fmt.Fprintf(b, "    %-*s  %s\n", width, f.Key, v)
	}
}

func summary(p *Plan) string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(p.Count(ActionCreate), "to create")
	add(p.Count(ActionUpdate), "to change")
	add(p.Count(ActionDelete), "to delete")
	add(p.Count(ActionUnchanged), "unchanged")
	add(p.Count(ActionKeep), "not in the config (kept)")
	add(p.Count(ActionForeign), "not ecsctl's (left alone)")
	if len(parts) == 0 {
		return "No batches."
	}
	s := strings.Join(parts, ", ") + "."
	if p.Empty() {
		s = "No changes: " + s
	}
	return s
}
