package batch

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

func TestDelete(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(twoBatches))
	f.schedule(cfg, nil)
	if _, err := f.ev.PutRule(f.ctx, &eventbridge.PutRuleInput{Name: aws.String("ecsctl.example.handmade"), ScheduleExpression: aws.String("rate(1 day)")}); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()

	var warnings []string
	opts := f.options(cfg)
	opts.Progress = progressFunc(func(s string) { warnings = append(warnings, s) })
	res, err := Delete(f.ctx, opts, "nightly")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"events RemoveTargets ecsctl.example.nightly", "events DeleteRule ecsctl.example.nightly"}
	if w := f.writes(); !slices.Equal(w, want) {
		t.Fatalf("writes = %v, want %v", w, want)
	}
	if len(res.Deleted) != 1 || !strings.Contains(strings.Join(warnings, "\n"), "batch nightly is still in the config") {
		t.Errorf("result %+v, progress %v", res.Deleted, warnings)
	}

	f.srv.ResetRequests()
	if _, err := Delete(f.ctx, opts, "tokyo"); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); !slices.Equal(w, []string{"scheduler DeleteSchedule ecsctl.example.tokyo"}) {
		t.Errorf("writes = %v", w)
	}

	for name, msg := range map[string]string{
		"nightly":  "batch nightly has no schedule",
		"handmade": "rule ecsctl.example.handmade is not tagged ecsctl:config=example",
	} {
		f.srv.ResetRequests()
		_, err := Delete(f.ctx, opts, name)
		if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), msg) {
			t.Errorf("delete %s: exit %d, %v; want %q", name, exitcode.Of(err), err, msg)
		}
		if w := f.writes(); len(w) != 0 {
			t.Errorf("delete %s wrote %v", name, w)
		}
	}
}
