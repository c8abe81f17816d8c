package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestDecodingCellsSettle: list cells of values whose ids the registry
// refuses (403) or fails (500) show their failure once the fetch ended,
// never "decoding…" again, even when the failure is already old enough to
// be asked again (RetryAfter of a nanosecond); the good id decodes.
func TestDecodingCellsSettle(t *testing.T) {
	const topic = "settle"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	good, _, err := reg.RegisterSchema(topic+"-value", sr.Schema{Schema: `{"type":"record","name":"S","fields":[{"name":"n","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/schemas/ids/60"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error_code":40301,"message":"forbidden"}`))
			return true
		case strings.HasPrefix(r.URL.Path, "/schemas/ids/61"):
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(kf.ListenAddrs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, id := range []int{60, 61, good} {
		recs = append(recs, &kgo.Record{Topic: topic, Value: append(schema.AppendHeader(nil, id), 4)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL(), RetryAfter: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(160, 16)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	mp := newMessagesPage(c, dialKafka(t, kf.ListenAddrs()[0]), sources.StreamInfo{Name: topic, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 1)})
	mp.pid, mp.start, mp.bounded = 40, sources.Start{Kind: sources.StartOldest}, true
	t.Cleanup(mp.Close)
	l := newLoop(mp)
	l.until(t, mp.Init(), func() bool { return mp.ended && mp.buf.Len() == 3 && len(mp.waiting) == 0 })
	v := mp.View(160, 14)
	if strings.Contains(v, "decoding…") || !strings.Contains(v, "registry unauthorised") || !strings.Contains(v, "registry down") || !strings.Contains(v, `{"n":2}`) {
		t.Fatalf("list:\n%s", v)
	}
}
