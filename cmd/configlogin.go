package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// loginCheckTimeout bounds one connection's login check (its connector's
// own timeouts are shorter).
const loginCheckTimeout = 20 * time.Second

// loginResult is one connection's login check.
type loginResult struct {
	name  string
	login sources.Login
	err   error
	// registryText, for a Schema Registry's check, replaces the login's
	// line.
	registryText string
}

// checkLogins opens, at once, every configured connection whose
// connector can say whom its server takes it for (Spec.ChecksLogin), with
// the configured credentials, and prints one line each: whom it was
// authenticated as, that the server asks for no credentials, or why it
// failed. It returns how many failed.
func (e *env) checkLogins(ctx context.Context, w io.Writer, cfg *config.Config) int {
	type check struct {
		name     string
		registry *config.SchemaRegistry // the connection's registry, not its broker
	}
	var checks []check
	for _, n := range cfg.Names() {
		if cfg.Connections[n].Spec.ChecksLogin {
			checks = append(checks, check{name: n})
		}
		if r := cfg.Connections[n].SchemaRegistry; r != nil {
			checks = append(checks, check{name: n, registry: r})
		}
	}
	if len(checks) == 0 {
		return 0
	}
	results := make([]loginResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.registry != nil {
				results[i] = e.checkRegistry(ctx, c.name, c.registry)
				return
			}
			results[i] = e.checkLogin(ctx, c.name, cfg.Connections[c.name].Spec)
		}()
	}
	wg.Wait()
	fmt.Fprintln(w, "\nLOGIN")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	failed := 0
	for _, r := range results {
		text := loginText(r.login)
		if r.registryText != "" {
			text = r.registryText
		}
		if r.err != nil {
			failed++
			text = "failed: " + e.secrets.Redact(r.err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\n", safetext.String(r.name), safetext.String(text))
	}
	_ = tw.Flush()
	return failed
}

// checkRegistry asks a connection's Schema Registry for its subjects
// with the configured credentials: its line says it answered, or why not.
func (e *env) checkRegistry(ctx context.Context, name string, r *config.SchemaRegistry) loginResult {
	out := loginResult{name: name + " (schema registry)"}
	rc, err := e.registryConfig(r)
	if err != nil {
		out.err = err
		return out
	}
	reg, err := schema.NewRegistry(*rc)
	if err != nil {
		out.err = err
		return out
	}
	if err := reg.Check(ctx); err != nil {
		out.err = err
		return out
	}
	out.registryText = "answered at " + reg.Host()
	if rc.Username != "" || rc.Password != "" || rc.Token != "" {
		out.registryText += " with the configured credentials"
	}
	return out
}

// checkLogin opens one connection, asks whom the server took it for and
// closes it.
func (e *env) checkLogin(ctx context.Context, name string, spec sources.Spec) loginResult {
	ctx, cancel := context.WithTimeout(ctx, loginCheckTimeout)
	defer cancel()
	conn, err := e.dial(ctx, dialer{name: name, spec: spec})
	if err != nil {
		return loginResult{name: name, err: err}
	}
	defer conn.Close()
	lc, ok := conn.(sources.LoginChecker)
	if !ok {
		return loginResult{name: name, err: fmt.Errorf("%s cannot say whom its server takes it for", conn.Kind())}
	}
	l, err := lc.Login(ctx)
	return loginResult{name: name, login: l, err: err}
}

// loginText says a login for people: "authenticated as alice
// (user/password)", or that the server asks for no credentials and so did
// not check the configured ones.
func loginText(l sources.Login) string {
	as := ""
	if l.User != "" {
		as = " as " + l.User
	}
	switch {
	case l.Verified && l.Required:
		return "authenticated" + as + " (" + l.Method + ")"
	case l.Verified:
		return "authenticated" + as + " (" + l.Method + "); the server also lets clients in without credentials"
	case l.Method != "":
		return "connected" + as + ": the server asks for no credentials, so the configured " + l.Method + " was not checked"
	case l.Required:
		return "connected" + as
	}
	return "connected" + as + ": the server asks for no credentials (none configured)"
}

// loginFailures is config check's error when logins failed.
func loginFailures(n int) error {
	return fmt.Errorf("%s failed the login check", strings.TrimSpace(counted(n, "connection")))
}
