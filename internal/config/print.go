package config

import (
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// secretKeys are the settings config print never shows. (A postgres://
// URL's password is masked by DisplayDB instead, keeping the rest.)
var secretKeys = map[string]bool{"admin-token": true, "key-encryption-key": true, "previous-key-encryption-key": true}

// masked stands in for a secret, as url.URL.Redacted writes a password.
const masked = "xxxxx"

// Print is `vippslogin config print`: it reads args as dev and serve do,
// plus --mode, and writes the effective configuration to stdout as a config
// file, each value with its source as a comment and secrets masked. Secrets
// are commented out, so the file can be used as it is with the secrets
// coming from the environment. An invalid configuration is printed and then
// returned as the error.
func Print(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, flags := newFlagSet("vippslogin config print", "", stderr)
	mode := fs.String("mode", Serve, "whose defaults to use: dev or serve")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin config print [--mode serve|dev] [--config FILE] [flags]\n\n"+
			"Prints the configuration dev or serve would run with, as a config file: flags beat the environment,\n"+
			"which beats the config file, which beats the mode's defaults.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := ParseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q: config print takes only flags", pos[0])
	}
	if *mode != Dev && *mode != Serve {
		return fmt.Errorf("--mode must be %s or %s, not %q", Dev, Serve, *mode)
	}
	cfg, settings, err := resolve(*mode, fs, flags, getenv)
	if settings == nil {
		return err // the config file could not be read
	}
	writeFile(stdout, cfg, settings)
	return err
}

// writeFile writes settings as a YAML config file that loadFile reads back.
func writeFile(w io.Writer, cfg Config, settings []Setting) {
	fmt.Fprintf(w, "# vippslogin %s configuration: flags > environment > config file > defaults.\n", cfg.Mode)
	fmt.Fprintf(w, "# Each value's comment says where it came from; secrets are masked and commented out.\n")
	for _, st := range settings {
		if st.Key == configKey && st.Value != "" {
			fmt.Fprintf(w, "# Config file: %s (%s)\n", yamlScalar(st.Value), st.Source)
		}
	}
	for _, st := range settings {
		if st.Key == configKey {
			continue
		}
		line := st.Key + ": " + yamlScalar(st.Value) + "  # " + st.Source
		switch {
		case secretKeys[st.Key] && st.Value != "":
			line = "# " + st.Key + ": " + masked + "  # " + st.Source + "; secret, not printed"
		case st.Key == "db" && cfg.DisplayDB() != st.Value:
			line = st.Key + ": " + yamlScalar(cfg.DisplayDB()) + "  # " + st.Source + "; password masked"
		}
		fmt.Fprintln(w, line)
	}
}

// yamlScalar is v as a YAML string value on one line.
func yamlScalar(v string) string {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	if strings.ContainsAny(v, "\r\n") {
		n.Style = yaml.DoubleQuotedStyle
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprintf("%q", v) // JSON-style quoting is YAML too
	}
	return strings.TrimSuffix(string(b), "\n")
}
