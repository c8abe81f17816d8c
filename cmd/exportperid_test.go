package cmd

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources/schema"
)

// TestExportRegistryFailuresArePerID: a topic with values of a good Avro
// id, a good JSON Schema id, an id the registry refuses (403), one it
// fails (500) and one it does not have: on every run export decodes every
// good value, and each failure names its own id and cause, never another
// id's.
func TestExportRegistryFailuresArePerID(t *testing.T) {
	const topic = "perid-export"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	avroID, _, err := reg.RegisterSchema(topic+"-value", sr.Schema{Schema: `{"type":"record","name":"P","fields":[{"name":"n","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	jsonID, _, err := reg.RegisterSchema("perid-json-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object"}`})
	if err != nil {
		t.Fatal(err)
	}
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/schemas/ids/60"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error_code":40301,"message":"forbidden for id 60"}`))
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
	for _, id := range []int{60, 61, 99, avroID, jsonID, 60, avroID, 61, jsonID} {
		v := schema.AppendHeader(nil, id)
		if id == jsonID {
			v = append(v, `{"j":1}`...)
		} else {
			v = append(v, 4)
		}
		recs = append(recs, &kgo.Record{Topic: topic, Value: v})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{60: "unauthorised for id 60", 61: "HTTP 500: boom", 99: "schema id 99"}
	for runNo := 0; runNo < 3; runNo++ {
		code, out, errOut := run(t, "--kafka", kf.ListenAddrs()[0], "--schema-registry", reg.URL(), "export", topic)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", runNo, code, errOut)
		}
		got := records(t, out)
		if len(got) != len(recs) {
			t.Fatalf("run %d: %d records, want %d", runNo, len(got), len(recs))
		}
		for i, r := range got {
			id := int(recs[i].Value[4])
			e := r.ValueSchemaError
			switch id {
			case avroID, jsonID:
				if e != nil || r.ValueDecoded == nil {
					t.Fatalf("run %d record %d (id %d, good): not decoded: %+v", runNo, i, id, e)
				}
				continue
			}
			if e == nil || !strings.Contains(e.Error, "schema id "+strconv.Itoa(id)) || !strings.Contains(e.Error, want[id]) || strings.Contains(e.Error, "not asked") {
				t.Fatalf("run %d record %d (id %d): %+v", runNo, i, id, e)
			}
			for other := range want {
				if other != id && strings.Contains(e.Error, "id "+strconv.Itoa(other)) { // "id N": the registry's port may hold the digits
					t.Fatalf("run %d record %d: id %d's error names id %d: %s", runNo, i, id, other, e.Error)
				}
			}
		}
	}
}
