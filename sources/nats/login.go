package nats

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"

	"github.com/nats-io/nkeys"

	"github.com/mqscope/mqscope/sources"
)

// Login is what the server made of the credentials when the connection
// was made: whether it asks clients to authenticate (its INFO's
// auth_required) and the identity it accepted. A server that authenticates
// no one lets any credentials in unchecked; one that does refuses wrong
// ones at Dial.
func (c *Conn) Login(context.Context) (sources.Login, error) { return c.login, nil }

// loginOf is the Login of a connection made with o to a server that
// requires authentication or not.
func loginOf(o Options, required bool) sources.Login {
	l := sources.Login{Required: required}
	switch {
	case o.Username != "" || o.Password != "":
		l.Method, l.User = "user/password", o.Username
	case o.Token != "":
		l.Method = "token"
	case o.NkeySeedFile != "":
		l.Method, l.User = "nkey", nkeyUser(o.NkeySeedFile)
	case o.CredsFile != "":
		l.Method, l.User = "creds file", credsUser(o.CredsFile)
	}
	l.Verified = required && l.Method != ""
	if !required {
		l.User = ""
	}
	return l
}

// nkeyUser is the public key of the seed in file ("" when it cannot be
// read: the connection was made with it, so this is only for people).
func nkeyUser(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	kp, err := nkeys.ParseDecoratedNKey(data)
	if err != nil {
		return ""
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return ""
	}
	return pub
}

// credsUser is the name (else the subject, the user's public key) of the
// user JWT in a .creds file ("" when it cannot be read).
func credsUser(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	token, err := nkeys.ParseDecoratedJWT(data)
	if err != nil {
		return ""
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Name    string `json:"name"`
		Subject string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	if claims.Name != "" && claims.Name != claims.Subject {
		return claims.Name + " (" + claims.Subject + ")"
	}
	return claims.Subject
}
