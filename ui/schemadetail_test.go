package ui

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// detailText opens a detail of m, fetches its schemas and returns its
// lines once they hold want.
func detailText(t *testing.T, c *Common, m sources.Message, want string) string {
	t.Helper()
	d := newDetailPage(c, m, nil, nil)
	d.pid = 60
	defer d.Close()
	var text string
	newLoop(d).until(t, d.Init(), func() bool {
		var texts []string
		for _, l := range d.raw {
			texts = append(texts, l.prefix+l.text)
		}
		text = strings.Join(texts, "\n")
		return strings.Contains(text, want)
	})
	return text
}

// TestDetailQuotesARefusingRegistry: a registry answering 403 with its own
// text has it shown, sanitised, beside the status and the schema id.
func TestDetailQuotesARefusingRegistry(t *testing.T) {
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<html><body><h1>Access denied</h1><p>for ops\x1b]0;pwned\x07</p></body></html>"))
	}))
	t.Cleanup(front.Close)
	c := schemaCommon(t, 120, 40, front.URL)
	m := sources.Message{Conn: "test", Stream: "orders", Value: schema.AppendHeader(nil, 5)}
	text := detailText(t, c, m, "HTTP 403")
	if !strings.Contains(text, "schema id 5: unauthorised for id 5 (HTTP 403: Access denied for ops") || strings.ContainsAny(text, "\x1b\x07") || strings.Contains(text, "<h1>") {
		t.Fatalf("detail:\n%s", text)
	}
}

// TestDetailNamesEverySubject: an id registered under two subjects, neither
// the stream's, is shown under both, not under one picked by guess.
func TestDetailNamesEverySubject(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	text := `{"type":"record","name":"Shared","fields":[{"name":"x","type":"string"}]}`
	id, _, err := reg.RegisterSchema("a-value", sr.Schema{Schema: text})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.RegisterSchema("b-value", sr.Schema{Schema: text}); err != nil {
		t.Fatal(err)
	}
	c := schemaCommon(t, 120, 40, reg.URL())
	m := sources.Message{Conn: "test", Stream: "orders", Value: append(schema.AppendHeader(nil, id), 2, 'q')}
	got := detailText(t, c, m, "Subjects")
	if !strings.Contains(got, "is under 2 subjects: a-value v1, b-value v1") || strings.Contains(got, "Subject     a-value") || !strings.Contains(got, `"x"`) {
		t.Fatalf("detail:\n%s", got)
	}
}

// TestDetailNamesSchemaIDZero: a value framed with schema id 0 (which no
// registry gives out) names id 0 in the detail like any other id.
func TestDetailNamesSchemaIDZero(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	c := schemaCommon(t, 120, 40, reg.URL())
	m := sources.Message{Conn: "test", Stream: "orders", Value: schema.AppendHeader(nil, 0)}
	text := detailText(t, c, m, "ID")
	if !regexp.MustCompile(`(?m)^ID +0$`).MatchString(text) {
		t.Fatalf("detail:\n%s", text)
	}
}
