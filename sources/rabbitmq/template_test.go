package rabbitmq

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
)

func TestPublishTemplateWritesNumbersNotTheirText(t *testing.T) {
	read := sources.Message{Value: []byte("{}"), Properties: []sources.Property{
		{Name: "delivery-mode", Value: "2 (persistent)"}, {Name: "priority", Value: "5"}, {Name: "type", Value: "order created"}, {Name: "exchange", Value: "shop"}}}
	got := (&Conn{}).PublishTemplate("orders", &read).Properties
	want := []sources.Property{{Name: "delivery-mode", Value: "2"}, {Name: "priority", Value: "5"}, {Name: "type", Value: "order created"}}
	if len(got) != len(want) {
		t.Fatalf("properties %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("property %d: %v, want %v", i, got[i], want[i])
		}
	}
	if read.Properties[0].Value != "2 (persistent)" {
		t.Fatal("the template changed the message read")
	}
}
