package cmd

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	mqnats "github.com/mqscope/mqscope/sources/nats"
	"github.com/mqscope/mqscope/sources/redis"
)

// demoTrickleEvery is how often the NATS and Redis demos add a live order.
const demoTrickleEvery = 2 * time.Second

// brokerDemos are the NATS and Redis demos a demo run seeded (--nats URL,
// --redis URL): their servers, names, and the trickles that keep their
// orders streams live.
type brokerDemos struct {
	natsURL, redisURL string
	nats              demo.NATSNames
	redis             demo.RedisNames
	stop              context.CancelFunc
	wg                sync.WaitGroup
}

// seedBrokerDemos seeds the NATS and Redis demos the flags ask for and
// starts their trickles (stopped by close).
func (e *env) seedBrokerDemos(ctx context.Context, seed uint64, orders []demo.OrderRef) (*brokerDemos, error) {
	b := &brokerDemos{natsURL: e.adHocOf(mqnats.Kind).value, redisURL: e.adHocOf(redis.Kind).value}
	var err error
	if b.natsURL != "" {
		fmt.Fprintf(e.stderr, "seeding the NATS demo (streams %s*)…\n", demo.DemoPrefix)
		if b.nats, err = demo.SeedNATS(ctx, demo.NATSOptions{URL: b.natsURL, Seed: seed, Orders: orders}); err != nil {
			return nil, err
		}
		fmt.Fprintf(e.stderr, "demo NATS ready on %s: streams %s and %s (its dead letters)\n", mqnats.RedactURL(b.natsURL), b.nats.Orders, b.nats.DeadLetters)
	}
	if b.redisURL != "" {
		fmt.Fprintf(e.stderr, "seeding the Redis demo (keys %s:*)…\n", demo.DemoPrefix)
		if b.redis, err = demo.SeedRedis(ctx, demo.RedisOptions{URL: b.redisURL, Seed: seed, Orders: orders}); err != nil {
			return nil, err
		}
		fmt.Fprintf(e.stderr, "demo Redis ready on %s: streams %s, %s and %s\n", redis.Redacted(b.redisURL), b.redis.Orders, b.redis.Payments, b.redis.PaymentsDLQ)
	}
	tctx, stop := context.WithCancel(ctx)
	b.stop = stop
	log := e.logger()
	trickle := func(what string, run func(context.Context) error) {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			if err := run(tctx); err != nil {
				log.Warn("demo trickle stopped", "broker", what, "err", err)
			}
		}()
	}
	if b.natsURL != "" {
		trickle("nats", func(ctx context.Context) error { return demo.TrickleNATS(ctx, b.natsURL, b.nats, demoTrickleEvery) })
	}
	if b.redisURL != "" {
		trickle("redis", func(ctx context.Context) error { return demo.TrickleRedis(ctx, b.redisURL, b.redis, demoTrickleEvery) })
	}
	return b, nil
}

// dial opens the demo connections: demo-nats (the whole server) and
// demo-redis (the demo's keys only).
func (b *brokerDemos) dial(ctx context.Context) ([]sources.Conn, error) {
	var conns []sources.Conn
	if b.natsURL != "" {
		c, err := mqnats.Dial(ctx, mqnats.Options{Name: "demo-nats", URL: b.natsURL})
		if err != nil {
			return nil, err
		}
		conns = append(conns, c)
	}
	if b.redisURL != "" {
		c, err := redis.Dial(ctx, redis.Options{Name: "demo-redis", URL: b.redisURL, Match: b.redis.Match})
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// close stops the trickles and waits for them.
func (b *brokerDemos) close() {
	b.stop()
	b.wg.Wait()
}
