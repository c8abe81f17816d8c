package kafka

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"time"
)

// probeWait bounds how long a probe waits for a broker's first answer.
const probeWait = 2 * time.Second

// probe asks addr for its API versions over plain TCP and says what the
// answer was, when it was no Kafka answer: "it answered as HTTP", "it
// gave no answer within 2s". A listener that says nothing to a Kafka
// request is asked a line of text (an HTTP GET, which a Redis also
// answers). It returns "" when addr answered as Kafka or could not be
// reached (the dial's own error tells).
func probe(ctx context.Context, addr string) string {
	what := ask(ctx, addr, apiVersionsRequest())
	if what != noAnswer {
		return what
	}
	if line := ask(ctx, addr, []byte("GET / HTTP/1.0\r\n\r\n")); line != noAnswer && line != "" && line != notKafkaAnswer {
		return line
	}
	return fmt.Sprintf("it gave no answer within %s", probeWait)
}

// What ask says of an answer that tells nothing more.
const (
	noAnswer       = "no answer"
	notKafkaAnswer = "its answer is no Kafka answer"
)

// ask sends req to addr and classifies the first bytes of the answer.
func ask(ctx context.Context, addr string, req []byte) string {
	d := net.Dialer{Timeout: probeWait}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(probeWait))
	if _, err := c.Write(req); err != nil {
		return "it closed the connection at once"
	}
	head := make([]byte, 8)
	n, err := readSome(c, head)
	head = head[:n]
	switch {
	case n == 0 && isTimeout(err):
		return noAnswer
	case n == 0:
		return "it closed the connection without answering"
	case bytes.HasPrefix(head, []byte("HTTP/")):
		return "it answered as HTTP"
	case bytes.HasPrefix(head, []byte("AMQP")):
		return "it answered as AMQP (RabbitMQ)"
	case head[0] == '-' || head[0] == '+':
		return "it answered as Redis"
	case n == 8 && binary.BigEndian.Uint32(head) < 1<<20 && binary.BigEndian.Uint32(head[4:]) == probeCorrelation:
		return "" // Kafka
	}
	return notKafkaAnswer
}

// readSome reads up to len(b) bytes, stopping at the first error.
func readSome(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// probeCorrelation is the probe's correlation id.
const probeCorrelation = 0x6d717363 // "mqsc"

// apiVersionsRequest is an ApiVersions v0 request, framed.
func apiVersionsRequest() []byte {
	const client = "mqscope-probe"
	body := binary.BigEndian.AppendUint16(nil, 18) // ApiVersions
	body = binary.BigEndian.AppendUint16(body, 0)
	body = binary.BigEndian.AppendUint32(body, probeCorrelation)
	body = binary.BigEndian.AppendUint16(body, uint16(len(client)))
	body = append(body, client...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}
