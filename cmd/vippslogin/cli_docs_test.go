package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCLIReferenceIsComplete checks docs/cli.md against the help: every
// command and verb has its section, every flag a verb's -h lists is in its
// command's part, and every flag an example uses exists. The server's own
// flags (dev, serve, config print, healthcheck) are in docs/configuration.md, which
// TestEveryFlagDocumented checks.
func TestCLIReferenceIsComplete(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	// part is a command's part of the page: from its "## " heading to the
	// next one.
	part := func(cmd string) string {
		loc := regexp.MustCompile("(?m)^## .*`vippslogin " + cmd + "[` ]").FindStringIndex(doc)
		if loc == nil {
			return ""
		}
		rest := doc[loc[0]:]
		if j := strings.Index(rest[1:], "\n## "); j >= 0 {
			rest = rest[:j+1]
		}
		return rest
	}
	verbs := map[string][]string{"app": {"approve", "reject"}, "ciba": {"start"}, "config": {"print"}}
	for _, g := range []group{clientGroup(), userGroup(), qrGroup(), keysGroup()} {
		for _, s := range g.subs {
			verbs[g.name] = append(verbs[g.name], s.name)
		}
	}
	serverFlags := map[string]bool{}
	var all [][]string // every command line, with its verb
	for _, c := range commands() {
		if c.name == "help" {
			continue
		}
		p := part(c.name)
		if p == "" {
			t.Errorf("docs/cli.md has no section for vippslogin %s", c.name)
			continue
		}
		cmdlines := [][]string{{c.name}}
		if vs, ok := verbs[c.name]; ok {
			cmdlines = nil
			for _, v := range vs {
				if c.name != "config" && !strings.Contains(p, "\n### `vippslogin "+c.name+" "+v) {
					t.Errorf("docs/cli.md has no section for vippslogin %s %s", c.name, v)
				}
				cmdlines = append(cmdlines, []string{c.name, v})
			}
		}
		all = append(all, cmdlines...)
		for _, cl := range cmdlines {
			for _, f := range helpFlags(t, cl) {
				if c.name == "dev" || c.name == "serve" || c.name == "config" || c.name == "healthcheck" {
					serverFlags[f] = true
					continue
				}
				if !strings.Contains(p, "`--"+f) && !strings.Contains(p, "--"+f+" ") && !strings.Contains(doc, "| `--"+f+" ") {
					t.Errorf("docs/cli.md does not document vippslogin %s --%s", strings.Join(cl, " "), f)
				}
			}
		}
	}

	// Every flag of every example is one the command takes.
	code := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(doc, -1)
	examples := map[string]bool{}
	for _, block := range code {
		text := strings.ReplaceAll(block[1], "\\\n", " ")
		for line := range strings.SplitSeq(text, "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 || fields[0] != "vippslogin" {
				continue
			}
			cl := fields[1:2]
			if _, ok := verbs[fields[1]]; ok && len(fields) > 2 {
				cl = fields[1:3]
			}
			examples[strings.Join(cl, " ")] = true
			known := helpFlags(t, cl)
			for _, f := range fields {
				if f == "|" || f == "&" || f == "#" {
					break
				}
				name, ok := strings.CutPrefix(f, "--")
				name, _, _ = strings.Cut(name, "=")
				if ok && !slices.Contains(known, name) && !serverFlags[name] {
					t.Errorf("docs/cli.md example %q: vippslogin %s has no flag --%s", line, strings.Join(cl, " "), name)
				}
			}
		}
	}
	for _, cl := range all {
		if !examples[strings.Join(cl, " ")] {
			t.Errorf("docs/cli.md has no example of vippslogin %s", strings.Join(cl, " "))
		}
	}
}

// helpFlags runs `vippslogin <cmdline> -h` and returns the flags it lists.
func helpFlags(t *testing.T, cmdline []string) []string {
	t.Helper()
	var stderr bytes.Buffer
	if code := run(context.Background(), append(slices.Clone(cmdline), "-h"), func(string) string { return "" }, new(bytes.Buffer), &stderr); code != 0 {
		t.Fatalf("vippslogin %s -h exited %d: %s", strings.Join(cmdline, " "), code, stderr.String())
	}
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(stderr.String(), -1) {
		flags = append(flags, m[1])
	}
	if len(flags) == 0 && cmdline[0] != "config" {
		t.Errorf("vippslogin %s -h lists no flags:\n%s", strings.Join(cmdline, " "), stderr.String())
	}
	return flags
}

// TestCLIReferenceExamplesRun runs the examples of the admin commands
// (client, user, qr, keys) in docs/cli.md against a dev server, in the
// page's order with the deletes last (the last first), and each must
// succeed. The JSON file
// the page shows is the one user create --json reads; a QR code's id is
// the one the qr create example made; an example with a placeholder (…),
// or that runs until interrupted (--follow), only has its flags checked
// (TestCLIReferenceIsComplete).
func TestCLIReferenceExamplesRun(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	s := startServer(t, "dev", nil, "--db", filepath.Join(t.TempDir(), "dev.db"))
	dir := t.TempDir()
	grace := regexp.MustCompile("(?s)where `grace.json` is, for example:\n\n```json\n(.*?)```").FindStringSubmatch(doc)
	if grace == nil {
		t.Fatal("docs/cli.md shows no grace.json")
	}
	os.WriteFile(filepath.Join(dir, "grace.json"), []byte(grace[1]), 0o600)
	os.WriteFile(filepath.Join(dir, "addresses.json"), []byte(`{"addresses": []}`), 0o600)
	t.Chdir(dir)

	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "dev-admin-token", "VIPPSLOGIN_SERVER": s.BaseURL}
	var lines, deletes [][]string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		for line := range strings.SplitSeq(strings.ReplaceAll(block[1], "\\\n", " "), "\n") {
			args := shellWords(line)
			if len(args) < 3 || args[0] != "vippslogin" || !slices.Contains([]string{"client", "user", "qr", "keys"}, args[1]) ||
				strings.Contains(line, "…") || slices.Contains(args, "--follow") {
				continue
			}
			if args[2] == "delete" {
				deletes = append(deletes, args[1:])
			} else {
				lines = append(lines, args[1:])
			}
		}
	}
	slices.Reverse(deletes) // a client's QR codes before the client
	qrID := ""
	for _, args := range append(lines, deletes...) {
		for i, a := range args {
			if a == "AbCd1234" {
				args[i] = qrID
			}
		}
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
			t.Errorf("vippslogin %s: exit %d, %s", strings.Join(args, " "), code, stderr.String())
			continue
		}
		if args[0] == "qr" && args[1] == "create" {
			var code struct {
				QRID string `json:"qr_id"`
			}
			json.Unmarshal(stdout.Bytes(), &code)
			qrID = code.QRID
		}
	}
	if len(lines)+len(deletes) < 25 {
		t.Errorf("ran %d examples of the admin commands, want every one", len(lines)+len(deletes))
	}
}

// shellWords splits a shell command line into words as sh would for the
// simple lines of the docs: quotes group words, and an unquoted |, & or #
// ends the command.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case r == '|' || r == '&' || r == '#':
			if inWord {
				words = append(words, word.String())
			}
			return words
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// TestReadmeShowsTheDevBanner starts `vippslogin dev` as the README's first
// command does and checks that the banner the README shows is the one it
// prints, line for line, but for the port (8080 in the README) and the
// directory (the README's is the working directory's .vippslogin/).
func TestReadmeShowsTheDevBanner(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```\n(vippslogin dev: listening on .*?)```").FindSubmatch(b)
	if block == nil {
		t.Fatal("README.md shows no dev banner")
	}
	want := strings.Split(strings.TrimSuffix(string(block[1]), "\n"), "\n")

	dir := t.TempDir()
	s := startServer(t, "dev", nil, "--db", filepath.Join(dir, ".vippslogin", "vippslogin.db"))
	_, port, _ := strings.Cut(strings.TrimPrefix(s.BaseURL, "http://"), ":")
	as := strings.NewReplacer(dir+string(filepath.Separator), "", ":"+port, ":8080")
	var got []string
	for _, line := range s.Banner {
		if line != "" {
			got = append(got, as.Replace(line))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("README.md's banner:\n%s\nvippslogin dev prints:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}
