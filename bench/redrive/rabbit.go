package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// rabbitBench moves n dead letters back to their origin on the local
// RabbitMQ, each mover in a vhost of its own filled the same way.
type rabbitBench struct {
	m         *rabbitmq.Management
	amqpURL   string
	api       string
	n, size   int
	batch     int
	queueType string
	profile   func() func()
	prefix    string // of this run's vhosts
	round     int
}

// vhost is the name of this run's vhost for a mover in the current round.
func (b rabbitBench) vhost(mover string) string {
	return fmt.Sprintf("%s-%s-%d", b.prefix, mover, b.round)
}

// mqscope runs replay.RedriveStreamed as `mqscope redrive` does, with a
// journal and an audit log, and returns its rate.
func (b rabbitBench) mqscope(ctx context.Context) float64 {
	vhost := b.vhost("mqscope")
	mq := b.fill(ctx, vhost)
	defer dropVhost(vhost)
	conn, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: mq, ManagementURL: b.api})
	check(err)
	defer conn.Close()
	plan, err := replay.NewPlan("dlq", nil, replay.Options{})
	check(err)
	journal, audit, closeState := openState(plan.ID)
	defer closeState()
	brokerBefore, selfBefore := brokerCPU(), selfCPU()
	stop := b.profile()
	start := time.Now()
	res, err := replay.RedriveStreamed(ctx, conn, plan, true, replay.RunOptions{Batch: b.batch, Journal: journal, Audit: audit})
	check(err)
	d := time.Since(start)
	stop()
	if res.Done != b.n {
		check(fmt.Errorf("mqscope moved %d of %d (stopped: %s)", res.Done, b.n, res.Stop))
	}
	waitDepth(mq, "target", b.n)
	rate := float64(res.Done) / d.Seconds()
	fmt.Printf("  mqscope redrive: %d moved in %s = %.0f msg/s (confirms + mandatory, journal fsynced before the ack, audit line each); broker CPU %.1fs, mqscope CPU %.1fs\n",
		res.Done, d.Round(time.Millisecond), rate, (brokerCPU() - brokerBefore).Seconds(), (selfCPU() - selfBefore).Seconds())
	return rate
}

// shovel moves the DLQ with a dynamic Shovel (ack-mode on-confirm) and
// returns its rate.
func (b rabbitBench) shovel(ctx context.Context) float64 {
	vhost := b.vhost("shovel")
	sh := b.fill(ctx, vhost)
	defer dropVhost(vhost)
	brokerBefore := brokerCPU()
	start := time.Now()
	uri := "amqp:///" + url.PathEscape(vhost)
	check(b.m.PutParameter(ctx, "shovel", vhost, "bench-move", map[string]any{
		"src-protocol": "amqp091", "src-uri": uri, "src-queue": "dlq", "src-delete-after": "queue-length",
		"dest-protocol": "amqp091", "dest-uri": uri, "dest-exchange": "bench", "dest-exchange-key": "job",
		"ack-mode": "on-confirm",
	}))
	waitDepth(sh, "target", b.n)
	d := time.Since(start)
	rate := float64(b.n) / d.Seconds()
	fmt.Printf("  shovel move:     %d moved in %s = %.0f msg/s (ack-mode on-confirm); broker CPU %.1fs (the shovel runs inside it)\n",
		b.n, d.Round(time.Millisecond), rate, (brokerCPU() - brokerBefore).Seconds())
	return rate
}

// bareMover is the reference the issue speaks of: amqp091-go consuming and
// publishing with confirms and mandatory, acking after the confirms, with
// nothing else (no plan, fingerprints, journal or audit), and its rate.
func (b rabbitBench) bareMover(ctx context.Context) float64 {
	vhost := b.vhost("bare")
	u := b.fill(ctx, vhost)
	defer dropVhost(vhost)
	brokerBefore, selfBefore := brokerCPU(), selfCPU()
	start := time.Now()
	cc, err := amqp.Dial(u)
	check(err)
	defer cc.Close()
	pc, err := amqp.Dial(u)
	check(err)
	defer pc.Close()
	consume, err := cc.Channel()
	check(err)
	publish, err := pc.Channel()
	check(err)
	check(publish.Confirm(false))
	confirms := publish.NotifyPublish(make(chan amqp.Confirmation, 2*b.batch))
	check(consume.Qos(4*b.batch, 0, false))
	deliveries, err := consume.Consume("dlq", "", false, false, false, false, nil)
	check(err)
	var inflight []amqp.Delivery
	taken, done, unacked := 0, 0, 0
	for done < b.n {
		in := deliveries
		if len(inflight) >= 2*b.batch || taken >= b.n {
			in = nil
		}
		select {
		case d := <-in:
			taken++
			h := amqp.Table{}
			for k, v := range d.Headers {
				h[k] = v
			}
			h[replay.HeaderID] = "bare"
			check(publish.PublishWithContext(ctx, "bench", "job", true, false, amqp.Publishing{Headers: h, Body: d.Body, DeliveryMode: d.DeliveryMode, MessageId: d.MessageId}))
			inflight = append(inflight, d)
		case cf := <-confirms:
			if !cf.Ack {
				check(fmt.Errorf("bare mover: nack"))
			}
			last := inflight[0]
			inflight = inflight[1:]
			done++
			if unacked++; unacked >= b.batch/4 || done == b.n {
				check(last.Ack(true))
				unacked = 0
			}
		}
	}
	d := time.Since(start)
	waitDepth(u, "target", b.n)
	rate := float64(b.n) / d.Seconds()
	fmt.Printf("  bare mover:      %d moved in %s = %.0f msg/s (amqp091-go, confirms + mandatory, nothing else); broker CPU %.1fs, mover CPU %.1fs\n",
		b.n, d.Round(time.Millisecond), rate, (brokerCPU() - brokerBefore).Seconds(), (selfCPU() - selfBefore).Seconds())
	return rate
}

// fill makes a vhost whose queue "dlq" holds n real dead letters of
// exchange "bench" (key "job"), and a queue "target" bound where they go
// back, and returns its URL.
func (b rabbitBench) fill(ctx context.Context, vhost string) string {
	madeVhost(vhost)
	check(b.m.CreateVhost(ctx, vhost, "guest"))
	u, _ := url.Parse(b.amqpURL)
	u.Path = "/" + vhost
	c, err := amqp.Dial(u.String())
	check(err)
	defer c.Close()
	ch, err := c.Channel()
	check(err)
	var args amqp.Table
	if b.queueType != "classic" {
		args = amqp.Table{"x-queue-type": b.queueType}
	}
	check(ch.ExchangeDeclare("bench", "direct", true, false, false, false, nil))
	_, err = ch.QueueDeclare("work", true, false, false, false, amqp.Table{"x-message-ttl": int32(0), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq"})
	check(err)
	_, err = ch.QueueDeclare("dlq", true, false, false, false, args)
	check(err)
	_, err = ch.QueueDeclare("target", true, false, false, false, args)
	check(err)
	check(ch.QueueBind("work", "job", "bench", false, nil))
	check(ch.Confirm(false))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 1000))
	body := make([]byte, b.size)
	for i := 0; i < b.n; i += 1000 {
		k := min(1000, b.n-i)
		for j := 0; j < k; j++ {
			binary.BigEndian.PutUint64(body, uint64(i+j))
			check(ch.PublishWithContext(ctx, "bench", "job", false, false, amqp.Publishing{Body: body, DeliveryMode: amqp.Persistent, MessageId: fmt.Sprint(i + j)}))
		}
		for j := 0; j < k; j++ {
			<-confirms
		}
	}
	waitDepth(u.String(), "dlq", b.n)
	check(ch.QueueUnbind("work", "job", "bench", nil))
	check(ch.QueueBind("target", "job", "bench", false, nil))
	return u.String()
}

// openState opens a journal and an audit log in a temporary directory, as
// `mqscope redrive` keeps them, and returns what removes them.
func openState(id string) (*replay.Journal, *replay.Audit, func()) {
	state, err := os.MkdirTemp("", "mqscope-bench-")
	check(err)
	journal, err := replay.OpenJournal(state, id)
	check(err)
	audit, err := replay.OpenAudit(filepath.Join(state, "audit.jsonl"))
	check(err)
	return journal, audit, func() {
		_ = journal.Close()
		_ = audit.Close()
		_ = os.RemoveAll(state)
	}
}

// median of the rates.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
