package schema

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/internal/safetext"
)

// RegistryConfig says how to reach a Schema Registry (Confluent's REST
// API; Redpanda and Apicurio's compatible API too).
type RegistryConfig struct {
	// URL is the registry's base URL.
	URL string
	// Username and Password are for basic auth (both empty: none).
	Username, Password string
	// Token is a bearer token (empty: none).
	Token string
	// TLS is the TLS configuration for https (nil: the system's).
	TLS *tls.Config
	// Timeout bounds each request (default 5 s).
	Timeout time.Duration
	// RetryAfter is how long a failure for one schema id or subject
	// (unauthorised, unknown id) is remembered before the registry is
	// asked again for it (default 10 s); a failure that may mend soon (an
	// HTTP 5xx, no connection, no answer in time, an unreadable answer)
	// is asked again after downRetryAfter (2 s), or after RetryAfter when
	// that is shorter. Failures are remembered per id and per subject:
	// only a registry that is down (no connection, no answer in time,
	// HTTP 502, 503 or 504) pauses the asking for other ids, for as long.
	RetryAfter time.Duration
}

// Registry is a Schema Registry client that fetches each schema once and
// remembers failures briefly. It is safe for concurrent use.
type Registry struct {
	cl         *sr.Client
	url        string // as errors name it: its password hidden
	secret     string // the password in the URL, hidden wherever it shows
	timeout    time.Duration
	retryAfter time.Duration
	now        func() time.Time

	mu     sync.Mutex
	ids    map[int]*flight[*registered]
	latest map[string]*flight[int]
	// down is why the registry itself was last found down (no
	// connection, no answer in time, a gateway's 502/503/504), worded
	// without the id that was asked; "" when it was not.
	down     string
	downKind Kind
	downAt   time.Time
	downFor  time.Duration // how long down is remembered
}

// downRetryAfter is how long a registry that was down or slow is
// remembered as such: a registry restarting, or a moment's overload,
// is asked again soon.
const downRetryAfter = 2 * time.Second

// remembered is how long a failure of kind k is kept.
func (r *Registry) remembered(k Kind) time.Duration {
	if k == KindRegistryDown || k == KindRegistrySlow {
		return min(r.retryAfter, downRetryAfter)
	}
	return r.retryAfter
}

// registered is a schema fetched by id, its references resolved.
type registered struct {
	schema sr.Schema
	refs   []Named          // dependencies first
	vers   []SubjectVersion // the subject versions that have the id
	// deleted says vers are soft-deleted: the id has no live subject
	// version, and the registry named these when asked for deleted ones.
	deleted bool
}

// subjectFor picks the subject version to name for a key or value of
// stream: the topic name strategy's "<stream>-key" or "<stream>-value"
// when the id is registered there, else the one subject with the same
// part's suffix, else the one subject that has the id. An id under several
// subjects none of which is the stream's is not named by a guess: false
// (subjects lists them).
func (r *registered) subjectFor(stream string, part Part) (SubjectVersion, bool) {
	if len(r.vers) == 0 {
		return SubjectVersion{}, false
	}
	suffix := "-value"
	if part == PartKey {
		suffix = "-key"
	}
	for _, v := range r.vers {
		if len(v.Subject) == len(stream)+len(suffix) && strings.HasPrefix(v.Subject, stream) && strings.HasSuffix(v.Subject, suffix) {
			return v, true
		}
	}
	var same []SubjectVersion
	for _, v := range r.vers {
		if strings.HasSuffix(v.Subject, suffix) {
			same = append(same, v)
		}
	}
	if one, ok := oneSubject(same); ok {
		return one, true
	}
	return oneSubject(r.vers)
}

// oneSubject is the first of vs when they are all of one subject.
func oneSubject(vs []SubjectVersion) (SubjectVersion, bool) {
	if len(vs) == 0 {
		return SubjectVersion{}, false
	}
	for _, v := range vs[1:] {
		if v.Subject != vs[0].Subject {
			return SubjectVersion{}, false
		}
	}
	return vs[0], true
}

// subjects are the subject versions that have the id when they are of
// more than one subject (nil otherwise: the one subject names it).
func (r *registered) subjects() []SubjectVersion {
	if _, one := oneSubject(r.vers); one || len(r.vers) == 0 {
		return nil
	}
	return r.vers
}

// flight is one fetch shared by everyone who asks while it runs, kept
// until it expires (failures expire after RetryAfter).
type flight[T any] struct {
	done    chan struct{}
	val     T
	err     error
	expires time.Time // zero: never
}

// NewRegistry returns a client for the registry cfg names.
func NewRegistry(cfg RegistryConfig) (*Registry, error) {
	if cfg.URL == "" {
		return nil, errors.New("schema registry: no URL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 10 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg.TLS
	tr.ResponseHeaderTimeout = cfg.Timeout
	opts := []sr.ClientOpt{
		sr.URLs(strings.TrimRight(cfg.URL, "/")),
		sr.HTTPClient(&http.Client{Transport: capped{tr}, Timeout: cfg.Timeout}),
		sr.UserAgent("mqscope"),
	}
	if cfg.Username != "" || cfg.Password != "" {
		opts = append(opts, sr.BasicAuth(cfg.Username, cfg.Password))
	}
	if cfg.Token != "" {
		opts = append(opts, sr.BearerToken(cfg.Token))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry %s: %w", redactedURL(cfg.URL), err)
	}
	return &Registry{
		cl: cl, url: redactedURL(cfg.URL), secret: urlPassword(cfg.URL), timeout: cfg.Timeout, retryAfter: cfg.RetryAfter, now: time.Now,
		ids: map[int]*flight[*registered]{}, latest: map[string]*flight[int]{},
	}, nil
}

// Host is the registry's host (and port) as its URL names it, for saying
// what is waited for.
func (r *Registry) Host() string {
	if u, err := url.Parse(r.url); err == nil && u.Host != "" {
		return u.Host
	}
	return r.url
}

// do runs fn once per key among concurrent callers and caches its result
// (a failure for retryAfter, a success for ttl or for good when ttl is 0).
// The fetch runs on its own deadline, not a caller's, so one caller giving
// up does not fail the others; each caller waits at most until its ctx ends.
func do[K comparable, T any](ctx context.Context, r *Registry, m map[K]*flight[T], key K, what string, ttl time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	start := r.now()
	r.mu.Lock()
	f := m[key]
	if f != nil && !f.expires.IsZero() && !r.now().Before(f.expires) {
		f = nil
	}
	if f == nil {
		if err, until := r.downLocked(what); err != nil {
			// Held for this key until the pause ends, so that what is
			// shown of it (peekID) is this key's own answer.
			f = &flight[T]{done: make(chan struct{}), err: err, expires: until}
			close(f.done)
			m[key] = f
			r.mu.Unlock()
			return zero, err
		}
		f = &flight[T]{done: make(chan struct{})}
		m[key] = f
		go run(r, f, ttl, fn)
	}
	r.mu.Unlock()
	select {
	case <-f.done: // an answer at hand is given even to a caller whose ctx ended
		return f.val, f.err
	default:
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return zero, r.gaveUp(ctx, what, start)
	}
}

// gaveUp is the error of a caller whose ctx ended while it waited (since
// start) for what: worded as a request that found no answer in time is,
// with what was asked.
func (r *Registry) gaveUp(ctx context.Context, what string, start time.Time) error {
	detail := "gave up waiting: cancelled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		waited := r.now().Sub(start)
		if waited >= time.Second {
			waited = waited.Round(time.Second)
		} else {
			waited = waited.Round(time.Millisecond)
		}
		detail = "no answer in " + waited.String()
	}
	return &Error{Kind: KindRegistrySlow, Err: &requestError{url: r.url, what: what, detail: detail, cause: ctx.Err()}}
}

// run does one fetch for f and records the result.
func run[T any](r *Registry, f *flight[T], ttl time.Duration, fn func(context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*r.timeout)
	v, err := fetchRetrying(ctx, r.timeout, fn)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	f.val, f.err = v, err
	switch {
	case err != nil:
		k := KindOf(err)
		f.expires = r.now().Add(r.remembered(k))
		if why := downCause(err); why != "" {
			r.down, r.downKind, r.downAt, r.downFor = why, k, r.now(), r.remembered(k)
		}
	case ttl > 0:
		f.expires = r.now().Add(ttl)
	}
	close(f.done)
}

// downLocked returns, while the registry is remembered as down, the
// failure of what, which is not asked (worded with what and the
// registry's state, never with another request's id), and when the pause
// ends; nil otherwise.
func (r *Registry) downLocked(what string) (error, time.Time) {
	if r.down == "" {
		return nil, time.Time{}
	}
	if r.now().Sub(r.downAt) >= r.downFor {
		r.down = ""
		return nil, time.Time{}
	}
	again := (r.downFor - r.now().Sub(r.downAt)).Round(100 * time.Millisecond)
	return &Error{Kind: r.downKind, Err: &requestError{url: r.url, what: what + " not asked",
		detail: fmt.Sprintf("the registry is asked again in %s (it was down a moment ago: %s)", again, r.down)}}, r.downAt.Add(r.downFor)
}

// downCause is, for a failure that says the registry itself is down (no
// connection, no answer in time, HTTP 502, 503 or 504), why, without
// what was asked; "" for a failure of one request (a 403, a 404, a 500).
func downCause(err error) string {
	var re *requestError
	if errors.As(err, &re) {
		return re.down
	}
	return ""
}

// requestError is a request the registry failed (or did not answer):
// the registry, what was asked ("schema id 7") and what went wrong.
type requestError struct {
	url, what, detail string
	cause             error // nil, or the client's error
	// transient says asking again soon may well succeed: an HTTP 5xx
	// status, or no answer in time.
	transient bool
	// down says the registry itself is down, and why, worded without
	// what was asked ("connection refused", "HTTP 503"); "" when the
	// failure is this request's own.
	down string
}

// Error implements error.
func (e *requestError) Error() string { return e.url + ": " + e.what + ": " + e.detail }

// Unwrap returns the client's error.
func (e *requestError) Unwrap() error { return e.cause }

// classify turns a client error into an *Error of the right kind.
func (r *Registry) classify(what string, err error) error {
	var re *sr.ResponseError
	var ne net.Error
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) || errors.As(err, &typ):
		// 200 with a body that is not the registry's JSON: a proxy's
		// page, a wrong URL answered by something else.
		return &Error{Kind: KindRegistryDown, Err: &requestError{url: r.url, what: what, detail: unreadableBody, cause: err}}
	case errors.As(err, &re):
		switch {
		case re.StatusCode == http.StatusNotFound && re.ErrorCode/100 == 404:
			// 40401 subject, 40402 version, 40403 schema not found.
			return &Error{Kind: KindUnknownID, Err: fmt.Errorf("%s: %s", what, re.Message)}
		case re.StatusCode == http.StatusNotFound:
			// A 404 that is not the registry's own: the URL is likely wrong.
			return &Error{Kind: KindRegistryDown, Err: &requestError{url: r.url, what: what, detail: "HTTP 404 without a registry error (is the URL the registry's?)"}}
		case re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden:
			// Per-subject ACLs refuse some ids and serve others: this
			// id's failure, not the registry's.
			return &Error{Kind: KindUnauthorized, Err: &requestError{url: r.url, what: what, detail: fmt.Sprintf("unauthorised for %s (HTTP %d: %s)", strings.TrimPrefix(what, "schema "), re.StatusCode, r.scrub(serverMessage(re)))}}
		}
		e := &requestError{url: r.url, what: what, detail: fmt.Sprintf("HTTP %d: %s", re.StatusCode, r.scrub(serverMessage(re))), transient: re.StatusCode >= 500}
		switch re.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			e.down = "HTTP " + strconv.Itoa(re.StatusCode)
		}
		return &Error{Kind: KindRegistryDown, Err: e}
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &Error{Kind: KindRegistrySlow, Err: &requestError{url: r.url, what: what, detail: "no answer in " + r.timeout.String(), transient: true, down: "no answer in " + r.timeout.String()}}
	}
	e := &requestError{url: r.url, what: what, detail: r.scrub(err.Error()), cause: err}
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		e.down = "connection refused"
	case errors.As(err, &op):
		e.down = "no connection: " + r.scrub(op.Err.Error())
	}
	return &Error{Kind: KindRegistryDown, Err: e}
}

// unreadableBody says a registry answered 200 with what is not the
// JSON asked for.
const unreadableBody = "registry answered with an unreadable body"

// maxServerMessage bounds how much of a registry's (or a proxy's) error
// message is quoted, in runes.
const maxServerMessage = 200

// serverMessage is what the server said with an error status: the
// registry's JSON message, else its body (a proxy's text or HTML page),
// on one line, control characters shown as pictures, capped.
func serverMessage(re *sr.ResponseError) string {
	msg := re.Message
	if (msg == "" || msg == "no response") && len(re.Raw) > 0 {
		msg = string(re.Raw)
		if strings.HasPrefix(strings.TrimSpace(msg), "<") {
			msg = stripTags(msg)
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		return "(no message)"
	}
	if r := []rune(msg); len(r) > maxServerMessage {
		msg = string(r[:maxServerMessage]) + "… (" + strconv.Itoa(len(msg)) + " bytes)"
	}
	return safetext.String(msg)
}

// stripTags keeps the text of an HTML page: what is between its tags,
// scripts and styles left out.
func stripTags(s string) string {
	var b strings.Builder
	in, skip := false, ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<':
			in = true
			rest := strings.ToLower(s[i+1 : min(i+8, len(s))])
			switch {
			case skip == "" && strings.HasPrefix(rest, "script"):
				skip = "script"
			case skip == "" && strings.HasPrefix(rest, "style"):
				skip = "style"
			case skip != "" && strings.HasPrefix(rest, "/"+skip):
				skip = ""
			}
			b.WriteByte(' ')
		case c == '>':
			in = false
		case !in && skip == "":
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxRefs bounds the references followed for one schema.
const maxRefs = 100

// byID fetches the schema with id, its references and the first subject
// version that has it, once.
func (r *Registry) byID(ctx context.Context, id int) (*registered, error) {
	return do(ctx, r, r.ids, id, fmt.Sprintf("schema id %d", id), 0, func(ctx context.Context) (*registered, error) {
		s, err := r.cl.SchemaByID(ctx, id)
		if err != nil {
			return nil, r.classify(fmt.Sprintf("schema id %d", id), err)
		}
		if s.Schema == "" { // JSON, but not a schema's
			return nil, &Error{Kind: KindRegistryDown, Err: &requestError{url: r.url, what: fmt.Sprintf("schema id %d", id), detail: unreadableBody}}
		}
		reg := &registered{schema: s}
		seen := map[string]bool{}
		if err := r.resolveRefs(ctx, s.References, seen, &reg.refs); err != nil {
			return nil, err
		}
		// The subject versions only name the schema; decoding goes on
		// without them when the registry does not serve them.
		if vs, err := r.cl.SchemaVersionsByID(ctx, id); err == nil {
			if len(vs) == 0 { // every subject version soft-deleted: name them as such
				if dvs, err := r.cl.SchemaVersionsByID(sr.WithParams(ctx, sr.ShowDeleted), id); err == nil && len(dvs) > 0 {
					vs, reg.deleted = dvs, true
				}
			}
			for _, v := range vs {
				reg.vers = append(reg.vers, SubjectVersion{Subject: v.Subject, Version: v.Version})
			}
			sort.Slice(reg.vers, func(i, j int) bool {
				a, b := reg.vers[i], reg.vers[j]
				return a.Subject < b.Subject || a.Subject == b.Subject && a.Version < b.Version
			})
		}
		return reg, nil
	})
}

// resolveRefs appends the referenced schemas, dependencies first.
func (r *Registry) resolveRefs(ctx context.Context, refs []sr.SchemaReference, seen map[string]bool, out *[]Named) error {
	for _, ref := range refs {
		key := fmt.Sprintf("%s/%d", ref.Subject, ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(seen) > maxRefs {
			return &Error{Kind: KindBadSchema, Err: fmt.Errorf("more than %d references", maxRefs)}
		}
		ss, err := r.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			e := r.classify(fmt.Sprintf("reference %s (%s v%d)", ref.Name, ref.Subject, ref.Version), err)
			if KindOf(e) == KindUnknownID {
				e = &Error{Kind: KindBadSchema, Err: e.(*Error).Err}
			}
			return e
		}
		if err := r.resolveRefs(ctx, ss.References, seen, out); err != nil {
			return err
		}
		*out = append(*out, Named{Name: ref.Name, Text: ss.Schema.Schema})
	}
	return nil
}

// peekID returns what a fetch of id brought, without any I/O: false while
// none has ended (or none started), and once a failure is old enough to
// ask again; the remembered failure while the registry is down.
func (r *Registry) peekID(id int) (*registered, error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.ids[id]
	if f == nil {
		if err, _ := r.downLocked(fmt.Sprintf("schema id %d", id)); err != nil {
			return nil, err, true
		}
		return nil, nil, false
	}
	select {
	case <-f.done:
		// A failure old enough to ask again is still this id's last
		// answer: held (shown) until a Decode asks again.
		return f.val, f.err, true
	default:
		return nil, nil, false
	}
}

// staleID reports a failure of id old enough to ask again (peekID still
// holds it), without any I/O.
func (r *Registry) staleID(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.ids[id]
	if f == nil {
		return false
	}
	select {
	case <-f.done:
		return f.err != nil && !f.expires.IsZero() && !r.now().Before(f.expires)
	default:
		return false
	}
}

// peekLatest is the latest version of subject last fetched (0: none),
// or why its lookup failed, without any I/O.
func (r *Registry) peekLatest(subject string) (int, error) {
	r.mu.Lock()
	f := r.latest[subject]
	r.mu.Unlock()
	if f == nil {
		return 0, nil
	}
	select {
	case <-f.done:
		return f.val, f.err
	default:
		return 0, nil
	}
}

// Text returns the text of the schema with id and the schemas it
// references (dependencies first), fetched once.
func (r *Registry) Text(ctx context.Context, id int) (string, []Named, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	reg, err := r.byID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	return reg.schema.Schema, reg.refs, nil
}

// latestTTL is how long a subject's latest version is remembered.
const latestTTL = time.Minute

// Latest returns the latest version of subject (remembered for a minute).
func (r *Registry) Latest(ctx context.Context, subject string) (int, error) {
	return do(ctx, r, r.latest, subject, "the latest version of "+subject, latestTTL, func(ctx context.Context) (int, error) {
		ss, err := r.cl.SchemaByVersion(ctx, subject, -1)
		if err != nil {
			return 0, r.classify("latest version of "+subject, err)
		}
		return ss.Version, nil
	})
}

// Check asks the registry for its subjects, the cheapest question that
// needs the credentials: nil when it answers, else the classified error
// (refused credentials are KindUnauthorized). Nothing is cached.
func (r *Registry) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if _, err := r.cl.Subjects(ctx); err != nil {
		return r.classify("the list of subjects", err)
	}
	return nil
}

// SubjectVersion is one subject version that has a schema id.
type SubjectVersion struct {
	Subject string
	Version int
}

// Versions returns every subject version that has the schema id.
func (r *Registry) Versions(ctx context.Context, id int) ([]SubjectVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	vs, err := r.cl.SchemaVersionsByID(ctx, id)
	if err != nil {
		return nil, r.classify(fmt.Sprintf("versions of schema id %d", id), err)
	}
	out := make([]SubjectVersion, len(vs))
	for i, v := range vs {
		out[i] = SubjectVersion{Subject: v.Subject, Version: v.Version}
	}
	return out, nil
}

// Compatibility is the verdict of a compatibility check.
type Compatibility struct {
	// Compatible is the verdict.
	Compatible bool
	// Messages are the reasons when it is not.
	Messages []string
	// Local says the registry did not answer (RegistryErr says why) and the
	// verdict was computed here, from the two schemas' texts, at Level
	// (Avro only).
	Local       bool
	Level       string
	RegistryErr error
}

// CheckLatest asks whether the schema with id is compatible with the
// latest version of subject (POST /compatibility/subjects/{s}/versions/latest).
// When the registry cannot answer (a credential that may read but not
// POST, an error, a registry without the endpoint) and the schemas are
// Avro, it checks them here at the subject's compatibility level, as the
// registry would against the latest version, and says so (Local).
func (r *Registry) CheckLatest(ctx context.Context, subject string, id int) (Compatibility, error) {
	reg, err := r.byID(ctx, id)
	if err != nil {
		return Compatibility{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := r.cl.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), subject, -1, reg.schema)
	if err == nil {
		return Compatibility{Compatible: res.Is, Messages: res.Messages}, nil
	}
	rerr := r.classify("compatibility of id "+fmt.Sprint(id)+" with "+subject, err)
	if !isAvro(reg.schema.Type) || ctx.Err() != nil {
		return Compatibility{}, rerr
	}
	c, lerr := r.checkLocally(ctx, subject, reg)
	if lerr != nil {
		return Compatibility{}, fmt.Errorf("%w (checking it here failed too: %v)", rerr, lerr)
	}
	c.RegistryErr = rerr
	return c, nil
}

func isAvro(t sr.SchemaType) bool { return t == sr.TypeAvro }

// checkLocally checks reg against subject's latest version with
// hamba/avro's schema compatibility, at the subject's level (the
// registry's default, BACKWARD, when it does not tell).
func (r *Registry) checkLocally(ctx context.Context, subject string, reg *registered) (Compatibility, error) {
	latest, err := r.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return Compatibility{}, r.classify("latest version of "+subject, err)
	}
	if !isAvro(latest.Type) {
		return Compatibility{}, fmt.Errorf("%s v%d is %s, not Avro", subject, latest.Version, latest.Type)
	}
	var latestRefs []Named
	if err := r.resolveRefs(ctx, latest.References, map[string]bool{}, &latestRefs); err != nil {
		return Compatibility{}, err
	}
	given, err := parseAvro(reg.schema.Schema, reg.refs)
	if err != nil {
		return Compatibility{}, fmt.Errorf("this schema: %w", err)
	}
	last, err := parseAvro(latest.Schema.Schema, latestRefs)
	if err != nil {
		return Compatibility{}, fmt.Errorf("%s v%d: %w", subject, latest.Version, err)
	}
	level := sr.CompatBackward
	if res := r.cl.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), subject); len(res) == 1 && res[0].Err == nil && res[0].Level.String() != "" {
		level = res[0].Level
	}
	c := Compatibility{Compatible: true, Local: true, Level: level.String()}
	check := func(reader, writer avro.Schema, what string) {
		if err := avroCompatible(reader, writer); err != nil {
			c.Compatible = false
			c.Messages = append(c.Messages, what+": "+err.Error())
		}
	}
	switch level {
	case sr.CompatBackward, sr.CompatBackwardTransitive:
		check(given, last, "it cannot read v"+strconv.Itoa(latest.Version)+"'s data")
	case sr.CompatForward, sr.CompatForwardTransitive:
		check(last, given, "v"+strconv.Itoa(latest.Version)+" cannot read its data")
	case sr.CompatFull, sr.CompatFullTransitive:
		check(given, last, "it cannot read v"+strconv.Itoa(latest.Version)+"'s data")
		check(last, given, "v"+strconv.Itoa(latest.Version)+" cannot read its data")
	}
	return c, nil
}

// maxRegistryBody is the most of one registry answer that is read: a
// schema with its references is kilobytes; a proxy or a broken registry
// that streams without end must not fill the memory.
const maxRegistryBody = 16 << 20

// capped is a transport whose answers end with an error past
// maxRegistryBody.
type capped struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (c capped) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxRegistryBody}
	}
	return resp, err
}

// cappedBody reads a body up to left bytes, then fails.
type cappedBody struct {
	io.ReadCloser
	left int64
}

// errBodyTooLarge ends an answer larger than maxRegistryBody.
var errBodyTooLarge = fmt.Errorf("the registry's answer is larger than %d MiB: not a schema", maxRegistryBody>>20)

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
