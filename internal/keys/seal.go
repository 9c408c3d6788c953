package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Signing keys' private parts are encrypted at rest (AES-256-GCM) with the
// key-encryption key (--key-encryption-key), so that a copy of the database
// (a backup, a replica's disk) does not hold usable signing keys. A stored
// PrivateJWK is
//
//	"vlk1" || 12-byte nonce || ciphertext and tag
//
// sealed with the kid and algorithm as additional data, so that one row's
// key cannot be passed off as another's. A stored key that does not start
// with the marker is a plain JWK (JSON, so it starts with '{') from before
// encryption, or from a Manager given no key-encryption key.

// KeyEncryptionKeySize is the size of the key-encryption key: AES-256.
const KeyEncryptionKeySize = 32

// sealedMarker starts every encrypted PrivateJWK: the format's version.
var sealedMarker = []byte("vlk1")

// ErrWrongKeyEncryptionKey means a stored signing key does not decrypt
// with the configured key-encryption key: it was stored with another one,
// or the row was tampered with.
var ErrWrongKeyEncryptionKey = errors.New("the key-encryption key is not the one the signing keys were encrypted with")

// aead is AES-256-GCM under the manager's key-encryption key.
func (m *Manager) aead() (cipher.AEAD, error) {
	if len(m.KeyEncryptionKey) != KeyEncryptionKeySize {
		return nil, fmt.Errorf("keys: the key-encryption key is %d bytes; want %d", len(m.KeyEncryptionKey), KeyEncryptionKeySize)
	}
	block, err := aes.NewCipher(m.KeyEncryptionKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additionalData binds a sealed key to its row.
func additionalData(k store.SigningKey) []byte {
	return []byte(k.ID + "\x00" + k.Algorithm)
}

// seal returns the private JWK as it is stored: encrypted, or as it is when
// the manager has no key-encryption key.
func (m *Manager) seal(k store.SigningKey, jwk []byte) ([]byte, error) {
	if m.KeyEncryptionKey == nil {
		return jwk, nil
	}
	aead, err := m.aead()
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(sealedMarker)+aead.NonceSize(), len(sealedMarker)+aead.NonceSize()+len(jwk)+aead.Overhead())
	copy(out, sealedMarker)
	nonce := out[len(sealedMarker):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(out, nonce, jwk, additionalData(k)), nil
}

// unseal returns the private JWK of a stored key, decrypting it if it is
// sealed. A plain (legacy) one is returned as it is.
func (m *Manager) unseal(k store.SigningKey) ([]byte, error) {
	sealed, ok := bytes.CutPrefix(k.PrivateJWK, sealedMarker)
	if !ok {
		return k.PrivateJWK, nil
	}
	if m.KeyEncryptionKey == nil {
		return nil, fmt.Errorf("keys: signing key %s is encrypted, and no key-encryption key is set (--key-encryption-key)", k.ID)
	}
	aead, err := m.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("keys: signing key %s: the stored ciphertext is cut short", k.ID)
	}
	nonce, ciphertext := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	jwk, err := aead.Open(nil, nonce, ciphertext, additionalData(k))
	if err != nil {
		return nil, fmt.Errorf("keys: cannot decrypt signing key %s: %w", k.ID, ErrWrongKeyEncryptionKey)
	}
	return jwk, nil
}

// Encrypted reports whether a stored key's private part is encrypted.
func Encrypted(k store.SigningKey) bool {
	return bytes.HasPrefix(k.PrivateJWK, sealedMarker)
}
