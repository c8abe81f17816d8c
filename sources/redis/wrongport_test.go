package redis_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources/redis"
)

// hostOf is a test URL's host:port, without scheme, credentials or path.
func hostOf(env, fallback string) string {
	u := os.Getenv(env)
	if u == "" {
		return fallback
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

// TestDialSaysWhatAWrongPortSpeaks: a Redis URL at a NATS server, a
// RabbitMQ's AMQP port or an HTTP port says which in one line, with none
// of the reply quoted; the Redis itself still opens.
func TestDialSaysWhatAWrongPortSpeaks(t *testing.T) {
	nats := hostOf("MQSCOPE_TEST_NATS", "127.0.0.1:4222")
	amqp := hostOf("MQSCOPE_TEST_RABBITMQ", "127.0.0.1:5672")
	web := hostOf("MQSCOPE_TEST_RABBITMQ_API", "127.0.0.1:15672")
	for _, c := range []struct{ addr, want string }{
		{nats, "redis " + nats + "/0: " + nats + " speaks NATS, not Redis: is the URL meant for --nats?"},
		{amqp, amqp + " speaks AMQP (RabbitMQ), not Redis: is the URL meant for --rabbitmq?"},
		{web, web + " speaks HTTP, not Redis: is it a web port"},
	} {
		conn, err := redis.Dial(context.Background(), redis.Options{URL: "redis://" + c.addr})
		if err == nil {
			conn.Close()
			t.Fatalf("%s: a connection", c.addr)
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "INFO {") || strings.Contains(msg, "\n") || len(msg) > 200 {
			t.Errorf("%s: %q, want it to say %q", c.addr, msg, c.want)
		}
	}
	e := newEnv(t, redis.Options{})
	if err := e.conn.Client().Ping(e.ctx).Err(); err != nil {
		t.Fatalf("the Redis: %v", err)
	}
}
