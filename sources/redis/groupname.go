package redis

import (
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// whichGroup finds the stream and group a DescribeGroup name means among
// all: "stream/group" exactly, else a bare group name that only one
// stream has.
func (c *Conn) whichGroup(all []streamFacts, name string) (stream, group string, err error) {
	var onStreams []string
	for _, f := range all {
		for _, g := range f.groups {
			if GroupName(f.key, g.Name) == name {
				return f.key, g.Name, nil
			}
			if g.Name == name {
				onStreams = append(onStreams, f.key)
			}
		}
	}
	switch len(onStreams) {
	case 0:
		return "", "", fmt.Errorf("redis %s: no stream has a group %q: %w", c.addr, name, sources.ErrUnknownStream)
	case 1:
		return onStreams[0], name, nil
	}
	return "", "", fmt.Errorf("redis %s: group %q is on several streams (%s): name it stream/group", c.addr, name, strings.Join(onStreams, ", "))
}
