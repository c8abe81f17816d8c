package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// RunOptions control an execution.
type RunOptions struct {
	// Rate limits writes to this many messages per second (0: no limit).
	Rate float64
	// Batch is how many messages go per transaction or confirm window (0: 500).
	Batch int
	// Journal records what was confirmed; nil keeps no journal.
	Journal *Journal
	// Audit receives one line per write; nil writes none.
	Audit *Audit
	// OnProgress is called after each batch.
	OnProgress func(Progress)
	// Guard, when set, pauses the run when too many redriven messages come
	// back dead, and is told what was redriven.
	Guard *Guard
	// inflightSeen is told, after each publish, how many messages a
	// RabbitMQ run has published and not seen confirmed (tests).
	inflightSeen func(n int)
	// StateDir, when set, is where Redrive opens the journal (redrive/ID.journal)
	// and the audit log (audit.jsonl) that Journal and Audit do not give.
	StateDir string
	// WholeQueue takes every message a RabbitMQ or SQS queue holds when
	// the run starts, not only the plan's (the plan then shows a peek).
	WholeQueue bool
}

func (o RunOptions) batch() int {
	if o.Batch <= 0 {
		return 500
	}
	return o.Batch
}

// Progress is how far a run is.
type Progress struct {
	Total, Done, Failed, Parked, Skipped, Duplicates int
	// Returned counts redriven messages seen dead again during the run.
	Returned int
	Elapsed  time.Duration
	// Blocked is the broker's block of the run's publishing while it lasts
	// (nil: none): the run waits, nothing is lost or failed.
	Blocked *sources.PublishBlock
}

// Rate is messages written per second so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// ETA estimates the time left.
func (p Progress) ETA() time.Duration {
	r := p.Rate()
	left := p.Total - p.Done - p.Failed - p.Parked - p.Skipped - p.Duplicates
	if r <= 0 || left <= 0 {
		return 0
	}
	return time.Duration(float64(left) / r * float64(time.Second))
}

// Handled is how many messages the run has dealt with, whatever became
// of them.
func (p Progress) Handled() int { return p.Done + p.Failed + p.Parked + p.Skipped + p.Duplicates }

// WithTotal stands planned in for the total until the run knows its own.
func (p Progress) WithTotal(planned int) Progress {
	if p.Total == 0 {
		p.Total = planned
	}
	return p
}

// String is the progress line: "12/44  30 msg/s  ETA 1s", with "—" for the
// rate and the ETA until a rate is known.
func (p Progress) String() string {
	rate, eta := "—", "—"
	if r := p.Rate(); r > 0 {
		rate, eta = fmt.Sprintf("%.0f", r), p.ETA().Round(time.Second).String()
	}
	line := fmt.Sprintf("%d/%d  %s msg/s  ETA %s", p.Handled(), p.Total, rate, eta)
	if p.Blocked != nil {
		line += "  " + safetext.String(p.Blocked.String())
	}
	return line
}

// Failure is one message that could not be redriven; it stays in the source.
type Failure struct {
	Position string
	Err      string
}

// Result is what a run did.
type Result struct {
	Progress
	PerTarget map[string]int
	Failures  []Failure
	// Stop says why the run ended (Reason Finished when it took everything).
	Stop Stop
	// PossibleDuplicates are messages an earlier run may have sent already
	// (it stopped between the publish and knowing the source was
	// acknowledged), sent again: the target may hold each twice.
	PossibleDuplicates []PossibleDuplicate
	// RunDuplicates are the possible duplicates every run of this id, and
	// of the runs it took over, sent (this run's among them), as the
	// journal recorded them; nil without a journal.
	RunDuplicates []PossibleDuplicate
	// Warnings are what went wrong after the work was done, for people
	// ("the run's consumer group … is left behind").
	Warnings []string
	// TookOver are the unfinished runs of the same source this run took
	// over: what they left open was counted as if this run resumed them.
	TookOver []TakenOverRun
	// SettledElsewhere are the dead letters not sent because someone else
	// settled them between the plan and the write (acknowledged in their
	// group, deleted from their stream); they are counted in Skipped.
	SettledElsewhere []SettledElsewhere
	// InDoubt counts the items sent whose outcome the connector could not
	// learn (the connection lost with the answer): audited "in doubt", not
	// counted done; a run again with the same id settles them.
	InDoubt int
	// FoundWritten counts, among Duplicates, the copies an earlier attempt
	// of the id wrote that the connector found by reading the target (the
	// broker's deduplication of them had lapsed): not written again.
	FoundWritten int
}

// SettledElsewhere is a dead letter a run did not send: it was settled
// outside the run meanwhile.
type SettledElsewhere struct {
	// Position is where the plan read it, MessageID its id (a Redis entry
	// id).
	Position, MessageID string
	// How it was settled.
	How sources.Settlement
}

// String says it for people: "1733140000000-12: not sent: acknowledged in
// the group meanwhile".
func (s SettledElsewhere) String() string {
	name := s.MessageID
	if name == "" {
		name = s.Position
	}
	return name + ": not sent: " + s.How.String()
}

// TakenOverRun is an unfinished run another run took over.
type TakenOverRun struct {
	ID, Source string
	// Open is how many messages it left open (sent and not known to be
	// confirmed, or confirmed and not known to be acknowledged).
	Open int
}

// String says it for people: "took over the unfinished run c2 of dlq
// (its 4 open messages are counted here)".
func (t TakenOverRun) String() string {
	return fmt.Sprintf("took over the unfinished run %s of %s (its %d open messages are counted here)", t.ID, t.Source, t.Open)
}

// RunCopies is how many copies more than one the targets may hold over
// every run of this id and the runs it took over.
func (r Result) RunCopies() int {
	n := 0
	for _, d := range r.RunDuplicates {
		n += d.Copies
	}
	return n
}

// PossibleDuplicate is a message that may be in its target more than once.
type PossibleDuplicate struct {
	// Copies is how many copies more than one the target may hold: as many
	// as earlier runs may have sent of a message of its identity.
	Copies int
	// Position is where this run read it.
	Position string
	// Identity is its identity hash (wire.Identity).
	Identity string
	// MessageID and CorrelationID are its properties, when set.
	MessageID, CorrelationID string
	Target                   string
	// Run is the redrive id of the run that sent it again (filled in
	// Result.RunDuplicates).
	Run string
}

// PossibleCopies is how many copies more than one the targets may hold.
func (r Result) PossibleCopies() int {
	n := 0
	for _, d := range r.PossibleDuplicates {
		n += d.Copies
	}
	return n
}

// Name is how people can find the message: its message id or correlation
// id when it has one, else its position and identity.
func (d PossibleDuplicate) Name() string {
	switch {
	case d.MessageID != "":
		return "message-id " + d.MessageID
	case d.CorrelationID != "":
		return "correlation-id " + d.CorrelationID
	}
	return "position " + d.Position + " identity " + d.Identity
}

// limiter paces writes to a rate.
type limiter struct {
	every time.Duration
	next  time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return &limiter{}
	}
	return &limiter{every: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the next write may go.
func (l *limiter) wait(ctx context.Context) error {
	if l.every == 0 {
		return nil
	}
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	d := l.next.Sub(now)
	l.next = l.next.Add(l.every)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// JournalEntry is one record of a run: a confirmed write, or (RabbitMQ)
// another step of one message's way, told by Kind.
type JournalEntry struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Position string `json:"position"`
	Target   string `json:"target"`
	// Fingerprint identifies the message's content (RabbitMQ: its
	// wire.Identity, shared by messages alike in every property, header and
	// byte of the body; SQS: Fingerprint).
	Fingerprint string `json:"fp,omitempty"`
	// Kind is the step recorded; empty for a confirmed write.
	Kind EntryKind `json:"kind,omitempty"`
	// Conn is the connection's address (a start record).
	Conn string `json:"conn,omitempty"`
	// Copies, MessageID and CorrelationID describe a possible duplicate
	// (EntryDuplicate): how many copies more the target may hold, and the
	// message's properties when set.
	Copies        int       `json:"copies,omitempty"`
	MessageID     string    `json:"message_id,omitempty"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	Time          time.Time `json:"time"`
}

// EntryKind is the step of a message's way a journal entry records.
type EntryKind string

// The steps a RabbitMQ redrive journals. A message is sent (written before
// the publish), confirmed (synced before its source is acknowledged), then
// acked (written after the ack), or refused by the broker; when the ack
// could not be made it is unacked. Skipping is written (and synced) before
// a source is acknowledged without being sent, for a copy an earlier run
// had confirmed; Resolved after a message an earlier run may have sent was
// sent again, confirmed and acknowledged.
const (
	EntryConfirmed EntryKind = ""
	EntrySent      EntryKind = "sent"
	EntryAcked     EntryKind = "acked"
	EntryUnacked   EntryKind = "unacked"
	EntryRefused   EntryKind = "refused"
	EntrySkipping  EntryKind = "skipping"
	EntryResolved  EntryKind = "resolved"
	// EntryStart opens a RabbitMQ or SQS run: its source and connection
	// (Conn), so another run of the same source can take it over.
	EntryStart EntryKind = "start"
	// EntryEnd: the run ended complete; nothing of it is left to take over.
	EntryEnd EntryKind = "end"
	// EntryAdopted: the run (Target names it) that took this one over
	// ended complete; this one is finished too.
	EntryAdopted EntryKind = "adopted"
	// EntryDuplicate: a possible duplicate was sent (Copies, MessageID,
	// CorrelationID say which), written once its source is acknowledged
	// (with the resolved entries): its copies are counted once over the
	// runs, and a run killed before counts them again in the next.
	EntryDuplicate EntryKind = "duplicate"
	// EntryPlan records the target every message of the run goes to
	// (Target: Options.To; "" for each message's origin), written before
	// the run's first message: a resume of the id plans the same way
	// (PlannedTarget) and one planned otherwise is refused.
	EntryPlan EntryKind = "plan"
)

// Claim is what earlier runs left open for a message of one identity.
type Claim int

const (
	// ClaimNone: nothing is open; the message is redriven.
	ClaimNone Claim = iota
	// ClaimConfirmed: an earlier run's copy was confirmed and its source
	// was not acknowledged: acknowledge the source without sending it.
	ClaimConfirmed
	// ClaimUncertain: an earlier run may have sent a copy (it stopped
	// between the publish and knowing its source was acknowledged): send
	// it again and report a possible duplicate.
	ClaimUncertain
)

// openCounts are, for one identity, the copies earlier runs left open.
type openCounts struct {
	// confirmed counts copies confirmed whose sources are known not to be
	// acknowledged; uncertain, copies that may have reached the target
	// while their sources may still be in the queue.
	confirmed, uncertain int32
}

// count applies one entry's step.
func (c *openCounts) count(k EntryKind) {
	switch k {
	case EntrySent:
		c.uncertain++
	case EntrySkipping:
		c.confirmed--
		c.uncertain++
	case EntryAcked, EntryRefused, EntryResolved:
		c.uncertain--
	case EntryUnacked:
		c.uncertain--
		c.confirmed++
	}
}

// Journal is an append-only file of what runs did, synced before sources
// are acknowledged, so a run killed at any moment can resume.
type Journal struct {
	mu           sync.Mutex
	f            *os.File
	w            *bufio.Writer
	fingerprints fingerprintSet // of the messages already confirmed
	// open is what the runs before this one left open, per identity, less
	// what this one claimed.
	open fingerprintTally[openCounts]
	// dir and id name the journal: dir/id.journal.
	dir, id string
	// duplicates are the possible duplicates every run of this id, and of
	// the runs it took over, recorded.
	duplicates []PossibleDuplicate
	// adopted are the unfinished runs of the same source this one took
	// over (Adopt), their files locked.
	adopted []*adoptedJournal
	// started is set once a start record was written.
	started bool
	// planned is the target of the plan record of the run the journal
	// holds (EntryPlan) since it last ended; nil: none.
	planned *string
	// elsewhere says the journal's lock was held by another run of the
	// same id when it was opened.
	elsewhere bool
	// began is the time of the first entry the file held since its run
	// last ended (zero: none, this is the id's first attempt).
	began time.Time
}

// OpenJournal opens (or creates) the journal of a redrive id in dir and
// loads what it holds.
func OpenJournal(dir, id string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	path := filepath.Join(dir, id+".journal")
	j := &Journal{dir: dir, id: id}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j.load(data)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j.f, j.w = f, bufio.NewWriter(f)
	j.elsewhere = lockFile(f) != nil                // held while the run lives: a run that cannot take it is still running and is not taken over
	if len(data) > 0 && data[len(data)-1] != '\n' { // a line cut by a kill: ended, so the next entry is a line of its own
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	return j, nil
}

// load counts a journal's entries.
func (j *Journal) load(data []byte) {
	scanJournal(data, func(e JournalEntry) {
		switch e.Kind {
		case EntryPlan:
			j.planned = &e.Target
		case EntryEnd: // a run that ended leaves nothing a resume must plan alike
			j.planned = nil
		}
		switch {
		case e.Kind == EntryEnd:
			j.began = time.Time{}
		case j.began.IsZero() || (!e.Time.IsZero() && e.Time.Before(j.began)):
			j.began = e.Time
		}
		if e.Kind == EntryEnd { // the runs it took over ended with it: what they left open is settled
			j.open.each(func(c openCounts) openCounts {
				c.confirmed, c.uncertain = max(c.confirmed, 0), max(c.uncertain, 0)
				return c
			})
		}
		j.count(e)
	})
}

// ErrOtherPlan says a run was planned otherwise than the unfinished run
// of the same id its journal holds (another --to): a resume plans as the
// run did, another plan takes another id.
var ErrOtherPlan = errors.New("planned otherwise than the unfinished run of this id")

// Plan records, before the run's first message, that the run of the
// journal's id sends every message to to ("" : each to its origin); a
// journal of an unfinished run planned with another target refuses it
// (ErrOtherPlan) and records nothing.
func (j *Journal) Plan(source, to string) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.planned != nil {
		if *j.planned != to {
			return fmt.Errorf("redrive %s: %w: it sends %s, this run %s (resume without --to, or with the same; another --to takes another --id)", j.id, ErrOtherPlan, plannedText(*j.planned), plannedText(to))
		}
		return nil
	}
	if err := j.write([]JournalEntry{{ID: j.id, Source: source, Target: to, Kind: EntryPlan, Time: time.Now()}}); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.planned = &to
	return nil
}

// plannedText says where a plan sends messages, for people.
func plannedText(to string) string {
	if to == "" {
		return "each message to its origin"
	}
	return "every message --to " + to
}

// PlannedTarget reads the journal of id in dir for the target its
// unfinished run was planned with (Journal.Plan): ok is false when there
// is no journal, or it holds no plan record since its run last ended.
func PlannedTarget(dir, id string) (to string, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, id+".journal"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("journal: %w", err)
	}
	var planned *string
	scanJournal(data, func(e JournalEntry) {
		switch e.Kind {
		case EntryPlan:
			planned = &e.Target
		case EntryEnd:
			planned = nil
		}
	})
	if planned == nil {
		return "", false, nil
	}
	return *planned, true, nil
}

// scanJournal calls f with each entry of a journal, in order.
func scanJournal(data []byte, f func(JournalEntry)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e JournalEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a line cut by a crash
		}
		f(e)
	}
}

// count applies one entry to what the journal knows.
func (j *Journal) count(e JournalEntry) {
	if e.Kind == EntryDuplicate {
		j.duplicates = append(j.duplicates, PossibleDuplicate{Copies: e.Copies, Position: e.Position, Identity: e.Fingerprint,
			MessageID: e.MessageID, CorrelationID: e.CorrelationID, Target: e.Target, Run: e.ID})
		return
	}
	{
		if e.Fingerprint == "" {
			return // a record of the run, or a Kafka write
		}
		if e.Kind == EntryConfirmed {
			j.fingerprints.add(e.Fingerprint)
			return
		}
		c := j.open.get(e.Fingerprint)
		c.count(e.Kind)
		j.open.set(e.Fingerprint, c)
	}
}

// HasFingerprint reports a message with this content was confirmed before.
func (j *Journal) HasFingerprint(fp string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fingerprints.has(fp)
}

// Claim takes what earlier runs left open for a message of this identity,
// if anything: first one confirmed copy (its source is to be acknowledged
// without sending), else every uncertain one (it is sent again, and the
// target may hold as many copies more as the count says: the messages of
// one identity cannot be told apart, so the first takes them all). Alike
// messages each take their own confirmed copy: ten alike messages of which
// earlier runs left one confirmed find one claim.
func (j *Journal) Claim(fp string) (Claim, int) {
	if j == nil {
		return ClaimNone, 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.open.get(fp)
	switch {
	case c.confirmed > 0:
		c.confirmed--
		j.open.set(fp, c)
		return ClaimConfirmed, 1
	case c.uncertain > 0:
		n := int(c.uncertain)
		c.uncertain = 0
		j.open.set(fp, c)
		return ClaimUncertain, n
	}
	return ClaimNone, 0
}

// Write records entries, written to the file without a sync (a killed
// process keeps what it wrote).
func (j *Journal) Write(es ...JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.write(es)
}

func (j *Journal) write(es []JournalEntry) error {
	var line []byte
	for _, e := range es {
		var err error
		if line, err = e.appendJSON(line[:0]); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		j.w.Write(append(line, '\n'))
		switch {
		case e.Fingerprint != "" && e.Kind == EntryConfirmed:
			j.fingerprints.add(e.Fingerprint)
		case e.Kind == EntryDuplicate:
			j.count(e)
		}
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Add records entries and syncs them to disk (the sync does not hold up
// Write).
func (j *Journal) Add(es ...JournalEntry) error {
	if err := j.Write(es...); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Close closes the journal file.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.w.Flush()
	j.closeAdopted()
	return j.f.Close()
}

// Audit writes one JSON line per write: who, when, where from, where to.
type Audit struct {
	mu   sync.Mutex
	f    *os.File
	who  string
	host string
}

// AuditRecord is one audit line.
type AuditRecord struct {
	Time       time.Time `json:"time"`
	User       string    `json:"user"`
	Host       string    `json:"host"`
	Action     string    `json:"action"`
	RedriveID  string    `json:"redrive_id"`
	Connection string    `json:"connection"`
	Source     string    `json:"source"`
	Position   string    `json:"position"`
	Target     string    `json:"target"`
	MessageID  string    `json:"message_id,omitempty"`
	// Edited marks a message published as edited (mqscope edit, E in the TUI).
	Edited bool   `json:"edited,omitempty"`
	Result string `json:"result"`
	// PossibleDuplicates counts the copies more than one of this message
	// the target may hold (earlier runs may have sent it); CorrelationID
	// and Identity name it when it has no message id.
	PossibleDuplicates int    `json:"possible_duplicates,omitempty"`
	CorrelationID      string `json:"correlation_id,omitempty"`
	Identity           string `json:"identity,omitempty"`
	// Counts sum up a whole run (its last line).
	Counts map[string]int `json:"counts,omitempty"`
}

// appendJSON appends the entry as encoding/json renders it, without
// reflection (a journal line is written for every message moved), with
// DEL, C1 and bidi controls escaped too: the file is safe to print.
func (e JournalEntry) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = jsonenc.AppendStringSafe(b, e.ID)
	b = append(b, `,"source":`...)
	b = jsonenc.AppendStringSafe(b, e.Source)
	b = append(b, `,"position":`...)
	b = jsonenc.AppendStringSafe(b, e.Position)
	b = append(b, `,"target":`...)
	b = jsonenc.AppendStringSafe(b, e.Target)
	if e.Fingerprint != "" {
		b = append(b, `,"fp":`...)
		b = jsonenc.AppendStringSafe(b, e.Fingerprint)
	}
	if e.Kind != "" {
		b = append(b, `,"kind":`...)
		b = jsonenc.AppendString(b, string(e.Kind))
	}
	for _, f := range [...]struct{ name, v string }{{`,"conn":`, e.Conn}, {`,"message_id":`, e.MessageID}, {`,"correlation_id":`, e.CorrelationID}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = jsonenc.AppendStringSafe(b, f.v)
		}
	}
	if e.Copies != 0 {
		b = append(b, `,"copies":`...)
		b = strconv.AppendInt(b, int64(e.Copies), 10)
	}
	b = append(b, `,"time":`...)
	b, ok := jsonenc.AppendTime(b, e.Time)
	if !ok {
		out, err := json.Marshal(e) // its error says what is wrong with the time
		return jsonenc.EscapeControls(out), err
	}
	return append(b, '}'), nil
}

// appendJSON appends the record as encoding/json renders it, controls a
// terminal acts on escaped too; the lines written once a message go
// without reflection.
func (r AuditRecord) appendJSON(b []byte) ([]byte, error) {
	if r.Counts != nil {
		out, err := json.Marshal(r)
		return append(b, jsonenc.EscapeControls(out)...), err
	}
	b = append(b, `{"time":`...)
	b, ok := jsonenc.AppendTime(b, r.Time)
	if !ok {
		out, err := json.Marshal(r)
		return append(b[:0], jsonenc.EscapeControls(out)...), err
	}
	for _, f := range [...]struct{ name, v string }{{`,"user":`, r.User}, {`,"host":`, r.Host}, {`,"action":`, r.Action},
		{`,"redrive_id":`, r.RedriveID}, {`,"connection":`, r.Connection}, {`,"source":`, r.Source},
		{`,"position":`, r.Position}, {`,"target":`, r.Target}} {
		b = append(b, f.name...)
		b = jsonenc.AppendStringSafe(b, f.v)
	}
	if r.MessageID != "" {
		b = append(b, `,"message_id":`...)
		b = jsonenc.AppendStringSafe(b, r.MessageID)
	}
	if r.Edited {
		b = append(b, `,"edited":true`...)
	}
	b = append(b, `,"result":`...)
	b = jsonenc.AppendStringSafe(b, r.Result)
	if r.PossibleDuplicates != 0 {
		b = append(b, `,"possible_duplicates":`...)
		b = strconv.AppendInt(b, int64(r.PossibleDuplicates), 10)
	}
	for _, f := range [...]struct{ name, v string }{{`,"correlation_id":`, r.CorrelationID}, {`,"identity":`, r.Identity}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = jsonenc.AppendStringSafe(b, f.v)
		}
	}
	return append(b, '}'), nil
}

// targetsOf names the targets of a run: the plan's, and any the run wrote
// to besides (a whole-queue run decides per message).
func targetsOf(p *Plan, res Result) string {
	ts := p.Summary().PerTarget
	for t := range res.PerTarget {
		ts[t]++
	}
	return strings.Join(SortedKeys(ts), ", ")
}

// summary is the audit line that ends a run: what it did, counted.
func summary(action, id, conn, source, target string, res Result, err error) AuditRecord {
	r := AuditRecord{Time: time.Now(), Action: action + "-run", RedriveID: id, Connection: conn, Source: source, Target: target, Result: "finished",
		Counts: map[string]int{"total": res.Total, "done": res.Done, "failed": res.Failed, "parked": res.Parked, "skipped": res.Skipped,
			"duplicates": res.Duplicates, "returned": res.Returned}}
	if n := res.PossibleCopies(); n > 0 {
		r.Counts["possible_duplicates"] = n
	}
	if res.InDoubt > 0 {
		r.Counts["in_doubt"] = res.InDoubt
	}
	if res.FoundWritten > 0 {
		r.Counts["found_written"] = res.FoundWritten
	}
	for t, n := range res.PerTarget {
		r.Counts["to "+t] = n
	}
	switch {
	case err != nil:
		r.Result = "failed: " + err.Error()
	case res.Stop.Early():
		r.Result = "stopped: " + res.Stop.String()
	}
	return r
}

// OpenAudit appends to the audit log at path.
func OpenAudit(path string) (*Audit, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := endTornLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	a := &Audit{f: f, who: "unknown"}
	if u, err := user.Current(); err == nil {
		a.who = u.Username
	}
	a.host, _ = os.Hostname()
	return a, nil
}

// endTornLine ends the last line of a log a killed process left without
// its newline, so the next record starts a line of its own instead of
// being glued to the torn one (and lost to every reader with it).
func endTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

// Write appends records (nil Audit writes nothing).
func (a *Audit) Write(rs ...AuditRecord) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// One write for the batch: appended whole (O_APPEND) beside another
	// run's, and a process killed around it leaves whole lines.
	var buf []byte
	for _, r := range rs {
		r.User, r.Host = a.who, a.host
		var err error
		if buf, err = r.appendJSON(buf); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		buf = append(buf, '\n')
	}
	if len(buf) == 0 {
		return nil
	}
	if _, err := a.f.Write(buf); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Close closes the audit log.
func (a *Audit) Close() error {
	if a == nil {
		return nil
	}
	return a.f.Close()
}

// HeldElsewhere reports that another run of the same id, here or in
// another mqscope, held the journal's lock when it was opened: it is
// still running.
func (j *Journal) HeldElsewhere() bool { return j != nil && j.elsewhere }

// RunningElsewhereError is the end of a run whose id another run, still
// running, holds: nothing was written.
type RunningElsewhereError struct {
	// ID is the redrive id, Source its dead-letter stream or queue.
	ID, Source string
}

// Error says what is going on and what to do.
func (e *RunningElsewhereError) Error() string {
	return fmt.Sprintf("another run of redrive %s of %s is running (here or in another mqscope: it holds the journal): nothing written; let it finish, or stop it (Ctrl-C), then run the same redrive again with the same id to settle what it leaves", e.ID, e.Source)
}

// Began is when the unfinished run the journal holds began: the time of
// its first entry since the id's last run ended (zero when there is none:
// this run is the id's first attempt, or the last one ended complete).
func (j *Journal) Began() time.Time {
	if j == nil {
		return time.Time{}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.began
}
