package rabbitmq

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// longstrArray encodes an AMQP field array of one long string.
func longstrArray(s string) []byte {
	item := binary.BigEndian.AppendUint32([]byte{'S'}, uint32(len(s)))
	item = append(item, s...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(item))), item...)
}

func TestXDeathMemoDecodesAValueOnce(t *testing.T) {
	var memo xDeathMemo
	first, err := memo.decode('A', longstrArray("orders"))
	if err != nil || !reflect.DeepEqual(first, []any{"orders"}) {
		t.Fatalf("decode = %v, %v", first, err)
	}
	again, err := memo.decode('A', longstrArray("orders")) // equal bytes, another buffer
	if err != nil || reflect.ValueOf(again).Pointer() != reflect.ValueOf(first).Pointer() {
		t.Fatalf("the same x-death was decoded again: %v, %v", again, err)
	}
	other, err := memo.decode('A', longstrArray("payments"))
	if err != nil || !reflect.DeepEqual(other, []any{"payments"}) {
		t.Fatalf("another x-death decoded as %v, %v", other, err)
	}
	if _, err := memo.decode('A', []byte{0, 0, 0, 9, 'S'}); err == nil {
		t.Fatal("a cut array decoded without an error")
	}
	if v, err := memo.decode('A', longstrArray("payments")); err != nil || reflect.ValueOf(v).Pointer() != reflect.ValueOf(other).Pointer() {
		t.Fatalf("a failed decode replaced the remembered value: %v, %v", v, err)
	}
}
