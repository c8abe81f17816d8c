// Package sqs is mqscope's Amazon SQS connector (aws-sdk-go-v2): queues
// with their counts and redrive policies, a peek that releases what it
// received at once, and what the replay package needs to redrive a DLQ.
package sqs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/mqscope/mqscope/sources"
)

// Kinds of SQS streams.
const (
	KindStandard = "sqs"
	KindFIFO     = "sqs-fifo"
)

// Options say which SQS to talk to.
type Options struct {
	// Name is the connection's display name; it defaults to the region
	// (and the endpoint, when one is given).
	Name string
	// Region is the AWS region; empty takes it from the environment or
	// the profile.
	Region string
	// Profile is a shared-config profile; empty means the default chain.
	Profile string
	// Endpoint overrides the service URL (an emulator: goaws, LocalStack).
	Endpoint string
	// Timeout bounds connecting; it defaults to 10s.
	Timeout time.Duration
	// AccessKey and SecretKey, when set, are used instead of the chain
	// (the demo's emulator).
	AccessKey, SecretKey string
	// Configured says the connection is the config's entry Name: a
	// command line reaches it with -c Name (Reach), else with --sqs and
	// its region, profile and endpoint flags.
	Configured bool
}

// Conn is an open SQS connection: sources.Conn, Lister and Reader.
type Conn struct {
	name     string
	reach    sources.Reach // how a command line opens it again
	region   string
	endpoint string
	client   *sqs.Client

	mu        sync.Mutex
	urls      map[string]string   // queue name -> URL, from the last listing
	sourcesOf map[string][]string // DLQ name -> the queues it serves, from the last listing
}

// reachOf is -c NAME for a connection of the config, else --sqs with
// the --region, --profile and --sqs-endpoint it was given; the
// credentials come from the environment's chain either way.
func reachOf(o Options, name string) sources.Reach {
	if o.Configured {
		return sources.Reach{Flags: []string{"-c", name}}
	}
	flags := []string{"--sqs"}
	for _, f := range [][2]string{{"--region", o.Region}, {"--profile", o.Profile}, {"--sqs-endpoint", o.Endpoint}} {
		if f[1] != "" {
			flags = append(flags, f[0], f[1])
		}
	}
	return sources.Reach{Flags: flags, Credentials: true}
}

// Reach is the flags that open the connection again.
func (c *Conn) Reach() sources.Reach { return c.reach }

var (
	_ sources.Reacher = (*Conn)(nil)
	_ sources.Conn    = (*Conn)(nil)
	_ sources.Lister  = (*Conn)(nil)
	_ sources.Reader  = (*Conn)(nil)
)

// Dial loads the credential chain (environment, shared config and
// profiles, SSO, instance roles), and checks that SQS answers.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var opts []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, awsconfig.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(o.Profile))
	}
	opts = append(opts, awsconfig.WithRetryMaxAttempts(2), awsconfig.WithLogger(logging.Nop{})) // never a line on the terminal the TUI draws on
	if o.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqs: load the AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("sqs: no region: pass --region, set AWS_REGION, or name a profile that has one")
	}
	if o.Endpoint != "" {
		if u, err := url.Parse(o.Endpoint); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("sqs: endpoint %q: want http(s)://host:port", o.Endpoint)
		}
	}
	client := sqs.NewFromConfig(cfg, func(so *sqs.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	c := &Conn{name: o.Name, region: cfg.Region, endpoint: o.Endpoint, client: client, urls: map[string]string{}}
	c.reach = reachOf(o, c.name)
	if c.name == "" {
		c.name = "sqs " + cfg.Region
		if o.Endpoint != "" {
			c.name = "sqs " + strings.TrimPrefix(strings.TrimPrefix(o.Endpoint, "http://"), "https://")
		}
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := client.ListQueues(pctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)}); err != nil {
		return nil, c.explain(err)
	}
	return c, nil
}

// explain turns SDK errors into what a user can act on; it never shows
// credentials.
func (c *Conn) explain(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AccessDenied", "AccessDeniedException", "ExpiredToken":
			return fmt.Errorf("sqs %s: the credentials were refused (%s): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile, or its SSO login", c.where(), ae.ErrorCode())
		case "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist":
			return fmt.Errorf("sqs %s: %s: %w", c.where(), ae.ErrorMessage(), sources.ErrUnknownStream)
		}
		return fmt.Errorf("sqs %s: %s: %s", c.where(), ae.ErrorCode(), ae.ErrorMessage())
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host") {
		return fmt.Errorf("sqs %s: unreachable: %w", c.where(), err)
	}
	if strings.Contains(err.Error(), "get credentials") || strings.Contains(err.Error(), "failed to refresh cached credentials") {
		return fmt.Errorf("sqs %s: no AWS credentials found (environment, shared config, --profile): %w", c.where(), err)
	}
	return fmt.Errorf("sqs %s: %w", c.where(), err)
}

func (c *Conn) where() string {
	if c.endpoint != "" {
		return c.endpoint
	}
	return c.region
}

// Name is the connection's display name.
func (c *Conn) Name() string { return c.name }

// Kind is "sqs".
func (c *Conn) Kind() string { return "sqs" }

// Address is the region or the endpoint.
func (c *Conn) Address() string { return c.where() }

// Close releases nothing: the SDK keeps its HTTP connections pooled.
func (c *Conn) Close() error { return nil }

// Client is the SQS client, for the replay package.
func (c *Conn) Client() *sqs.Client { return c.client }

// QueueURL finds a queue's URL by name.
func (c *Conn) QueueURL(ctx context.Context, name string) (string, error) {
	c.mu.Lock()
	u, ok := c.urls[name]
	c.mu.Unlock()
	if ok {
		return u, nil
	}
	out, err := c.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (strings.Contains(ae.ErrorCode(), "NonExistentQueue") || ae.ErrorCode() == "QueueDoesNotExist" || ae.ErrorCode() == "InvalidParameterValue") {
			return "", fmt.Errorf("queue %q on %s: %w", name, c.where(), sources.ErrUnknownStream)
		}
		return "", c.explain(err)
	}
	c.mu.Lock()
	c.urls[name] = aws.ToString(out.QueueUrl)
	c.mu.Unlock()
	return aws.ToString(out.QueueUrl), nil
}

// nameOf is the queue name at the end of a queue URL or ARN.
func nameOf(urlOrArn string) string {
	if i := strings.LastIndexAny(urlOrArn, "/:"); i >= 0 {
		return urlOrArn[i+1:]
	}
	return urlOrArn
}
