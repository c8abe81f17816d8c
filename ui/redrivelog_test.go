package ui

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/logging"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestRedriveFromTheTUIIsLogged: a redrive run from the dialog logs its
// plan, its start, its progress and its result.
func TestRedriveFromTheTUIIsLogged(t *testing.T) {
	conn := demoConn(t, 40, 4)
	var buf syncBuffer
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	c.BreakerShare = -1
	c.Log = logging.New(&buf, &logging.Redactor{})
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicOrdersDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 31, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended })
	p.Update(keyPress(" "))
	pump(t, p, p.Update(keyPress("R")), func() bool { return redriveOf(p) != nil && redriveOf(p).checked })
	pump(t, p, p.Update(keyPress("y")), func() bool { return redriveOf(p).state == redriveDone })
	if redriveOf(p).err != nil || redriveOf(p).res.Done != 1 {
		t.Fatalf("redrive: %+v %v", redriveOf(p).res, redriveOf(p).err)
	}
	pump(t, p, nil, func() bool { return strings.Contains(buf.String(), `"msg":"redrive finished"`) })
	log := buf.String()
	id := redriveOf(p).plan.ID
	for _, want := range []string{
		`"msg":"redrive plan made","id":"` + id + `","connection":"demo","source":"orders.DLT","messages":1`,
		`"msg":"redrive run started","id":"` + id + `"`,
		`"msg":"redrive progress","id":"` + id + `"`,
		`"msg":"redrive finished","id":"` + id + `","connection":"demo","source":"orders.DLT","total":1,"done":1`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("%s not in the log:\n%s", want, log)
		}
	}
}
