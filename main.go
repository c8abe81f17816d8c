// Command mqscope is a terminal UI and toolbox for inspecting message flows:
// browse Kafka topics live, read dead letters, export and tail from scripts.
package main

import (
	"os"

	"github.com/mqscope/mqscope/cmd"
)

func main() {
	os.Exit(cmd.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
