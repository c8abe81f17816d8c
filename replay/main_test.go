package replay_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/internal/testbroker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testbroker.ProcessWide()...)
}
