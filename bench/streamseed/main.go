// Command streamseed fills a NATS JetStream stream or a Redis stream with
// n JSON messages of about -size bytes, for bench/natsread.sh and
// bench/redisread.sh. With -delete it removes the stream instead.
//
//	streamseed -nats nats://127.0.0.1:4222 -stream NAME -n 1000000
//	streamseed -redis redis://127.0.0.1:6379 -stream KEY -n 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
)

func main() {
	natsURL := flag.String("nats", "", "NATS server URL (a JetStream stream NAME on subject NAME.msgs)")
	redisURL := flag.String("redis", "", "Redis URL (a stream key)")
	stream := flag.String("stream", "", "the stream's name (or key)")
	n := flag.Int("n", 1_000_000, "messages")
	size := flag.Int("size", 200, "bytes per message, about")
	del := flag.Bool("delete", false, "remove the stream")
	flag.Parse()
	if *stream == "" || (*natsURL == "") == (*redisURL == "") {
		fmt.Fprintln(os.Stderr, "streamseed: give -stream and one of -nats, -redis")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var err error
	switch {
	case *natsURL != "":
		err = seedNATS(ctx, *natsURL, *stream, *n, *size, *del)
	default:
		err = seedRedis(ctx, *redisURL, *stream, *n, *size, *del)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "streamseed:", err)
		os.Exit(1)
	}
}

// body is message i: JSON of about size bytes.
func body(i, size int) []byte {
	b := fmt.Appendf(nil, `{"id":%d,"type":"OrderCreated","customer":"c-%06d","amount":%d.%02d,"note":"`, i, i%100000, i%997, i%100)
	if pad := size - len(b) - 2; pad > 0 {
		b = append(b, strings.Repeat("x", pad)...)
	}
	return append(b, `"}`...)
}

func seedNATS(ctx context.Context, url, name string, n, size int, del bool) error {
	nc, err := natsgo.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return err
	}
	if del {
		if err := js.DeleteStream(ctx, name); err != nil && !strings.Contains(err.Error(), "not found") {
			return fmt.Errorf("delete stream %s: %w", name, err)
		}
		return nil
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".msgs"}, Storage: jetstream.FileStorage}); err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	subject := name + ".msgs"
	for i := range n {
		if _, err := js.PublishAsync(subject, body(i, size)); err != nil {
			return fmt.Errorf("publish %d: %w", i, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func seedRedis(ctx context.Context, url, key string, n, size int, del bool) error {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return err
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	if del {
		return c.Del(ctx, key).Err()
	}
	const batch = 1000
	for i := 0; i < n; i += batch {
		p := c.Pipeline()
		for j := i; j < min(i+batch, n); j++ {
			p.XAdd(ctx, &goredis.XAddArgs{Stream: key, Values: []any{"value", body(j, size)}})
		}
		if _, err := p.Exec(ctx); err != nil {
			return fmt.Errorf("xadd %d: %w", i, err)
		}
	}
	return nil
}
