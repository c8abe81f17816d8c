package testbroker

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// PublishOverHTTP publishes one message to a queue of vhost through the
// management API, which takes headers of any size (an AMQP publisher is
// held to frame_max; the broker delivers the headers whole anyway).
func PublishOverHTTP(t testing.TB, vhost, queue string, headers map[string]any, body string) {
	t.Helper()
	_, api := RabbitURLs()
	u, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	msg, _ := json.Marshal(map[string]any{"properties": map[string]any{"headers": headers}, "routing_key": queue, "payload": body, "payload_encoding": "string"})
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s://%s/api/exchanges/%s/amq.default/publish", u.Scheme, u.Host, url.PathEscape(vhost)), strings.NewReader(string(msg)))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(u.User.Username(), pass)
	req.Header.Set("Content-Type", "application/json")
	cl := &http.Client{Timeout: 30 * time.Second}
	defer cl.CloseIdleConnections()
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Routed bool `json:"routed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.Routed {
		t.Fatalf("publish over the management API: %s, routed %v, %v", resp.Status, out.Routed, err)
	}
}

// PublishTable publishes one message whose header table has the entries
// given as encoded (package wire frames it by hand, so a table amqp091-go
// would refuse to read is sent as it is) to a queue of the vhost at
// vhostURL.
func PublishTable(t testing.TB, vhostURL, queue string, entries []byte, body string) {
	t.Helper()
	u, err := url.Parse(vhostURL)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wc, err := wire.Dial(ctx, nc, wire.Options{Username: u.User.Username(), Password: pass, Vhost: strings.TrimPrefix(u.Path, "/"), Name: "test publisher"})
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	if err := wc.ConfirmSelect(); err != nil {
		t.Fatal(err)
	}
	ev := wc.Start(1)
	props := wire.Properties{}.AppendWithTable(nil, entries)
	if err := wc.Write(wc.AppendPublish(nil, "", queue, false, props, []byte(body))); err != nil {
		t.Fatal(err)
	}
	select {
	case c, ok := <-ev.Confirms:
		if !ok || !c.Ack {
			t.Fatalf("publish of a raw table: not confirmed (%v)", wc.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("publish of a raw table: no confirm")
	}
}

// DeepTable is the encoded entries of a header table with one entry,
// key, holding tables nested depth deep.
func DeepTable(key string, depth int) []byte {
	leaf := wire.AppendStringEntry(nil, "leaf", "yes")
	level := 1 + len(key) + 1 + 4 // key, type, length
	out := make([]byte, 0, depth*level+len(leaf))
	for i := 0; i < depth; i++ {
		out = append(append(append(out, byte(len(key))), key...), 'F')
		out = binary.BigEndian.AppendUint32(out, uint32((depth-i-1)*level+len(leaf)))
	}
	return append(out, leaf...)
}
