package seed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vippslogin/vippslogin/internal/config"
)

// MaxFileSize bounds a seed file: thousands of users with addresses fit.
const MaxFileSize = 16 << 20

// Load reads and checks the seed file at path (Parse).
func Load(path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("seed file: %w", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return File{}, fmt.Errorf("seed file %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return File{}, fmt.Errorf("seed file %s is larger than %d MiB", path, MaxFileSize>>20)
	}
	return Parse(path, b)
}

// Parse reads a seed file's contents, YAML or JSON (which is YAML too),
// named name in messages, and checks it (File.Validate). Every error
// names the file and the line: an unknown key (with the nearest known
// one), a list or a mapping where something else belongs, a value of the
// wrong kind, a missing id, an id given twice. The mistakes are all
// reported at once, joined.
func Parse(name string, data []byte) (File, error) {
	f := File{name: name, lines: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return File{}, fmt.Errorf("seed file %s: %v", name, err)
	}
	if len(doc.Content) == 0 {
		return f, nil // empty, or only comments
	}
	root := doc.Content[0]
	w := walker{f: &f}
	w.walk(root, reflect.TypeFor[File](), "")
	if len(w.errs) > 0 {
		return File{}, errors.Join(w.errs...)
	}
	if err := root.Decode(&f); err != nil {
		return File{}, fmt.Errorf("seed file %s: %v", name, err) // the walk checked the kinds; an int too large is left
	}
	return f, f.Validate()
}

// walker checks a YAML tree against the Go type it decodes into, which
// yaml.v3 alone does not do with a useful message, and notes the line of
// every item.
type walker struct {
	f    *File
	errs []error
}

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	w.f.lines[path] = n.Line
	if n.Tag == "!!null" {
		return // left out: the zero value
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.errorf(n.Line, path, "wants key: value lines (a mapping)%s", example(t))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			field, ok := fieldByKey(t, k.Value)
			if !ok {
				w.errorf(k.Line, path, "unknown key %q%s; the keys are %s", k.Value, config.DidYouMean(k.Value, keys(t)), strings.Join(keys(t), ", "))
				continue
			}
			w.walk(v, field.Type, join(path, k.Value))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.errorf(n.Line, path, "wants a list (- item lines, or [a, b])")
			return
		}
		for i, item := range n.Content {
			w.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		if n.Kind != yaml.ScalarNode {
			w.errorf(n.Line, path, "wants a single value, not a list or a mapping")
			return
		}
		switch {
		case t.Kind() == reflect.Bool && n.Tag != "!!bool":
			w.errorf(n.Line, path, "wants true or false, not %q", n.Value)
		case t.Kind() == reflect.Int && n.Tag != "!!int":
			w.errorf(n.Line, path, "wants a whole number, not %q", n.Value)
		}
	}
}

func (w *walker) errorf(line int, path, format string, args ...any) {
	w.errs = append(w.errs, fmt.Errorf("%s%s", at(w.f.name, line, path), fmt.Sprintf(format, args...)))
}

// at is where a message is about: "seed file F line N: path: ".
func at(name string, line int, path string) string {
	var b strings.Builder
	switch {
	case name != "" && line > 0:
		fmt.Fprintf(&b, "seed file %s line %d: ", name, line)
	case name != "":
		fmt.Fprintf(&b, "seed file %s: ", name)
	default:
		b.WriteString("seed: ")
	}
	if path != "" {
		b.WriteString(path + ": ")
	}
	return b.String()
}

// join is path.key, or key at the top.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("yaml") == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keys are the keys a mapping decoded into t takes, in the order the
// fields are declared.
func keys(t reflect.Type) []string {
	var ks []string
	for i := range t.NumField() {
		if f, tag := t.Field(i), t.Field(i).Tag.Get("yaml"); f.IsExported() && tag != "" && tag != "-" {
			ks = append(ks, tag)
		}
	}
	return ks
}

// example is a hint after "wants a mapping" for the types that are often
// written as a plain value by mistake.
func example(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Consent]():
		return ", such as {client_id: shop, scopes: [name, email]}"
	case reflect.TypeFor[QRCode]():
		return ", such as {qr_id: Counter1, description: Till 1}"
	}
	return ""
}
