package rabbitmq_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestReachKeepsUserNotPassword: a connection as a user other than guest
// is reached again by a URL that names that user and not the password,
// and says credentials are to be given.
func TestReachKeepsUserNotPassword(t *testing.T) {
	vhostURL, vhost, _ := testbroker.RabbitVhost(t)
	_, api := testbroker.RabbitURLs()
	user, pass := fmt.Sprintf("reach-user-%d", rand.IntN(1e6)), "s3cret-pw"
	apiCall := func(method, path, body string) {
		t.Helper()
		req, err := http.NewRequest(method, strings.TrimRight(api, "/")+path, strings.NewReader(body))
		testbroker.Must(t)(err)
		req.Header.Set("Content-Type", "application/json")
		req.Close = true // no idle connection left behind
		resp, err := http.DefaultClient.Do(req)
		testbroker.Must(t)(err)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
	}
	apiCall(http.MethodPut, "/api/users/"+user, `{"password":"`+pass+`","tags":""}`)
	t.Cleanup(func() { apiCall(http.MethodDelete, "/api/users/"+user, "") })
	apiCall(http.MethodPut, "/api/permissions/"+url.PathEscape(vhost)+"/"+user, `{"configure":".*","write":".*","read":".*"}`)
	u, err := url.Parse(vhostURL)
	testbroker.Must(t)(err)
	u.User = url.UserPassword(user, pass)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: u.String()})
	testbroker.Must(t)(err)
	defer conn.Close()
	r := conn.Reach()
	want := "amqp://" + user + "@" + strings.TrimSuffix(u.Host, ":5672") + "/" + vhost // amqp091 leaves out the default port
	if len(r.Flags) != 2 || r.Flags[0] != "--rabbitmq" || r.Flags[1] != want || !r.Credentials || strings.Contains(strings.Join(r.Flags, " "), pass) {
		t.Fatalf("reach %+v, want --rabbitmq %s without the password", r, want)
	}
}
