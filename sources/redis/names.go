package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// KeyForm and ViewForm end a name that holds PendingMarker to say which
// of its meanings it is: "S#pending:G#key" is the stream key
// "S#pending:G", "S#pending:G#view" the dead-letter view of group G of
// stream S. A real key of a view's name and the view are listed and
// addressed so (ListStreams); the plain name of both is refused
// (AmbiguousNameError), never one of them picked.
const (
	KeyForm  = "#key"
	ViewForm = "#view"
)

// KeyName is the name that addresses the stream key key alone: key itself,
// or key+KeyForm for a key that holds PendingMarker.
func KeyName(key string) string {
	if strings.Contains(key, PendingMarker) {
		return key + KeyForm
	}
	return key
}

// ViewName is the name that addresses the dead-letter view of group of
// stream alone: PendingName(stream, group)+ViewForm.
func ViewName(stream, group string) string { return PendingName(stream, group) + ViewForm }

// AmbiguousNameError refuses a name that stands for more than one thing:
// a stream key of that name and a group's dead-letter view
// (PendingName), or the views of two groups.
type AmbiguousNameError struct {
	// Name is the name asked for.
	Name string
	// Meanings are what it stands for, each with the name that addresses
	// it alone.
	Meanings []NameMeaning
}

// NameMeaning is one thing an ambiguous name stands for.
type NameMeaning struct {
	// Stream is the stream key; Group the group, "" for the key itself.
	Stream, Group string
	// Address is the name that addresses it alone (KeyName, ViewName).
	Address string
}

// Error names every meaning and how to address it.
func (e *AmbiguousNameError) Error() string {
	parts := make([]string, len(e.Meanings))
	for i, m := range e.Meanings {
		if m.Group == "" {
			parts[i] = fmt.Sprintf("the stream key %q (address it as %q)", m.Stream, m.Address)
		} else {
			parts[i] = fmt.Sprintf("the dead letters of group %q of stream %q (address them as %q)", m.Group, m.Stream, m.Address)
		}
	}
	return fmt.Sprintf("%q stands for %s", e.Name, strings.Join(parts, " and for "))
}

// Unwrap makes it an unknown stream to callers that look for one.
func (e *AmbiguousNameError) Unwrap() error { return sources.ErrUnknownStream }

// resolve finds what name stands for: a stream key, or the dead-letter
// view of a group (PendingName), or one of them by its form (KeyForm,
// ViewForm). A name that stands for more than one is refused with an
// *AmbiguousNameError; a key of another type is no meaning, and is named
// when there is none.
func (c *Conn) resolve(ctx context.Context, name string) (target, error) {
	var found []target
	add := func(t target) {
		for _, f := range found {
			if f == t {
				return
			}
		}
		found = append(found, t)
	}
	typ, err := c.client.Type(ctx, name).Result()
	if err != nil {
		return target{}, fmt.Errorf("redis %s: type of %q: %w", c.addr, name, c.cause(err))
	}
	if typ == "stream" {
		add(target{stream: name})
	}
	var noGroup error
	views := func(n string) error {
		for _, sg := range pendingSplits(n) {
			gs, err := c.client.XInfoGroups(ctx, sg[0]).Result()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			has := false
			for _, g := range gs {
				if g.Name == sg[1] {
					add(target{stream: sg[0], group: sg[1]})
					has = true
				}
			}
			if !has && noGroup == nil {
				noGroup = fmt.Errorf("redis %s: %q names the dead letters of group %q, but stream %q has no such group (%s): %w",
					c.addr, name, sg[1], sg[0], groupNames(gs), sources.ErrUnknownStream)
			}
		}
		return nil
	}
	if err := views(name); err != nil {
		return target{}, err
	}
	if k, ok := strings.CutSuffix(name, KeyForm); ok && strings.Contains(k, PendingMarker) {
		if t, err := c.client.Type(ctx, k).Result(); err == nil && t == "stream" {
			add(target{stream: k})
		}
	}
	if v, ok := strings.CutSuffix(name, ViewForm); ok && strings.Contains(v, PendingMarker) {
		if err := views(v); err != nil {
			return target{}, err
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		e := &AmbiguousNameError{Name: name}
		for _, t := range found {
			m := NameMeaning{Stream: t.stream, Group: t.group, Address: KeyName(t.stream)}
			if t.group != "" {
				m.Address = ViewName(t.stream, t.group)
			}
			e.Meanings = append(e.Meanings, m)
		}
		return target{}, fmt.Errorf("redis %s: %w", c.addr, e)
	case typ != "none":
		return target{}, fmt.Errorf("redis %s: key %q is a %s, not a stream: %w", c.addr, name, typ, sources.ErrUnknownStream)
	case noGroup != nil:
		return target{}, noGroup
	}
	return target{}, fmt.Errorf("redis %s: no stream %q: %w", c.addr, name, sources.ErrUnknownStream)
}
