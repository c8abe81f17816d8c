package cmd

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// restartable is a kfake on a fixed port and data dir, so it can stop and
// come back with its data.
func restartable(t *testing.T) (addr string, start func() *kfake.Cluster) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	return fmt.Sprintf("127.0.0.1:%d", port), func() *kfake.Cluster {
		kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(1, "live"))
		if err != nil {
			t.Fatal(err)
		}
		return kf
	}
}

// TestTailRetriesThenGivesUp: a broker that goes away and stays away ends
// a tail with status 1 after the retry window, saying so.
func TestTailRetriesThenGivesUp(t *testing.T) {
	addr, start := restartable(t)
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
	addr, start := restartable(t)
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
