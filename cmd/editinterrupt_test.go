package cmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestEditInterruptedBeforeEncoding: Ctrl-C (SIGINT) while mqscope edit
// waits on the editor stops the edit before the edited value is encoded:
// it says so, writes nothing and exits 130.
func TestEditInterruptedBeforeEncoding(t *testing.T) {
	cl, conn, dec := typedDemoDecoded(t)
	msgs := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)
	pos := ""
	for _, m := range msgs {
		if d := dec.Value(context.Background(), &m); d.Err == nil && d.Format == "avro" && strings.Contains(string(d.JSON), `"status":"AUTHORIZED"`) {
			pos = itoaPos(m.Partition, m.Offset)
			break
		}
	}
	if pos == "" {
		t.Fatal("no authorised Avro payment")
	}
	dir := t.TempDir()
	const editTopic = "payments.interrupted"
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic(editTopic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	// The editor changes the document, then Ctrl-C reaches mqscope while
	// the editor is still open.
	script := filepath.Join(dir, "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"status\": \"AUTHORIZED\"/\"status\": \"DECLINED\"/' \"$1\"\nkill -INT $PPID\nsleep 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "--log-file", filepath.Join(dir, "log"),
		"edit", demo.TopicPaymentsAvro, pos, "--to", editTopic, "--yes")
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+dir, "VISUAL=", "EDITOR="+script)
	var stdout, stderr bytes.Buffer
	child.Stdout, child.Stderr = &stdout, &stderr
	err = child.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted || !strings.Contains(stderr.String(), "interrupted: the edited value was not encoded: nothing written") {
		t.Fatalf("edit: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if got := testbroker.ReadAll(t, conn, editTopic); len(got) != 0 {
		t.Fatalf("an interrupted edit wrote %d messages", len(got))
	}
}

// itoaPos is a topic position as edit takes it.
func itoaPos(part int32, off int64) string {
	return strconv.Itoa(int(part)) + "/" + strconv.FormatInt(off, 10)
}
