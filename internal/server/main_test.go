package server

import (
	"os"
	"testing"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

// TestMain keeps PBKDF2 cheap: the server's tests seed clients and users
// with chosen secrets, and 600,000 rounds under -race cost seconds each.
func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}
