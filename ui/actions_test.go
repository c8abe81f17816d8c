package ui

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/trace"
)

// pageCase is a page in a state a person meets it in, on one kind of
// connection. build makes a new one each time it is called.
type pageCase struct {
	name  string
	conn  sources.Conn // the connection made read-only in the read-only run (nil: the page writes nothing)
	build func(t *testing.T, c *Common) page
}

// pageCases are every page of the package on the connections the tests
// build: the demo's Kafka (kfake), a Kafka without capabilities, a
// RabbitMQ-like queue and exchange tap, a connection with consumer groups.
func pageCases(t *testing.T) []pageCase {
	kafka := demoConn(t, 20, 7)
	rabbit := rabbitConn{}
	dltStream := sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true, Partitions: make([]sources.PartitionInfo, 3)}
	queue := sources.StreamInfo{Name: "orders.parking", Kind: "classic", Reading: sources.Reading{Queue: true}, DeadLetter: true}
	tap := sources.StreamInfo{Name: "shop", Kind: "exchange", Reading: sources.Reading{Tap: true, Live: true}}
	held := func(c *Common, conn sources.Conn, st sources.StreamInfo, msgs []sources.Message) *messagesPage {
		p := newMessagesPage(c, conn, st)
		p.pid, p.subID, p.opened = 7, 1, true
		deliver(p, msgs)
		p.Update(batchReceived{page: p.pid, sub: p.subID, err: sources.ErrEndOfStream})
		return p
	}
	detailOf := func(t *testing.T, p *messagesPage) page {
		p.cur.sel = 1
		pushed, ok := p.open()().(pagePushed)
		if !ok {
			t.Fatal("enter on the list opened no detail")
		}
		pushed.p.(*detailPage).pid = 8
		return pushed.p
	}
	orders := func(t *testing.T, c *Common) *messagesPage {
		p := ordersPage(t, c, kafka)
		p.cur.sel = 2
		return p
	}
	return []pageCase{
		{"streams/kafka", kafka, func(t *testing.T, c *Common) page {
			p := newStreamsPage(c, 1, kafka)
			p.Update(listed())
			return p
		}},
		{"streams/groups", groupsConn{}, func(t *testing.T, c *Common) page {
			p := newStreamsPage(c, 1, groupsConn{})
			p.Update(listed())
			return p
		}},
		{"streams/rabbitmq", rabbit, func(t *testing.T, c *Common) page {
			p := newStreamsPage(c, 1, rabbit)
			p.Update(rabbitStreams())
			return p
		}},
		{"messages/kafka", kafka, func(t *testing.T, c *Common) page { return orders(t, c) }},
		{"messages/kafka dead letters", staticConn{}, func(t *testing.T, c *Common) page {
			return held(c, staticConn{}, dltStream, goldenDLT())
		}},
		{"messages/rabbitmq queue", rabbit, func(t *testing.T, c *Common) page { return held(c, rabbit, queue, rabbitDLQ()) }},
		{"messages/rabbitmq tap", rabbit, func(t *testing.T, c *Common) page { return held(c, rabbit, tap, orderMsgs(0, 4)) }},
		{"detail/kafka", kafka, func(t *testing.T, c *Common) page { return detailOf(t, orders(t, c)) }},
		{"detail/rabbitmq", rabbit, func(t *testing.T, c *Common) page { return detailOf(t, held(c, rabbit, queue, rabbitDLQ())) }},
		{"groups/kafka", kafka, func(t *testing.T, c *Common) page {
			p := newGroupsPage(c, kafka, kafka)
			p.pid = 4
			p.Update(listedGroups())
			return p
		}},
		{"group/kafka", kafka, func(t *testing.T, c *Common) page {
			p := newGroupPage(c, kafka, kafka, "billing")
			p.pid = 5
			p.Update(groupDescribed{page: 5, d: sources.GroupDetail{Offsets: []sources.GroupOffset{
				{Topic: "orders", Partition: 0, Committed: 3, High: 9}, {Topic: "orders", Partition: 1, Committed: 5, High: 5}}}})
			return p
		}},
		{"triage/kafka", staticConn{}, func(t *testing.T, c *Common) page {
			conn := fixedConn{msgs: triageDLT()}
			p := newTriagePage(c, conn, dltStream)
			p.pid = 40
			t.Cleanup(p.Close)
			pump(t, p, p.Init(), func() bool { return p.done })
			return p
		}},
		{"trace", nil, func(t *testing.T, c *Common) page {
			p := newTracePage(c, []sources.Conn{staticConn{}}, traceRequested{value: "corr-1", via: "correlation-id"})
			t.Cleanup(p.Close)
			p.done = true
			for _, m := range orderMsgs(0, 3) {
				p.res.Hits = append(p.res.Hits, trace.Hit{Conn: m.Conn, Stream: m.Stream, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp, Message: m})
			}
			return p
		}},
		{"diff", nil, func(t *testing.T, c *Common) page {
			ms := goldenDLT()
			return newDiffPage(c, ms[0], ms[3], nil, nil)
		}},
		{"health/kafka", staticConn{}, func(t *testing.T, c *Common) page {
			p := newHealthPage(c, fixedConn{msgs: healthMsgs()}, sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}})
			p.pid = 41
			t.Cleanup(p.Close)
			pump(t, p, p.Init(), func() bool { return p.done })
			return p
		}},
		{"versions/kafka", staticConn{}, func(t *testing.T, c *Common) page {
			conn := streamsConn{msgs: map[string][]sources.Message{"orders": orderMsgs(0, 6)}}
			p := newVersionsPage(c, conn, sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}}, sources.Start{Kind: sources.StartOldest}, nil)
			p.pid = 42
			t.Cleanup(p.Close)
			pump(t, p, p.Init(), func() bool { return p.phase == 2 })
			return p
		}},
		{"schema", nil, func(t *testing.T, c *Common) page {
			p := newSchemaPage(c, nil, schema.Ref{Origin: schema.OriginRegistry, ID: 3})
			p.pid = 43
			p.Update(schemaText{page: 43, text: strings.Repeat(`{"type": "record"}`+"\n", 60)})
			return p
		}},
		{"connections", nil, func(t *testing.T, c *Common) page {
			p := newConnsPage(c, 1, []sources.Conn{kafka, rabbit})
			p.entries = append(p.entries, connEntry{spec: ConnSpec{Name: "down"}, state: connFailed, err: errors.New("refused")})
			return p
		}},
		{"connecting", nil, func(t *testing.T, c *Common) page {
			return &connectingPage{pageBase: pageBase{c: c, pid: 1}, what: "the demo", err: errors.New("refused"),
				dial: func(context.Context) ([]sources.Conn, error) { return nil, errors.New("refused") }}
		}},
		{"welcome", nil, func(t *testing.T, c *Common) page {
			return &firstRunPage{pageBase: pageBase{c: c, pid: 1}, configPath: "/cfg.yaml",
				demo: func(context.Context) ([]sources.Conn, error) { return nil, errors.New("no demo here") }}
		}},
	}
}

// listedHelp is every binding a page lists now: its key line and its
// help overlay, without the root's own keys (help, back, quit).
func listedHelp(c *Common, p page) []key.Binding {
	var out []key.Binding
	for _, b := range append(p.ShortHelp(), slices.Concat(p.FullHelp()...)...) {
		if !sameBinding(b, c.Keys.Back) && !sameBinding(b, c.Keys.Help) && !sameBinding(b, c.Keys.Quit) {
			out = append(out, b)
		}
	}
	return out
}

func sameBinding(a, b key.Binding) bool {
	return a.Help() == b.Help() && slices.Equal(a.Keys(), b.Keys())
}

// pressOf is the key message of a binding's first key.
func pressOf(k string) tea.KeyMsg {
	switch k {
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "enter", "esc", "up", "down", "end":
		return keyPress(k)
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	}
	return keyPress(k)
}

// fingerprint is what a person sees of a page: its screen, status line,
// keys, and whether it has the keyboard.
func fingerprint(c *Common, p page) string {
	var keys []string
	for _, b := range p.ShortHelp() {
		keys = append(keys, b.Help().Key+" "+b.Help().Desc)
	}
	return p.View(c.Width, c.Height-3) + "\n" + p.Status() + "\n" + strings.Join(keys, "  ") + "\n" + capturingText(p.Capturing())
}

func capturingText(b bool) string {
	if b {
		return "capturing"
	}
	return ""
}

// TestEveryListedKeyDispatches: every key a page lists, on every kind of
// connection, is an action of its table that the page offers now, and
// pressing it through the page's Update does what the table's action does
// (a page that handled it some other way, or not at all, would differ).
// The listed keys are not the root's own, which would never reach the page.
func TestEveryListedKeyDispatches(t *testing.T) {
	for _, pc := range pageCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			c := testCommon(140, 24)
			p := pc.build(t, c)
			listed := listedHelp(c, p)
			if len(listed) == 0 {
				t.Fatal("the page lists no key")
			}
			t.Logf("%d keys listed", len(listed))
			for _, b := range listed {
				press := pressOf(b.Keys()[0])
				a := p.actions().lookup(press)
				if a == nil || a.bind.Help() != b.Help() {
					t.Fatalf("%q (%s) is listed but the table offers no action for it", b.Help().Key, b.Help().Desc)
				}
				for _, global := range []key.Binding{c.Keys.Help, c.Keys.Quit, c.Keys.Back} {
					if key.Matches(press, global) {
						t.Fatalf("%q (%s) is the root's key: it never reaches the page", b.Help().Key, b.Help().Desc)
					}
				}
				byUpdate, byTable := pc.build(t, testCommon(140, 24)), pc.build(t, testCommon(140, 24))
				cu := byUpdate.Update(press)
				ct, handled := byTable.actions().dispatch(press)
				if !handled {
					t.Fatalf("%q: the table does not dispatch it", b.Help().Key)
				}
				if (cu == nil) != (ct == nil) || fingerprint(c, byUpdate) != fingerprint(c, byTable) {
					t.Fatalf("%q (%s): Update did not do the table's action:\nUpdate:\n%s\ntable:\n%s", b.Help().Key, b.Help().Desc, fingerprint(c, byUpdate), fingerprint(c, byTable))
				}
				byUpdate.Close()
				byTable.Close()
			}
			p.Close()
		})
	}
}

// writeBindings are the keys of the actions that write to a broker.
func writeBindings(k *KeyMap) []key.Binding { return []key.Binding{k.Redrive, k.Edit, k.Publish} }

// TestReadOnlyHidesEveryWrite: on a read-only connection no page lists a
// write action, and pressing its key opens no dialog and no page, and
// writes nothing: it says on the status line why. The write keys are
// marked as writes in every table that has them, and on a writable
// connection the pages that have them list them.
func TestReadOnlyHidesEveryWrite(t *testing.T) {
	const why = "set read_only: false on it in /cfg.yaml to allow writes"
	writes := 0
	for _, pc := range pageCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			writable := testCommon(140, 24)
			wp := pc.build(t, writable)
			defer wp.Close()
			var writeActs []action
			for _, g := range wp.actions().groups {
				for _, a := range g {
					for _, w := range writeBindings(writable.Keys) {
						if sameBinding(a.bind, w) && !a.writes {
							t.Fatalf("%q (%s) writes but is not marked so", a.bind.Help().Key, a.bind.Help().Desc)
						}
					}
					if a.writes {
						writeActs = append(writeActs, a)
					}
				}
			}
			if pc.conn == nil {
				if len(writeActs) > 0 {
					t.Fatalf("a page on no connection has write actions %v", writeActs)
				}
				return
			}
			for _, a := range writeActs {
				if wp.actions().offered(a) && !slices.ContainsFunc(listedHelp(writable, wp), func(b key.Binding) bool { return sameBinding(a.bind, b) }) {
					t.Fatalf("writable: %q is offered but not listed", a.bind.Help().Key)
				}
			}
			writes += len(writeActs)

			ro := testCommon(140, 24)
			ro.ReadOnlyConns = map[string]string{pc.conn.Name(): why}
			p := pc.build(t, ro)
			defer p.Close()
			for _, b := range listedHelp(ro, p) {
				for _, w := range writeBindings(ro.Keys) {
					if sameBinding(b, w) {
						t.Fatalf("read-only: %q (%s) is listed", b.Help().Key, b.Help().Desc)
					}
				}
			}
			for _, a := range writeActs {
				before := fingerprint(ro, p)
				cmd := p.Update(pressOf(a.bind.Keys()[0]))
				if p.Capturing() || fingerprint(ro, p) != before {
					t.Fatalf("read-only: %q changed the page:\n%s", a.bind.Help().Key, fingerprint(ro, p))
				}
				if cmd == nil {
					t.Fatalf("read-only: %q says nothing", a.bind.Help().Key)
				}
				st, ok := cmd().(statusSet)
				if !ok || !st.err || st.text != "read-only connection: "+pc.conn.Name()+" ("+why+")" {
					t.Fatalf("read-only: %q answered %#v, not the reason on the status line", a.bind.Help().Key, st)
				}
			}
		})
	}
	if writes == 0 {
		t.Fatal("no page has a write action: nothing was checked")
	}
}

// TestNoTwoActionsShareAKey: in every table, in the state each page is
// in, no two actions offered at once answer the same key.
func TestNoTwoActionsShareAKey(t *testing.T) {
	for _, pc := range pageCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			c := testCommon(140, 24)
			p := pc.build(t, c)
			defer p.Close()
			tbl := p.actions()
			taken := map[string]string{}
			for _, g := range tbl.groups {
				for _, a := range g {
					if !tbl.offered(a) {
						continue
					}
					for _, k := range a.bind.Keys() {
						if other, ok := taken[k]; ok {
							t.Fatalf("%q answers both %q and %q", k, other, a.bind.Help().Desc)
						}
						taken[k] = a.bind.Help().Desc
					}
				}
			}
		})
	}
}

// TestEveryPageHasACase: each page type of the package is among the pages
// the action tests check, so a new page is checked once it is added here.
func TestEveryPageHasACase(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var pages []string
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, fl := range st.Fields.List {
					if id, ok := fl.Type.(*ast.Ident); ok && len(fl.Names) == 0 && id.Name == "pageBase" {
						pages = append(pages, ts.Name.Name)
					}
				}
			}
			return true
		})
	}
	covered := map[string]bool{}
	c := testCommon(140, 24)
	for _, pc := range pageCases(t) {
		p := pc.build(t, c)
		covered[reflect.TypeOf(p).Elem().Name()] = true
		p.Close()
	}
	if len(pages) < 10 {
		t.Fatalf("found only the pages %v", pages)
	}
	for _, name := range pages {
		if !covered[name] {
			t.Errorf("page %s has no case in pageCases", name)
		}
	}
}

// TestMessageListKeyLineOffersCopyAndPublish: the message list's key
// line shows c copy… and, on a connection that publishes and is not
// read-only, P publish; a narrow terminal drops the last keys but keeps
// ? help and q quit.
func TestMessageListKeyLineOffersCopyAndPublish(t *testing.T) {
	conn := demoConn(t, 20, 3)
	for _, tc := range []struct {
		name     string
		conn     sources.Conn
		readOnly bool
		publish  bool
	}{{"kafka", conn, false, true}, {"kafka read-only", conn, true, false}, {"no publisher", staticConn{}, false, false}} {
		c := testCommon(200, 30)
		if tc.readOnly {
			c.ReadOnlyConns = map[string]string{tc.conn.Name(): "read_only: true"}
		}
		p := newMessagesPage(c, tc.conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders", Partitions: make([]sources.PartitionInfo, 3)})
		m := rootWith(c, p)
		line := m.keyLine(200)
		if !strings.Contains(line, "c copy…") || strings.Contains(line, "P publish") != tc.publish {
			t.Fatalf("%s: key line %q", tc.name, line)
		}
		if strings.Index(line, "c copy…") > strings.Index(line, ": jump to") {
			t.Fatalf("%s: copy after the less used keys: %q", tc.name, line)
		}
		narrow := m.keyLine(80)
		if ansi.StringWidth(narrow) > 80 || !strings.HasSuffix(narrow, "q quit") || !strings.Contains(narrow, "enter open") {
			t.Fatalf("%s: key line at 80 columns %q", tc.name, narrow)
		}
	}
}
