package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// ceilingMover measures the ceiling of an AMQP 0-9-1 client on this
// machine: package wire on two connections (consume, publish in confirm
// mode), properties passed through with the four provenance headers
// appended, sources acked with `multiple` after the confirms, and no other
// work at all: no decoding, fingerprints, plan, journal or audit.
func (b rabbitBench) ceilingMover(ctx context.Context) float64 {
	vhost := b.vhost("ceiling")
	u := b.fill(ctx, vhost)
	defer dropVhost(vhost)
	brokerBefore, selfBefore := brokerCPU(), selfCPU()
	start := time.Now()
	consume, publish := dialWire(ctx, u), dialWire(ctx, u)
	defer consume.Close()
	defer publish.Close()
	check(consume.Qos(4 * b.batch))
	check(consume.Consume("dlq", "ceiling"))
	check(publish.ConfirmSelect())
	deliveries := consume.Start(1).Deliveries
	confirms := publish.Start(2 * b.batch).Confirms
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
				check(fmt.Errorf("ceiling mover: consuming: %v", consume.Err()))
			}
			out = out[:0]
			for _, d := range ds {
				taken++
				props, err := wire.SplitProperties(d.Properties)
				check(err)
				table := append([]byte(nil), props.Table...)
				table = wire.AppendStringEntry(table, replay.HeaderID, "ceiling")
				table = wire.AppendStringEntry(table, replay.HeaderHops, "1")
				table = wire.AppendStringEntry(table, replay.HeaderSource, "dlq")
				table = wire.AppendStringEntry(table, replay.HeaderPosition, strconv.Itoa(taken))
				out = publish.AppendPublish(out, "bench", "job", true, props.AppendWithTable(nil, table), d.Body)
				inflight = append(inflight, d.Tag)
			}
			check(publish.Write(out))
		case cf, ok := <-confirms:
			if !ok || !cf.Ack {
				check(fmt.Errorf("ceiling mover: publishing: %v (%+v)", publish.Err(), cf))
			}
			k := 0
			for k < len(inflight) && uint64(k)+confirmed < cf.Tag {
				k++
			}
			if k == 0 {
				continue
			}
			last := inflight[k-1]
			inflight = inflight[k:]
			confirmed = cf.Tag
			if unacked += k; unacked >= b.batch/4 || confirmed == uint64(b.n) {
				check(consume.Ack(last, true))
				unacked = 0
			}
		}
	}
	d := time.Since(start)
	waitDepth(u, "target", b.n)
	checkRepublished(u)
	rate := float64(b.n) / d.Seconds()
	fmt.Printf("  ceiling mover:   %d moved in %s = %.0f msg/s (package wire, confirms + mandatory, no work a message); broker CPU %.1fs, mover CPU %.1fs\n",
		b.n, d.Round(time.Millisecond), rate, (brokerCPU() - brokerBefore).Seconds(), (selfCPU() - selfBefore).Seconds())
	return rate
}

func dialWire(ctx context.Context, vhostURL string) *wire.Conn {
	u, err := url.Parse(vhostURL)
	check(err)
	nc, err := net.Dial("tcp", u.Host)
	check(err)
	pw, _ := u.User.Password()
	c, err := wire.Dial(ctx, nc, wire.Options{Username: u.User.Username(), Password: pw, Vhost: strings.TrimPrefix(u.Path, "/"), Name: "bench ceiling"})
	check(err)
	return c
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
