package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ecsctl/ecsctl/batch"
)

// render writes the config as YAML, with comments where a human must look.
func (g *gen) render() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	checkLine := func(indent, note string) {
		g.check(note)
		for i, line := range wrap(note, 76-len(indent)) {
			if i == 0 {
				w("%s# check: %s\n", indent, line)
			} else {
				w("%s#        %s\n", indent, line)
			}
		}
	}

	where := g.o.Cluster
	if g.o.Region != "" {
		where += " (" + g.o.Region + ")"
	}
	svcNames := make([]string, len(g.services))
	for i, s := range g.services {
		svcNames[i] = s.name
	}
	comment := func(indent, text string) {
		for _, line := range wrap(text, 78-len(indent)) {
			w("%s# %s\n", indent, line)
		}
	}
	comment("", fmt.Sprintf("ecsctl.yml for ECS cluster %s, written by `ecsctl init` from what runs there: %s %s and %s that start tasks in the cluster.",
		where, plural(len(svcNames), "service", "services"), strings.Join(svcNames, ", "), plural(len(g.batches), "schedule", "schedules")))
	w("#\n")
	comment("", "Lines marked \"check:\" need a look: ecsctl cannot see that part in AWS, or cannot express it. "+
		"`ecsctl validate --remote` checks this file against AWS; `ecsctl batch schedule --dry-run` shows what applying it "+
		"would change (nothing, for the schedules found). See docs/init.md.")
	w("name: %s\n", scalar(g.o.Name))
	if g.o.Region != "" {
		w("region: %s\n", scalar(g.o.Region))
	}
	w("cluster: %s\n", scalar(g.o.Cluster))

	if len(g.images) > 0 {
		w("\nimages:\n")
		for _, im := range g.images {
			w("  %s:\n", key(im.name))
			for _, n := range im.notes {
				checkLine("    ", n)
			}
			checkLine("    ", fmt.Sprintf("the build context of %s (the directory holding its Dockerfile), relative to this file; ecsctl cannot see it in AWS", im.name))
			w("    context: %s\n", scalar("./"+im.name))
			w("    repository: %s\n", scalar(im.repository))
			if len(im.containers) != 1 || im.containers[0] != im.name {
				w("    containers: %s\n", flowList(im.containers))
			}
		}
	}

	w("\nservices:\n")
	for _, s := range g.services {
		var parts []string
		for _, c := range s.taskDef.ContainerDefinitions {
			parts = append(parts, *c.Name)
		}
		w("  %s: {}  # runs %s: containers %s\n", key(s.name), shortTD(*s.taskDef.TaskDefinitionArn), strings.Join(parts, ", "))
		for _, f := range s.foreign {
			comment("  ", fmt.Sprintf("container %s runs %s, which ecsctl does not build (not in this account's ECR); deploys leave its image as it is.", f[0], f[1]))
		}
	}

	if len(g.batches) > 0 && (g.batches[0].noRole || g.batches[0].noNetwork) {
		first := g.batches[0]
		w("\nbatch_defaults:  # what every batch below shares\n")
		if first.noRole {
			w("  role: %s\n", scalar(first.role))
		}
		if first.noNetwork {
			g.writeNetwork(w, "  ", first)
		}
	}

	if len(g.batches) > 0 {
		w("\nbatches:\n")
	}
	for i, bs := range g.batches {
		if i > 0 {
			w("\n")
		}
		w("  %s:\n", key(bs.name))
		const in = "    "
		for _, c := range bs.checks {
			checkLine(in, c)
		}
		if bs.adopted {
			what := "EventBridge rule " + bs.awsName
			if bs.kind == "schedule" {
				what = "EventBridge Scheduler schedule " + bs.awsName + " in group " + bs.group
			}
			w("%saws_name: %s  # adopted: the %s\n", in, scalar(bs.awsName), what)
			if bs.kind == "schedule" && bs.group != batch.GroupName(g.o.Name) {
				w("%sschedule_group: %s\n", in, scalar(bs.group))
			}
		}
		if bs.kind == "schedule" {
			w("%svia: scheduler\n", in)
		}
		w("%sschedule: %s\n", in, scalar(bs.schedule))
		if bs.timezone != "" {
			w("%stimezone: %s\n", in, scalar(bs.timezone))
		}
		if bs.service != "" {
			w("%sservice: %s\n", in, scalar(bs.service))
		} else {
			w("%stask_definition: %s\n", in, scalar(bs.taskDefinition))
		}
		if bs.description != "" && (bs.adopted || bs.description != fmt.Sprintf("ecsctl batch %s (config %s)", bs.name, g.o.Name)) {
			w("%sdescription: %s\n", in, scalar(bs.description))
		}
		if !bs.enabled {
			w("%senabled: false\n", in)
		}
		if bs.flexibleWindow > 0 {
			w("%sflexible_window: %s\n", in, fmtDuration(bs.flexibleWindow))
		}
		if bs.count > 1 {
			w("%scount: %d\n", in, bs.count)
		}
		if bs.platformVersion != "" {
			w("%splatform_version: %s\n", in, scalar(bs.platformVersion))
		}
		if len(bs.capacityProviders) > 0 {
			w("%scapacity_provider_strategy:\n", in)
			for _, c := range bs.capacityProviders {
				item := "capacity_provider: " + scalar(c.name)
				if c.weight != 0 {
					item += fmt.Sprintf(", weight: %d", c.weight)
				}
				if c.base != 0 {
					item += fmt.Sprintf(", base: %d", c.base)
				}
				w("%s  - {%s}\n", in, item)
			}
		}
		if bs.execCommand {
			w("%senable_execute_command: true\n", in)
		}
		if bs.managedTags {
			w("%senable_ecs_managed_tags: true\n", in)
		}
		if bs.taskGroup != "" {
			w("%sgroup: %s\n", in, scalar(bs.taskGroup))
		}
		if bs.cpu != "" {
			w("%scpu: %s\n", in, scalar(bs.cpu))
		}
		if bs.mem != "" {
			w("%smemory: %s\n", in, scalar(bs.mem))
		}
		if !bs.noRole {
			w("%srole: %s\n", in, scalar(bs.role))
		}
		if !bs.noNetwork {
			g.writeNetwork(w, in, bs)
		}
		if bs.retryAttempts != nil || bs.retryAge != 0 {
			w("%sretry:\n", in)
			if bs.retryAttempts != nil {
				w("%s  maximum_attempts: %d\n", in, *bs.retryAttempts)
			}
			if bs.retryAge != 0 {
				w("%s  maximum_event_age: %s\n", in, fmtDuration(bs.retryAge))
			}
		}
		if bs.dlq != "" {
			w("%sdead_letter_queue: %s\n", in, scalar(bs.dlq))
		}
		if bs.propagateTags != "" {
			w("%spropagate_tags: %s\n", in, scalar(bs.propagateTags))
		}
		if len(bs.tags) > 0 {
			w("%stags:\n", in)
			for _, k := range sortedKeys(bs.tags) {
				w("%s  %s: %s\n", in, key(k), scalar(bs.tags[k]))
			}
		}
		if len(bs.overrides) > 0 {
			w("%soverrides:\n", in)
			for _, o := range bs.overrides {
				w("%s  %s:\n", in, key(o.name))
				if len(o.command) > 0 {
					w("%s    command: %s\n", in, flowList(o.command))
				}
				if len(o.environment) > 0 {
					w("%s    environment:\n", in)
					for _, k := range sortedKeys(o.environment) {
						w("%s      %s: %s\n", in, key(k), scalar(o.environment[k]))
					}
				}
				if o.cpu != 0 {
					w("%s    cpu: %d\n", in, o.cpu)
				}
				if o.memory != 0 {
					w("%s    memory: %d\n", in, o.memory)
				}
			}
		}
	}

	if len(g.res.Skipped) > 0 {
		w("\n# Schedules that start tasks in the cluster but are not batches here:\n")
		for _, s := range g.res.Skipped {
			name := s.Name
			if s.Group != "" {
				name = s.Group + "/" + s.Name
			}
			for i, line := range wrap(fmt.Sprintf("%s %s: %s", s.Kind, name, s.Reason), 74) {
				if i == 0 {
					w("# - %s\n", line)
				} else {
					w("#   %s\n", line)
				}
			}
		}
	}
	return b.Bytes()
}

func (g *gen) writeNetwork(w func(string, ...any), indent string, bs *batchSpec) {
	w("%snetwork:\n", indent)
	w("%s  subnets: %s\n", indent, flowList(bs.subnets))
	if len(bs.groups) > 0 {
		w("%s  security_groups: %s\n", indent, flowList(bs.groups))
	}
	if bs.publicIP {
		w("%s  assign_public_ip: true\n", indent)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

var (
	// plainRE is what may stay an unquoted YAML scalar.
	plainRE = regexp.MustCompile(`^([A-Za-z0-9_./+=$~]|-[^ ])[A-Za-z0-9_./@:+=$%~ -]*$`)
	// scheduleRE is a schedule expression, which reads well unquoted.
	scheduleRE = regexp.MustCompile(`^(cron|rate|at)\([^'"{}\[\],]*\)$`)
	// numberish is what YAML would read as a number, a bool, null or a time.
	numberish = regexp.MustCompile(`^[-+]?(\.?[0-9][0-9a-fA-F_:.xXoO+-]*|\.inf|\.nan)$`)
	reserved  = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "null": true, "~": true}
)

// scalar writes s as a YAML scalar: plain when that reads back as the same
// string, else double-quoted (JSON escapes, which YAML shares).
func scalar(s string) string {
	plain := s != "" && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, ":") &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.HasPrefix(s, "- ") &&
		!reserved[strings.ToLower(s)] && !numberish.MatchString(s)
	if plain && (plainRE.MatchString(s) || scheduleRE.MatchString(s)) {
		return s
	}
	return quote(s)
}

// key writes a mapping key.
func key(s string) string {
	if plainRE.MatchString(s) && !strings.Contains(s, " ") && !reserved[strings.ToLower(s)] && !numberish.MatchString(s) {
		return s
	}
	return quote(s)
}

func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(buf.String(), "\n")
}

// flowList writes a YAML flow sequence.
func flowList(items []string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = scalar(it)
	}
	return "[" + strings.Join(out, ", ") + "]"
}
