package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestSecretsNeverReachTheLog: known secrets, URL passwords and secret
// attributes are hidden in messages, attributes, errors, groups and
// attributes added with With; the rest is kept.
func TestSecretsNeverReachTheLog(t *testing.T) {
	var buf bytes.Buffer
	r := &Redactor{}
	r.Add("hunter2-pw")
	r.Add("ab") // too short to hide everywhere: not replaced in text
	log := New(&buf, r).With("url", "amqp://mq:url-pw-1@rabbit:5672/prod")
	log.Info("dial with hunter2-pw", "connection", "prod", "err", errors.New("auth failed for amqps://u:p@ss-word@h/ with hunter2-pw"),
		slog.Group("sasl", "password", "plain-pw", "user", "mq"), "token", "tok-123", "n", 3)
	out := buf.String()
	for _, secret := range []string{"hunter2-pw", "url-pw-1", "p@ss-word", "plain-pw", "tok-123"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q in the log: %s", secret, out)
		}
	}
	for _, kept := range []string{`"connection":"prod"`, `"user":"mq"`, `"n":3`, "amqp://mq:xxxxx@rabbit:5672/prod", "auth failed for amqps://u:xxxxx@h/", `"msg":"dial with xxxxx"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("%s missing: %s", kept, out)
		}
	}
}
