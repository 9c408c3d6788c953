package portal_test

import (
	"os"
	"testing"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}
