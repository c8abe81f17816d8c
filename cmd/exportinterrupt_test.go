package cmd

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExportInterruptedWhileRegistryHangs: an export waiting on a Schema
// Registry that never answers stops at Ctrl-C (SIGINT), says it was
// interrupted and how many lines it wrote, keeps those lines (not the
// message whose decode was cut short), and exits 130.
func TestExportInterruptedWhileRegistryHangs(t *testing.T) {
	const topic = "events"
	c := newSchemaCluster(t, topic)
	c.produce(t, topic, []byte(`{"n":1}`), []byte(`{"n":2}`), framedWith(1, []byte{2, 'x'}), []byte(`{"n":4}`))

	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select { // never answers
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release)

	dir := t.TempDir()
	file := filepath.Join(dir, "events.jsonl")
	child := exec.Command(os.Args[0], "--kafka", c.addr, "--schema-registry", hung.URL, "--log-file", filepath.Join(dir, "log"), "export", topic, "-o", file)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+dir)
	var stdout, stderr bytes.Buffer
	child.Stdout, child.Stderr = &stdout, &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	select {
	case <-arrived:
	case err := <-exited:
		t.Fatalf("the export ended before asking the registry: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("the export never asked the registry")
	}
	if err := child.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatalf("the export did not stop at SIGINT:\n%s", stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want %d:\n%s", err, exitInterrupted, stderr.String())
	}
	if want := "mqscope: interrupted: the export of events stopped before its end: 2 lines written to " + file; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr:\n%s\nwant %s", stderr.String(), want)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 2 || recs[0].Value == nil || *recs[0].Value != `{"n":1}` || recs[1].Value == nil || *recs[1].Value != `{"n":2}` || strings.Contains(string(data), "schema_error") {
		t.Fatalf("the file:\n%s", data)
	}
}
