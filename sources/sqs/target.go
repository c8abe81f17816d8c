package sqs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// CheckTarget refuses a name SQS does not allow (1 to 80 of a-z A-Z 0-9 -
// _, with .fifo at the end of a FIFO queue's) and a queue that does not
// exist.
func (c *Conn) CheckTarget(ctx context.Context, t sources.Target) error {
	if err := LegalQueueName(t.Stream); err != nil {
		return err
	}
	if _, err := c.QueueURL(ctx, t.Stream); err != nil {
		if errors.Is(err, sources.ErrUnknownStream) {
			return fmt.Errorf("queue %q does not exist on %s: %w", t.Stream, c.where(), sources.ErrBadTarget)
		}
		return fmt.Errorf("target queue %q: %w", t.Stream, err)
	}
	return nil
}

// LegalQueueName says why a name cannot be an SQS queue's (nil when it can).
func LegalQueueName(name string) error {
	base := strings.TrimSuffix(name, ".fifo")
	bad := len(base) == 0 || len(name) > 80
	for i := 0; i < len(base) && !bad; i++ {
		switch ch := base[i]; {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_':
		default:
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("%q is not a legal SQS queue name (1 to 80 of a-z A-Z 0-9 - _, .fifo at the end): %w", name, sources.ErrBadTarget)
	}
	return nil
}
