package cmd

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoHeadlessServesASchemaRegistry runs `mqscope demo --headless` in
// a child process: it prints the Schema Registry's URL on the port asked
// for, next to the Kafka address; the registry answers; SIGINT stops both.
func TestDemoHeadlessServesASchemaRegistry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "--log-file", filepath.Join(dir, "log"), "demo", "--headless", "--port", "-1", "--schema-registry-port", port)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+dir)
	stderr, err := child.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var kafkaLine, registryURL string
	timeout := time.After(30 * time.Second)
	for registryURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the demo ended before printing the Schema Registry's URL")
			}
			if strings.HasPrefix(l, "demo Kafka on ") {
				kafkaLine = l
			}
			if rest, ok := strings.CutPrefix(l, "demo Schema Registry on "); ok {
				registryURL, _, _ = strings.Cut(rest, " ")
			}
		case <-timeout:
			t.Fatal("no Schema Registry line in 30s")
		}
	}
	if kafkaLine == "" || registryURL != "http://127.0.0.1:"+port {
		t.Fatalf("kafka line %q, registry %q (want port %s)", kafkaLine, registryURL, port)
	}
	// It says how to decode with it from another mqscope.
	for hint := ""; !strings.Contains(hint, "--schema-registry "+registryURL+" export payments.avro"); {
		select {
		case l, ok := <-lines:
			if !ok || strings.HasPrefix(l, "running headless") {
				t.Fatalf("no --schema-registry hint before %q", l)
			}
			hint = l
		case <-timeout:
			t.Fatal("no --schema-registry hint in 30s")
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(registryURL + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	err = json.NewDecoder(resp.Body).Decode(&subjects)
	resp.Body.Close()
	if err != nil || !slices.Contains(subjects, "payments.avro-value") || !slices.Contains(subjects, "shipments.proto-value") {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	if err := child.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for range lines { // drain until the child closes stderr
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("the demo did not stop cleanly on SIGINT: %v", err)
	}
	if _, err := client.Get(registryURL + "/subjects"); err == nil {
		t.Fatal("the Schema Registry still answers after the demo stopped")
	}
	// A port out of range is refused before anything starts.
	if code, _, errOut := run(t, "demo", "--schema-registry-port", "70000"); code == 0 || !strings.Contains(errOut, "--schema-registry-port") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
