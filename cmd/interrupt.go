package cmd

// exitInterrupted is the exit status of a command a signal (Ctrl-C,
// SIGTERM) stopped before it was done: 128 + SIGINT, as shells report a
// command Ctrl-C ended.
const exitInterrupted = 130

// interruptedError says a command was stopped by a signal before it was
// done, and what it had done by then; Execute says it and exits with
// exitInterrupted.
type interruptedError struct {
	// detail is what was done, or how to go on ("" for nothing to add).
	detail string
}

// Error says "interrupted: <detail>".
func (e *interruptedError) Error() string {
	if e.detail == "" {
		return "interrupted"
	}
	return "interrupted: " + e.detail
}
