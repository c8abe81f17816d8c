package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// refusedAnswers are answers that must not start a write of many
// messages: nothing, an empty line (the default), y and yes, a wrong
// count, a wrong name.
var refusedAnswers = []string{"", "\n", "y\n", "yes\n", "2\n", "4\n", "src\n"}

// typedWritesCluster is a kfake cluster with the topics src (three
// messages, a kcat file's lines) and copies (empty), and the export of
// src in a file.
func typedWritesCluster(t *testing.T) (addr, capture string) {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "src", "copies", "one"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr = kf.ListenAddrs()[0]
	lines := filepath.Join(t.TempDir(), "lines")
	if err := os.WriteFile(lines, []byte("a:1\nb:2\nc:3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "--kafka", addr, "produce", "src", "--format", "kcat", "-K", ":", "-f", lines, "--yes"); code != 0 {
		t.Fatalf("produce src: %d %s", code, errOut)
	}
	capture = filepath.Join(t.TempDir(), "src.jsonl")
	if code, _, errOut := run(t, "--kafka", addr, "export", "src", "-o", capture); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	return addr, capture
}

// TestReplayOfManyAsksForTheCount: a replay of a three-line capture is
// not started by y or a wrong answer (the target read back holds nothing),
// only by the count or the target's name typed out; a one-line capture is
// a y/N question; FILE - needs --yes.
func TestReplayOfManyAsksForTheCount(t *testing.T) {
	addr, file := typedWritesCluster(t)
	args := []string{"--kafka", addr, "replay", file, "--to", "copies"}
	for _, answer := range refusedAnswers {
		code, out, errOut := runAnswering(t, answer, args...)
		if code == 0 || !strings.Contains(errOut, "Write 3 messages of "+file+" to topic copies") || !strings.Contains(errOut, "Type 3 (or copies) to write them, anything else is no: ") ||
			strings.Contains(out, "replayed") {
			t.Fatalf("answer %q: %d %q %s", answer, code, out, errOut)
		}
	}
	if n := len(exported(t, addr, "copies")); n != 0 {
		t.Fatalf("%d replayed without the count typed", n)
	}
	for i, answer := range []string{"3\n", "copies\n"} {
		code, out, errOut := runAnswering(t, answer, args...)
		if code != 0 || !strings.Contains(out, "replayed 3 messages to topic copies") {
			t.Fatalf("answer %q: %d %s %s", answer, code, out, errOut)
		}
		if n := len(exported(t, addr, "copies")); n != 3*(i+1) {
			t.Fatalf("after %q the target holds %d messages", answer, n)
		}
	}

	one := filepath.Join(t.TempDir(), "one.jsonl")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(one, data[:bytes.IndexByte(data, '\n')+1], 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runAnswering(t, "y\n", "--kafka", addr, "replay", one, "--to", "one")
	if code != 0 || !strings.Contains(errOut, "Write 1 message of "+one+" to topic one") || !strings.Contains(errOut, "to topic one on "+addr+"? [y/N] ") || strings.Contains(errOut, "Type ") ||
		!strings.Contains(out, "replayed 1 message ") || len(exported(t, addr, "one")) != 1 {
		t.Fatalf("one line: %d %s %s", code, out, errOut)
	}

	code, out, errOut = runAnswering(t, string(data)+"3\n", "--kafka", addr, "replay", "-", "--to", "copies")
	if code == 0 || !strings.Contains(errOut, "standard input, which cannot answer the question too: pass --yes") || strings.Contains(out, "replayed") {
		t.Fatalf("replay - without --yes: %d %s %s", code, out, errOut)
	}
	if n := len(exported(t, addr, "copies")); n != 6 {
		t.Fatalf("replay - without --yes: the target holds %d messages", n)
	}
}

// TestProduceJSONLOfManyAsksForTheCount: --format jsonl of three lines
// of an export of src, without a STREAM, publishes nothing on y or a wrong
// answer, and all three back to src on the count or the stream's name;
// with STREAM copies, which the lines do not name, it is refused, naming
// the line, before anything is written.
func TestProduceJSONLOfManyAsksForTheCount(t *testing.T) {
	addr, file := typedWritesCluster(t)
	args := []string{"--kafka", addr, "produce", "--format", "jsonl", "-f", file}
	for _, answer := range []string{"", "\n", "y\n", "yes\n", "2\n", "4\n", "copies\n"} {
		code, out, errOut := runAnswering(t, answer, args...)
		if code == 0 || !strings.Contains(errOut, "Publish 3 messages to src on ") || !strings.Contains(errOut, "Type 3 (or src) to publish, anything else is no: ") || out != "" {
			t.Fatalf("answer %q: %d %q %s", answer, code, out, errOut)
		}
	}
	if n := len(exported(t, addr, "src")); n != 3 {
		t.Fatalf("%d published without the count typed", n-3)
	}
	for i, answer := range []string{"3\n", "src\n"} {
		if code, out, errOut := runAnswering(t, answer, args...); code != 0 || strings.Count(out, "published: src p") != 3 {
			t.Fatalf("answer %q: %d %s %s", answer, code, out, errOut)
		}
		if n := len(exported(t, addr, "src")); n != 3+3*(i+1) {
			t.Fatalf("after %q the stream holds %d messages", answer, n)
		}
	}
	code, out, errOut := runAnswering(t, "3\n", "--kafka", addr, "produce", "copies", "--format", "jsonl", "-f", file)
	if want := `line 1: it names stream "src", not "copies": leave out STREAM to publish each line to the stream it names, or write them all to copies with mqscope replay FILE --to copies: nothing published`; code != 1 || !strings.Contains(errOut, want) || out != "" {
		t.Fatalf("to another stream: %d %q %s\nwant %s", code, out, errOut, want)
	}
	if n := len(exported(t, addr, "copies")); n != 0 {
		t.Fatalf("copies holds %d messages after the refusal", n)
	}
}

// TestNativeMoveAsksForTheQueueName: SQS's move task moves every message
// of the DLQ, so y or a wrong answer starts nothing (the queue still holds
// its messages) and the queue's name or its count goes on to start it
// (which the emulator then refuses: it has no move task).
func TestNativeMoveAsksForTheQueueName(t *testing.T) {
	endpoint := testbroker.SQS(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dlq := testName("native-dlq")
	c, _ := sqsQueue(t, endpoint, dlq, 3, nil)
	args := []string{"--sqs-endpoint", endpoint, "redrive", dlq, "--native"}
	for _, answer := range refusedAnswers {
		code, _, errOut := runAnswering(t, answer, args...)
		if code == 0 || !strings.Contains(errOut, "Start SQS's move task: every message of "+dlq+" (about 3 messages) back to its source queues? Type 3 (or "+dlq+") to start it, anything else is no: ") ||
			strings.Contains(errOut, "StartMessageMoveTask") {
			t.Fatalf("answer %q: %d %s", answer, code, errOut)
		}
		if answer != "" && !strings.Contains(errOut, "not confirmed: nothing started") {
			t.Fatalf("answer %q: %s", answer, errOut)
		}
	}
	if n, err := c.Depth(context.Background(), dlq); err != nil || n != 3 {
		t.Fatalf("the DLQ after the refusals: %d %v", n, err)
	}
	for _, answer := range []string{dlq + "\n", "3\n"} {
		code, _, errOut := runAnswering(t, answer, args...)
		if code == 0 || strings.Contains(errOut, "not confirmed") || !strings.Contains(errOut, "does not support StartMessageMoveTask") {
			t.Fatalf("answer %q: %d %s", answer, code, errOut)
		}
	}
	if code, _, errOut := run(t, append(args, "--yes")...); code == 0 || strings.Contains(errOut, "Type ") || !strings.Contains(errOut, "does not support StartMessageMoveTask") {
		t.Fatalf("--yes: %d %s", code, errOut)
	}
}

// TestTypedQuestionIsSanitised: the typed question names streams as the
// broker spells them, sanitised, and takes the name only as spelt.
func TestTypedQuestionIsSanitised(t *testing.T) {
	name := "q\x1b]52;c;eA==\x07\u202e"
	ask := writeAsk{Question: "Write 3 messages to " + name + "?", Verb: "replay", Action: "write them", Count: 3, Names: []string{name}}
	var out bytes.Buffer
	ok, err := askBeforeWrite(strings.NewReader("q\n"), &out, ask)
	if ok || err != nil {
		t.Fatalf("a part of the name: %v %v", ok, err)
	}
	safeOutput(t, "the question", out.String())
	if !strings.HasSuffix(out.String(), " to write them, anything else is no: ") || !strings.HasPrefix(out.String(), "Write 3 messages to q") {
		t.Fatalf("question %q", out.String())
	}
	if ok, err := askBeforeWrite(strings.NewReader(name+"\n"), &out, ask); !ok || err != nil {
		t.Fatalf("the name as spelt: %v %v", ok, err)
	}
	ask.Count = -1 // not known: the name only
	out.Reset()
	if ok, err := askBeforeWrite(strings.NewReader("3\n"), &out, ask); ok || err != nil || strings.Contains(out.String(), "Type 3") {
		t.Fatalf("count not known: %v %v %q", ok, err, out.String())
	}
}
