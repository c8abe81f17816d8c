package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// offersKey says a page lists a key (by its help's key text).
func offersKey(c *Common, p page, k string) bool {
	return slices.ContainsFunc(listedHelp(c, p), func(b key.Binding) bool { return b.Help().Key == k })
}

func TestSchemaVersionsOfferedOnlyWithSchemas(t *testing.T) {
	c := testCommon(120, 24)
	plain := newTestMessages(c)
	deliver(plain, orderMsgs(0, 3))
	if offersKey(c, plain, "V") {
		t.Fatal("V offered on a connection with neither a registry nor local schemas")
	}
	if cmd := plain.Update(keyPress("V")); cmd != nil {
		t.Fatal("V did something where it is not offered")
	}
	streams := newStreamsPage(c, 1, staticConn{})
	streams.Update(listed())
	if offersKey(c, streams, "V") {
		t.Fatal("V offered on the stream list without schemas")
	}
	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Decoders = map[string]*schema.Decoder{"test": d}
	if !offersKey(c, plain, "V") || !offersKey(c, streams, "V") {
		t.Fatal("V not offered with a registry")
	}
}

func TestNoEmptyVersionColumn(t *testing.T) {
	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(120, 14)
	c.Decoders = map[string]*schema.Decoder{"test": d}
	p := newTestMessages(c)
	ms := orderMsgs(0, 40)
	ms[0].Value = []byte{0, 0, 0, 0, 7, 1, 2, 3} // framed for a registry: schema id 7
	ms[0].ValueSize = len(ms[0].Value)
	deliver(p, ms) // following: the framed value is far above the rows shown
	if v := p.View(120, 11); strings.Contains(v, "VER") {
		t.Fatalf("an empty VER column:\n%s", v)
	}
	p.Update(keyPress("g"))
	if v := p.View(120, 11); !strings.Contains(v, "VER") || !strings.Contains(v, "…") {
		t.Fatalf("no VER column with a framed value shown:\n%s", v)
	}
	plain := newTestMessages(c)
	deliver(plain, orderMsgs(0, 5))
	if v := plain.View(120, 11); strings.Contains(v, "VER") {
		t.Fatalf("a VER column on a topic without schemas:\n%s", v)
	}
}

func TestTapOffersNoPositionKeys(t *testing.T) {
	c := testCommon(120, 24)
	p := newMessagesPage(c, rabbitConn{}, sources.StreamInfo{Name: "shop", Kind: "exchange", Reading: sources.Reading{Tap: true, Live: true}})
	p.pid, p.subID, p.opened = 7, 1, true
	deliver(p, orderMsgs(0, 3))
	for _, k := range []string{"s", ":"} {
		if offersKey(c, p, k) {
			t.Fatalf("a tap offers %q", k)
		}
		if cmd := p.Update(keyPress(k)); cmd != nil || p.Capturing() {
			t.Fatalf("%q did something on a tap", k)
		}
	}
}
