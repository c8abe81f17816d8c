package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// schemasFor notes whether msgs have schemas (the VER column) and fetches
// in a Cmd those the read's delivery did not (a delivery that came
// another way, a fetch that gave up waiting).
func (p *messagesPage) schemasFor(msgs []sources.Message) tea.Cmd {
	dec := p.c.decoder(p.conn.Name())
	if dec == nil || len(msgs) == 0 {
		return nil
	}
	for i := 0; i < len(msgs) && !p.typed; i++ {
		m := &msgs[i]
		p.typed = dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value).Origin != schema.OriginContent
	}
	missing := missingSchemas(dec, msgs, false)
	if len(missing) == 0 {
		return nil
	}
	if p.waiting == nil {
		p.waiting = map[int]bool{}
	}
	for _, c := range missing {
		p.waiting[c.ID] = true
	}
	return fetchClasses(p.ctx, dec, missing, p.pid, "", 0)
}

// schemasArrived takes the end of a fetch the rows waited for: the ids
// now held (fetched, or failed: their rows show the bytes and why) are
// waited for no more; a fetch that gave up while the registry's answer
// is still on its way is asked for again, a few times at most.
func (p *messagesPage) schemasArrived(msg schemasFetched) tea.Cmd {
	dec := p.c.decoder(p.conn.Name())
	if dec == nil || msg.pos != "" {
		return nil
	}
	var again []schema.Class
	for _, c := range msg.classes {
		if _, held := dec.Cached(c); held || msg.attempt+1 >= maxSchemaAttempts || p.ctx.Err() != nil {
			delete(p.waiting, c.ID)
			continue
		}
		again = append(again, c)
	}
	if len(again) == 0 {
		return nil
	}
	return fetchClasses(p.ctx, dec, again, p.pid, "", msg.attempt+1)
}

// registryWait is what the list waits for from the registry ("" nothing).
func (p *messagesPage) registryWait() string {
	if len(p.waiting) == 0 {
		return ""
	}
	ids := make([]int, 0, len(p.waiting))
	for id := range p.waiting {
		ids = append(ids, id)
	}
	return registryWait(p.c.decoder(p.conn.Name()), ids)
}

// decodedValue is m's value decoded with a schema already fetched, for the
// filter and the search to see, as a headless read decodes it: with its
// error, and the document the decoder produced along with it if any (nil:
// the value has no schema, its schema is not fetched yet, or the buffer
// holds only its start).
func (p *messagesPage) decodedValue(m *sources.Message) *schema.Decoded {
	v := showPart(p.c.decoder(p.conn.Name()), schema.PartValue, m)
	if !v.typed || !v.ready || v.cut {
		return nil
	}
	dec := v.dec // copied only when there is one: most values have none
	return &dec
}

// decodedJSON is the document of m's value decoded with a schema already
// fetched (nil: none), for a search, without allocating.
func (p *messagesPage) decodedJSON(m *sources.Message) []byte {
	if v := showPart(p.c.decoder(p.conn.Name()), schema.PartValue, m); v.hasDoc() {
		return v.dec.JSON
	}
	return nil
}
