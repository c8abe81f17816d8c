package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// brokerPackage matches a connector package or a broker's client library.
var brokerPackage = regexp.MustCompile(`/sources/(kafka|rabbitmq|sqs|nats|redis)(/|$)|IBM/sarama|rabbitmq/amqp091-go|aws/aws-sdk-go|nats-io/nats\.go|redis/go-redis|franz-go/pkg/kgo`)

// TestUIAndReplayImportNoBroker: the TUI and the redrive engine reach
// brokers only through the sources interfaces; neither they nor anything
// they import is a connector or a broker's client.
func TestUIAndReplayImportNoBroker(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/mqscope/mqscope/ui", "github.com/mqscope/mqscope/replay").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var bad []string
	for _, p := range strings.Fields(string(out)) {
		if brokerPackage.MatchString(p) {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("ui or replay depends on broker packages: %s", strings.Join(bad, ", "))
	}
}

// brokerTest is a comparison of a connection's kind or a provenance
// scheme with one broker's name: what a connector's capability says
// instead (sources.CopyTargeter, sources.Reach, DeadLetter.ByExchange).
var brokerTest = regexp.MustCompile(`(Kind\(\)|\.Scheme) *[!=]= *"(kafka|rabbitmq|nats|redis|sqs)"`)

// ui and replay ask connectors what they can do, not which broker they
// are: no file of theirs compares a kind or scheme with a broker's name.
func TestUIAndReplayNameNoBroker(t *testing.T) {
	for _, dir := range []string{".", "../replay"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range brokerTest.FindAll(src, -1) {
				t.Errorf("%s: %s", f, m)
			}
		}
	}
}
