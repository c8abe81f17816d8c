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
)

// loginCheckTimeout bounds one connection's login check (its connector's
// own timeouts are shorter).
const loginCheckTimeout = 20 * time.Second

// loginResult is one connection's login check.
type loginResult struct {
	name  string
	login sources.Login
	err   error
}

// checkLogins opens, at once, every configured connection whose
// connector can say whom its server takes it for (Spec.ChecksLogin), with
// the configured credentials, and prints one line each: whom it was
// authenticated as, that the server asks for no credentials, or why it
// failed. It returns how many failed.
func (e *env) checkLogins(ctx context.Context, w io.Writer, cfg *config.Config) int {
	var names []string
	for _, n := range cfg.Names() {
		if cfg.Connections[n].Spec.ChecksLogin {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return 0
	}
	results := make([]loginResult, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.checkLogin(ctx, n, cfg.Connections[n].Spec)
		}()
	}
	wg.Wait()
	fmt.Fprintln(w, "\nLOGIN")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	failed := 0
	for _, r := range results {
		text := loginText(r.login)
		if r.err != nil {
			failed++
			text = "failed: " + e.secrets.Redact(r.err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\n", safetext.String(r.name), safetext.String(text))
	}
	_ = tw.Flush()
	return failed
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
