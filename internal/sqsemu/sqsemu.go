// Package sqsemu runs goaws's SQS (github.com/Admiral-Piett/goaws, its
// gosqs handlers) in this process, speaking the JSON protocol the AWS SDK v2
// uses. It serves goaws's SQS alone: goaws's router also links its SNS,
// whose init generates an RSA key and would slow every start of mqscope.
// goaws keeps global state: one emulator per process.
package sqsemu

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/interfaces"
	"github.com/Admiral-Piett/goaws/app/models"
	"github.com/sirupsen/logrus"
)

// actions are the SQS actions goaws implements.
var actions = map[string]func(*http.Request) (int, interfaces.AbstractResponseBody){
	"CreateQueue":             gosqs.CreateQueueV1,
	"ListQueues":              gosqs.ListQueuesV1,
	"GetQueueAttributes":      gosqs.GetQueueAttributesV1,
	"SetQueueAttributes":      gosqs.SetQueueAttributesV1,
	"SendMessage":             gosqs.SendMessageV1,
	"ReceiveMessage":          gosqs.ReceiveMessageV1,
	"ChangeMessageVisibility": gosqs.ChangeMessageVisibilityV1,
	"DeleteMessage":           gosqs.DeleteMessageV1,
	"GetQueueUrl":             gosqs.GetQueueUrlV1,
	"PurgeQueue":              gosqs.PurgeQueueV1,
	"DeleteQueue":             gosqs.DeleteQueueV1,
	"SendMessageBatch":        gosqs.SendMessageBatchV1,
	"DeleteMessageBatch":      gosqs.DeleteMessageBatchV1,
}

var (
	once sync.Once
	url  string
	err  error
)

// Start starts the emulator once for the process (on 127.0.0.1, a free
// port) and returns its endpoint.
func Start() (string, error) {
	once.Do(func() {
		logrus.SetOutput(discard{})
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			err = fmt.Errorf("sqs emulator: %w", lerr)
			return
		}
		host, port, _ := net.SplitHostPort(ln.Addr().String())
		models.CurrentEnvironment.Host, models.CurrentEnvironment.Port = host, port
		url = "http://" + ln.Addr().String()
		go func() { _ = http.Serve(ln, http.HandlerFunc(serve)) }()
		// goaws makes a message whose visibility timeout ran out visible
		// again only in its periodic task (as SQS does by itself): without
		// it, a peek killed before it released its messages would hide them
		// for good.
		go gosqs.PeriodicTasks(time.Second, make(chan bool))
	})
	return url, err
}

// serve answers one JSON-protocol request (X-Amz-Target: AmazonSQS.Action).
func serve(w http.ResponseWriter, req *http.Request) {
	target := req.Header.Get("X-Amz-Target")
	_, action, _ := strings.Cut(target, ".")
	fn, ok := actions[action]
	if !ok {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#UnsupportedOperation", "message": "the emulator has no " + action})
		return
	}
	status, body := fn(req)
	w.Header().Set("x-amzn-RequestId", body.GetRequestId())
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	if body.GetResult() != nil {
		_ = json.NewEncoder(w).Encode(body.GetResult())
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
