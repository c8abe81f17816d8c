package redis

import "github.com/mqscope/mqscope/sources"

// OrderKey is the whole stream: Redis keeps a stream's entries in the
// order they were added, and an entry has no key. (An entry ID is the
// stream's own, given to each copy anew: no publisher's id.)
func (c *Conn) OrderKey(*sources.Message) ([]byte, bool) { return []byte{}, true }

var _ sources.Orderer = (*Conn)(nil)
