package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/keys"
)

// Start-up errors say what to do about them, in terms of the flag that
// leads there: the operating system's and SQLite's own words name a
// temporary file, a system call or a result code ("(14)"), which a person
// starting the server cannot act on.

// checkDBDir makes the SQLite database's directory and checks that this
// process can write in it: SQLite keeps its -wal and -shm files next to the
// database, and dev mode its key-encryption key.
func checkDBDir(cfg config.Config) error {
	if cfg.IsPostgres() {
		return nil
	}
	if err := writableDir(filepath.Dir(cfg.DB)); err != nil {
		return fmt.Errorf("--db %s: %w; pick another --db", cfg.DB, err)
	}
	return nil
}

// writableDir makes dir (0700) if it does not exist and checks that a file
// can be made in it. An error names the directory at fault and says what
// is wrong with it, never the probe's own name.
func writableDir(dir string) error {
	err := os.MkdirAll(dir, 0o700)
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(dir, ".vippslogin-write-check-*"); err == nil {
			f.Close()
			return os.Remove(f.Name())
		}
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		// The file or directory that could not be made is in pe.Path;
		// the directory that refused it is its parent.
		return fmt.Errorf("directory %s: %v for this user", filepath.Dir(pe.Path), pe.Err)
	case errors.Is(err, syscall.ENOTDIR), pe.Op == "mkdir" && errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s is a file, not a directory", pe.Path)
	}
	return fmt.Errorf("directory %s: %v", dir, pe.Err)
}

// listenError says why addr, the value of flag, cannot be listened on:
// a port in use or out of reach is the flag's to change.
func listenError(flag, addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%s is in use, by another vippslogin or another program; pick another with %s (%[2]s 127.0.0.1:0 picks a free port)", addr, flag)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%s: permission denied (ports below 1024 need privileges); pick another with %s, such as %[2]s 127.0.0.1:8080", addr, flag)
	}
	if op := (*net.OpError)(nil); errors.As(err, &op) {
		err = op.Err
	}
	return fmt.Errorf("listen on %s (%s): %w", addr, flag, err)
}

// keysError says what to do when the stored signing keys do not decrypt:
// start with the key-encryption key they were stored with, or, to rotate
// to the one given, give the old one as the previous key. When a previous
// key is given, neither opens them; the key they were stored with is the
// old one, so it belongs there.
func keysError(err error, kek kekSource) error {
	const rotate = "or, to rotate to this one, the old one as --previous-key-encryption-key"
	switch {
	case !errors.Is(err, keys.ErrWrongKeyEncryptionKey):
		return err
	case kek.previous != nil:
		return fmt.Errorf("%w; give the one they were stored with as --previous-key-encryption-key (or VIPPSLOGIN_PREVIOUS_KEY_ENCRYPTION_KEY)", err)
	case kek.file != "":
		return fmt.Errorf("%w; this start used dev mode's own, in %s: give the one they were stored with as --key-encryption-key, %s", err, kek.file, rotate)
	}
	return fmt.Errorf("%w; give the one they were stored with as --key-encryption-key (or VIPPSLOGIN_KEY_ENCRYPTION_KEY), %s", err, rotate)
}
