package sqlite_test

import (
	"os"
	"testing"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

// TestMain keeps PBKDF2 cheap: TestReadOnlyFaultOnServer seeds the demo
// world and signs in to the app, and 600,000 rounds under -race cost
// seconds each.
func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}
