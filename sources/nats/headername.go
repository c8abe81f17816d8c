package nats

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	natsgo "github.com/nats-io/nats.go"

	"github.com/mqscope/mqscope/sources"
)

// ErrUnpublishableHeader is wrapped by the error of a message that cannot
// be published as it is: a header name the NATS client refuses to encode
// (one a raw-protocol publisher wrote, with a control character, a space
// or a separator in it). The message is not sent; other messages can be.
var ErrUnpublishableHeader = errors.New("unpublishable header")

// headerNameForbidden are the printable characters the NATS client does
// not take in a header name (besides anything outside '!'..'~').
const headerNameForbidden = "\"()/,:;<=>?@[\\]{}"

// legalHeaderName reports a header name the NATS client publishes: the
// printable ASCII characters but the separators above, at least one.
func legalHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !headerNameByte(k[i]) {
			return false
		}
	}
	return true
}

// headerNameByte reports a byte a header name may hold (a switch: this
// runs for every byte of every header a redrive writes).
func headerNameByte(c byte) bool {
	if c < '!' || c > '~' {
		return false
	}
	switch c {
	case '"', '(', ')', '/', ',', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}':
		return false
	}
	return true
}

// headerRefusal says why msg cannot be published as it is (nil when it
// can): the first of its header names the client would refuse, quoted
// with its control characters escaped.
func headerRefusal(h natsgo.Header) error {
	var bad []string
	for k := range h {
		if !legalHeaderName(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("header name %s cannot be published to NATS (printable ASCII only, no spaces, none of %s): %w",
		strconv.QuoteToASCII(bad[0]), strconv.Quote(headerNameForbidden), ErrUnpublishableHeader)
}

// messageLevel reports a publish error the client returned for the
// message itself, before sending it (its headers cannot be encoded, it
// is too large, its subject is not one): that message is not written,
// and the connection is fine for the next one.
func messageLevel(err error) bool {
	return errors.Is(err, natsgo.ErrBadHeaderMsg) || errors.Is(err, natsgo.ErrMaxPayload) ||
		errors.Is(err, natsgo.ErrBadSubject) || errors.Is(err, natsgo.ErrInvalidMsg) || errors.Is(err, ErrUnpublishableHeader)
}

// CopyHeaders leaves out of a copy the headers whose names the NATS
// client cannot publish (legalHeaderName): no publish can carry them.
func (c *Conn) CopyHeaders(headers []sources.Header) ([]sources.Header, string) {
	var kept []sources.Header
	var left []string
	for _, h := range headers {
		if !legalHeaderName(h.Key) {
			left = append(left, strconv.Quote(h.Key))
			continue
		}
		kept = append(kept, h)
	}
	if len(left) == 0 {
		return headers, ""
	}
	return kept, "left out header " + strings.Join(left, ", ") + ": a NATS header name cannot hold a control character, a space or a separator (" + headerNameForbidden + "), so no publish can carry it"
}

// CopyTarget is where a copy of m lands where m is: m's stream, and as
// RoutingKey the subject m was stored under (its "subject" property), not
// the stream's first subject.
func (c *Conn) CopyTarget(m *sources.Message) (sources.Target, bool) {
	t := sources.Target{Stream: m.Stream}
	for _, p := range m.Properties {
		if p.Name == "subject" {
			t.RoutingKey = p.Value
		}
	}
	return t, false
}
