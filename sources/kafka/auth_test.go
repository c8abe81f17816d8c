package kafka_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// TestSASLAndTLS: kfake with SCRAM-SHA-512 over mutual TLS; the right
// credentials list and read, a wrong password or a missing client
// certificate fail fast with a clear error.
func TestSASLAndTLS(t *testing.T) {
	serverTLS, files := testbroker.TLS(t, true)
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "secure"), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "mq", "right-pw"), kfake.TLS(serverTLS))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	clientTLS, err := (&config.TLS{CA: files.CA, Cert: files.ClientCert, Key: files.ClientKey}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dial := func(pw string, tlsOn bool) (*kafka.Conn, error) {
		o := kafka.Options{Brokers: []string{addr}, SASL: &kafka.SASL{Mechanism: "SCRAM-SHA-512", User: "mq", Password: pw}, DialTimeout: 2 * time.Second}
		if tlsOn {
			o.TLS = clientTLS
		}
		return kafka.Dial(ctx, o)
	}
	c, err := dial("right-pw", true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	streams, err := c.ListStreams(ctx)
	if err != nil || len(streams) != 1 || streams[0].Name != "secure" {
		t.Fatalf("list: %v %v", streams, err)
	}
	readsBack(t, c, "secure")
	start := time.Now()
	_, err = dial("wrong-pw", true)
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "wrong-pw") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := dial("right-pw", false); err == nil {
		t.Fatal("plain text to a TLS listener connected")
	}
	noCert, _ := (&config.TLS{CA: files.CA}).ClientConfig()
	o := kafka.Options{Brokers: []string{addr}, SASL: &kafka.SASL{Mechanism: "SCRAM-SHA-512", User: "mq", Password: "right-pw"}, TLS: noCert, DialTimeout: 2 * time.Second}
	if _, err := kafka.Dial(ctx, o); err == nil {
		t.Fatal("connected without the client certificate mutual TLS requires")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("failures took %v", d)
	}
}

// TestSASLPlainAndOAuthbearerConfig: the other mechanisms configure (PLAIN
// authenticates against kfake; OAUTHBEARER needs its token command).
func TestSASLPlain(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.EnableSASL(), kfake.Superuser("PLAIN", "u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: kf.ListenAddrs(), SASL: &kafka.SASL{Mechanism: "PLAIN", User: "u", Password: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	readsBack(t, c, "t")
	c.Close()
	if _, err := kafka.Dial(context.Background(), kafka.Options{Brokers: kf.ListenAddrs(), SASL: &kafka.SASL{Mechanism: "OAUTHBEARER"}}); err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("OAUTHBEARER without a token: %v", err)
	}
	// kfake does not offer OAUTHBEARER: the handshake fails with a clear
	// error (a broker that offers it gets the token command's token).
	tok := func(context.Context) (string, error) { return "tok-123", nil }
	_, err = kafka.Dial(context.Background(), kafka.Options{Brokers: kf.ListenAddrs(), DialTimeout: 2 * time.Second,
		SASL: &kafka.SASL{Mechanism: "OAUTHBEARER", Token: tok}})
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "tok-123") {
		t.Fatalf("OAUTHBEARER against a broker without it: %v", err)
	}
}

// readsBack writes 50 records to topic through c and reads them back with
// a bounded read, whose direct fetch authenticates on its own connection.
func readsBack(t *testing.T, c *kafka.Conn, topic string) {
	t.Helper()
	p, err := c.Producer()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 50; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprintf("v%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := c.Read(context.Background(), topic, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sources.Drain(context.Background(), sub, 0)
	if err != nil || len(got) != 50 || string(got[0].Value) != "v0" {
		t.Fatalf("read back %d of 50 records: %v", len(got), err)
	}
}
