package exitcode

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, OK},
		{base, Failed},
		{BadInput(base), Usage},
		{fmt.Errorf("deploy web: %w", With(RolledBack, base)), RolledBack},
		{fmt.Errorf("wait: %w", context.Canceled), Interrupted},
		{With(NotRolledBack, fmt.Errorf("x: %w", context.Canceled)), NotRolledBack},
	} {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("Of(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if With(Usage, nil) != nil {
		t.Fatal("With(nil) must stay nil")
	}
	if err := BadInput(base); !errors.Is(err, base) || err.Error() != "boom" {
		t.Fatalf("wrapping changed the error: %v", err)
	}
}
