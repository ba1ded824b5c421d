package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/ecsctl/ecsctl/internal/config"
)

// Ownership tags. Rules carry both; the Scheduler's schedule group carries
// TagConfig (schedules themselves cannot be tagged).
const (
	TagConfig = "ecsctl:config"
	TagBatch  = "ecsctl:batch"
)

// TargetID is the Id of the one target ecsctl puts on each of its rules.
const TargetID = "ecsctl"

const (
	// maxName is the longest rule, schedule and schedule group name AWS accepts.
	maxName = 64
	// maxConfigPart is the longest config name used as is in names; longer
	// ones are shortened, which leaves at least 32 characters for the batch.
	maxConfigPart = 24
)

// configNameRE is what a config's name must look like to mark schedules:
// rule and schedule names allow letters, digits, '.', '_' and '-', and the
// dot separates the config from the batch, so a config name has none.
var configNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// ValidConfigName reports whether name can mark schedules.
func ValidConfigName(name string) bool { return configNameRE.MatchString(name) }

// Prefix is the start of every rule and schedule name of config configName:
// "ecsctl.<config>.".
func Prefix(configName string) string {
	return "ecsctl." + shorten(configName, maxConfigPart) + "."
}

// GroupName is the Scheduler schedule group holding config configName's
// schedules: "ecsctl.<config>".
func GroupName(configName string) string {
	return "ecsctl." + shorten(configName, maxConfigPart)
}

// ResourceName is the name of the rule or schedule of batch batchName in
// config configName: "ecsctl.<config>.<batch>", at most 64 characters.
// A part that does not fit is cut and ends with '-' and 8 hex digits of the
// SHA-256 of the whole part, so distinct names stay distinct.
func ResourceName(configName, batchName string) string {
	p := Prefix(configName)
	return p + shorten(batchName, maxName-len(p))
}

// batchOfName returns the batch a name under prefix belongs to, when the
// name was not shortened; otherwise the part after the prefix.
func batchOfName(prefix, name string) string {
	return strings.TrimPrefix(name, prefix)
}

// shorten returns s if it has at most n characters, else its first n-9
// characters, '-' and 8 hex digits of its SHA-256.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return s[:n-9] + "-" + hex.EncodeToString(sum[:4])
}

// place is where a batch's rule or schedule lives.
type place struct {
	name  string // rule or schedule name
	group string // schedule group (schedules only)
	// adopted: the config names an existing rule or schedule (aws_name,
	// schedule_group) rather than letting ecsctl derive the name. The config
	// naming it is what makes it ecsctl's: no ownership tag is required,
	// and prune never deletes it.
	adopted bool
}

// placeOf is where batch b of config cfgName lives.
func placeOf(cfgName string, b *config.Batch) place {
	p := place{name: ResourceName(cfgName, b.Name), group: GroupName(cfgName)}
	if b.AWSName != "" {
		p.name, p.adopted = b.AWSName, true
	}
	if b.ScheduleGroup != "" && b.ScheduleGroup != p.group {
		p.group, p.adopted = b.ScheduleGroup, true
	}
	return p
}

// scheduleKey identifies a schedule across groups.
func scheduleKey(group, name string) string { return group + "/" + name }
