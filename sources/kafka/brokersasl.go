package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// saslMechanism is the mechanism of a sarama SASL configuration, for a
// connection of the read's own.
func saslMechanism(s *sarama.Config) (sasl.Mechanism, error) {
	c := s.Net.SASL
	switch c.Mechanism {
	case sarama.SASLTypePlaintext, "":
		return plain.Auth{User: c.User, Pass: c.Password}.AsMechanism(), nil
	case sarama.SASLTypeSCRAMSHA256:
		return scram.Auth{User: c.User, Pass: c.Password}.AsSha256Mechanism(), nil
	case sarama.SASLTypeSCRAMSHA512:
		return scram.Auth{User: c.User, Pass: c.Password}.AsSha512Mechanism(), nil
	case sarama.SASLTypeOAuth:
		if c.TokenProvider == nil {
			return nil, errors.New("OAUTHBEARER needs a token command")
		}
		return oauth.Oauth(func(context.Context) (oauth.Auth, error) {
			t, err := c.TokenProvider.Token()
			if err != nil {
				return oauth.Auth{}, err
			}
			return oauth.Auth{Token: t.Token, Extensions: t.Extensions}, nil
		}), nil
	}
	return nil, fmt.Errorf("SASL mechanism %q is not supported", c.Mechanism)
}

// authenticate runs the SASL handshake and exchange on a new connection
// (SaslHandshake v1, SaslAuthenticate v1); c.mu is held.
func (c *brokerConn) authenticate(ctx context.Context) error {
	mech, err := saslMechanism(c.cfg)
	if err != nil {
		return err
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Version, hs.Mechanism = 1, mech.Name()
	hsResp := hs.ResponseKind().(*kmsg.SASLHandshakeResponse)
	if err := c.roundTrip(hs, hsResp, 0); err != nil {
		return fmt.Errorf("SASL handshake: %w", err)
	}
	if err := kerr.ErrorForCode(hsResp.ErrorCode); err != nil {
		return fmt.Errorf("SASL %s: %w (the broker offers %v)", mech.Name(), err, hsResp.SupportedMechanisms)
	}
	host, _, _ := net.SplitHostPort(c.addr)
	session, write, err := mech.Authenticate(ctx, host)
	if err != nil {
		return fmt.Errorf("SASL %s: %w", mech.Name(), err)
	}
	started := time.Now()
	for done := false; !done; {
		req := kmsg.NewPtrSASLAuthenticateRequest()
		req.Version, req.SASLAuthBytes = 1, write
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		if err := c.roundTrip(req, resp, 0); err != nil {
			return fmt.Errorf("SASL %s: %w", mech.Name(), err)
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			if resp.ErrorMessage != nil {
				return fmt.Errorf("SASL %s: %w: %s", mech.Name(), err, *resp.ErrorMessage)
			}
			return fmt.Errorf("SASL %s: %w", mech.Name(), err)
		}
		if resp.SessionLifetimeMillis > 0 {
			c.expires = started.Add(time.Duration(resp.SessionLifetimeMillis) * time.Millisecond)
		}
		if done, write, err = session.Challenge(resp.SASLAuthBytes); err != nil {
			return fmt.Errorf("SASL %s: %w", mech.Name(), err)
		}
		if done && len(write) > 0 {
			done = false // one last message, whose answer ends the exchange
			session = finalSession{}
		}
	}
	return nil
}

// finalSession ends an exchange after the mechanism's last message.
type finalSession struct{}

// Challenge takes the broker's answer to the last message.
func (finalSession) Challenge([]byte) (bool, []byte, error) { return true, nil, nil }
