package testbroker

import "go.uber.org/goleak"

// ProcessWide are the goroutines that live as long as a test binary by
// design, for goleak to ignore: sarama's metrics ticker, kfake clusters a
// test left to its cleanup, and the in-process SQS (one per process, with
// its periodic task) with the AWS SDK's pooled connections to it.
func ProcessWide() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"),
		goleak.IgnoreAnyFunction("net/http.(*Server).Serve"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("github.com/Admiral-Piett/goaws/app/gosqs.PeriodicTasks"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	}
}
