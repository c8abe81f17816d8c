package kafka

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/internal/netprobe"
)

// probeWait bounds how long a probe waits for a broker's first answer.
const probeWait = netprobe.DefaultWait

// probe asks addr for its API versions over plain TCP and says what the
// answer was, when it was no Kafka answer: "it answered as HTTP", "it
// gave no answer within 2s". A listener that says nothing to a Kafka
// request is asked a line of text (an HTTP GET, which a Redis also
// answers). It returns "" when addr answered as Kafka or could not be
// reached (the dial's own error tells).
func probe(ctx context.Context, addr string) string {
	r := netprobe.Try(ctx, addr, netprobe.KafkaAPIVersions, probeWait)
	if r.Reply != netprobe.Silent {
		return says(r)
	}
	if r := netprobe.Try(ctx, addr, netprobe.HTTPGet, probeWait); r.Reply == netprobe.Closed || r.Reply == netprobe.Answered && r.Protocol != netprobe.Unknown && r.Protocol != netprobe.Kafka {
		return says(r)
	}
	return fmt.Sprintf("it gave no answer within %s", probeWait)
}

// says puts a probe's result in words; "" for Kafka and for an address
// that could not be reached.
func says(r netprobe.Result) string {
	switch r.Reply {
	case netprobe.Unreachable:
		return ""
	case netprobe.Closed:
		return "it closed the connection without answering"
	case netprobe.Silent:
		return fmt.Sprintf("it gave no answer within %s", probeWait)
	}
	switch r.Protocol {
	case netprobe.Kafka:
		return ""
	case netprobe.AMQP:
		return "it answered as AMQP (RabbitMQ)"
	case netprobe.Unknown:
		return "its answer is no Kafka answer"
	}
	return "it answered as " + r.Protocol.String()
}
