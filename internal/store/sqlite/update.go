package sqlite

import (
	"bytes"
	"strings"
)

// updateChanged stores what an Update closure changed in a record: its
// UPDATE sets only the columns whose value differs, because SQLite rewrites
// every index over a column an UPDATE sets, changed or not, and setting
// every column of a waiting login request wrote four pages where its CIBA
// poll changes one. When nothing changed it writes nothing.
//
// columns are the table's columns, its key last; old and new are the
// record before and after as arguments in that order. The statement is one
// per set of changed columns, which the code paths that update a record
// keep to a handful.
func updateChanged(tx *wtx, table string, columns []string, old, new []any) error {
	key := len(columns) - 1
	var changed uint64
	n := 0
	for i := range key {
		if !sameArg(old[i], new[i]) {
			changed |= 1 << i
			n++
		}
	}
	if n == 0 {
		return nil
	}
	args := make([]any, 0, n+1)
	for i := range key {
		if changed&(1<<i) != 0 {
			args = append(args, new[i])
		}
	}
	args = append(args, new[key])
	_, err := tx.exec(tx.w.updateSQL(table, columns, changed), args...)
	return err
}

// updateKey names an UPDATE of some columns of a table.
type updateKey struct {
	table   string
	changed uint64 // bit i: columns[i]
}

// updateSQL is the UPDATE of the changed columns of table, built once.
func (w *writer) updateSQL(table string, columns []string, changed uint64) string {
	k := updateKey{table, changed}
	if q, ok := w.updates[k]; ok {
		return q
	}
	var b strings.Builder
	b.WriteString("UPDATE " + table + " SET ")
	sep := ""
	for i, c := range columns[:len(columns)-1] {
		if changed&(1<<i) != 0 {
			b.WriteString(sep + c + " = ?")
			sep = ", "
		}
	}
	b.WriteString(" WHERE " + columns[len(columns)-1] + " = ?")
	w.updates[k] = b.String()
	return w.updates[k]
}

// sameArg reports whether two arguments store the same value.
func sameArg(a, b any) bool {
	if a, ok := a.([]byte); ok {
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	}
	return a == b
}

// columnNames splits a list of columns, at most 64 of them.
func columnNames(columns string) []string {
	names := strings.Split(columns, ",")
	if len(names) > 64 {
		panic("sqlite: more columns than updateChanged can track: " + columns)
	}
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	return names
}
