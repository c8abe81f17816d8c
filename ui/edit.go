package ui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// editFileWritten carries the file a message was written to for editing.
type editFileWritten struct {
	page int
	path string
	orig sources.Message
	doc  []byte
	typed
	err error
}

// typed is what an edit of a schema-decoded value carries along: the
// decoder and the original value as decoded (nil: a raw value).
type typed struct {
	ctx     context.Context
	dec     *schema.Decoder
	decoded *schema.Decoded
}

func (m editFileWritten) pageID() int { return m.page }

// editorClosed says the editor exited.
type editorClosed struct {
	page int
	path string
	orig sources.Message
	doc  []byte // what the file held before the editor ran
	typed
	err error
}

func (m editorClosed) pageID() int { return m.page }

// editRead carries the edited message, read back from the file.
type editRead struct {
	page      int
	orig      sources.Message
	edit      replay.Edit
	da, db    *schema.Decoded    // the original and the edited value decoded (nil: raw values)
	reenc     *replay.Reencoding // what writing the edited document does to the value's bytes (nil: a raw value)
	unchanged bool
	err       error
}

func (m editRead) pageID() int { return m.page }

// editMessage writes a message to a temporary file for $EDITOR; a value
// in a schema (dec decodes it: the registry is asked here, in the Cmd) is
// written as its decoded document.
func editMessage(ctx context.Context, dec *schema.Decoder, m sources.Message, page int) tea.Cmd {
	return func() tea.Msg {
		t := typed{ctx: ctx, dec: dec, decoded: msgdiff.Decode(ctx, dec, &m)}
		doc := replay.EditDocumentDecoded(m, t.decoded)
		path, err := editor.TempFile(doc)
		if err != nil {
			return editFileWritten{page: page, err: err}
		}
		return editFileWritten{page: page, path: path, orig: m, doc: doc, typed: t}
	}
}

// runEditor hands the terminal to the editor until it exits.
func runEditor(w editFileWritten) tea.Cmd {
	return tea.ExecProcess(editor.Command(w.path), func(err error) tea.Msg {
		return editorClosed{page: w.page, path: w.path, orig: w.orig, doc: w.doc, typed: w.typed, err: err}
	})
}

// readEdit reads the edited file back and removes it.
func readEdit(c editorClosed) tea.Cmd {
	return func() tea.Msg {
		doc, changed, err := editor.ReadBack(c.path, c.doc)
		switch {
		case c.err != nil:
			return editRead{page: c.page, orig: c.orig, err: fmt.Errorf("the editor failed (set $EDITOR): %w", c.err)}
		case err != nil:
			return editRead{page: c.page, orig: c.orig, err: err}
		case !changed:
			return editRead{page: c.page, orig: c.orig, unchanged: true}
		}
		e, err := replay.ParseEdit(doc)
		if err != nil {
			return editRead{page: c.page, orig: c.orig, err: err}
		}
		e.KeepValueBytes(c.orig.Value)
		if e.Decoded == nil {
			return editRead{page: c.page, orig: c.orig, edit: e}
		}
		if c.decoded == nil {
			return editRead{page: c.page, orig: c.orig, err: errors.New("the edited message: value_decoded, but the value was not decoded with a schema")}
		}
		db, re, err := e.EncodeValue(c.ctx, c.dec, c.orig, c.decoded) // refused before anything is written
		return editRead{page: c.page, orig: c.orig, edit: e, da: c.decoded, db: db, reenc: &re, err: err}
	}
}

// edited handles the stages of an edit; the last opens the redrive dialog
// for the one message with its edit and the diff.
func (p *messagesPage) edited(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case editFileWritten:
		if msg.err != nil {
			return setError(msg.err)
		}
		return runEditor(msg)
	case editorClosed:
		return readEdit(msg)
	case editRead:
		switch {
		case msg.err != nil:
			return setError(msg.err)
		case msg.unchanged:
			return setStatus("the file was not changed: nothing redriven")
		}
		d := newRedriveDialog(p.c, p.conn, p.pid, p.stream.Name, []sources.Message{msg.orig}, false)
		d.opts.Edits = map[string]replay.Edit{replay.Fingerprint(msg.orig): msg.edit}
		d.reencoding = msg.reenc
		check := d.replan()
		edited := msg.edit.Edited(msg.orig)
		for _, r := range msgdiff.MessagesDecoded(&msg.orig, &edited, msg.da, msg.db) {
			if r.Change != msgdiff.Same {
				d.edits = append(d.edits, r)
			}
		}
		p.openOverlay(redriveOverlay{d})
		return check
	}
	return nil
}

// startEdit opens the selected message in $EDITOR.
func (p *messagesPage) startEdit() tea.Cmd {
	if p.view.Len() == 0 {
		return nil
	}
	m := *p.view.At(p.cur.sel)
	if m.Truncated() {
		return setError(fmt.Errorf("the buffer holds only the start of this value (%d of %d bytes): open it (enter) to read it whole first", len(m.Value), m.ValueSize))
	}
	return editMessage(p.ctx, p.c.decoder(p.conn.Name()), m, p.pid)
}
