package batch

import (
	"encoding/json"
	"strings"
	"testing"
)

// Values of environment variables named like secrets are never printed,
// in the text diff or the JSON plan; a change still shows.
func TestSensitiveValuesNotPrinted(t *testing.T) {
	p := &Plan{Config: "example", Changes: []*Change{{
		Action: ActionUpdate, Batch: "nightly", Kind: KindRule, Name: "ecsctl.example.nightly",
		Fields: []FieldChange{
			{Key: "overrides.app.environment.DB_PASSWORD", Old: "hunter2", New: "correct-horse"},
			{Key: "overrides.app.environment.MODE", Old: "fast", New: "slow"},
		},
	}}}
	var text strings.Builder
	if err := WriteDiff(&text, p, nil); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"diff": text.String(), "json": string(js)} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "correct-horse") {
			t.Errorf("%s prints a secret:\n%s", what, out)
		}
		if !strings.Contains(out, "(sensitive, 7 characters)") || !strings.Contains(out, "(sensitive, 13 characters)") || !strings.Contains(out, "slow") {
			t.Errorf("%s does not show the change:\n%s", what, out)
		}
	}
}

func TestFargateSizes(t *testing.T) {
	ok := [][2]string{{"256", "512"}, {"256", "2048"}, {"512", "4096"}, {"1024", "2048"}, {"4096", "30720"}, {"8192", "20480"}, {"16384", "122880"}, {"2048", ""}}
	bad := [][2]string{{"256", "4096"}, {"512", "512"}, {"1024", "2500"}, {"8192", "18432"}, {"300", "1024"}, {"1 vCPU", "2048"}, {"1024", "2GB"}}
	for _, c := range ok {
		if msg := fargateSize(c[0], c[1]); msg != "" {
			t.Errorf("cpu %s memory %s refused: %s", c[0], c[1], msg)
		}
	}
	for _, c := range bad {
		if msg := fargateSize(c[0], c[1]); msg == "" {
			t.Errorf("cpu %s memory %s accepted", c[0], c[1])
		}
	}
}
