package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

// produceInput is what produce reads its messages from and how.
type produceInput struct {
	// format is value (the whole input is one value), jsonl (mqscope
	// export's lines) or kcat (a message a line, kcat -P style).
	format string
	// keyDelim splits a kcat line into key and value at its first
	// occurrence ("" : the line is the value, no key).
	keyDelim string
	// delim ends a kcat message ("": a newline, as kcat's -D).
	delim string
	// key is --key (nil: none); headers and props are --header and
	// --property, added to every message.
	key     []byte
	headers []sources.Header
	props   []sources.Property
	// skipped counts the empty kcat lines left out, as kcat -P does.
	skipped int
	// lines are the line numbers of the jsonl messages read.
	lines []int
	// lost are the numbers of the jsonl lines marked "lost", left out
	// (nothing of their message is left to publish), and lostReason the
	// first one's reason.
	lost       []int
	lostReason string
}

// lostError names the jsonl lines marked lost, which were not published
// (nil: none was).
func (in *produceInput) lostError() error {
	if len(in.lost) == 0 {
		return nil
	}
	return &replay.NotWrittenError{Lines: in.lost, Err: &replay.LostLineError{Reason: in.lostReason}}
}

// produceFormats are the formats produce reads.
var produceFormats = []string{"value", "jsonl", "kcat"}

// checkFormat refuses a format produce does not read.
func checkFormat(format string) error {
	if slices.Contains(produceFormats, format) {
		return nil
	}
	return fmt.Errorf("--format %q: unknown format: want %s", format, strings.Join(produceFormats, ", "))
}

// messages reads every message of r.
func (in *produceInput) messages(r io.Reader) ([]sources.Message, error) {
	var out []sources.Message
	switch in.format {
	case "value":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read the value: %w", err)
		}
		out = []sources.Message{{Key: in.key, Value: data}}
	case "jsonl":
		dec := capture.NewDecoder(r)
		for {
			m, err := dec.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			if m.Flaw != nil && m.Flaw.Lost {
				if len(in.lost) == 0 {
					in.lostReason = m.Flaw.Reason
				}
				in.lost = append(in.lost, dec.Line())
				continue
			}
			out = append(out, sources.Message{Stream: m.Stream, Partition: m.Partition, Key: m.Key, Value: m.Value, Headers: m.Headers, Properties: m.Properties})
			in.lines = append(in.lines, dec.Line())
		}
	case "kcat":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read the lines: %w", err)
		}
		delim := []byte("\n")
		if in.delim != "" {
			delim = []byte(in.delim)
		}
		lines := bytes.Split(data, delim)
		if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1] // the delimiter that ends the last message
		}
		for _, l := range lines {
			if len(l) == 0 {
				in.skipped++
				continue
			}
			m := sources.Message{Key: in.key, Value: l}
			if in.keyDelim != "" {
				if k, v, ok := bytes.Cut(l, []byte(in.keyDelim)); ok {
					m.Key, m.Value = k, v
				}
			}
			out = append(out, m)
		}
	default:
		return nil, fmt.Errorf("--format %q: want value, jsonl or kcat", in.format)
	}
	for i := range out {
		if in.format != "jsonl" {
			out[i].Partition = sources.NoPartition
		}
		out[i].Headers = append(out[i].Headers, in.headers...)
		out[i].Properties = append(out[i].Properties, in.props...)
	}
	return out, nil
}

// pairs reads repeated k=v flags (--header, --property).
func pairs(flag string, vs []string) ([]sources.Property, error) {
	out := make([]sources.Property, 0, len(vs))
	for _, v := range vs {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s %q: want NAME=VALUE", flag, v)
		}
		out = append(out, sources.Property{Name: k, Value: val})
	}
	return out, nil
}
