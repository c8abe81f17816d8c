package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.LoginChecker = (*Conn)(nil)

// Login says whom the server took the connection for (ACL WHOAMI; the
// configured user on a server before ACLs) and whether it authenticates
// clients at all: a connection of its own without credentials is let in
// (the default user needs no password) or told NOAUTH. Credentials given
// are always checked: wrong ones fail Dial (WRONGPASS).
func (c *Conn) Login(ctx context.Context) (sources.Login, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	l := sources.Login{User: c.dial.username}
	switch {
	case c.dial.password != "" && c.dial.username != "":
		l.Method = "username/password"
	case c.dial.password != "":
		l.Method = "password"
	}
	who, err := c.client.Do(ctx, "ACL", "WHOAMI").Text()
	switch {
	case err == nil:
		l.User = who
	case strings.Contains(strings.ToLower(err.Error()), "unknown"): // before ACLs (Redis 6)
	default:
		return l, c.explain(err)
	}
	if l.User == "" {
		l.User = "default"
	}
	required, err := c.authRequired(ctx)
	if err != nil {
		return l, err
	}
	l.Required = required
	// The server checks every AUTH of a user it is given; a password alone
	// is the default user's, which a server asking for none does not
	// check (the client takes its "no password configured" as a login).
	l.Verified = l.Method != "" && (required || c.dial.username != "")
	return l, nil
}

// authRequired opens a connection without credentials and pings: NOAUTH
// says the server authenticates every client.
func (c *Conn) authRequired(ctx context.Context) (bool, error) {
	anon := goredis.NewClient(&goredis.Options{Addr: c.dial.hostport, TLSConfig: c.dial.tls, Protocol: 2, DisableIdentity: true,
		DialTimeout: c.timeout, ReadTimeout: c.timeout, WriteTimeout: c.timeout, MaxRetries: -1, PoolSize: 1, ClientName: c.dial.clientName,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
	defer anon.Close()
	err := anon.Ping(ctx).Err()
	switch {
	case err == nil:
		return false, nil
	case strings.Contains(err.Error(), "NOAUTH"):
		return true, nil
	case errors.Is(err, context.DeadlineExceeded):
		return false, fmt.Errorf("redis %s: whether the server asks for a password: no answer within %s", c.addr, c.timeout)
	}
	return false, fmt.Errorf("redis %s: whether the server asks for a password: %w", c.addr, c.cause(err))
}
