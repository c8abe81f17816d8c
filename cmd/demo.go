package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/sources/sqs"
)

func newDemoCmd(e *env) *cobra.Command {
	var (
		port     int
		srPort   int
		dataDir  string
		headless bool
		seed     uint64
		big      int
		topics   int
		tparts   int
	)
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run an embedded Kafka seeded with a live order flow and dead letters, and open the TUI on it",
		Long: `demo starts an in-process Kafka (the real protocol, on 127.0.0.1) seeded with
orders, payments and shipments events, binary values, and dead-letter topics
with Spring (orders.DLT) and Kafka Connect (connect.dlq) provenance. A live
trickle keeps producing, some of it failing into the DLTs.

It also runs a Schema Registry (in-process, on 127.0.0.1) holding the
schemas of payments.avro (Avro, three versions of payments.avro-value),
shipments.proto (Protobuf, importing a referenced schema) and
payments.avro.DLT, whose dead letters are mostly of the newest version.
Their values are in the Confluent wire format.

Other tools can connect too: the bootstrap address and the registry's URL
are printed on start.

With --rabbitmq URL (a user that may create vhosts, such as guest on a local
server) it also builds a demo topology in the vhost "mqscope-demo" of that
RabbitMQ: a topic exchange, work queues dead-lettering into DLQs (classic and
quorum), a stream, and messages the broker dead-lettered for real (rejected,
past a delivery limit, expired). The vhost is recreated on each run.

With --topics N it also creates N topics of --topic-partitions partitions
each (10 by default; 10,000 topics make a cluster of 100,000 partitions),
named team.domain.entity.vN with a dead-letter topic for every 40th, and
writes a few records to each.

With --sqs it also runs an embedded SQS (goaws, in-process) with a queue
and its dead-letter queue (RedrivePolicy, two receives), notifications for
the latest orders, and eight of them failed into the DLQ.

With --nats URL (a server with JetStream) it also creates, on that server,
the stream mqscope-demo-orders (orders on mqscope-demo.orders.>, a new one
every two seconds while the demo runs) and mqscope-demo-dead-letters, which
captures the dead-letter advisories of its consumers: the durable consumer
fulfilment naks the orders it cannot parse until MaxDeliver and terminates
those of an unknown customer, so the server writes every advisory.

With --redis URL it also writes, on that server, the stream
mqscope-demo:orders (a new order every two seconds) read by the group
fulfilment, which leaves the orders it cannot parse pending past the
delivery limit (mqscope-demo:orders#pending:fulfilment), and
mqscope-demo:payments with its dead-letter stream mqscope-demo:payments:dlq,
whose entries carry their failure in x-original-topic and x-exception-*
fields. The connection shows only the mqscope-demo:* keys.

The NATS streams and the Redis keys are recreated on each run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if big < 0 || big > 50_000_000 {
				return fmt.Errorf("--big %d: want 0 to 50,000,000 records", big)
			}
			if topics < 0 || topics > 100_000 {
				return fmt.Errorf("--topics %d: want 0 to 100,000 topics", topics)
			}
			if tparts < 1 || tparts > 1000 {
				return fmt.Errorf("--topic-partitions %d: want 1 to 1,000 partitions", tparts)
			}
			if port < -1 || port > 65535 {
				return fmt.Errorf("--port %d: want 1-65535, or 0 for the default", port)
			}
			if srPort < 0 || srPort > 65535 {
				return fmt.Errorf("--schema-registry-port %d: want 1-65535, or 0 for a free port", srPort)
			}
			cl, err := demo.Start(cmd.Context(), demo.Options{Port: port, SchemaRegistryPort: srPort, DataDir: dataDir, Seed: seed, Big: big, Topics: topics, TopicPartitions: tparts, Logger: e.logger()})
			if err != nil {
				return err
			}
			defer cl.Close()
			if cl.PortFallback {
				fmt.Fprintf(e.stderr, "port %d is taken: using a free port\n", portOrDefault(port))
			}
			if cl.Reused {
				fmt.Fprintf(e.stderr, "reusing the demo data in %s\n", dataDir)
			}
			fmt.Fprintf(e.stderr, "demo Kafka on %s   (try: kcat -b %s -L)\n", cl.Addr(), cl.Addr())
			fmt.Fprintf(e.stderr, "demo Schema Registry on %s   (try: curl %s/subjects)\n", cl.SchemaRegistryURL(), cl.SchemaRegistryURL())
			dec, err := e.demoDecoder(cl)
			if err != nil {
				return err
			}
			var rabbitURL string
			rabbitFlags := e.adHocOf("rabbitmq")
			management := rabbitFlags.more().Get("management")
			if rabbitFlags.value != "" {
				fmt.Fprintf(e.stderr, "seeding the RabbitMQ demo in vhost %q…\n", demo.RabbitVhost)
				if rabbitURL, err = demo.SeedRabbit(cmd.Context(), demo.RabbitOptions{URL: rabbitFlags.value, ManagementURL: management, Seed: seed, Orders: cl.Orders}); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "demo RabbitMQ vhost ready: %s\n", rabbitmq.RedactURL(rabbitURL))
			}
			var sqsURL string
			if e.adHocOf("sqs").on {
				if sqsURL, err = demo.StartSQS(cmd.Context(), cl.Orders); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "demo SQS on %s   (queues %s, %s; any credentials)\n", sqsURL, demo.SQSQueue, demo.SQSDLQ)
			}
			brokers, err := e.seedBrokerDemos(cmd.Context(), seed, cl.Orders)
			if err != nil {
				return err
			}
			defer brokers.close()
			if headless {
				fmt.Fprintf(e.stderr, "decode its Avro and Protobuf topics from another mqscope with --schema-registry %s:\n  mqscope --kafka %s --schema-registry %s export %s\n",
					cl.SchemaRegistryURL(), cl.Addr(), cl.SchemaRegistryURL(), demo.TopicPaymentsAvro)
				fmt.Fprintln(e.stderr, "running headless: Ctrl-C stops the broker")
				<-cmd.Context().Done()
				return nil
			}
			dial := func(ctx context.Context) ([]sources.Conn, error) {
				conn, err := kafka.Dial(ctx, kafka.Options{Name: demoConn, Brokers: []string{cl.Addr()}})
				if err != nil {
					return nil, err
				}
				conns := []sources.Conn{conn}
				if rabbitURL != "" {
					rc, err := rabbitmq.Dial(ctx, rabbitmq.Options{Name: "demo-rabbitmq", URL: rabbitURL, ManagementURL: management})
					if err != nil {
						conn.Close()
						return nil, err
					}
					conns = append(conns, rc)
				}
				if sqsURL != "" {
					sc, err := sqs.Dial(ctx, sqs.Options{Name: "demo-sqs", Endpoint: sqsURL, Region: "us-east-1", AccessKey: demo.SQSCredentials, SecretKey: demo.SQSCredentials})
					if err != nil {
						closeAll(conns)
						return nil, err
					}
					conns = append(conns, sc)
				}
				more, err := brokers.dial(ctx)
				if err != nil {
					closeAll(conns)
					return nil, err
				}
				return append(conns, more...), nil
			}
			err = e.runTUI(cmd.Context(), "the demo on "+cl.Addr(), dial, map[string]*schema.Decoder{demoConn: dec})
			fmt.Fprintf(e.stderr, "demo Kafka on %s stopped\n", cl.Addr())
			return err
		},
	}
	c.Flags().IntVar(&port, "port", demo.DefaultPort, "port of the embedded broker on 127.0.0.1 (a free one is used when it is taken)")
	c.Flags().IntVar(&srPort, "schema-registry-port", 0, "port of the embedded Schema Registry on 127.0.0.1 (0: a free port)")
	c.Flags().StringVar(&dataDir, "data-dir", "", "keep the broker's data in this directory between runs")
	c.Flags().BoolVar(&headless, "headless", false, "run only the broker (for kcat, scripts or another mqscope)")
	c.Flags().Uint64Var(&seed, "seed", 1, "seed of the generated flow")
	c.Flags().IntVar(&big, "big", 0, "also fill the topic events.big with this many ~200-byte records (try 1000000: filters, search and scrolling at scale)")
	c.Flags().IntVar(&topics, "topics", 0, "also create this many topics (a few records each; try 10000: a cluster of 100,000 partitions)")
	c.Flags().IntVar(&tparts, "topic-partitions", demo.ManyTopicPartitions, "partitions of each of the --topics topics")
	return c
}

// demoConn names the demo's Kafka connection.
const demoConn = "demo"

// demoDecoder is the schema decoder of the demo's Kafka connection: the
// demo's Schema Registry, also for the commands the session runs on it.
func (e *env) demoDecoder(cl *demo.Cluster) (*schema.Decoder, error) {
	if e.registries == nil {
		e.registries = map[string]string{}
	}
	e.registries[demoConn] = cl.SchemaRegistryURL()
	delete(e.decoders, demoConn)
	return e.decoderFor(demoConn, "kafka")
}

func portOrDefault(p int) int {
	if p == 0 {
		return demo.DefaultPort
	}
	return p
}
