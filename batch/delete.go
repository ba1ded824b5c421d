package batch

import (
	"context"
	"fmt"
	"io"
)

// DeleteResult is what Delete did.
type DeleteResult struct {
	Batch   string    `json:"batch"`
	Deleted []*Change `json:"deleted"`
}

// WriteText prints one line per deleted rule or schedule.
func (r *DeleteResult) WriteText(w io.Writer) error {
	for _, c := range r.Deleted {
		if _, err := fmt.Fprintf(w, "deleted %s (batch %s)\n", c.title(), c.Batch); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes the rule (targets first) or schedule of batch name, which
// need not be in the config any more. Only what ecsctl created for this
// config is deleted; a rule under the name without this config's tag is
// refused. A batch still in the config comes back with the next Schedule,
// which Delete warns about.
func Delete(ctx context.Context, opts Options, name string) (*DeleteResult, error) {
	cfg := opts.Config
	if !ValidConfigName(cfg.Name) {
		return nil, cfg.Errors(checkOffline(cfg, nil))
	}
	pl := place{name: ResourceName(cfg.Name, name), group: GroupName(cfg.Name)}
	if b := cfg.Batch(name); b != nil {
		pl = placeOf(cfg.Name, b)
	}
	rn := pl.name
	var adopted []place
	if pl.adopted {
		adopted = []place{pl}
	}
	l, err := observe(ctx, opts, cfg.Name, map[string]bool{rn: true}, adopted)
	if err != nil {
		return nil, err
	}
	var changes []*Change
	if pl.adopted {
		// The config names it: it is deleted as named, tags or not.
		if lr := l.rules[rn]; lr != nil {
			changes = append(changes, ruleDeletion(name, lr, "deleted on request"))
		}
		if s := l.schedule(pl); s != nil {
			changes = append(changes, scheduleDeletion(name, pl.group, s, "deleted on request"))
		}
	} else {
		p, _, err := plan(ctx, opts, planInput{cfg: cfg, live: l, scope: map[string]bool{rn: true}, prune: true})
		if err != nil {
			return nil, err
		}
		changes = p.Changes
	}
	res := &DeleteResult{Batch: name}
	for _, c := range changes {
		if c.Action == ActionForeign {
			return nil, badInput("%s is %s; ecsctl deletes only what it created for config %s", c.title(), c.Note, cfg.Name)
		}
		if c.Action == ActionDelete {
			c.Batch = name
			res.Deleted = append(res.Deleted, c)
		}
	}
	if len(res.Deleted) == 0 {
		if l.groupARN != "" && !l.groupOwned(cfg.Name) {
			return nil, badInput("no rule %s, and the schedule group %s is not tagged %s=%s, so ecsctl does not touch it", rn, l.group, TagConfig, cfg.Name)
		}
		return nil, badInput("batch %s has no schedule: no rule %s and no schedule %s/%s (ecsctl batch list shows what exists)", name, rn, pl.group, rn)
	}
	if err := apply(ctx, opts, &Plan{Config: cfg.Name, Group: l.group, Changes: res.Deleted}); err != nil {
		return nil, err
	}
	if cfg.Batch(name) != nil {
		opts.warnf("batch %s is still in the config: the next ecsctl batch schedule creates it again; remove it from the config to keep it deleted", name)
	}
	return res, nil
}
