// Package replay moves messages between streams: capture to files, replay of
// files, and the redrive of dead letters (plan, dry run, execute, journal).
// It depends on sources and never on the UI.
package replay
