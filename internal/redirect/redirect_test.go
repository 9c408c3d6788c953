package redirect

import (
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		uri  string
		dev  bool
		want string // a part of the problem, or "" for none
	}{
		{"https://shop.example/callback", false, ""},
		{"http://localhost:3000/callback", false, ""},
		{"http://127.0.0.1/cb", false, ""},
		{"http://[::1]:8080/cb", false, ""},
		{"http://shop.example/callback", false, "must use https://"},
		{"http://shop.example/callback", true, ""},
		{"demo-app://callback", false, ""},
		{"com.example.app:/oauth2redirect", false, ""},
		{"myapp://", false, "needs a path after it"},
		{"https:///callback", false, "must name a host"},
		{"https://shop.example/cb#frag", false, "fragment"},
		{"/relative/callback", false, "absolute URL"},
		{"%zz://x", false, "not a valid URL"},
		{"https://shop.example/" + strings.Repeat("a", MaxLength), false, "longer than"},
		{"javascript:alert(1)//cb", true, "javascript: scheme"},
		{"JavaScript://cb", true, "javascript: scheme"},
		{"data://text/html,x", true, "data: scheme"},
		{"vbscript://x", true, "vbscript: scheme"},
		{"file:///etc/passwd", true, "file: scheme"},
		{"view-source:https://shop.example/", true, "view-source: scheme"},
		{"blob:https://shop.example/uuid", true, "blob: scheme"},
		{"chrome://settings/x", true, "chrome: scheme"},
	} {
		got := Problem(tc.uri, tc.dev)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("Problem(%q, dev=%v) = %q, want %q", tc.uri, tc.dev, got, tc.want)
		}
	}
}

func TestTargetAndApp(t *testing.T) {
	for _, tc := range []struct {
		uri         string
		target, app bool
	}{
		{"demo-app://callback?code=x", true, true},
		{"com.example.app:/oauth?code=x", true, true},
		{"https://shop.example/cb", true, false},
		{"HTTPS://shop.example/cb", true, false},
		{"http://localhost/cb", true, false},
		{"https:///cb", false, false},
		{"javascript:alert(1)", false, false},
		{"JavaScript:alert(1)", false, false},
		{"data:text/html,x", false, false},
		{"file:///etc/passwd", false, false},
		{"vbscript:x", false, false},
		{"view-source:https://evil.example/", false, false},
		{"/relative", false, false},
		{"", false, false},
		{"%zz://x", false, false},
	} {
		if got := Target(tc.uri); got != tc.target {
			t.Errorf("Target(%q) = %v, want %v", tc.uri, got, tc.target)
		}
		if got := App(tc.uri); got != tc.app {
			t.Errorf("App(%q) = %v, want %v", tc.uri, got, tc.app)
		}
	}
}

// TestEveryProblemFreeURIIsATarget: what registration accepts, the pages
// send a browser to; the two checks cannot drift apart.
func TestEveryProblemFreeURIIsATarget(t *testing.T) {
	for _, uri := range []string{"https://shop.example/cb", "http://localhost/cb", "demo-app://cb", "x.y-z+w://cb", "com.example:/cb"} {
		if Problem(uri, true) != "" || !Target(uri) {
			t.Errorf("%q: Problem %q, Target %v", uri, Problem(uri, true), Target(uri))
		}
	}
}
