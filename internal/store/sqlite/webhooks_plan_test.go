package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookQueryPlans checks that the outbox's ordered queries read the
// indexes of migration 0008 in their order, so that their LIMIT stops
// early: no temporary B-tree sorts the due events or a client's log.
func TestWebhookQueryPlans(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	for _, tt := range []struct {
		name, query, index string
		args               []any
	}{
		{"ClaimWebhooks", claimWebhooksSQL, "webhooks_due",
			[]any{sql.Named("until", 2), sql.Named("now", 1), sql.Named("limit", 10)}},
		{"ListWebhooks", listWebhooksSQL, "webhooks_client_id_created_at", []any{"shop", 10}},
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
		if !strings.Contains(all, "USING INDEX "+tt.index) || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: plan\n%s\nwants to read %s in order, with no temporary B-tree", tt.name, all, tt.index)
		}
		t.Logf("%s:\n%s", tt.name, all)
	}
}
