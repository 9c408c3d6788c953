package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryPlans checks that the outbox's ordered queries read the indexes
// of migration 0008 in their order, so that their LIMIT stops early (no
// temporary B-tree sorts the due events or a client's log), and that the
// janitor's event trim reads the events' indexes, never the whole table,
// while it holds the writer.
func TestQueryPlans(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	for _, tt := range []struct {
		name, query, index string
		args               []any
	}{
		{"ClaimWebhooks", claimWebhooksSQL, "webhooks_due",
			[]any{sql.Named("until", 2), sql.Named("now", 1), sql.Named("limit", 10)}},
		{"ListWebhooks", listWebhooksSQL, "webhooks_client_id_created_at", []any{"shop", 10}},
		{"TrimEvents old", trimOldEventsSQL, "events_at", []any{sql.Named("before", 1), sql.Named("limit", 10)}},
		{"TrimEvents cutoffs", eventCutoffsSQL, "events_client_id_id", []any{sql.Named("keep", 1000)}},
		{"TrimEvents surplus", trimSurplusEventsSQL, "events_client_id_id",
			[]any{sql.Named("client", "shop"), sql.Named("cutoff", "x"), sql.Named("limit", 10)}},
	} {
		var plan []string
		err := s.write(t.Context(), func(tx *wtx) error {
			rows, err := tx.w.conn.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		all := strings.Join(plan, "\n")
		if !strings.Contains(all, "INDEX "+tt.index+" (") || strings.Contains(all, "TEMP B-TREE") || strings.Contains(all, "SCAN events") {
			t.Errorf("%s: plan\n%s\nwants to read %s in order, with no temporary B-tree and no scan of the events", tt.name, all, tt.index)
		}
		t.Logf("%s:\n%s", tt.name, all)
	}
}
