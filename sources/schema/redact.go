package schema

import (
	"net/url"
	"strings"

	"github.com/mqscope/mqscope/internal/logging"
)

// redactedURL is a registry URL as messages name it: a password in it
// replaced by xxxxx (user:xxxxx@host), as a password_env secret shows.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if at := strings.LastIndexByte(raw, '@'); at >= 0 {
			return logging.Hidden + raw[at:]
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), logging.Hidden)
	}
	return u.String()
}

// urlPassword is the password a registry URL holds ("" for none).
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// scrub hides the URL's password in text that quotes it (an HTTP
// client's error, a proxy's message).
func (r *Registry) scrub(text string) string {
	if r.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, r.secret, logging.Hidden)
}
