package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/replay"
)

// ceilingMover measures the ceiling of any AMQP 0-9-1 client on this
// machine: hand-written framing on two connections (consume, publish in
// confirm mode), properties passed through as the broker sent them with the
// four provenance headers appended to the table, writes batched, sources
// acked with `multiple` after the confirms, and no other work at all: no
// decoding, fingerprints, plan, journal or audit. It is a reference for the
// figures, not a mover to use (plain TCP, PLAIN, no heartbeats, no error
// recovery).
func (b rabbitBench) ceilingMover(ctx context.Context) float64 {
	const vhost = "mqscope-bench-ceiling"
	u := b.fill(ctx, vhost)
	defer func() { _ = b.m.DeleteVhost(ctx, vhost) }()
	pu, err := url.Parse(u)
	check(err)
	brokerBefore, selfBefore := brokerCPU(), selfCPU()
	start := time.Now()
	consume := dialWire(pu, vhost)
	defer consume.c.Close()
	consume.send(wireMethod(60, 10, func(p []byte) []byte { // basic.qos
		p = binary.BigEndian.AppendUint32(p, 0)
		return append(binary.BigEndian.AppendUint16(p, uint16(min(4*b.batch, 65535))), 0)
	}))
	consume.expect(60, 11)
	consume.send(wireMethod(60, 20, func(p []byte) []byte { // basic.consume dlq, manual ack
		p = appendShortstr(append(p, 0, 0), "dlq")
		return append(appendShortstr(p, ""), 0, 0, 0, 0, 0)
	}))
	consume.expect(60, 21)
	publish := dialWire(pu, vhost)
	defer publish.c.Close()
	publish.send(wireMethod(85, 10, func(p []byte) []byte { return append(p, 0) })) // confirm.select
	publish.expect(85, 11)

	deliveries := make(chan []wireDelivery, 64)
	go consume.readDeliveries(deliveries)
	confirms := make(chan uint64, 1024)
	go publish.readConfirms(confirms)
	var inflight []uint64 // delivery tags in publish order
	var confirmed uint64
	taken, unacked := 0, 0
	var out []byte
	for confirmed < uint64(b.n) {
		in := deliveries
		if len(inflight) >= 2*b.batch || taken >= b.n {
			in = nil
		}
		select {
		case ds, ok := <-in:
			if !ok {
				check(fmt.Errorf("ceiling mover: the consumer connection closed"))
			}
			out = out[:0]
			for _, d := range ds {
				taken++
				out = appendRepublish(out, d, "bench", "job", strconv.Itoa(taken))
				inflight = append(inflight, d.tag)
			}
			_, err := publish.c.Write(out)
			check(err)
		case tag, ok := <-confirms:
			if !ok {
				check(fmt.Errorf("ceiling mover: the publisher connection closed"))
			}
			if tag <= confirmed {
				continue
			}
			k := int(tag - confirmed)
			last := inflight[k-1]
			inflight = inflight[k:]
			confirmed = tag
			if unacked += k; unacked >= b.batch/4 || confirmed == uint64(b.n) {
				consume.send(wireMethod(60, 80, func(p []byte) []byte { return append(binary.BigEndian.AppendUint64(p, last), 1) }))
				unacked = 0
			}
		}
	}
	d := time.Since(start)
	waitDepth(u, "target", b.n)
	checkRepublished(u)
	rate := float64(b.n) / d.Seconds()
	fmt.Printf("  ceiling mover:   %d moved in %s = %.0f msg/s (hand-framed AMQP, confirms + mandatory, no work a message); broker CPU %.1fs, mover CPU %.1fs\n",
		b.n, d.Round(time.Millisecond), rate, (brokerCPU() - brokerBefore).Seconds(), (selfCPU() - selfBefore).Seconds())
	return rate
}

// checkRepublished reads a moved message back with amqp091-go: the
// broker's x-death and the provenance headers must be there, the body
// whole.
func checkRepublished(u string) {
	c, err := amqp.Dial(u)
	check(err)
	defer c.Close()
	ch, err := c.Channel()
	check(err)
	m, ok, err := ch.Get("target", false)
	check(err)
	if !ok {
		check(fmt.Errorf("ceiling mover: nothing in target"))
	}
	defer func() { _ = m.Nack(false, true) }()
	if _, ok := m.Headers["x-death"].([]any); !ok || m.Headers[replay.HeaderID] != "ceiling" || m.Headers[replay.HeaderPosition] == nil || len(m.Body) == 0 || m.DeliveryMode != amqp.Persistent {
		check(fmt.Errorf("ceiling mover: a moved message lost its properties: %v", m.Headers))
	}
}

// wireConn is one hand-framed AMQP connection with channel 1 open.
type wireConn struct {
	c net.Conn
	r *bufio.Reader
}

type wireFrame struct {
	typ     byte
	payload []byte
}

// wireDelivery is a basic.deliver with its content, properties raw.
type wireDelivery struct {
	tag   uint64
	props []byte // property flags and properties as the broker sent them
	body  []byte
}

func dialWire(u *url.URL, vhost string) *wireConn {
	c, err := net.Dial("tcp", u.Host)
	check(err)
	w := &wireConn{c: c, r: bufio.NewReaderSize(c, 256<<10)}
	_, err = c.Write([]byte("AMQP\x00\x00\x09\x01"))
	check(err)
	w.expect(10, 10) // connection.start
	pass, _ := u.User.Password()
	w.sendOn(0, wireMethod(10, 11, func(p []byte) []byte { // start-ok
		p = appendShortstr(binary.BigEndian.AppendUint32(p, 0), "PLAIN")
		p = appendLongstr(p, "\x00"+u.User.Username()+"\x00"+pass)
		return appendShortstr(p, "en_US")
	}))
	tune := w.expect(10, 30)
	w.sendOn(0, wireMethod(10, 31, func(p []byte) []byte { return append(append(p, tune.payload[4:10]...), 0, 0) })) // no heartbeats
	w.sendOn(0, wireMethod(10, 40, func(p []byte) []byte { return append(appendShortstr(appendShortstr(p, vhost), ""), 0) }))
	w.expect(10, 41)
	w.send(wireMethod(20, 10, func(p []byte) []byte { return appendShortstr(p, "") })) // channel.open
	w.expect(20, 11)
	return w
}

func (w *wireConn) read() (wireFrame, error) {
	var h [7]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		return wireFrame{}, err
	}
	p := make([]byte, binary.BigEndian.Uint32(h[3:])+1)
	if _, err := io.ReadFull(w.r, p); err != nil {
		return wireFrame{}, err
	}
	return wireFrame{typ: h[0], payload: p[:len(p)-1]}, nil
}

func (w *wireConn) expect(class, method uint16) wireFrame {
	f, err := w.read()
	check(err)
	if f.typ != 1 || len(f.payload) < 4 || binary.BigEndian.Uint16(f.payload) != class || binary.BigEndian.Uint16(f.payload[2:]) != method {
		check(fmt.Errorf("ceiling mover: expected method %d.%d, got %q", class, method, f.payload))
	}
	return f
}

func (w *wireConn) send(payload []byte) { w.sendOn(1, payload) }

func (w *wireConn) sendOn(ch uint16, payload []byte) {
	_, err := w.c.Write(appendWireFrame(nil, 1, ch, payload))
	check(err)
}

// readDeliveries hands over deliveries in batches: whatever has arrived.
func (w *wireConn) readDeliveries(out chan<- []wireDelivery) {
	defer close(out)
	var batch []wireDelivery
	var cur wireDelivery
	var size uint64
	for {
		f, err := w.read()
		if err != nil {
			return
		}
		switch f.typ {
		case 1:
			if binary.BigEndian.Uint32(f.payload) == 60<<16|60 { // basic.deliver
				p := f.payload[4:]
				p = p[1+int(p[0]):] // consumer tag
				cur = wireDelivery{tag: binary.BigEndian.Uint64(p)}
			} else if isClose(f.payload) {
				return
			}
		case 2:
			size = binary.BigEndian.Uint64(f.payload[4:12])
			cur.props, cur.body = f.payload[12:], make([]byte, 0, size)
			if size == 0 {
				batch = append(batch, cur)
			}
		case 3:
			if cur.body = append(cur.body, f.payload...); uint64(len(cur.body)) == size {
				batch = append(batch, cur)
			}
		}
		if len(batch) > 0 && w.r.Buffered() == 0 {
			out <- batch
			batch = nil
		}
	}
}

// readConfirms sends the highest delivery tag confirmed so far (acks
// with multiple fold in); a nack or a return ends it.
func (w *wireConn) readConfirms(out chan<- uint64) {
	defer close(out)
	for {
		f, err := w.read()
		if err != nil || f.typ != 1 {
			if err != nil {
				return
			}
			continue
		}
		switch binary.BigEndian.Uint32(f.payload) {
		case 60<<16 | 80: // basic.ack
			out <- binary.BigEndian.Uint64(f.payload[4:])
		default:
			return // nack, return, close: the run cannot be trusted
		}
	}
}

func isClose(p []byte) bool {
	m := binary.BigEndian.Uint32(p)
	return m == 20<<16|40 || m == 10<<16|50
}

// appendRepublish appends basic.publish (mandatory), the content header
// with the delivery's properties and the provenance headers appended to its
// table, and the body.
func appendRepublish(out []byte, d wireDelivery, exchange, key, position string) []byte {
	out = appendWireFrame(out, 1, 1, wireMethod(60, 40, func(p []byte) []byte {
		return append(appendShortstr(appendShortstr(append(p, 0, 0), exchange), key), 1)
	}))
	start := len(out)
	out = append(out, 2, 0, 1, 0, 0, 0, 0, 0, 60, 0, 0)
	out = binary.BigEndian.AppendUint64(out, uint64(len(d.body)))
	flags := binary.BigEndian.Uint16(d.props)
	props := d.props[2:]
	i := 0
	for _, bit := range []uint16{0x8000, 0x4000} { // content-type, content-encoding come first
		if flags&bit != 0 {
			i += 1 + int(props[i])
		}
	}
	out = binary.BigEndian.AppendUint16(out, flags|0x2000)
	out = append(out, props[:i]...)
	table := len(out)
	out = append(out, 0, 0, 0, 0)
	rest := props[i:]
	if flags&0x2000 != 0 {
		n := binary.BigEndian.Uint32(rest)
		out = append(out, rest[4:4+n]...)
		rest = rest[4+n:]
	}
	for _, kv := range [...][2]string{{replay.HeaderID, "ceiling"}, {replay.HeaderHops, "1"}, {replay.HeaderSource, "dlq"}, {replay.HeaderPosition, position}} {
		out = appendLongstr(append(appendShortstr(out, kv[0]), 'S'), kv[1])
	}
	binary.BigEndian.PutUint32(out[table:], uint32(len(out)-table-4))
	out = append(out, rest...)
	binary.BigEndian.PutUint32(out[start+3:], uint32(len(out)-start-7))
	out = append(out, 0xCE)
	return appendWireFrame(out, 3, 1, d.body)
}

func wireMethod(class, method uint16, args func([]byte) []byte) []byte {
	return args([]byte{byte(class >> 8), byte(class), byte(method >> 8), byte(method)})
}

func appendWireFrame(b []byte, typ byte, ch uint16, payload []byte) []byte {
	b = append(b, typ, byte(ch>>8), byte(ch))
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(append(b, payload...), 0xCE)
}

func appendShortstr(b []byte, s string) []byte { return append(append(b, byte(len(s))), s...) }

func appendLongstr(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}
