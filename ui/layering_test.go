package ui

import (
	"os/exec"
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
