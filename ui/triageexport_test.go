package ui

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestTriageExportDecodes: the triage page's export writes each dead
// letter with its value as the connection's schema registry decodes it
// and the schema that did, as mqscope export does; a few small lines
// reach the file too (every buffer is flushed).
func TestTriageExportDecodes(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("orders.DLT-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"orderId","type":"string"},{"name":"qty","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	c := schemaCommon(t, 120, 30, reg.URL())
	msgs := triageDLT()
	for i := range msgs {
		oid := "ord-" + strconv.Itoa(i)
		body := append([]byte{byte(2 * len(oid))}, oid...)
		msgs[i].Value = append(schema.AppendHeader(nil, id), append(body, byte(2*i))...)
	}
	p := newTriagePage(c, fixedConn{msgs: msgs}, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true}, DeadLetter: true})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	if len(p.report.Groups) == 0 {
		t.Fatal("no groups")
	}
	t.Chdir(t.TempDir())
	ex := p.Update(keyPress("e"))().(groupExported)
	if ex.err != nil || ex.n != p.report.Groups[0].Count {
		t.Fatalf("export: %d: %v", ex.n, ex.err)
	}
	data, err := os.ReadFile(ex.path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if int64(len(lines)) != ex.n {
		t.Fatalf("%d lines, %d exported:\n%s", len(lines), ex.n, data)
	}
	schemaRec := `"value_schema":{"id":` + strconv.Itoa(id) + `,"subject":"orders.DLT-value","version":1,"format":"avro","message":"Order"}`
	for _, l := range lines {
		if !strings.Contains(l, `"value_decoded":{"orderId":"ord-`) || !strings.Contains(l, schemaRec) {
			t.Fatalf("line without the decoded value and its schema:\n%s", l)
		}
	}
}
