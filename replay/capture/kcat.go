package capture

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// decodeKcat reads a line of kcat -J output (or mqscope's --format kcat):
// key, payload and header values as the bytes their strings hold, invalid
// UTF-8 included, or from key_b64, payload_b64 and headers_b64 where the
// line has them.
func decodeKcat(line []byte, probe map[string]json.RawMessage) (sources.Message, error) {
	var k kcatRecord
	if err := json.Unmarshal(line, &k); err != nil {
		return sources.Message{}, fmt.Errorf("kcat record: %w", err)
	}
	m := sources.Message{Stream: k.Topic, Partition: k.Partition, Offset: k.Offset, Timestamp: time.UnixMilli(k.TS)}
	var err error
	if m.Key, err = kcatBytes(probe, "key"); err != nil {
		return m, fmt.Errorf("kcat record: %w", err)
	}
	if m.Value, err = kcatBytes(probe, "payload"); err != nil {
		return m, fmt.Errorf("kcat record: %w", err)
	}
	m.ValueSize = len(m.Value)
	if raw, ok := probe["lost"]; ok && string(raw) != "null" {
		var why string
		if err := json.Unmarshal(raw, &why); err != nil {
			return m, fmt.Errorf("kcat record: lost: %w", err)
		}
		m.Flaw = &sources.Flaw{Lost: true, Reason: why}
	}
	m.Headers, err = kcatHeaders(probe["headers"], probe["headers_b64"])
	return m, err
}

// kcatHeaders reads kcat's flat [k, v, ...] header list; b64, when
// given, is a list as long whose non-null entries are the base64 of the
// entries that are not UTF-8.
func kcatHeaders(raw, b64 json.RawMessage) ([]sources.Header, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var flat, flatB64 []json.RawMessage
	if err := json.Unmarshal(raw, &flat); err != nil {
		return nil, fmt.Errorf("kcat headers: %w", err)
	}
	if len(flat) == 0 {
		return nil, nil
	}
	if len(flat)%2 != 0 {
		return nil, fmt.Errorf("kcat headers: odd number of elements")
	}
	if len(b64) > 0 && string(b64) != "null" {
		if err := json.Unmarshal(b64, &flatB64); err != nil {
			return nil, fmt.Errorf("kcat headers_b64: %w", err)
		}
		if len(flatB64) != len(flat) {
			return nil, fmt.Errorf("kcat headers_b64: %d elements for %d headers", len(flatB64), len(flat))
		}
	}
	entry := func(i int) ([]byte, error) {
		if flatB64 != nil && string(flatB64[i]) != "null" {
			return kcatBytes(map[string]json.RawMessage{"h_b64": flatB64[i]}, "h")
		}
		return rawString(flat[i])
	}
	hs := make([]sources.Header, 0, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		key, err := entry(i)
		if err != nil {
			return nil, fmt.Errorf("kcat header %d: %w", i/2, err)
		}
		value, err := entry(i + 1)
		if err != nil {
			return nil, fmt.Errorf("kcat header %d: %w", i/2, err)
		}
		hs = append(hs, sources.Header{Key: string(key), Value: value})
	}
	return hs, nil
}
