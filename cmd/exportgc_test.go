package cmd

import (
	"io"
	"os"
	"runtime/debug"
	"testing"
)

// TestExportBoundsTheHeapByItsInFlightBudget: an export sets a soft memory
// limit of what the process holds plus exportLimitFactor times its
// in-flight budget, and a GOGC of exportGCPercent, and puts both back when
// it ends.
func TestExportBoundsTheHeapByItsInFlightBudget(t *testing.T) {
	for _, k := range []string{"GOMEMLIMIT", "GOGC"} {
		t.Setenv(k, "") // put back after the test
		os.Unsetenv(k)
	}
	limitBefore, gcBefore := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(gcBefore)
	const budget = 4 << 20
	held := heldMemory()
	restore := collectForExport(budget, gcPacing{percent: exportGCPercent, limitFactor: exportLimitFactor})
	limit := debug.SetMemoryLimit(-1)
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	restore()
	if held <= 0 {
		t.Fatalf("the runtime says it holds %d bytes", held)
	}
	if limit < held+exportLimitFactor*budget || limit > heldMemory()+exportLimitFactor*budget {
		t.Fatalf("memory limit %d: want what the process held (%d) plus %d times the budget (%d)", limit, held, exportLimitFactor, budget)
	}
	if gc != exportGCPercent {
		t.Fatalf("GOGC %d during the export, want %d", gc, exportGCPercent)
	}
	if after := debug.SetMemoryLimit(-1); after != limitBefore {
		t.Fatalf("memory limit %d after the export, want the one before (%d)", after, limitBefore)
	}
	if after := debug.SetGCPercent(gcBefore); after != gcBefore {
		t.Fatalf("GOGC %d after the export, want the one before (%d)", after, gcBefore)
	}
}

// TestExportKeepsTheUsersGOMEMLIMIT: with GOMEMLIMIT (or GOGC) set, the
// export leaves that setting alone.
func TestExportKeepsTheUsersGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	t.Setenv("GOGC", "100")
	limitBefore, gcBefore := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(gcBefore)
	restore := collectForExport(0, gcPacing{percent: exportGCPercent, limitFactor: exportLimitFactor})
	limit := debug.SetMemoryLimit(-1)
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	restore()
	if limit != limitBefore || gc != gcBefore {
		t.Fatalf("memory limit %d and GOGC %d during the export, want the ones before (%d, %d)", limit, gc, limitBefore, gcBefore)
	}
}

// TestExportLimitFactorFollowsTheFormat: a raw export, which decodes
// nothing, is held to rawLimitFactor times its budget and paced by
// rawGCPercent; JSON lines, kcat's format and templates by
// exportLimitFactor and exportGCPercent.
func TestExportLimitFactorFollowsTheFormat(t *testing.T) {
	raw, decoding := gcPacing{percent: rawGCPercent, limitFactor: rawLimitFactor}, gcPacing{percent: exportGCPercent, limitFactor: exportLimitFactor}
	for format, want := range map[string]gcPacing{"raw": raw, "jsonl": decoding, "kcat": decoding, "template": decoding} {
		f := readFlags{format: format}
		if got := gcPacingOf(newWriter(&f, io.Discard, nil)); got != want {
			t.Errorf("--format %s: pacing %+v, want %+v", format, got, want)
		}
	}
	if rawLimitFactor >= exportLimitFactor {
		t.Errorf("the raw factor (%d) is not below the decoding one (%d)", rawLimitFactor, exportLimitFactor)
	}
}
