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

// headerArgs are the message's headers as repeated flag NAME=VALUE
// words, split at the first "=" by kcat -H and produce --header alike: a
// name with "=" in it cannot be one (errNotAnArgument), nor can a null
// value unless nullAlone (kcat: -H NAME alone is a null value).
func headerArgs(flag string, hs []sources.Header, nullAlone bool) ([]string, error) {
	var out []string
	for _, h := range hs {
		if strings.Contains(h.Key, "=") {
			return nil, fmt.Errorf("header %s: a name with \"=\" in it: %w", safetext.String(h.Key), errNotAnArgument)
		}
		kv := append([]byte(h.Key+"="), h.Value...)
		if h.Value == nil {
			if !nullAlone {
				return nil, fmt.Errorf("header %s: a null value: %w", safetext.String(h.Key), errNotAnArgument)
			}
			kv = []byte(h.Key)
		}
		arg, err := shellArg(kv)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", safetext.String(h.Key), err)
		}
		out = append(out, flag, arg)
	}
	return out, nil
}

// produceCommand is a mqscope produce command line that publishes m
// again on conn (nil: unknown): its key, headers, broker properties and
// RabbitMQ exchange and routing key as flags, the value on stdin; when a
// flag cannot say a part of it (a NUL byte, a header name with "=", a
// null header value), the message goes on stdin whole as a JSON capture
// line (--format jsonl).
//
// On RabbitMQ the headers the broker writes when it dead-letters a message
// (x-death, x-first-death-*, x-last-death-*, x-delivery-count) are left
// out, and a comment line above the command says so: they are AMQP tables,
// arrays and numbers, and a produce publishes headers as strings, so the
// copy would carry a string x-death that reads as a forged death. A
// message nothing of which is left (Flaw.Lost) has no command.
func produceCommand(conn sources.Conn, m *sources.Message) (string, error) {
	if m.Flaw != nil && m.Flaw.Lost { // it would publish an empty message carrying the death's headers
		return "", fmt.Errorf("nothing of the message is left to publish again (%s)", m.Flaw.Reason)
	}
	m, note := withoutBrokerHeaders(conn, m)
	cmd, err := produceArgs(conn, m)
	if errors.Is(err, errNotAnArgument) {
		cmd, err = produceJSONL(conn, m)
	}
	if err != nil {
		return "", err
	}
	return note + cmd, nil
}

// withoutBrokerHeaders is m without the headers its connection says a
// copy cannot or must not carry (sources.CopyHeaderer), and the shell
// comment line that names those left out ("" for none).
func withoutBrokerHeaders(conn sources.Conn, m *sources.Message) (*sources.Message, string) {
	ch, ok := conn.(sources.CopyHeaderer)
	if !ok {
		return m, ""
	}
	kept, note := ch.CopyHeaders(m.Headers)
	if note == "" {
		return m, ""
	}
	c := *m
	c.Headers = kept
	return &c, "# " + safetext.String(note) + "\n"
}

// produceJSONL is the command that feeds m as a capture line (controls
// escaped as \uXXXX, bytes that are not UTF-8 in base64: it pastes safely).
func produceJSONL(conn sources.Conn, m *sources.Message) (string, error) {
	words, _, err := produceHead(conn, m)
	if err != nil {
		return "", err
	}
	line := strings.TrimRight(string(capture.AppendRecord(nil, m)), "\n")
	return "printf '%s\\n' " + shellQuote(line) + " | " + strings.Join(append(words, "--format", "jsonl", "-f", "-"), " "), nil
}

// connFlags are the global flags that open conn again: its own say
// (sources.Reacher: -c NAME for the config's, else the broker's flag and
// address without a password), else -c and its name.
func connFlags(conn sources.Conn) sources.Reach {
	if conn == nil {
		return sources.Reach{}
	}
	if r, ok := conn.(sources.Reacher); ok {
		return r.Reach()
	}
	return sources.Reach{Flags: []string{"-c", conn.Name()}}
}

// produceHead is "mqscope FLAGS produce" and where to: the connection's
// CopyTarget of m (on RabbitMQ the exchange and routing key m was
// published with; on NATS its stream and subject), else m's stream.
func produceHead(conn sources.Conn, m *sources.Message) (words []string, keyIsRoute bool, err error) {
	words = []string{"mqscope"}
	for _, f := range connFlags(conn).Flags {
		w, err := shellArg([]byte(f))
		if err != nil {
			return nil, false, err
		}
		if strings.HasPrefix(f, "-") {
			w = f
		}
		words = append(words, w)
	}
	words = append(words, "produce")
	t := sources.Target{Stream: m.Stream}
	if ct, ok := conn.(sources.CopyTargeter); ok {
		t, keyIsRoute = ct.CopyTarget(m)
	}
	stream := []string{t.Stream}
	if t.Exchange {
		stream = []string{"--exchange", t.Stream}
	}
	if t.RoutingKey != "" || t.Exchange {
		stream = append(stream, "--routing-key", t.RoutingKey)
	}
	for _, w := range stream {
		if strings.HasPrefix(w, "--") {
			words = append(words, w)
			continue
		}
		a, err := shellArg([]byte(w))
		if err != nil {
			return nil, false, err
		}
		words = append(words, a)
	}
	return words, keyIsRoute, nil
}

// property is the value of m's property name ("" when it has none).
func property(m *sources.Message, name string) string {
	for _, p := range m.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// produceArgs is the command with the key, headers and properties as flags.
func produceArgs(conn sources.Conn, m *sources.Message) (string, error) {
	if m.Value == nil {
		return "", fmt.Errorf("a null value: %w", errNotAnArgument) // stdin gives bytes, at least none
	}
	words, keyIsRoute, err := produceHead(conn, m)
	if err != nil {
		return "", err
	}
	if m.Key != nil && !keyIsRoute {
		k, err := shellArg(m.Key)
		if err != nil {
			return "", fmt.Errorf("key: %w", err)
		}
		words = append(words, "--key", k)
	}
	hs, err := headerArgs("--header", m.Headers, false)
	if err != nil {
		return "", err
	}
	words = append(words, hs...)
	if pt, ok := conn.(sources.PublishTemplater); ok {
		for _, p := range pt.PublishTemplate(m.Stream, m).Properties {
			arg, err := shellArg([]byte(p.Name + "=" + p.Value))
			if err != nil {
				return "", fmt.Errorf("property %s: %w", safetext.String(p.Name), err)
			}
			words = append(words, "--property", arg)
		}
	}
	words = append(words, "-f", "-")
	return valueFeed(m.Value) + strings.Join(words, " "), nil
}

// kcatCommand is a kcat -P command line that publishes m again to a Kafka
// topic, byte for byte: the key, the -K delimiter and the value on stdin,
// ended by EOF (-D names a delimiter the message does not hold); -Z for a
// null value; -H NAME alone for a null header; -p the message's partition,
// so the copy lands where the original is (kcat's partitioner places keys
// unlike the Java client's, and a partition chosen by hand not at all).
func kcatCommand(brokers string, m *sources.Message) (string, error) {
	b, err := shellArg([]byte(brokers))
	if err != nil {
		return "", err
	}
	topic, err := shellArg([]byte(m.Stream))
	if err != nil {
		return "", err
	}
	switch {
	case m.Value == nil && m.Key != nil && len(m.Key) == 0:
		return "", errors.New("kcat -Z sends an empty key as null too: use the mqscope produce command")
	case m.Value != nil && len(m.Value) == 0 && m.Key == nil:
		return "", errors.New("kcat -P skips an empty message without a key: use the mqscope produce command")
	}
	keyDelim := kcatKeyDelimiter(m)
	var data []byte
	if m.Key != nil || m.Value == nil {
		data = append(append(data, m.Key...), keyDelim...)
	}
	data = append(data, m.Value...)
	end := absentDelimiter("#mqscope-end#", func(d string) bool { return !bytes.Contains(data, []byte(d)) && d != keyDelim })
	words := []string{"kcat", "-P", "-b", b, "-t", topic}
	if m.Partition != sources.NoPartition {
		words = append(words, "-p", strconv.Itoa(int(m.Partition)))
	}
	words = append(words, "-K", shellQuote(keyDelim), "-D", shellQuote(end))
	if m.Value == nil {
		words = append(words, "-Z") // the empty value is sent as null: a tombstone
	}
	hs, err := headerArgs("-H", m.Headers, true)
	if err != nil {
		return "", err
	}
	return valueFeed(data) + strings.Join(append(words, hs...), " "), nil
}

// kcatKeyDelimiter is a key delimiter that occurs nowhere in m's key and
// value, nor across the key's end: kcat splits the input only where the
// command means it to.
func kcatKeyDelimiter(m *sources.Message) string {
	return absentDelimiter("#mqscope-key#", func(d string) bool {
		if bytes.Contains(m.Value, []byte(d)) {
			return false
		}
		joined := append(append([]byte{}, m.Key...), d...)
		return bytes.Index(joined, []byte(d)) == len(m.Key)
	})
}

// absentDelimiter is base, else base with a number, that fits.
func absentDelimiter(base string, fits func(string) bool) string {
	for n := 0; ; n++ {
		d := base
		if n > 0 {
			d = base + strconv.Itoa(n) + "#"
		}
		if fits(d) {
			return d
		}
	}
}
