package docscheck

import (
	"strings"
	"testing"
)

// TestCheckerCatchesDrift runs the example checker on examples that are
// wrong in each way a doc drifts, and on a right one: a test that passed
// whatever the docs say would keep nothing true.
func TestCheckerCatchesDrift(t *testing.T) {
	hc := startDev(t)
	const index = "curl -s http://localhost:8080/admin/v1/\n"
	for _, tc := range []struct {
		name, block, wantErr string
	}{
		{"right", "B=http://localhost:8080\nAUTH=\"Authorization: Bearer dev-admin-token\"\n" +
			"curl -s -H \"$AUTH\" $B/admin/v1/clients/demo-client   # one client\n" +
			"# → 200 {\"client_id\": \"demo-client\", \"name\": \"Demo Shop\", \"redirect_uris\": [\"http://localhost:8080/demo/callback\", \"…\"],\n" +
			"#        \"…\": \"…\"}\n" +
			"TOKEN=$(curl -s -d '{\"phone_number\": \"4712345678\", \"pin\": \"1236\"}' \\\n  -H 'Content-Type: application/json' $B/app/v1/sessions | jq -r .token)\n" +
			"# → 201\n" +
			"curl -s -H \"Authorization: Bearer $TOKEN\" $B/app/v1/requests\n# → 200 {\"requests\": []}\n", ""},
		{"wrong status", index + "# → 201\n", "answered 200, the doc says 201"},
		{"no expectation", index, "has no \"# → status\" line"},
		{"member missing", index + "# → 200 {\"routes\": \"…\", \"base_url\": \"…\", \"authorization\": \"…\", \"scopes\": []}\n", `has no member "scopes"`},
		{"member not shown", index + "# → 200 {\"routes\": \"…\", \"base_url\": \"…\"}\n", `the member "authorization"`},
		{"value differs", index + "# → 200 {\"base_url\": \"http://localhost:9090\", \"…\": \"…\"}\n", `.base_url is "http://localhost:8080"`},
		{"array length", index + "# → 200 {\"routes\": [{\"…\": \"…\"}], \"…\": \"…\"}\n", "the doc shows 1"},
		{"unset variable", "curl -s $B/admin/v1/\n# → 200\n", "$B is used before it is set"},
		{"unknown option", "curl -sL http://localhost:8080/admin/v1/\n# → 200\n", "not an option"},
		{"another host", "curl -s http://localhost:3000/\n# → 200\n", "talk to the dev server"},
		{"not curl", "rm -rf /\n", "not \"rm\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &session{hc: hc, vars: map[string]string{}}
			err := s.run(tc.block)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("a right example fails: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}
