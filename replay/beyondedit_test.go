package replay_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestReplayRefusesChangesBeyondTheEdit: a capture read as it is written
// (stdin) stops before the first line whose encoding changes bytes the
// edit does not show, with a *BeyondEditError that says what and how to
// write it anyway; the lines before it are written. With
// AcceptReencoding the line is written. CheckFile lists such lines and
// refuses the file alike (FileCheck.Refusal).
func TestReplayRefusesChangesBeyondTheEdit(t *testing.T) {
	avroID, _, dec := lossyRegistry(t)
	ctx := context.Background()
	c, _ := kafkaDemo(t)
	const target = "shipments"
	value := patched(t, dec, schema.Ref{Origin: schema.OriginRegistry, ID: avroID}, `{"id":"p-1","note":"XXXX","amount":1.0}`, []byte("XXXX"), []byte("\xffX\xfeX"))
	m := sources.Message{Stream: "pay", Partition: 0, Key: []byte("p-1"), Value: value}
	d := dec.Value(ctx, &m)
	if d.Loss == nil || d.Loss.Kind != schema.LossInvalidUTF8 {
		t.Fatalf("decoded %s %+v", d.JSON, d.Loss)
	}
	line := func(doc []byte) []byte {
		return capture.AppendRecordDecoded(nil, &m, nil, &capture.Decoded{JSON: doc, Schema: &capture.SchemaRecord{ID: &avroID, Format: "avro"}})
	}
	edited := bytes.Replace(d.JSON, []byte(`"p-1"`), []byte(`"p-9"`), 1)
	file := string(line(d.JSON)) + string(line(edited))

	fc, err := replay.CheckFile(ctx, strings.NewReader(file), dec, true)
	if err != nil || fc.Messages != 2 || len(fc.BeyondEdit) != 1 || fc.BeyondEdit[0].Line != 2 {
		t.Fatalf("check %+v %v", fc, err)
	}
	var beyond *replay.BeyondEditError
	if err := fc.Refusal(false); !errors.As(err, &beyond) || !strings.HasPrefix(err.Error(), "capture line 2: value: encoding the edit changes more than it shows") ||
		!strings.HasSuffix(err.Error(), "changes beyond the edit are not written without --accept-reencoding") {
		t.Fatalf("refusal %v", err)
	}
	if err := fc.Refusal(true); err != nil {
		t.Fatalf("accepted: %v", err)
	}

	sink, err := c.OpenSink(ctx, sources.Target{Stream: target})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	before := len(readAll(t, c, target))
	res, err := replay.ReplayFile(ctx, strings.NewReader(file), sink, replay.ReplayOptions{Decoder: dec, Reencode: true, RunOptions: replay.RunOptions{Batch: 16}})
	if !errors.As(err, &beyond) || !strings.Contains(err.Error(), "capture line 2: ") || res.Done != 1 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	got := readAll(t, c, target)
	if len(got) != before+1 || !bytes.Equal(got[len(got)-1].Value, value) {
		t.Fatalf("%d written, the last %x", len(got)-before, got[len(got)-1].Value)
	}
	res, err = replay.ReplayFile(ctx, strings.NewReader(file), sink, replay.ReplayOptions{Decoder: dec, Reencode: true, AcceptReencoding: true, RunOptions: replay.RunOptions{Batch: 16}})
	if err != nil || res.Done != 2 {
		t.Fatalf("accepted replay: %+v %v", res, err)
	}
	got = readAll(t, c, target)
	last := got[len(got)-1]
	if len(got) != before+3 || !strings.Contains(string(dec.Value(ctx, &last).JSON), `"p-9"`) {
		t.Fatalf("%d written", len(got)-before)
	}
}
