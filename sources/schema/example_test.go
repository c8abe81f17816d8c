package schema_test

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// A value in the Confluent wire format decoded with the registry's schema,
// then encoded back after an edit.
func ExampleDecoder() {
	reg := srfake.New()
	defer reg.Close()
	id, _, _ := reg.RegisterSchema("orders-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"qty","type":"int"}]}`})

	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		panic(err)
	}
	m := &sources.Message{Stream: "orders", Value: append(schema.AppendHeader(nil, id), 4)} // qty 2
	got := d.Value(context.Background(), m)
	fmt.Println(got.Format, got.Ref, string(got.JSON), got.Err)

	out, err := d.Encode(context.Background(), got.Ref, []byte(`{"qty":3}`))
	fmt.Printf("%x %v\n", out, err)
	_, err = d.Encode(context.Background(), got.Ref, []byte(`{"qty":"three"}`))
	fmt.Println(err)
	// Output:
	// avro avro id 1 orders-value v1 Order {"qty":2} <nil>
	// 000000000106 <nil>
	// does not fit the schema at qty: want an integer, have a string
}
