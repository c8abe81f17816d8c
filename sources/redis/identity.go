package redis

import "github.com/mqscope/mqscope/sources"

// PublisherID is none: an entry ID is the stream's own, given to each
// copy anew.
func (c *Conn) PublisherID(*sources.Message) string { return "" }

// OrderKey is the whole stream: Redis keeps a stream's entries in the
// order they were added, and an entry has no key.
func (c *Conn) OrderKey(*sources.Message) ([]byte, bool) { return []byte{}, true }

var _ sources.Identities = (*Conn)(nil)
