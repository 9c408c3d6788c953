package config

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// configKey is the flag that names the config file; it is the one flag the
// file itself cannot set.
const configKey = "config"

// Setting is one resolved value and where it came from.
type Setting struct {
	Key, Env, Value string
	// Source is "flag", "env VIPPSLOGIN_…", "file" or "default".
	Source string
}

// newFlagSet defines every flagSpec on a new FlagSet named name, showing
// mode's defaults in the usage. The values land in the returned map, not in
// a Config: resolve decides between them and the other layers.
func newFlagSet(name, mode string, stderr io.Writer) (*flag.FlagSet, map[string]*string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, s := range flagSpecs {
		vals[s.name] = fs.String(s.name, s.def[mode], fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	return fs, vals
}

// resolve sets each field from the first layer that has it: a flag given
// on fs, the environment, the config file, the mode's default. It returns
// the validated Config and every setting with its source.
func resolve(mode string, fs *flag.FlagSet, flags map[string]*string, getenv func(string) string) (Config, []Setting, error) {
	cfg := Config{Mode: mode}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	env := map[string]Setting{}
	for _, s := range flagSpecs {
		st, err := envSetting(s, getenv)
		if err != nil {
			return cfg, nil, err
		}
		if st.Value != "" {
			env[s.name] = st
		}
	}
	layer := func(s flagSpec, file map[string]string) Setting {
		if given[s.name] {
			return Setting{s.name, s.env, *flags[s.name], "flag"}
		}
		if st, ok := env[s.name]; ok {
			return st
		}
		if v, ok := file[s.name]; ok {
			return Setting{s.name, s.env, v, "file"}
		}
		return Setting{s.name, s.env, s.def[mode], "default"}
	}

	var file map[string]string
	for _, s := range flagSpecs {
		if s.name == configKey {
			cfg.ConfigFile = layer(s, nil).Value
		}
	}
	if cfg.ConfigFile != "" {
		var err error
		if file, err = loadFile(cfg.ConfigFile); err != nil {
			return cfg, nil, err
		}
	}
	var settings []Setting
	for _, s := range flagSpecs {
		st := layer(s, file)
		*s.dst(&cfg) = st.Value
		settings = append(settings, st)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, settings, withSource(err, settings, cfg.ConfigFile)
	}
	return cfg, settings, nil
}

// fromFileKeys are the settings whose variable may instead name a file
// that holds the value, VIPPSLOGIN_ADMIN_TOKEN_FILE and the like, the way
// Docker secrets and systemd credentials (LoadCredential=, %d) hand
// secrets over: the secrets, and the database, whose URL may hold a
// password.
var fromFileKeys = map[string]bool{"admin-token": true, "key-encryption-key": true, "previous-key-encryption-key": true, "db": true}

// maxSecretFile bounds what a _FILE variable's file may hold: a secret is
// tens of bytes, so a larger file is a mistake (a certificate, a log).
const maxSecretFile = 4 << 10

// envSetting is s from the environment: its variable, or, for one of
// fromFileKeys, the file its _FILE variable names, less the line end the
// file ends with. Both set is an error, since which is meant cannot be
// told; so is a file that cannot be read, or holds nothing.
func envSetting(s flagSpec, getenv func(string) string) (Setting, error) {
	st := Setting{s.name, s.env, getenv(s.env), "env " + s.env}
	path := ""
	if fromFileKeys[s.name] {
		path = getenv(s.env + "_FILE")
	}
	switch {
	case path == "":
		return st, nil
	case st.Value != "":
		return st, fmt.Errorf("%s and %s_FILE are both set: set one", s.env, s.env)
	}
	f, err := os.Open(path)
	if err != nil {
		return st, fmt.Errorf("%s_FILE: %w", s.env, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	switch {
	case err != nil:
		return st, fmt.Errorf("%s_FILE: %w", s.env, err)
	case len(b) > maxSecretFile:
		return st, fmt.Errorf("%s_FILE: %s is larger than %d bytes; it should hold the value alone", s.env, path, maxSecretFile)
	}
	st.Value, st.Source = strings.TrimRight(string(b), "\r\n"), "env "+s.env+"_FILE"
	if st.Value == "" {
		return st, fmt.Errorf("%s_FILE: %s is empty", s.env, path)
	}
	return st, nil
}

// withSource adds to a validation error where the bad value came from when
// that was not a flag, so that "--addr …" leads to the right place.
func withSource(err error, settings []Setting, file string) error {
	for _, st := range settings {
		if !strings.HasPrefix(err.Error(), "--"+st.Key+" ") {
			continue
		}
		switch {
		case strings.HasPrefix(st.Source, "env "):
			return fmt.Errorf("%w (set by %s)", err, strings.TrimPrefix(st.Source, "env "))
		case st.Source == "file":
			return fmt.Errorf("%w (set by %s in %s)", err, st.Key, file)
		}
	}
	return err
}

// loadFile reads a config file: a YAML mapping from flag names to single
// values. An unknown or repeated key is an error naming the file and line.
func loadFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %v", path, err)
	}
	vals := map[string]string{}
	if len(doc.Content) == 0 {
		return vals, nil // empty, or only comments
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config file %s line %d: want lines of key: value, e.g. addr: 127.0.0.1:8080", path, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		where := fmt.Sprintf("config file %s line %d", path, k.Line)
		_, dup := vals[key]
		switch {
		case key == configKey:
			return nil, fmt.Errorf("%s: %s cannot be set inside the config file; give it as --config or VIPPSLOGIN_CONFIG", where, key)
		case !isKey(key):
			return nil, fmt.Errorf("%s: unknown key %q%s; the keys are the flag names (vippslogin serve -h)", where, key, suggest(key))
		case dup:
			return nil, fmt.Errorf("%s: %s is set twice", where, key)
		case v.Kind != yaml.ScalarNode:
			return nil, fmt.Errorf("%s: %s wants a single value, not a list or a mapping", where, key)
		case v.Tag == "!!null":
			vals[key] = ""
		default:
			vals[key] = v.Value
		}
	}
	return vals, nil
}

func isKey(key string) bool {
	for _, s := range flagSpecs {
		if s.name == key && key != configKey {
			return true
		}
	}
	return false
}

// suggest returns ` (did you mean "k"?)` for the flag name closest to key,
// or "" when none is close.
func suggest(key string) string {
	var names []string
	for _, s := range flagSpecs {
		if s.name != configKey {
			names = append(names, s.name)
		}
	}
	return DidYouMean(key, names)
}

// DidYouMean returns ` (did you mean "k"?)` for the known key closest to
// key, or "" when none is close: the hint after an unknown key in a config
// file, and in a seed file.
func DidYouMean(key string, known []string) string {
	best, bestDist := "", 4
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
