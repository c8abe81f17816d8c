package cmd

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// batchCorrupter spoils, on the wire, the record batch of one partition
// that starts at or after an offset: every fetch response that carries it
// has its last byte flipped (its checksum no longer matches).
type batchCorrupter struct {
	topic     string
	partition int32
	from      int64
	first     atomic.Int64 // the first offset of the batch spoilt (-1: none yet)
}

// listen is a kfake ListenFn whose connections go through c.
func (c *batchCorrupter) listen(network, address string) (net.Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return corruptingListener{Listener: ln, c: c}, nil
}

type corruptingListener struct {
	net.Listener
	c *batchCorrupter
}

func (l corruptingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corruptingConn{Conn: conn, c: l.c, fetches: map[int32]int16{}}, nil
}

// corruptingConn is the broker's side of a connection: it reads requests
// (noting the fetches' correlation ids and versions) and writes responses,
// the fetches' spoilt.
type corruptingConn struct {
	net.Conn
	c          *batchCorrupter
	mu         sync.Mutex
	fetches    map[int32]int16
	read, sent []byte
}

func (cc *corruptingConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.read = append(cc.read, p[:n]...)
	for len(cc.read) >= 4 {
		size := int(binary.BigEndian.Uint32(cc.read))
		if len(cc.read) < 4+size || size < 8 {
			break
		}
		req := cc.read[4 : 4+size]
		if int16(binary.BigEndian.Uint16(req)) == int16(kmsg.Fetch) {
			cc.fetches[int32(binary.BigEndian.Uint32(req[4:]))] = int16(binary.BigEndian.Uint16(req[2:]))
		}
		cc.read = cc.read[4+size:]
	}
	return n, err
}

func (cc *corruptingConn) Write(p []byte) (int, error) {
	cc.mu.Lock()
	cc.sent = append(cc.sent, p...)
	var out []byte
	for len(cc.sent) >= 4 {
		size := int(binary.BigEndian.Uint32(cc.sent))
		if len(cc.sent) < 4+size {
			break
		}
		frame := cc.sent[:4+size]
		if v, ok := cc.fetches[int32(binary.BigEndian.Uint32(frame[4:]))]; ok {
			delete(cc.fetches, int32(binary.BigEndian.Uint32(frame[4:])))
			body := frame[8:]
			if v >= 12 {
				body = body[1:] // the response header's empty tags
			}
			cc.c.spoil(v, body)
		}
		out = append(out, frame...)
		cc.sent = cc.sent[4+size:]
	}
	cc.mu.Unlock()
	if _, err := cc.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// spoil flips the last byte of the batch to spoil in a fetch response's
// body (the decoded response's record bytes are the body's).
func (c *batchCorrupter) spoil(version int16, body []byte) {
	resp := kmsg.NewFetchResponse()
	resp.Version = version
	if err := resp.ReadFrom(body); err != nil {
		return
	}
	for _, t := range resp.Topics {
		if t.Topic != c.topic {
			continue
		}
		for _, p := range t.Partitions {
			if p.Partition != c.partition {
				continue
			}
			for raw := p.RecordBatches; len(raw) >= 12; {
				first, n := int64(binary.BigEndian.Uint64(raw)), 12+int(binary.BigEndian.Uint32(raw[8:]))
				if n > len(raw) {
					break
				}
				if first >= c.from && c.first.CompareAndSwap(-1, first) || first == c.first.Load() {
					raw[n-1] ^= 0xff
				}
				raw = raw[n:]
			}
		}
	}
}

// corruptCluster is a kfake cluster with a topic of 3 partitions of
// perPartition records each, written in batches of 10; the batch of
// partition 1 from offset 30 comes corrupt in every fetch response.
func corruptCluster(t *testing.T, topic string, perPartition int) (string, *batchCorrupter) {
	t.Helper()
	c := &batchCorrupter{topic: topic, partition: 1, from: 30}
	c.first.Store(-1)
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic), kfake.ListenFn(c.listen))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	addr := kf.ListenAddrs()[0]
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for part := int32(0); part < 3; part++ {
		for i := 0; i < perPartition; i += 10 {
			var batch []*sarama.ProducerMessage
			for j := i; j < i+10 && j < perPartition; j++ {
				batch = append(batch, event(topic, part, fmt.Sprintf("p%d-%d", part, j), j))
			}
			if err := p.SendMessages(batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	return addr, c
}

// exportedOffsets reads an export's JSON lines: the offsets of each
// partition, in order.
func exportedOffsets(t *testing.T, out string) map[int32][]int64 {
	t.Helper()
	got := map[int32][]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct {
			Partition int32 `json:"partition"`
			Offset    int64 `json:"offset"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		got[m.Partition] = append(got[m.Partition], m.Offset)
	}
	return got
}

// TestExportOfACorruptBatchExitsOne: a record batch spoilt on the wire
// (its checksum wrong) ends its partition there: every record before it
// and every other partition is exported, and export exits 1 with a last
// line that says which offsets were not exported and why.
func TestExportOfACorruptBatchExitsOne(t *testing.T) {
	const topic, per = "corrupt-export", 100
	addr, c := corruptCluster(t, topic, per)
	code, out, errOut := run(t, "--kafka", addr, "export", topic, "--decode=false")
	first := c.first.Load()
	if code != 1 || first < 30 {
		t.Fatalf("exit %d, batch spoilt at %d:\n%s", code, first, errOut)
	}
	got := exportedOffsets(t, out)
	for part := int32(0); part < 3; part++ {
		want := int64(per)
		if part == c.partition {
			want = first
		}
		offs := got[part]
		if int64(len(offs)) != want {
			t.Fatalf("partition %d: %d records exported, want %d\n%s", part, len(offs), want, errOut)
		}
		for i, o := range offs {
			if o != int64(i) {
				t.Fatalf("partition %d: offset %d at line %d", part, o, i)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	want := fmt.Sprintf("%s/1: offsets %d-%d not exported: corrupt record batch at offset %d: checksum", topic, first, per-1, first)
	if !strings.HasPrefix(last, "mqscope: the export of "+topic) || !strings.Contains(last, want) {
		t.Fatalf("last line %q, want it to say %q\n%s", last, want, errOut)
	}
	if strings.Contains(errOut, "retrying") {
		t.Fatalf("a corrupt batch is not retried:\n%s", errOut)
	}
}

// TestReadsOfACorruptBatchAreNotWhole: the other bounded reads that write
// a result (triage, the schemas census, trace, check) give their result of
// what they read and a non-zero exit with a last line on stderr naming the
// offsets not read. A tail whose end the topic already holds reads as a
// bounded read: it writes every record but the corrupt batch's and ends
// with the line export ends with, naming the offsets not written.
func TestReadsOfACorruptBatchAreNotWhole(t *testing.T) {
	const topic, per = "corrupt-reads", 60
	addr, c := corruptCluster(t, topic, per)
	unread := func(verb string) string {
		first := c.first.Load()
		return fmt.Sprintf("%s/1: offsets %d-%d not %s: corrupt record batch at offset %d", topic, first, per-1, verb, first)
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout: the result of what was read
		last func() string
	}{
		{[]string{"triage", topic}, 1, "messages read", func() string { return unread("read") }},
		{[]string{"schemas", topic}, 1, "", func() string { return unread("read") }},
		{[]string{"trace", "p0-5", "--key"}, 1, "p0-5", func() string { return unread("searched") }},
		{[]string{"check", topic, "--flow=false"}, exitIncomplete, "partial: " + topic + "/1: offsets", func() string { return unread("checked") }},
		{[]string{"tail", topic, "--from", "oldest", "--until", "offset:59", "--retry", "1s"}, 1, "p2-59", func() string {
			return "mqscope: the tail of " + topic + " (" + fmt.Sprint(3*per-(per-c.first.Load())) + " messages written) is incomplete: " + unread("written")
		}},
	} {
		code, out, errOut := run(t, append([]string{"--kafka", addr}, tc.args...)...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		last := lines[len(lines)-1]
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(last, tc.last()) {
			t.Errorf("%s: exit %d (want %d), last line %q (want %q)\n%s\n%s", tc.args[0], code, tc.code, last, tc.last(), out, errOut)
		}
	}
}

// TestTailToAHeldTimeOfACorruptBatchIsNotWhole: a tail whose time end
// every partition already holds a record past reads as the bounded read
// to those records, as a tail to an offset the topic holds does: it
// writes every record stamped at or before the end but the corrupt
// batch's, and ends with the incomplete-read line naming the offsets not
// written, up to the end.
func TestTailToAHeldTimeOfACorruptBatchIsNotWhole(t *testing.T) {
	const topic, per = "corrupt-tail-time", 60
	addr, c := corruptCluster(t, topic, per)
	// seq 58 is stamped 09:00:58 (event): offsets 0-58 of each partition
	// are at or before the end, 59 past it.
	for _, until := range []string{"2026-12-01T09:00:58Z", "time:2026-12-01T09:00:58.5Z"} {
		code, out, errOut := run(t, "--kafka", addr, "tail", topic, "--from", "oldest", "--until", until, "--retry", "1s")
		first := c.first.Load()
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		last := lines[len(lines)-1]
		want := fmt.Sprintf("mqscope: the tail of %s (%d messages written) is incomplete: %s/1: offsets %d-%d not written: corrupt record batch at offset %d",
			topic, 2*(per-1)+first, topic, first, per-2, first)
		if code != 1 || first < 30 || !strings.Contains(out, "p2-58") || strings.Contains(out, "p2-59") || !strings.Contains(last, want) {
			t.Errorf("--until %s: exit %d, batch spoilt at %d, last line %q (want %q)\n%s\n%s", until, code, first, last, want, out, errOut)
		}
		if strings.Contains(errOut, "retrying") {
			t.Errorf("--until %s: a corrupt batch is not retried:\n%s", until, errOut)
		}
	}
}
