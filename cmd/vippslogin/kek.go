package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// kekSource is the key-encryption key the signing keys are encrypted with,
// and the file it is kept in when dev mode made it; previous is the one
// being rotated away from (--previous-key-encryption-key), if any.
type kekSource struct {
	key      []byte
	file     string
	previous []byte
}

// devKEKFile is the name of dev mode's key-encryption key file, next to the
// SQLite database (or in .vippslogin/ when the database is PostgreSQL).
const devKEKFile = "key-encryption-key"

// keyEncryptionKey returns the configured key-encryption key, and the
// previous one when a rotation is under way. Without a key-encryption key,
// dev mode uses the key kept in a file next to the database, making it on
// the first start: a restart on the same database must decrypt the keys it
// stored, and a generated key in memory only would not. Serve mode cannot
// get here without one (config.Validate).
func keyEncryptionKey(cfg config.Config) (kekSource, error) {
	var previous []byte
	if cfg.PreviousKeyEncryptionKey != "" {
		var err error
		if previous, err = config.ParseKeyEncryptionKey(cfg.PreviousKeyEncryptionKey); err != nil {
			return kekSource{}, fmt.Errorf("--previous-key-encryption-key %w", err)
		}
	}
	if cfg.KeyEncryptionKey != "" {
		key, err := config.ParseKeyEncryptionKey(cfg.KeyEncryptionKey)
		if err != nil {
			return kekSource{}, fmt.Errorf("--key-encryption-key %w", err)
		}
		return kekSource{key: key, previous: previous}, nil
	}
	if cfg.Mode != config.Dev {
		return kekSource{}, errors.New("--key-encryption-key is required")
	}
	dir := ".vippslogin"
	if !cfg.IsPostgres() {
		dir = filepath.Dir(cfg.DB)
	}
	path := filepath.Join(dir, devKEKFile)
	key, err := loadOrCreateKEK(path)
	if err != nil {
		return kekSource{}, fmt.Errorf("dev key-encryption key %s: %w", path, err)
	}
	return kekSource{key: key, file: path, previous: previous}, nil
}

// loadOrCreateKEK reads the key in path, or makes a new one there (0600).
// The new file is written aside and linked into place, which fails if it
// exists: two dev servers starting on one database end up with one key.
func loadOrCreateKEK(path string) ([]byte, error) {
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			return config.ParseKeyEncryptionKey(string(b))
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := writableDir(filepath.Dir(path)); err != nil {
			return nil, err
		}
		key := make([]byte, config.KeyEncryptionKeySize)
		rand.Read(key)
		tmp, err := os.CreateTemp(filepath.Dir(path), devKEKFile+".*")
		if err != nil {
			return nil, err
		}
		_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Link(tmp.Name(), path)
		}
		os.Remove(tmp.Name())
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// Another server made it first: read theirs.
	}
	return nil, errors.New("could not read or create it")
}

// resealKeys finishes this replica's part of a rotation of the
// key-encryption key: the keys still under the previous one (or plain)
// are re-encrypted under the current one. Without a previous key there is
// no rotation under way, and nothing to do.
func resealKeys(ctx context.Context, km *keys.Manager, kek kekSource, logger *slog.Logger) error {
	if kek.previous == nil {
		return nil
	}
	n, err := km.Reseal(ctx)
	if err != nil {
		return keysError(err, kek)
	}
	logger.Info("signing keys re-encrypted under the new key-encryption key; --previous-key-encryption-key can go once every replica runs with the new one", "keys", n)
	return nil
}

// warnPlainKeys logs the signing keys stored before they were encrypted
// (before --key-encryption-key existed): they still sign and verify, but
// anyone with a copy of the database has them. Rotating makes new,
// encrypted keys sign; the old ones stay in the database.
func warnPlainKeys(ctx context.Context, st store.Store, logger *slog.Logger) {
	stored, err := st.ListSigningKeys(ctx)
	if err != nil {
		return // Ensure just read them; a failure here is the next request's
	}
	var plain []string
	for _, k := range stored {
		if !keys.Encrypted(k) {
			plain = append(plain, k.ID)
		}
	}
	if len(plain) > 0 {
		logger.Warn("signing keys stored unencrypted, from before key encryption; rotate them (vippslogin keys rotate)", "kids", plain)
	}
}
