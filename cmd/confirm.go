package cmd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mqscope/mqscope/internal/safetext"
)

// confirm asks a yes/no question; anything but y/yes is no. Without a
// terminal it says to pass --yes to verb (redrive, replay...) instead.
func confirm(in io.Reader, out io.Writer, verb, question string) (bool, error) {
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice == 0 && st.Mode()&os.ModeNamedPipe == 0 && st.Size() == 0 {
			return false, fmt.Errorf("no terminal to ask on: pass --yes to %s without asking", verb)
		}
	}
	fmt.Fprint(out, safetext.String(question)) // it names streams and targets from the broker
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("no answer: pass --yes to %s without asking", verb)
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
