package batch

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/internal/config"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

const followers = `
nightly:
  schedule: cron(0 3 * * ? *)
  service: web
  overrides:
    app: {command: [/app, report]}
tokyo:
  schedule: cron(0 9 * * ? *)
  via: scheduler
  timezone: Asia/Tokyo
  service: web
pinned:
  schedule: cron(0 4 * * ? *)
  task_definition: app:1
later:
  schedule: cron(0 5 * * ? *)
  service: web
`

// After a deploy of service web to a new revision, Repoint moves the
// batches that follow web (a rule and a schedule) to it, changing nothing
// else; a batch pinned to a revision stays, one not scheduled yet is
// skipped; the next batch schedule then has nothing to do.
func TestRepointFollowers(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(followers))
	f.schedule(cfg, func(o *ScheduleOptions) { o.Names = []string{"nightly", "tokyo", "pinned"} })
	beforeTargets, _ := f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ecsctl.example.nightly")})
	beforeSchedule, _ := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})

	// The deploy: a new revision, and the service running it.
	v2 := f.registerApp("registry.example.com/app:v2")
	if _, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("example"), Service: aws.String("web"), TaskDefinition: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()

	var logs []string
	opts := f.options(cfg)
	opts.Progress = progressFunc(func(s string) { logs = append(logs, s) })
	got, err := Repoint(f.ctx, opts, "web", v2)
	if err != nil {
		t.Fatalf("Repoint: %v", err)
	}
	if len(got) != 2 || !got[0].Changed || !got[1].Changed || got[0].From != f.appTD || got[0].To != v2 {
		t.Fatalf("repointed: %+v", got)
	}
	wantWrites := []string{"events PutTargets ecsctl.example.nightly", "scheduler UpdateSchedule ecsctl.example.tokyo"}
	if w := f.writes(); !slices.Equal(sorted(w), wantWrites) {
		t.Fatalf("writes = %v, want %v", w, wantWrites)
	}
	joined := strings.Join(logs, "\n")
	for _, want := range []string{
		"batch nightly: rule ecsctl.example.nightly now runs app:2 (was app:1)",
		"batch tokyo: schedule ecsctl.example.tokyo now runs app:2 (was app:1)",
		"batch later follows service web but is not scheduled yet",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("progress lacks %q:\n%s", want, joined)
		}
	}

	// Only the task definition changed.
	after, _ := f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ecsctl.example.nightly")})
	bt, at := beforeTargets.Targets[0], after.Targets[0]
	if aws.ToString(at.EcsParameters.TaskDefinitionArn) != v2 {
		t.Errorf("rule target runs %s", aws.ToString(at.EcsParameters.TaskDefinitionArn))
	}
	at.EcsParameters.TaskDefinitionArn = bt.EcsParameters.TaskDefinitionArn
	if d := diffFields(eventTargetFields(bt), eventTargetFields(at)); len(d) != 0 {
		t.Errorf("repoint changed more than the task definition: %+v", d)
	}
	as, _ := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})
	if aws.ToString(as.Target.EcsParameters.TaskDefinitionArn) != v2 {
		t.Errorf("schedule runs %s", aws.ToString(as.Target.EcsParameters.TaskDefinitionArn))
	}
	as.Target.EcsParameters.TaskDefinitionArn = beforeSchedule.Target.EcsParameters.TaskDefinitionArn
	if d := diffFields(scheduleFields(beforeSchedule), scheduleFields(as)); len(d) != 0 {
		t.Errorf("repoint changed more than the task definition: %+v", d)
	}

	// The config agrees: nothing left to do for those batches.
	f.srv.ResetRequests()
	p := f.schedule(cfg, func(o *ScheduleOptions) { o.Names = []string{"nightly", "tokyo", "pinned"} })
	if w := f.writes(); len(w) != 0 || !p.Empty() {
		t.Errorf("schedule after repoint wrote %v", w)
	}

	// Repointing again is a no-op.
	f.srv.ResetRequests()
	again, err := Repoint(f.ctx, opts, "web", v2)
	if err != nil || len(again) != 2 || again[0].Changed || len(f.writes()) != 0 {
		t.Errorf("second repoint: %+v, %v, writes %v", again, err, f.writes())
	}
	// A service no batch follows: nothing at all.
	f.srv.ResetRequests()
	if none, err := Repoint(f.ctx, opts, "api", v2); err != nil || none != nil || len(f.srv.Requests()) != 0 {
		t.Errorf("repoint of a service no batch follows: %+v, %v, %d calls", none, err, len(f.srv.Requests()))
	}
}

// A new revision without a container a batch overrides is refused before
// anything is written.
func TestRepointChecksContainers(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(followers))
	f.schedule(cfg, func(o *ScheduleOptions) { o.Names = []string{"nightly"} })
	out, err := f.ecs.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("other"), NetworkMode: "awsvpc", Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(appImage), Essential: aws.Bool(true)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()
	_, err = Repoint(f.ctx, f.options(cfg), "web", aws.ToString(out.TaskDefinition.TaskDefinitionArn))
	var ce *config.Error
	if !errors.As(err, &ce) || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), `batches.nightly.overrides.app: no container "app" in task definition other:1`) {
		t.Fatalf("err = %v", err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
}
