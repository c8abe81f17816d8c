package kafka_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources/kafka"
)

// TestDialSaysAPortIsNoKafka: a port that answers as HTTP is said to be
// no Kafka broker, not a bare "context deadline exceeded".
func TestDialSaysAPortIsNoKafka(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer web.Close() // closes the connection the client still waits on
	addr := strings.TrimPrefix(web.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := kafka.Dial(ctx, kafka.Options{Brokers: []string{addr}})
	if err == nil {
		c.Close()
		t.Fatal("a connection")
	}
	if want := addr + " accepted the connection but did not answer as Kafka: it answered as HTTP"; !strings.Contains(err.Error(), want) {
		t.Fatalf("%v", err)
	}
}
