package rabbitmq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrAuth is returned (wrapped) when the broker refuses the credentials.
var ErrAuth = errors.New("authentication failed")

// Management is a small client of the RabbitMQ management HTTP API: the
// topology (vhosts, queues, exchanges, bindings) and counts AMQP cannot list.
type Management struct {
	base       *url.URL
	user, pass string
	http       *http.Client
}

// NewManagement returns a client for the API at rawURL (http://host:15672).
// Credentials come from the URL's user info, else from user and pass.
func NewManagement(rawURL, user, pass string) (*Management, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("management URL %q: want http(s)://host:port", rawURL)
	}
	if u.User != nil {
		user = u.User.Username()
		if p, ok := u.User.Password(); ok {
			pass = p
		}
		u.User = nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone() // its own, so Close frees only ours
	return &Management{base: u, user: user, pass: pass, http: &http.Client{Timeout: 10 * time.Second, Transport: transport}}, nil
}

// Close releases idle HTTP connections.
func (m *Management) Close() { m.http.CloseIdleConnections() }

// URL is the API's address without credentials.
func (m *Management) URL() string { return m.base.String() }

// do sends one request to /api/<path> and decodes a JSON answer into out.
func (m *Management) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("management %s %s: %w", method, path, err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base.String()+"/api/"+path, rd)
	if err != nil {
		return fmt.Errorf("management %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(m.user, m.pass)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return fmt.Errorf("management API at %s: %w", m.base.Host, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("management API at %s: user %q: %w", m.base.Host, m.user, ErrAuth)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("management API at %s: %s: %w", m.base.Host, path, errNotFound)
	case resp.StatusCode >= 300:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("management API at %s: %s %s: %s: %s", m.base.Host, method, path, resp.Status, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("management API at %s: %s: bad answer: %w", m.base.Host, path, err)
	}
	return nil
}

var errNotFound = errors.New("not found")

// Overview is the server's identity.
type Overview struct {
	ManagementVersion string `json:"management_version"`
	RabbitMQVersion   string `json:"rabbitmq_version"`
	ClusterName       string `json:"cluster_name"`
}

// Overview checks the API answers and the credentials work.
func (m *Management) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	return o, m.do(ctx, http.MethodGet, "overview", nil, &o)
}

// rate is a management API rate object.
type rate struct {
	Rate float64 `json:"rate"`
}

// Queue is a queue as the management API describes it.
type Queue struct {
	Name       string         `json:"name"`
	Vhost      string         `json:"vhost"`
	Type       string         `json:"type"`
	Durable    bool           `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Exclusive  bool           `json:"exclusive"`
	Arguments  map[string]any `json:"arguments"`
	// Policy and OperatorPolicy name the policies that apply; EffectivePolicy
	// is their definitions as the broker merged them.
	Policy          string         `json:"policy"`
	OperatorPolicy  string         `json:"operator_policy"`
	EffectivePolicy map[string]any `json:"effective_policy_definition"`
	Messages        int64          `json:"messages"`
	Ready           int64          `json:"messages_ready"`
	Unacked         int64          `json:"messages_unacknowledged"`
	Consumers       int64          `json:"consumers"`
	// State is running, idle, flow, down... ("" from servers that leave it out).
	State        string `json:"state"`
	MessageStats struct {
		Publish        int64 `json:"publish"`
		PublishDetails rate  `json:"publish_details"`
		DeliverGet     int64 `json:"deliver_get"`
		DeliverDetails rate  `json:"deliver_get_details"`
	} `json:"message_stats"`
}

// Exchange is an exchange as the management API describes it.
type Exchange struct {
	Name         string         `json:"name"`
	Vhost        string         `json:"vhost"`
	Type         string         `json:"type"`
	Durable      bool           `json:"durable"`
	AutoDelete   bool           `json:"auto_delete"`
	Internal     bool           `json:"internal"`
	Arguments    map[string]any `json:"arguments"`
	MessageStats struct {
		PublishIn        int64 `json:"publish_in"`
		PublishInDetails rate  `json:"publish_in_details"`
	} `json:"message_stats"`
}

// Binding routes from an exchange to a queue or exchange.
type Binding struct {
	Source          string         `json:"source"`
	Vhost           string         `json:"vhost"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
}

func vhostPath(vhost string) string { return url.PathEscape(vhost) }

// Queues lists a vhost's queues.
func (m *Management) Queues(ctx context.Context, vhost string) ([]Queue, error) {
	var qs []Queue
	err := m.do(ctx, http.MethodGet, "queues/"+vhostPath(vhost), nil, &qs)
	if errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("vhost %q does not exist", vhost)
	}
	return qs, err
}

// Queue describes one queue.
func (m *Management) Queue(ctx context.Context, vhost, name string) (Queue, error) {
	var q Queue
	err := m.do(ctx, http.MethodGet, "queues/"+vhostPath(vhost)+"/"+url.PathEscape(name), nil, &q)
	return q, err
}

// Exchanges lists a vhost's exchanges.
func (m *Management) Exchanges(ctx context.Context, vhost string) ([]Exchange, error) {
	var es []Exchange
	return es, m.do(ctx, http.MethodGet, "exchanges/"+vhostPath(vhost), nil, &es)
}

// Bindings lists a vhost's bindings.
func (m *Management) Bindings(ctx context.Context, vhost string) ([]Binding, error) {
	var bs []Binding
	return bs, m.do(ctx, http.MethodGet, "bindings/"+vhostPath(vhost), nil, &bs)
}

// Vhosts lists the vhosts the user can see.
func (m *Management) Vhosts(ctx context.Context) ([]string, error) {
	var vs []struct {
		Name string `json:"name"`
	}
	if err := m.do(ctx, http.MethodGet, "vhosts", nil, &vs); err != nil {
		return nil, err
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Name
	}
	return out, nil
}

// CreateVhost creates a vhost and gives user full permissions on it.
func (m *Management) CreateVhost(ctx context.Context, vhost, user string) error {
	if err := m.do(ctx, http.MethodPut, "vhosts/"+vhostPath(vhost), map[string]any{}, nil); err != nil {
		return fmt.Errorf("create vhost %q: %w", vhost, err)
	}
	perm := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	if err := m.do(ctx, http.MethodPut, "permissions/"+vhostPath(vhost)+"/"+url.PathEscape(user), perm, nil); err != nil {
		return fmt.Errorf("permissions on vhost %q: %w", vhost, err)
	}
	return nil
}

// DeleteVhost deletes a vhost and everything in it.
func (m *Management) DeleteVhost(ctx context.Context, vhost string) error {
	err := m.do(ctx, http.MethodDelete, "vhosts/"+vhostPath(vhost), nil, nil)
	if err != nil && !errors.Is(err, errNotFound) {
		return fmt.Errorf("delete vhost %q: %w", vhost, err)
	}
	return nil
}

// PutParameter sets a runtime parameter (a dynamic shovel, say).
func (m *Management) PutParameter(ctx context.Context, component, vhost, name string, value any) error {
	body := map[string]any{"value": value}
	if err := m.do(ctx, http.MethodPut, "parameters/"+url.PathEscape(component)+"/"+vhostPath(vhost)+"/"+url.PathEscape(name), body, nil); err != nil {
		return fmt.Errorf("set parameter %s/%s: %w", component, name, err)
	}
	return nil
}

// Connection is a client connection as the management API lists it.
type Connection struct {
	Name             string `json:"name"`
	Vhost            string `json:"vhost"`
	User             string `json:"user"`
	ClientProperties struct {
		ConnectionName string `json:"connection_name"`
	} `json:"client_properties"`
}

// Connections lists the client connections.
func (m *Management) Connections(ctx context.Context) ([]Connection, error) {
	var cs []Connection
	return cs, m.do(ctx, http.MethodGet, "connections", nil, &cs)
}

// CloseConnection closes a client connection by name (a fault for tests).
func (m *Management) CloseConnection(ctx context.Context, name string) error {
	return m.do(ctx, http.MethodDelete, "connections/"+url.PathEscape(name), nil, nil)
}
