package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestProduceJSONLToTheLinesOwnStreams: lines of --format jsonl without a
// STREAM go to the streams they name; the question names every target and
// how many go to it; a line that names no stream is refused, naming it,
// before anything is written.
func TestProduceJSONLToTheLinesOwnStreams(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "s19-own-a", "s19-own-b"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := kf.ListenAddrs()[0]
	dir := t.TempDir()
	file := filepath.Join(dir, "mixed.jsonl")
	line := func(stream, value string) string {
		return `{"stream":"` + stream + `","partition":0,"offset":0,"timestamp":null,"value":"` + value + `"}` + "\n"
	}
	testbroker.Must(t)(os.WriteFile(file, []byte(line("s19-own-a", "1")+line("s19-own-b", "2")+line("s19-own-a", "3")+"\n"+line("s19-own-a", "4")), 0o600))
	args := []string{"--kafka", addr, "produce", "--format", "jsonl", "-f", file}
	code, out, errOut := runAnswering(t, "y\n", args...)
	if code != 1 || !strings.Contains(errOut, "Publish 4 messages to 2 targets: 3 to s19-own-a on "+addr+", 1 to s19-own-b on "+addr+"? Type 4 to publish, anything else is no: ") || out != "" {
		t.Fatalf("y: %d %q %s", code, out, errOut)
	}
	code, out, errOut = runAnswering(t, "4\n", args...)
	if code != 0 || strings.Count(out, "published: s19-own-a p0@") != 3 || strings.Count(out, "published: s19-own-b p0@") != 1 {
		t.Fatalf("4: %d %s %s", code, out, errOut)
	}
	var values []string
	for _, m := range exported(t, addr, "s19-own-a") {
		values = append(values, string(m.Value))
	}
	if got := strings.Join(values, ","); got != "1,3,4" {
		t.Fatalf("s19-own-a holds %s, want 1,3,4", got)
	}
	if got := exported(t, addr, "s19-own-b"); len(got) != 1 || string(got[0].Value) != "2" {
		t.Fatalf("s19-own-b holds %+v", got)
	}
	nameless := filepath.Join(dir, "nameless.jsonl")
	testbroker.Must(t)(os.WriteFile(nameless, []byte(line("s19-own-b", "5")+line("", "6")), 0o600))
	code, _, errOut = run(t, "--kafka", addr, "produce", "--format", "jsonl", "-f", nameless, "--yes")
	if want := `line 2: it names no stream (no "stream", nor a RabbitMQ "exchange" with a key to route by): name the STREAM to publish to: nothing published`; code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("a line without a stream: %d %s\nwant %s", code, errOut, want)
	}
	if got := exported(t, addr, "s19-own-b"); len(got) != 1 {
		t.Fatalf("s19-own-b holds %d messages after the refusal", len(got))
	}
}

// TestProduceJSONLToRabbitLinesTargets: RabbitMQ lines without a STREAM go
// to the queue each names, and a line that names no queue but an
// exchange goes through it, its key the routing key.
func TestProduceJSONLToRabbitLinesTargets(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	for _, q := range []string{"s19-jq", "s19-jq2"} {
		_, err := ch.QueueDeclare(q, true, false, false, false, nil)
		must(err)
	}
	must(ch.ExchangeDeclare("s19-jex", "topic", true, false, false, false, nil))
	must(ch.QueueBind("s19-jq2", "order.*", "s19-jex", false, nil))
	file := filepath.Join(t.TempDir(), "rabbit.jsonl")
	must(os.WriteFile(file, []byte(
		`{"stream":"s19-jq","partition":-1,"offset":0,"timestamp":null,"key":"s19-jq","value":"a","exchange":""}`+"\n"+
			`{"stream":"","partition":-1,"offset":0,"timestamp":null,"key":"order.new","value":"b","exchange":"s19-jex"}`+"\n"), 0o600))
	code, out, errOut := runAnswering(t, "2\n", "--rabbitmq", vhostURL, "produce", "--format", "jsonl", "-f", file)
	if code != 0 || !strings.Contains(errOut, "Publish 2 messages to 2 targets: 1 to s19-jq on ") || !strings.Contains(errOut, ", 1 to exchange s19-jex [order.new] on ") ||
		out != "published: routed to 1 queue by the default exchange\npublished: routed to 1 queue by exchange s19-jex\n" {
		t.Fatalf("%d %q %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "s19-jq", 1)
	testbroker.WaitQueue(t, ch, "s19-jq2", 1)
	for q, want := range map[string]string{"s19-jq": "a", "s19-jq2": "b"} {
		d, ok, err := ch.Get(q, true)
		if err != nil || !ok || string(d.Body) != want {
			t.Fatalf("%s: %v %v %q, want %q", q, ok, err, d.Body, want)
		}
	}
}
