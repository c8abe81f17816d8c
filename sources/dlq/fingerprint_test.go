package dlq_test

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// Pairs of real-world failure texts of one kind that must share a
// fingerprint, and the normalised text they share.
var sameFailure = []struct {
	name, class string
	a, b        string
	want        string
}{
	{"java timeout", "org.springframework.web.client.ResourceAccessException",
		`I/O error on POST request for "http://inventory-service:8080/reservations": Read timed out after 12000 ms`,
		`I/O error on POST request for "http://inventory-service:8080/reservations": Read timed out after 30000 ms`,
		`I/O error on POST request for "…": Read timed out after <n> ms`},
	{"java postgres duplicate", "org.springframework.dao.DataIntegrityViolationException",
		`could not execute statement; SQL [n/a]; constraint [orders_pkey]; duplicate key value violates unique constraint "orders_pkey" Detail: Key (order_id)=(ord-010231) already exists.`,
		`could not execute statement; SQL [n/a]; constraint [orders_pkey]; duplicate key value violates unique constraint "orders_pkey" Detail: Key (order_id)=(ord-019977) already exists.`,
		`could not execute statement; SQL [n/a]; constraint [orders_pkey]; duplicate key value violates unique constraint "…" Detail: Key (order_id)=(ord-<n>) already exists.`},
	{"java stack trace in the message", "java.lang.IllegalStateException",
		"java.lang.IllegalStateException: Order 7f3c2a1e-55b1-4c1e-9a51-2b1c3d4e5f60 not found in tenant acme@example.com\n\tat com.acme.Orders.find(Orders.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)",
		"java.lang.IllegalStateException: Order 0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d not found in tenant ops@acme.io\n\tat com.acme.Orders.find(Orders.java:42)",
		`Order <uuid> not found in tenant <email>`},
	{"java object hash", "java.lang.ClassCastException",
		`class com.acme.Order cannot be cast to class com.acme.Payment (com.acme.Order@1b6d3586 is in unnamed module)`,
		`class com.acme.Order cannot be cast to class com.acme.Payment (com.acme.Order@4554617c is in unnamed module)`,
		`class com.acme.Order cannot be cast to class com.acme.Payment (com.acme.Order@<hex> is in unnamed module)`},
	{"go", "",
		"panic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
		"panic: runtime error: index out of range [9] with length 4\n\ngoroutine 7 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
		`panic: runtime error: index out of range [<n>] with length <n>`},
	{"go strconv", "",
		`strconv.Atoi: parsing "12x": invalid syntax`,
		`strconv.Atoi: parsing "abc": invalid syntax`,
		`strconv.Atoi: parsing "…": invalid syntax`},
	{"go net", "",
		`dial tcp 10.0.3.17:5432: connect: connection refused`,
		`dial tcp 10.0.9.4:5432: connect: connection refused`,
		`dial tcp <ip>: connect: connection refused`},
	{"python traceback", "",
		"Traceback (most recent call last):\n  File \"/app/consumer.py\", line 41, in handle\n    qty = int(payload['qty'])\nValueError: invalid literal for int() with base 10: 'twelve'",
		"Traceback (most recent call last):\n  File \"/app/consumer.py\", line 41, in handle\n    qty = int(payload['qty'])\nValueError: invalid literal for int() with base 10: '3.5'",
		`invalid literal for int() with base <n>: "…"`},
	{"python key error", "KeyError",
		`KeyError: 'customer_id'`,
		`KeyError: 'customerId'`,
		`"…"`},
	{".NET", "System.InvalidOperationException",
		"System.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at Acme.Billing.InvoiceHandler.Handle(Guid id) in /src/InvoiceHandler.cs:line 57",
		"System.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()",
		`Sequence contains no elements`},
	{".NET timestamp", "System.TimeoutException",
		`The operation has timed out at 2026-11-29T08:14:03.5521Z after 00:00:30 (request 9f86d081884c7d65)`,
		`The operation has timed out at 2026-11-30 17:01:44 after 00:01:00 (request e3b0c44298fc1c14)`,
		`The operation has timed out at <time> after <time> (request <hex>)`},
}

func TestFingerprintMasksWhatDiffers(t *testing.T) {
	for _, c := range sameFailure {
		fa := dlq.FailureOf(&sources.DeadLetter{ExceptionClass: c.class, ExceptionMessage: c.a})
		fb := dlq.FailureOf(&sources.DeadLetter{ExceptionClass: c.class, ExceptionMessage: c.b})
		if fa != fb || fa.Fingerprint() != fb.Fingerprint() {
			t.Errorf("%s: differ\n  %q\n  %q", c.name, fa, fb)
		}
		if fa.Text != c.want {
			t.Errorf("%s: text\n  got  %q\n  want %q", c.name, fa.Text, c.want)
		}
	}
}

func TestFingerprintKeepsKindsApart(t *testing.T) {
	a := dlq.FailureOf(&sources.DeadLetter{ExceptionClass: "java.net.SocketTimeoutException", ExceptionMessage: "Read timed out"})
	b := dlq.FailureOf(&sources.DeadLetter{ExceptionClass: "java.net.ConnectException", ExceptionMessage: "Read timed out"})
	c := dlq.FailureOf(&sources.DeadLetter{ExceptionClass: "java.net.SocketTimeoutException", ExceptionMessage: "Connect timed out"})
	if a.Fingerprint() == b.Fingerprint() || a.Fingerprint() == c.Fingerprint() {
		t.Fatal("different failures share a fingerprint")
	}
	// A class given only in the message (Python, Go errors) is found.
	py := dlq.FailureOf(&sources.DeadLetter{ExceptionMessage: "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'id'"})
	if py.Class != "KeyError" || py.Text != `"…"` {
		t.Fatalf("python: %+v", py)
	}
	// RabbitMQ: the broker's reason and the queue it first died in.
	rb := dlq.FailureOf(&sources.DeadLetter{Reason: "expired", Deaths: []sources.Death{{Queue: "orders.retry"}, {Queue: "orders.work"}}})
	if rb.String() != "expired: in orders.work" {
		t.Fatalf("rabbitmq: %q", rb)
	}
	if f := dlq.FailureOf(nil); f.Class != "unknown" {
		t.Fatalf("nil: %+v", f)
	}
	// Words made of hex letters are not ids.
	if got := dlq.NormalizeMessage("facade decade failed at cafe01"); got != "facade decade failed at <hex>" {
		t.Fatalf("hex words: %q", got)
	}
}

func FuzzNormalizeMessage(f *testing.F) {
	for _, c := range sameFailure {
		f.Add(c.a)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := dlq.NormalizeMessage(s)
		if len(n) > 400 {
			t.Fatalf("normalised text of %d bytes", len(n))
		}
		if dlq.NormalizeMessage(s) != n {
			t.Fatal("not deterministic")
		}
	})
}
