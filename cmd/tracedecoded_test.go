package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestTraceShowsDecodedValues: mqscope trace with a schema registry shows
// the EVENT of a hit in the demo's payments.avro as its decoded document,
// as tail and the message list do, not as the framed bytes' hex.
func TestTraceShowsDecodedValues(t *testing.T) {
	cl := typedDemo(t)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	first := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)[0]
	var p struct {
		OrderID string `json:"orderId"`
	}
	if d := dec.Value(context.Background(), &first); d.Err != nil || json.Unmarshal(d.JSON, &p) != nil || p.OrderID == "" {
		t.Fatalf("payment value: %+v", d)
	}
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "trace", p.OrderID)
	if code != 0 {
		t.Fatalf("trace: exit %d\n%s\n%s", code, out, errOut)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " "+demo.TopicPaymentsAvro+" ") {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, `"orderId":"`+p.OrderID+`"`) || strings.Contains(line, "⟨bin") {
		t.Fatalf("trace:\n%s", out)
	}
}
