package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// stdoutFails fails every write with err.
type stdoutFails struct{ err error }

func (f stdoutFails) Write([]byte) (int, error) { return 0, f.err }

// TestCheckExitStatusSurvivesABrokenPipe: a reader of stdout that goes
// away (EPIPE) leaves the status the findings call for; another write
// error is an error (1).
func TestCheckExitStatusSurvivesABrokenPipe(t *testing.T) {
	const topic = "check-pipe"
	addr := kfakeTopics(t, 1, topic)
	m := event(topic, 0, "a", 1)
	writeRecords(t, addr, []*sarama.ProducerMessage{m, m})
	for _, asJSON := range []bool{false, true} {
		args := []string{"--log-file", filepath.Join(t.TempDir(), "log"), "--kafka", addr, "check", topic}
		if asJSON {
			args = append(args, "--json")
		}
		var errOut bytes.Buffer
		if code := Execute(args, strings.NewReader(""), stdoutFails{syscall.EPIPE}, &errOut); code != exitFindings {
			t.Errorf("json %v, EPIPE: exit %d: %s", asJSON, code, errOut.String())
		}
		errOut.Reset()
		if code := Execute(args, strings.NewReader(""), stdoutFails{errors.New("disk full")}, &errOut); code != 1 || !strings.Contains(errOut.String(), "disk full") {
			t.Errorf("json %v, disk full: exit %d: %s", asJSON, code, errOut.String())
		}
	}
}

// TestCheckInterruptedReportsWhatItRead: SIGINT stops a check whose
// read is waiting on the broker (its fetches held): it prints the
// partial report of what it read, says it was interrupted, and exits 130.
func TestCheckInterruptedReportsWhatItRead(t *testing.T) {
	const topic = "check-interrupt"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close() // wakes the fetches held
	addr := kf.ListenAddrs()[0]
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 20; i++ {
		msgs = append(msgs, event(topic, 0, fmt.Sprintf("k%d", i), 1))
	}
	writeRecords(t, addr, msgs)
	fetching, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var once sync.Once
	kf.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.KeepControl()
		once.Do(func() { close(fetching) })
		kf.SleepControl(func() { <-release })
		return nil, nil, false
	})
	state := t.TempDir()
	child := exec.Command(os.Args[0], "--kafka", addr, "--log-file", filepath.Join(state, "log"), "check", topic)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	var out, errOut bytes.Buffer
	child.Stdout, child.Stderr = &out, &errOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	<-fetching
	if err := child.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v:\n%s\n%s", err, out.String(), errOut.String())
	}
	o := out.String()
	if !strings.HasPrefix(o, "interrupted after 0 messages: what was read so far (partial)") || strings.Contains(o, "healthy") ||
		!strings.Contains(o, "interrupted after 0 messages: a partial report (exit status 130)") {
		t.Fatalf("output:\n%s\n%s", o, errOut.String())
	}
}

// TestCheckInterruptedWhileConnecting: SIGINT before the read began (the
// broker holds the first metadata request) stops at once: nothing
// checked, said on stderr, exit 130.
func TestCheckInterruptedWhileConnecting(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "check-early"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	asking, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var once sync.Once
	kf.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.KeepControl()
		once.Do(func() { close(asking) })
		kf.SleepControl(func() { <-release })
		return nil, nil, false
	})
	state := t.TempDir()
	child := exec.Command(os.Args[0], "--kafka", kf.ListenAddrs()[0], "--log-file", filepath.Join(state, "log"), "check", "check-early")
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	var out, errOut bytes.Buffer
	child.Stdout, child.Stderr = &out, &errOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	<-asking
	if err := child.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted || out.String() != "" ||
		!strings.Contains(errOut.String(), "interrupted before the read began: nothing checked") {
		t.Fatalf("exit %v:\n%s\n%s", err, out.String(), errOut.String())
	}
}

// TestCheckInterruptedInTheFlowKeepsTheScan: SIGINT while the flow is
// looked for (the broker holds the group's offsets) keeps the finished
// scan's report, says the flow was not read, and exits 130.
func TestCheckInterruptedInTheFlowKeepsTheScan(t *testing.T) {
	const topic = "check-flow-interrupt"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	m := event(topic, 0, "a", 1)
	writeRecords(t, addr, []*sarama.ProducerMessage{m, m, event(topic, 0, "a", 2)})
	listing, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var once sync.Once
	// the first sample lists the groups (and fetches their offsets) while
	// the scan reads; the flow fetches the group's offsets again once the
	// scan has ended: that second fetch is held
	commit(t, addr, "check-flow-group", topic, 1)
	var fetches atomic.Int32
	kf.ControlKey(int16(kmsg.OffsetFetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.KeepControl()
		if fetches.Add(1) < 2 {
			return nil, nil, false
		}
		once.Do(func() { close(listing) })
		kf.SleepControl(func() { <-release })
		return nil, nil, false
	})
	state := t.TempDir()
	child := exec.Command(os.Args[0], "--kafka", addr, "--log-file", filepath.Join(state, "log"), "check", topic)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	var out, errOut bytes.Buffer
	child.Stdout, child.Stderr = &out, &errOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	<-listing
	if err := child.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = child.Wait()
	var exit *exec.ExitError
	o := out.String()
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted || !strings.Contains(o, topic+": 3 messages read") ||
		!strings.Contains(o, "duplicates  1") || !strings.Contains(o, "1 finding; interrupted before the flow was read (exit status 130)") {
		t.Fatalf("exit %v:\n%s\n%s", err, o, errOut.String())
	}
}
