package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// check finds what is wrong across fields once the file is decoded: missing
// choices, references to names that do not exist, values AWS would refuse.
//
// Problems about values a lookup will fill (deferred offline) are not
// reported: they cannot be judged before the lookup.
func check(c *Config, pos map[string]position, deferred map[string]bool, probs *problems) {
	at := func(path string) position {
		// The most specific recorded position at or above path.
		for p := path; ; {
			if ps, ok := pos[p]; ok {
				return ps
			}
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				return position{line: 1, col: 1}
			}
			p = p[:i]
		}
	}
	isDeferred := func(path string) bool {
		for p := range deferred {
			if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
				return true
			}
		}
		return false
	}
	add := func(path, format string, args ...any) {
		if !isDeferred(path) {
			probs.add(at(path), path, format, args...)
		}
	}

	where := c.SettingPath // batch_defaults' path when the value came from there
	present := func(path string) bool { _, ok := pos[path]; return ok }

	checkTFState(c, add)
	checkBuild(c, add)
	checkImages(c, add, present)
	checkServices(c, add)
	checkBatches(c, add, where)
}

type addFunc func(path, format string, args ...any)

func checkTFState(c *Config, add addFunc) {
	for _, st := range c.TFState {
		p := "tfstate." + st.Name
		switch {
		case st.Path != "" && (st.Bucket != "" || st.Key != ""):
			add(p, "set either path (a local state file) or bucket and key (a state in S3), not both")
		case st.Path == "" && (st.Bucket == "" || st.Key == ""):
			add(p, "set bucket and key (as in the backend \"s3\" block), or path for a local state file")
		}
	}
}

func checkBuild(c *Config, add addFunc) {
	switch c.Build.Network {
	case "", "default", "none", "host":
	default:
		add("build.network", "network mode %q is not supported; use default, none or host", c.Build.Network)
	}
	if c.Build.Concurrency < 0 {
		add("build.concurrency", "must be 1 or more (or leave it out to build every image at once)")
	}
	for i, t := range c.Build.Tags {
		checkTag(add, fmt.Sprintf("build.tags[%d]", i), t)
	}
}

// Bounded repetitions ({1,512}) are checked with len, not in the patterns:
// Go compiles a{1,512} into 512 copies, and ecsctl compiles these at start-up.

// tagRE is Docker's tag grammar, up to 128 characters.
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// ValidTag reports whether tag is a valid Docker image tag.
func ValidTag(tag string) bool { return len(tag) <= 128 && tagRE.MatchString(tag) }

func checkTag(add addFunc, path, tag string) {
	if !ValidTag(tag) {
		add(path, "%q is not a valid image tag (letters, digits, _ . -, up to 128, not starting with . or -)", tag)
	}
}

// repoRE is ECR's repository name grammar.
var repoRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

func checkImages(c *Config, add addFunc, present func(string) bool) {
	if c.Images != nil && len(c.Images) == 0 {
		add("images", "no images are listed; add at least one (name: {context: ..., repository: ...}) or remove the key")
	}
	owner := map[string]string{} // container -> image
	for _, im := range c.Images {
		p := "images." + im.Name
		switch {
		case im.Repository == "" && im.Registry == "" && !present(p+".repository") && !present(p+".registry"):
			add(p, "set repository (an ECR repository name) or registry (a full image name in another registry)")
		case im.Repository != "" && im.Registry != "":
			add(p+".registry", "set repository or registry, not both")
		case im.Repository != "" && (!repoRE.MatchString(im.Repository) || strings.Contains(im.Repository, ".dkr.ecr.")):
			add(p+".repository", "%q is not a valid ECR repository name (lowercase letters, digits, and . _ - / between them); give the name, not the URI", im.Repository)
		}
		if im.Context == "" && present(p+".context") {
			add(p+".context", "must not be empty; give the build context directory, e.g. ./%s", im.Name)
		}
		for i, t := range im.Tags {
			checkTag(add, fmt.Sprintf("%s.tags[%d]", p, i), t)
		}
		for i, ct := range im.Containers {
			cp := fmt.Sprintf("%s.containers[%d]", p, i)
			if ct == "" {
				add(cp, "container name must not be empty")
				continue
			}
			if other, dup := owner[ct]; dup {
				add(cp, "container %q is already fed by image %q; a container takes one image", ct, other)
				continue
			}
			owner[ct] = im.Name
		}
	}
}

func checkServices(c *Config, add addFunc) {
	names := make([]string, len(c.Images))
	for i, im := range c.Images {
		names[i] = im.Name
	}
	for _, s := range c.Services {
		for i, name := range s.Images {
			if c.Image(name) == nil {
				add(fmt.Sprintf("services.%s.images[%d]", s.Name, i), "no image named %q%s", name, didYouMean(name, names))
			}
		}
		if s.Timeout != 0 && s.Timeout.Std() < time.Minute {
			add("services."+s.Name+".timeout", "a rollout cannot finish in under a minute; use 1m or more")
		}
	}
}

// batchNameRE keeps batch names usable in rule and schedule names.
var batchNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// roleARNRE is the shape of an IAM role ARN.
var roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)

// sqsARNRE is the shape of an SQS queue ARN.
var sqsARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$`)

func checkBatches(c *Config, add addFunc, where func(b *Batch, key string) string) {
	if len(c.Batches) > 0 && c.Name == "" {
		add("name", "name is required when batches are defined: ecsctl marks the schedules it owns with it (e.g. name: myapp-production)")
	}
	for _, b := range c.Batches {
		p := "batches." + b.Name
		if len(b.Name) > 48 || !batchNameRE.MatchString(b.Name) {
			add(p, "batch name %q must be 1-48 letters, digits, . _ - and start with a letter or digit", b.Name)
		}
		if b.Schedule == "" {
			add(p, "missing schedule, e.g. schedule: cron(0 3 * * ? *)")
		}
		switch {
		case b.Service == "" && b.TaskDefinition == "":
			add(p, "set service (run the revision that service runs) or task_definition (a family, family:revision or ARN)")
		case b.Service != "" && b.TaskDefinition != "":
			add(where(b, "task_definition"), "set service or task_definition, not both")
		}
		switch b.Via {
		case ViaRule, ViaScheduler:
		default:
			add(where(b, "via"), "%q is not a place for schedules; use rule (EventBridge rule) or scheduler (EventBridge Scheduler)", b.Via)
		}
		if b.Timezone != "" {
			if _, err := time.LoadLocation(b.Timezone); err != nil || b.Timezone == "Local" {
				add(where(b, "timezone"), "%q is not an IANA time zone such as Asia/Tokyo or UTC", b.Timezone)
			} else if b.Via == ViaRule && b.Timezone != "UTC" && b.Timezone != "Etc/UTC" {
				add(where(b, "timezone"), "EventBridge rules run in UTC only; set via: scheduler to run in %s", b.Timezone)
			}
		}
		if b.Via == ViaRule {
			if strings.HasPrefix(b.Schedule, "at(") {
				add(where(b, "schedule"), "one-off at() schedules need the Scheduler; set via: scheduler")
			}
			if b.FlexibleWindow != 0 {
				add(where(b, "flexible_window"), "flexible windows need the Scheduler; set via: scheduler or remove flexible_window")
			}
		}
		if b.FlexibleWindow != 0 && (b.FlexibleWindow.Std() < time.Minute || b.FlexibleWindow.Std() > 24*time.Hour) {
			add(where(b, "flexible_window"), "must be between 1m and 24h")
		}
		if b.Role == "" {
			add(where(b, "role"), "missing role: the ARN of the IAM role EventBridge uses to run the task (set it here or in batch_defaults)")
		} else if len(b.Role) > 2048 || !roleARNRE.MatchString(b.Role) {
			add(where(b, "role"), "%q is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", b.Role)
		}
		if b.Network == nil || len(b.Network.Subnets) == 0 {
			add(where(b, "network")+".subnets", "missing: Fargate tasks need awsvpc subnets (set network.subnets in the batch or in batch_defaults)")
		}
		if b.Count < 1 || b.Count > 10 {
			add(where(b, "count"), "must be between 1 and 10 (RunTask starts at most 10 tasks)")
		}
		switch b.PropagateTags {
		case "", "TASK_DEFINITION":
		default:
			add(where(b, "propagate_tags"), "%q: use TASK_DEFINITION or leave it out", b.PropagateTags)
		}
		if b.DeadLetterQueue != "" && (len(b.DeadLetterQueue[strings.LastIndex(b.DeadLetterQueue, ":")+1:]) > 80 || !sqsARNRE.MatchString(b.DeadLetterQueue)) {
			add(where(b, "dead_letter_queue"), "%q is not an SQS queue ARN (arn:aws:sqs:region:123456789012:name)", b.DeadLetterQueue)
		}
		if r := b.Retry; r != nil {
			if r.MaximumAttempts != nil && (*r.MaximumAttempts < 0 || *r.MaximumAttempts > 185) {
				add(where(b, "retry")+".maximum_attempts", "must be between 0 and 185")
			}
			if age := r.MaximumEventAge.Std(); age != 0 && (age < time.Minute || age > 24*time.Hour) {
				add(where(b, "retry")+".maximum_event_age", "must be between 1m and 24h")
			}
		}
		checkCapacityProviders(b, add, where)
		if len(b.Group) > 255 {
			add(where(b, "group"), "a task group is at most 255 characters (got %d)", len(b.Group))
		}
		for _, o := range b.Overrides {
			op := p + ".overrides." + o.Name
			if o.CPU < 0 || o.Memory < 0 {
				add(op, "cpu and memory must be positive")
			}
		}
	}
}

// Bounds of a capacity provider strategy, as EventBridge, the Scheduler
// and ECS take it.
const (
	maxCapacityProviders = 6
	maxCapacityWeight    = 1000
	maxCapacityBase      = 100000
)

func checkCapacityProviders(b *Batch, add addFunc, where func(b *Batch, key string) string) {
	if len(b.CapacityProviderStrategy) == 0 {
		return
	}
	sp := where(b, "capacity_provider_strategy")
	if n := len(b.CapacityProviderStrategy); n > maxCapacityProviders {
		add(sp, "at most %d capacity providers (got %d)", maxCapacityProviders, n)
	}
	seen := map[string]int{}
	withBase, weighted, based := -1, false, false
	for i, c := range b.CapacityProviderStrategy {
		ip := fmt.Sprintf("%s[%d]", sp, i)
		if c == nil {
			add(ip, "expected {capacity_provider: FARGATE_SPOT, weight: 1}")
			continue
		}
		switch c.CapacityProvider {
		case "":
			add(ip+".capacity_provider", "missing capacity_provider: FARGATE or FARGATE_SPOT")
		case CapacityProviderFargate, CapacityProviderFargateSpot:
			if seen[c.CapacityProvider]++; seen[c.CapacityProvider] == 2 {
				add(ip+".capacity_provider", "%s is listed twice; list each capacity provider once", c.CapacityProvider)
			}
		default:
			add(ip+".capacity_provider", "%q is not a Fargate capacity provider; ecsctl's batches are Fargate tasks, so use FARGATE or FARGATE_SPOT", c.CapacityProvider)
		}
		if c.Weight < 0 || c.Weight > maxCapacityWeight {
			add(ip+".weight", "must be between 0 and %d", maxCapacityWeight)
		}
		weighted = weighted || c.Weight > 0
		if c.Base < 0 || c.Base > maxCapacityBase {
			add(ip+".base", "must be between 0 and %d", maxCapacityBase)
		}
		if c.Base > 0 {
			based = true
			if withBase >= 0 {
				add(ip+".base", "only one capacity provider may have a base above 0 (entry %d has base %d)", withBase, b.CapacityProviderStrategy[withBase].Base)
			} else {
				withBase = i
			}
		}
	}
	if !weighted && !based {
		add(sp, "no capacity provider has a weight or a base above 0, so ECS could place no task; give one a weight, e.g. weight: 1")
	}
}

func didYouMean(got string, names []string) string {
	if s := suggest(got, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	if len(names) > 0 {
		return "; known: " + strings.Join(names, ", ")
	}
	return ""
}
