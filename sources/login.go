package sources

import "context"

// Login is what a server made of a connection's credentials, as a
// connector can tell it (config check says it for people).
type Login struct {
	// Required says the server authenticates every client; false: it
	// lets anyone in, so whatever credentials were configured were not
	// checked.
	Required bool
	// User is whom the server took the connection for: the user it
	// names (Redis ACL WHOAMI), else the configured identity the server
	// accepted (a NATS user, nkey or creds user); "" when neither tells.
	User string
	// Method is how the connection authenticates, in a few words
	// ("user/password", "token", "nkey", "creds file"); "" for none.
	Method string
	// Verified says the server checked the credentials of Method and
	// accepted them (a server that authenticates no one may let any in
	// unchecked: NATS without authorization).
	Verified bool
}

// LoginChecker is a connection that says whom its server took it for.
type LoginChecker interface {
	// Login asks the server (or reads what it said at connect) whom it
	// took the connection for.
	Login(ctx context.Context) (Login, error)
}
