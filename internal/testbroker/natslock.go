package testbroker

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// NATSAdvisories holds, until the test ends, a lock every test takes
// before it makes a stream capturing JetStream's dead-letter advisories.
// A stream capturing some of them and one capturing them all cannot live
// side by side on a server (their subjects overlap), so such tests of
// several packages, run at once against the one server, take turns. Take
// it before creating the streams: it is let go after their cleanup.
func NATSAdvisories(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "mqscope-test-nats-advisories.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("the NATS advisory lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		t.Fatalf("the NATS advisory lock: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	})
}
