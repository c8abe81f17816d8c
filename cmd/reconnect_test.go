package cmd

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestTailRetriesThenGivesUp: a broker that goes away and stays away ends
// a tail with status 1 after the retry window, saying so.
func TestTailRetriesThenGivesUp(t *testing.T) {
	addr, start := testbroker.RestartableKafka(t, "live")
	kf := start()
	if err := testbroker.FillKafka(addr, "live", 3, []byte("x")); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := run(t, "--kafka", addr, "tail", "live", "--from", "oldest", "--retry", "2s")
		done <- result{code, out, errOut}
	}()
	time.Sleep(1500 * time.Millisecond)
	kf.Close()
	select {
	case r := <-done:
		if r.code == 0 || !strings.Contains(r.errOut, "retrying for up to 2s") || !strings.Contains(r.errOut, "gave up after retrying") || strings.Count(r.out, "\n") != 3 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the tail did not give up")
	}
}

// TestTailGoesOnAfterABrokerRestart: back within the retry window, the
// tail goes on with the new messages.
func TestTailGoesOnAfterABrokerRestart(t *testing.T) {
	addr, start := testbroker.RestartableKafka(t, "live")
	kf := start()
	if err := testbroker.FillKafka(addr, "live", 3, []byte("x")); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		code, out, errOut := run(t, "--kafka", addr, "tail", "live", "--from", "oldest", "--limit", "5", "--retry", "30s")
		done <- fmt.Sprintf("%d\n%s\n%s", code, out, errOut)
	}()
	time.Sleep(1500 * time.Millisecond)
	kf.Close()
	time.Sleep(1500 * time.Millisecond)
	kf = start()
	defer kf.Close()
	if err := testbroker.FillKafka(addr, "live", 2, []byte("y")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if !strings.HasPrefix(r, "0\n") || strings.Count(r, "live") < 5 {
			t.Fatalf("tail across the restart:\n%s", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the tail did not go on after the broker came back")
	}
}
