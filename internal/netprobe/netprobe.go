// Package netprobe says which protocol a TCP listener speaks, from the
// first bytes it sends unasked (a NATS server's INFO) or answers to a
// harmless request (a PING line, an HTTP GET, a Kafka ApiVersions), so a
// connector pointed at the wrong kind of server can say so in one line.
// Nothing it sends can write on a broker: a PING and a GET of / read
// nothing but the server's state, an ApiVersions request asks what the
// broker supports.
package netprobe

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Protocol is what a listener speaks.
type Protocol uint8

// The protocols a probe tells apart.
const (
	// Unknown is an answer none of the others start with (or no answer).
	Unknown Protocol = iota
	// NATS is a NATS server: it greets with "INFO {".
	NATS
	// Redis is a Redis (or a RESP server): "+PONG", "-ERR ...", "*", "%", ...
	Redis
	// AMQP is an AMQP 0-9-1 broker (RabbitMQ): "AMQP\x00\x00\x09\x01".
	AMQP
	// HTTP is an HTTP server: "HTTP/1.1 400 ...".
	HTTP
	// Kafka is a Kafka broker: a response frame to the probe's ApiVersions.
	Kafka
	// TLS is a TLS listener: an alert or handshake record.
	TLS
)

// String is the protocol's name as people know it: "NATS", "Redis", "AMQP".
func (p Protocol) String() string {
	switch p {
	case NATS:
		return "NATS"
	case Redis:
		return "Redis"
	case AMQP:
		return "AMQP"
	case HTTP:
		return "HTTP"
	case Kafka:
		return "Kafka"
	case TLS:
		return "TLS"
	}
	return "an unknown protocol"
}

// KafkaCorrelation is the correlation id of the probe's ApiVersions
// request; a Kafka broker's response frame carries it back.
const KafkaCorrelation = 0x6d717363 // "mqsc"

// Classify says which protocol first bytes are from: the bytes a listener
// sent first, or its answer to one of the probe's asks. It needs no more
// than 8 bytes; fewer may say Unknown where more would not.
func Classify(b []byte) Protocol {
	switch {
	case len(b) == 0:
		return Unknown
	case bytes.HasPrefix(b, []byte("INFO ")) || bytes.Equal(b, []byte("INFO")):
		return NATS
	case bytes.HasPrefix(b, []byte("HTTP/")):
		return HTTP
	case bytes.HasPrefix(b, []byte("AMQP")):
		return AMQP
	case len(b) >= 3 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03 && b[2] <= 0x04:
		return TLS // alert or handshake record, SSL 3.0 to TLS 1.3
	case len(b) >= 8 && binary.BigEndian.Uint32(b) >= 4 && binary.BigEndian.Uint32(b) < 1<<20 && binary.BigEndian.Uint32(b[4:]) == KafkaCorrelation:
		return Kafka
	case isRESP(b):
		return Redis
	}
	return Unknown
}

// isRESP: b starts like a RESP2 or RESP3 reply, a type byte and then text.
func isRESP(b []byte) bool {
	const types = "+-:$*%_#,(!=~>|"
	if bytes.IndexByte([]byte(types), b[0]) < 0 {
		return false
	}
	for _, c := range b[1:] {
		if c == '\r' || c == '\n' {
			break
		}
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Reply is how a listener took an ask.
type Reply uint8

// How a listener took an ask.
const (
	// Answered: it sent bytes (Result.Protocol says what they are).
	Answered Reply = iota
	// Silent: it sent nothing within the wait.
	Silent
	// Closed: it closed the connection without sending a byte.
	Closed
	// Unreachable: the connection could not be opened (Result.Err says why).
	Unreachable
)

// String says the reply in words: "answered", "silent".
func (r Reply) String() string {
	switch r {
	case Answered:
		return "answered"
	case Silent:
		return "silent"
	case Closed:
		return "closed"
	}
	return "unreachable"
}

// Result is what one probe of a listener found.
type Result struct {
	// Protocol is what the answer was, when Reply is Answered.
	Protocol Protocol
	// Reply is how the listener took the ask.
	Reply Reply
	// Head is the first bytes it sent (at most headSize), for a caller
	// that hands the connection on and must replay them.
	Head []byte
	// Err is the dial error when Unreachable, or the context's error when
	// it ended the wait.
	Err error
}

// Ask is one of the probe's harmless requests.
type Ask struct {
	name string
	req  func() []byte
}

// String names the ask: "PING", "listen".
func (a Ask) String() string { return a.name }

// The asks a probe can send.
var (
	// Listen sends nothing: it hears a server that speaks first (NATS).
	Listen = Ask{name: "listen", req: func() []byte { return nil }}
	// Ping is the inline command PING and an empty line, 8 bytes (an
	// AMQP broker waits for 8 before it says its protocol header): a Redis
	// answers +PONG (or -NOAUTH), an HTTP server 400, a TLS listener an
	// alert; a Kafka broker closes (a frame too long).
	Ping = Ask{name: "PING", req: fixed("PING\r\n\r\n")}
	// HTTPGet is "GET / HTTP/1.0": an HTTP server and a Redis answer it.
	HTTPGet = Ask{name: "GET /", req: fixed("GET / HTTP/1.0\r\n\r\n")}
	// KafkaAPIVersions is an ApiVersions v0 request: a Kafka broker
	// answers with a frame carrying KafkaCorrelation.
	KafkaAPIVersions = Ask{name: "ApiVersions", req: fixed(string(apiVersionsRequest()))}
	// TLSHello is a TLS ClientHello: a TLS listener answers with a
	// handshake record (a ServerHello) or an alert.
	TLSHello = Ask{name: "ClientHello", req: sync.OnceValue(clientHello)}
)

// DefaultWait is how long a probe waits for a first answer.
const DefaultWait = 2 * time.Second

// headSize bounds Result.Head.
const headSize = 512

// Exchange sends ask on c and reads the first bytes of the answer, until
// they are enough to classify or wait (or ctx) ends. It leaves c's
// deadline cleared; it does not close c.
func Exchange(ctx context.Context, c net.Conn, ask Ask, wait time.Duration) Result {
	deadline := time.Now().Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.SetDeadline(deadline)
	defer c.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	if req := ask.req(); len(req) > 0 {
		if _, err := c.Write(req); err != nil {
			return Result{Reply: Closed, Err: ctx.Err()}
		}
	}
	head := make([]byte, headSize)
	n := 0
	var err error
	for n < 8 && err == nil {
		var m int
		m, err = c.Read(head[n:])
		n += m
		if Classify(head[:n]) != Unknown {
			break
		}
	}
	head = head[:n]
	switch {
	case n > 0:
		return Result{Protocol: Classify(head), Reply: Answered, Head: head}
	case isTimeout(err):
		return Result{Reply: Silent, Err: ctx.Err()}
	}
	return Result{Reply: Closed, Err: ctx.Err()}
}

// Try opens a plain TCP connection to addr, sends ask and says how the
// listener took it.
func Try(ctx context.Context, addr string, ask Ask, wait time.Duration) Result {
	d := net.Dialer{Timeout: wait}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Result{Reply: Unreachable, Err: err}
	}
	defer c.Close()
	return Exchange(ctx, c, ask, wait)
}

// Probe tries each ask on a connection of its own, all at once. It says
// the first answer of a known protocol as soon as one comes (and stops
// the others); else the first answer in the order of asks; when none
// answered, the last ask's reply.
func Probe(ctx context.Context, addr string, wait time.Duration, asks ...Ask) Result {
	if len(asks) == 0 {
		return Result{Reply: Unreachable, Err: errors.New("netprobe: nothing to ask")}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		i int
		r Result
	}
	answers := make(chan answer, len(asks))
	for i, a := range asks {
		go func() { answers <- answer{i, Try(ctx, addr, a, wait)} }()
	}
	results := make([]Result, len(asks))
	for range asks {
		a := <-answers
		if a.r.Reply == Answered && a.r.Protocol != Unknown {
			return a.r
		}
		results[a.i] = a.r
	}
	for _, r := range results {
		if r.Reply == Answered {
			return r
		}
	}
	return results[len(results)-1]
}

// Mismatch says in one line that addr speaks got where want was asked
// for, and which flag the address may be meant for: "127.0.0.1:6379
// speaks Redis, not NATS: is the URL meant for --redis?". For TLS it says
// "speaks TLS, not plain NATS", for the caller to say how to ask for TLS.
func Mismatch(addr string, want, got Protocol) string {
	name := got.String()
	if got == AMQP {
		name = "AMQP (RabbitMQ)"
	}
	head := fmt.Sprintf("%s speaks %s, not %s", addr, name, want)
	switch got {
	case NATS:
		return head + ": is the URL meant for --nats?"
	case Redis:
		return head + ": is the URL meant for --redis?"
	case AMQP:
		return head + ": is the URL meant for --rabbitmq?"
	case Kafka:
		return head + ": is the address meant for --kafka?"
	case HTTP:
		return head + ": is it a web port (a RabbitMQ management API, a Schema Registry) rather than the broker's?"
	case TLS:
		return fmt.Sprintf("%s speaks TLS, not plain %s", addr, want)
	}
	return fmt.Sprintf("%s answered, but not as %s (nor as NATS, Redis, AMQP, Kafka, HTTP or TLS): wrong port?", addr, want)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// apiVersionsRequest is an ApiVersions v0 request, framed.
func apiVersionsRequest() []byte {
	const client = "mqscope-probe"
	body := binary.BigEndian.AppendUint16(nil, 18) // ApiVersions
	body = binary.BigEndian.AppendUint16(body, 0)
	body = binary.BigEndian.AppendUint32(body, KafkaCorrelation)
	body = binary.BigEndian.AppendUint16(body, uint16(len(client)))
	body = append(body, client...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func fixed(s string) func() []byte { return func() []byte { return []byte(s) } }

// clientHello is the first record crypto/tls sends, caught on a pipe.
func clientHello() []byte {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		_ = tls.Client(a, &tls.Config{ServerName: "mqscope-probe", MinVersion: tls.VersionTLS12}).Handshake()
	}()
	_ = b.SetDeadline(time.Now().Add(5 * time.Second))
	head := make([]byte, 5)
	if _, err := io.ReadFull(b, head); err != nil {
		return nil
	}
	rec := make([]byte, 5+int(binary.BigEndian.Uint16(head[3:])))
	copy(rec, head)
	if _, err := io.ReadFull(b, rec[5:]); err != nil {
		return nil
	}
	return rec
}
