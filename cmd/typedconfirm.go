package cmd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/mqscope/mqscope/internal/safetext"
)

// confirmTyped asks before a write of many messages: the answer must be
// one of want (the count, the stream's name), typed out; anything else,
// an empty line included, is no. A file or pipe on in (not a terminal)
// is never asked: --yes is needed then.
func confirmTyped(in io.Reader, out io.Writer, verb, question string, want ...string) (bool, error) {
	if f, ok := in.(*os.File); ok && !term.IsTerminal(f.Fd()) {
		return false, fmt.Errorf("no terminal to ask on: pass --yes to %s without asking", verb)
	}
	fmt.Fprint(out, safetext.String(question)) // it names streams and targets from the broker
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("no answer: pass --yes to %s without asking", verb)
	}
	a := strings.TrimSpace(line)
	for _, w := range want {
		if a != "" && a == w {
			return true, nil
		}
	}
	return false, nil
}
