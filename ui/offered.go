package ui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"

	"github.com/mqscope/mqscope/sources"
)

// groupsOffered drops the consumer groups key from a help list where the
// connection has no groups to list (RabbitMQ, SQS).
func groupsOffered(conn sources.Conn, bs []key.Binding, k *KeyMap) []key.Binding {
	if _, ok := conn.(sources.GroupLister); ok {
		return bs
	}
	return slices.DeleteFunc(slices.Clone(bs), func(b key.Binding) bool {
		return b.Help() == k.Groups.Help() && slices.Equal(b.Keys(), k.Groups.Keys())
	})
}

// promptKeys are the keys of a text prompt; an expression prompt also
// completes field names (tab) and lists them (?).
func promptKeys(expression bool) []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	keys := []key.Binding{b("enter", "apply"), b("esc", "cancel")}
	if expression {
		keys = append(keys, b("tab", "complete"), b("?", "fields"))
	}
	return keys
}
