package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/mqscope/mqscope/sources/schema"
)

// registryFailures are the registry failures of a read: told on stderr
// once per kind (down, unauthorised, slow), as the lines carry them too
// and a terminal should not fill with one notice per message, and
// counted, for the end of an export to say how many went undecoded.
type registryFailures struct {
	told         map[schema.Kind]bool
	keys, values int64
	first        string // the first failure, in a line
}

// tell says on stderr, once per kind, why the registry could not give a
// schema for d's key or value, and counts them.
func (t *registryFailures) tell(stderr io.Writer, d *decodedMsg) {
	if d == nil {
		return
	}
	for i, x := range [2]*schema.Decoded{d.key, d.value} {
		if x == nil || x.Err == nil {
			continue
		}
		k := schema.KindOf(x.Err)
		if k != schema.KindRegistryDown && k != schema.KindUnauthorized && k != schema.KindRegistrySlow {
			continue
		}
		if i == 0 {
			t.keys++
		} else {
			t.values++
		}
		if t.first == "" {
			t.first = oneLine(x.Err.Error())
		}
		if t.told[k] || stderr == nil {
			continue
		}
		if t.told == nil {
			t.told = map[schema.Kind]bool{}
		}
		t.told[k] = true
		fmt.Fprintf(stderr, "mqscope: schema registry: %s (values written undecoded, with the error in their lines)\n", oneLine(x.Err.Error()))
	}
}

// summary says how many keys and values were exported undecoded because
// the registry failed ("" for none): "3 values and 1 key were exported
// undecoded: the registry failed (...)".
func (t registryFailures) summary() string {
	var parts []string
	if t.values > 0 {
		parts = append(parts, counted(t.values, "value"))
	}
	if t.keys > 0 {
		parts = append(parts, counted(t.keys, "key"))
	}
	if len(parts) == 0 {
		return ""
	}
	verb := "were"
	if t.keys+t.values == 1 {
		verb = "was"
	}
	return fmt.Sprintf("%s %s exported undecoded: the registry failed (%s); export again when it answers to have them decoded", strings.Join(parts, " and "), verb, t.first)
}
