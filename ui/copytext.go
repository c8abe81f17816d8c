package ui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

// pasteSafe reports whether b can be pasted as it is: UTF-8 a terminal
// shows as it is (no ESC, no bidi control; tab and newline are fine).
func pasteSafe(b []byte) bool { return utf8.Valid(b) && safetext.Clean(string(b)) }

// clipBytes is b as copied: the text itself when it pastes safely, else
// base64 (the second result says so).
func clipBytes(b []byte) (string, bool) {
	if pasteSafe(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// positionText is where m is: orders[2]@97, or orders@97 where the
// stream has no partitions (the name sanitised: it is pasted).
func positionText(m *sources.Message) string {
	name := m.Stream
	if !safetext.Clean(name) {
		name = safetext.String(name)
	}
	if m.Partition != sources.NoPartition {
		name += "[" + strconv.Itoa(int(m.Partition)) + "]"
	}
	return name + "@" + strconv.FormatInt(m.Offset, 10)
}

// shellQuote quotes s for a POSIX shell: in single quotes, where nothing
// but the quote itself is special.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// errNotAnArgument says a field holds what a shell argument cannot carry.
var errNotAnArgument = errors.New("a shell argument cannot carry a NUL byte or a trailing line break")

// shellArg is b as one shell word: quoted text when it pastes safely, else
// a base64 decode in a command substitution, so no control character is
// ever pasted into the shell.
func shellArg(b []byte) (string, error) {
	if pasteSafe(b) && !bytes.ContainsRune(b, 0) {
		return shellQuote(string(b)), nil
	}
	if bytes.IndexByte(b, 0) >= 0 || bytes.HasSuffix(b, []byte("\n")) {
		return "", errNotAnArgument // $(...) drops trailing newlines, and argv ends at a NUL
	}
	return `"$(printf %s ` + shellQuote(base64.StdEncoding.EncodeToString(b)) + ` | base64 -d)"`, nil
}

// valueFeed is the start of a pipeline that writes the value, byte for
// byte, to the command after it: printf of the quoted text, or of its
// base64 through a decode when it holds control characters or binary.
func valueFeed(v []byte) string {
	if pasteSafe(v) {
		return "printf %s " + shellQuote(string(v)) + " | "
	}
	return "printf %s " + shellQuote(base64.StdEncoding.EncodeToString(v)) + " | base64 -d | "
}

// headerArgs are the messages's headers as repeated flag k=v words.
func headerArgs(flag string, hs []sources.Header) ([]string, error) {
	var out []string
	for _, h := range hs {
		kv := append([]byte(h.Key+"="), h.Value...)
		arg, err := shellArg(kv)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", safetext.String(h.Key), err)
		}
		out = append(out, flag, arg)
	}
	return out, nil
}

// produceCommand is a mqscope produce command line that publishes m
// again on conn: its key, headers and value (on stdin); when the key or a
// header cannot be a shell argument (a NUL byte), the message goes on
// stdin whole as a JSON capture line (--format jsonl).
func produceCommand(conn string, m *sources.Message) (string, error) {
	cmd, err := produceArgs(conn, m)
	if !errors.Is(err, errNotAnArgument) {
		return cmd, err
	}
	return produceJSONL(conn, m)
}

// produceJSONL is the command that feeds m as a capture line (controls
// escaped as \uXXXX, bytes that are not UTF-8 in base64: it pastes safely).
func produceJSONL(conn string, m *sources.Message) (string, error) {
	words, err := produceHead(conn, m.Stream)
	if err != nil {
		return "", err
	}
	line := strings.TrimRight(string(capture.AppendRecord(nil, m)), "\n")
	return "printf '%s\\n' " + shellQuote(line) + " | " + strings.Join(append(words, "--format", "jsonl", "-f", "-"), " "), nil
}

// produceHead is "mqscope [-c CONN] produce STREAM".
func produceHead(conn, stream string) ([]string, error) {
	words := []string{"mqscope"}
	if conn != "" {
		c, err := shellArg([]byte(conn))
		if err != nil {
			return nil, err
		}
		words = append(words, "-c", c)
	}
	s, err := shellArg([]byte(stream))
	if err != nil {
		return nil, err
	}
	return append(words, "produce", s), nil
}

// produceArgs is the command with the key and headers as flags.
func produceArgs(conn string, m *sources.Message) (string, error) {
	words, err := produceHead(conn, m.Stream)
	if err != nil {
		return "", err
	}
	if m.Key != nil {
		k, err := shellArg(m.Key)
		if err != nil {
			return "", fmt.Errorf("key: %w", err)
		}
		words = append(words, "--key", k)
	}
	hs, err := headerArgs("--header", m.Headers)
	if err != nil {
		return "", err
	}
	words = append(append(words, hs...), "-f", "-")
	return valueFeed(m.Value) + strings.Join(words, " "), nil
}

// kcatCommand is a kcat -P command line that publishes m again to a Kafka
// topic: the value is one message, read whole from stdin.
func kcatCommand(brokers string, m *sources.Message) (string, error) {
	b, err := shellArg([]byte(brokers))
	if err != nil {
		return "", err
	}
	topic, err := shellArg([]byte(m.Stream))
	if err != nil {
		return "", err
	}
	words := []string{"kcat", "-P", "-b", b, "-t", topic}
	if m.Value == nil {
		words = append(words, "-Z") // the empty value is sent as null: a tombstone
	}
	if m.Key != nil {
		k, err := shellArg(m.Key)
		if err != nil {
			return "", fmt.Errorf("key: %w", err)
		}
		words = append(words, "-k", k)
	}
	hs, err := headerArgs("-H", m.Headers)
	if err != nil {
		return "", err
	}
	// a file argument is one message (stdin would be split at newlines)
	words = append(append(words, hs...), "/dev/stdin")
	return valueFeed(m.Value) + strings.Join(words, " "), nil
}
