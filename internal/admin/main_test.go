package admin_test

import (
	"os"
	"testing"

	"github.com/vippslogin/vippslogin/internal/secret"
)

func TestMain(m *testing.M) {
	// The hashing cost is not under test here; at the production count
	// every PIN and chosen secret costs ~0.4 s under the race detector.
	secret.Iterations = 1000
	os.Exit(m.Run())
}
