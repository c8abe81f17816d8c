package replay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// adoptedJournal is the journal of an unfinished run another run took
// over, locked while that run lives.
type adoptedJournal struct {
	f    *os.File
	id   string
	open int
}

// Adopt starts a RabbitMQ or SQS run in the journal: it writes the start
// record (the source and the connection's address), then takes over every
// other run of the same source and connection in the journal's folder
// that did not finish (no end record, none adopted it) and is not running
// (its journal is not locked): what it left open (sent and not known to
// be confirmed, confirmed and not known to be acknowledged) counts in this
// run's claims exactly as if this run resumed it, and its possible
// duplicates in this run's. Finish marks them finished when this run ends
// complete. A journal that cannot be read is left alone.
func (j *Journal) Adopt(source, conn string) ([]TakenOverRun, error) {
	if j == nil {
		return nil, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		if err := j.write([]JournalEntry{{ID: j.id, Source: source, Conn: conn, Kind: EntryStart, Time: time.Now()}}); err != nil {
			return nil, err
		}
		if err := j.f.Sync(); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		j.started = true
	}
	names, err := filepath.Glob(filepath.Join(j.dir, "*.journal"))
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	sort.Strings(names)
	var took []TakenOverRun
	for _, name := range names {
		id := strings.TrimSuffix(filepath.Base(name), ".journal")
		if id == j.id || j.hasAdopted(id) {
			continue
		}
		a, err := j.adopt(name, id, source, conn)
		if err != nil {
			return took, err
		}
		if a != nil {
			took = append(took, TakenOverRun{ID: id, Source: source, Open: a.open})
		}
	}
	return took, nil
}

func (j *Journal) hasAdopted(id string) bool {
	for _, a := range j.adopted {
		if a.id == id {
			return true
		}
	}
	return false
}

// adopt takes over the journal at name when it is an unfinished run of
// source on conn that no process holds; nil when it is not.
func (j *Journal) adopt(name, id, source, conn string) (*adoptedJournal, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("journal %s: %w", id, err)
	}
	if lockFile(f) != nil { // a run that still runs
		f.Close()
		return nil, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", id, err)
	}
	ours, finished := false, false
	var entries []JournalEntry
	scanJournal(data, func(e JournalEntry) {
		switch e.Kind {
		case EntryStart:
			ours = ours || e.Source == source && e.Conn == conn
		case EntryEnd, EntryAdopted:
			finished = true
		}
		entries = append(entries, e)
	})
	if !ours || finished {
		f.Close()
		return nil, nil
	}
	var open fingerprintTally[openCounts]
	var fps fingerprintSet
	for _, e := range entries {
		j.count(e)
		if e.Fingerprint == "" || e.Kind == EntryDuplicate {
			continue
		}
		c := open.get(e.Fingerprint)
		c.count(e.Kind)
		open.set(e.Fingerprint, c)
		if e.Kind == EntryConfirmed {
			fps.add(e.Fingerprint)
		}
	}
	a := &adoptedJournal{f: f, id: id}
	seen := fingerprintSet{}
	for _, e := range entries {
		if e.Fingerprint == "" || seen.has(e.Fingerprint) {
			continue
		}
		seen.add(e.Fingerprint)
		c := open.get(e.Fingerprint)
		a.open += int(max(c.confirmed, 0) + max(c.uncertain, 0))
	}
	if a.open == 0 { // an SQS run journals only what was sent: each may not be deleted
		a.open = fps.len()
	}
	j.adopted = append(j.adopted, a)
	return a, nil
}

// Finish records that the run ended complete: the runs it took over are
// marked adopted by it, then its own end record is written, all synced.
func (j *Journal) Finish() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	for _, a := range j.adopted {
		line, err := JournalEntry{ID: a.id, Target: j.id, Kind: EntryAdopted, Time: now}.appendJSON(nil)
		if err == nil {
			_, err = a.f.Write(append(line, '\n'))
		}
		if err == nil {
			err = a.f.Sync()
		}
		if err != nil {
			return fmt.Errorf("journal %s: %w", a.id, err)
		}
	}
	if err := j.write([]JournalEntry{{ID: j.id, Kind: EntryEnd, Time: now}}); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Duplicates are the possible duplicates every run of this id, and of the
// runs it took over, recorded.
func (j *Journal) Duplicates() []PossibleDuplicate {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]PossibleDuplicate(nil), j.duplicates...)
}

// closeAdopted lets go of the journals taken over.
func (j *Journal) closeAdopted() {
	for _, a := range j.adopted {
		a.f.Close()
	}
	j.adopted = nil
}
