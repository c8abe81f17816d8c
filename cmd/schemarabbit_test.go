package cmd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRabbitProtobufByContentType: a RabbitMQ connection's protos decode
// the bodies whose content-type is Protobuf and whose type property names
// one of their messages; the export says which, and a filter reads the
// decoded fields (an int64, a JSON string, compared as a number).
func TestRabbitProtobufByContentType(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, vhostURL)
	t.Cleanup(func() { conn.Close() })
	const queue = "orders.proto"
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	// acme.orders.v1.Order{id: "ord-N", total_cents: N*1000}, by hand: field 1 (bytes), field 2 (varint)
	body := func(n int) []byte {
		id := fmt.Sprintf("ord-%d", n)
		b := append([]byte{0x0a, byte(len(id))}, id...)
		b = append(b, 0x10)
		for v := uint64(n * 1000); ; v >>= 7 {
			if v < 0x80 {
				b = append(b, byte(v))
				break
			}
			b = append(b, byte(v)|0x80)
		}
		return b
	}
	for n := 1; n <= 3; n++ {
		if err := ch.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{
			ContentType: "application/x-protobuf", Type: "acme.orders.v1.Order", Body: body(n),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{ContentType: "application/json", Body: []byte(`{"id":"j"}`)}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ch, queue, 4)

	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	protos := filepath.Join(dir, "protos")
	if err := os.MkdirAll(protos, 0o700); err != nil {
		t.Fatal(err)
	}
	proto := "syntax = \"proto3\";\npackage acme.orders.v1;\nmessage Order {\n  string id = 1;\n  int64 total_cents = 2;\n}\n"
	if err := os.WriteFile(filepath.Join(protos, "order.proto"), []byte(proto), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(vhostURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	user := u.User.Username()
	u.User = nil
	_, api := testbroker.RabbitURLs()
	mu, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	mu.User = nil
	t.Setenv("MQ_TEST_RABBIT_PW", pw)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`connections:
  rabbit:
    kind: rabbitmq
    url: %s
    management: %s
    username: %s
    password_env: MQ_TEST_RABBIT_PW
    protos: [%s]
`, u, mu, user, protos)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, "", "--config", cfg, "export", queue)
	recs := records(t, out)
	if code != 0 || len(recs) != 4 {
		t.Fatalf("exit %d %s:\n%s", code, errOut, out)
	}
	for i, r := range recs[:3] {
		vs := r.ValueSchema
		if vs == nil || vs.Format != "protobuf" || vs.Message != "acme.orders.v1.Order" || !strings.HasPrefix(vs.Local, protos) ||
			!strings.Contains(string(r.ValueDecoded), fmt.Sprintf(`"id":"ord-%d"`, i+1)) || !strings.Contains(string(r.ValueDecoded), fmt.Sprint((i+1)*1000)) {
			t.Fatalf("message %d: %+v %s", i, vs, r.ValueDecoded)
		}
		m, err := r.Message()
		if err != nil || string(m.Value) != string(body(i+1)) {
			t.Fatalf("message %d: the body is not kept: %v", i, err)
		}
	}
	if recs[3].ValueSchema != nil || recs[3].ValueDecoded != nil {
		t.Fatalf("the JSON body: %+v", recs[3])
	}
	code, out, errOut = runIn(t, "", "--config", cfg, "export", queue, "--filter", `schema.format == "protobuf" && json.total_cents > 1500`)
	if recs := records(t, out); code != 0 || len(recs) != 2 || !strings.Contains(string(recs[0].ValueDecoded), `"ord-2"`) {
		t.Fatalf("filter: exit %d %s:\n%s", code, errOut, out)
	}
}
