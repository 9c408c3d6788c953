package portal

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Everything the portal does goes through the admin API, never a second
// path to the store (issue 14): no file of the package names a Store, not
// the store.Store type nor a field such as p.API.Store, so the store's
// rules (validation, the debugger's hooks, the lockout) cannot be
// skipped. The package uses internal/store for its types and constants
// only.
func TestNoSecondPathToTheStore(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Store" {
				t.Errorf("%s: the portal reaches a store directly", fset.Position(sel.Pos()))
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
