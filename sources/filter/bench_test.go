package filter_test

import (
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

func BenchmarkMatch(b *testing.B) {
	m := sources.Message{Stream: "t", Key: []byte("k0000001"), Value: []byte(`{"id":1,"status":"FAILED","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`),
		Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "trace", Value: []byte("abc")}}}
	for _, src := range []string{`headers["tenant"] == "acme"`, `key startsWith "k0"`, `json.status == "FAILED"`, `value contains "FAILED"`} {
		f, err := filter.Compile(src)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%q", src), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := f.Match(&m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
