package redis

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"
)

// wire is one plain connection that streams commands and reads their
// answers in order, each side at its own pace: the redrive writes its
// next script calls while the server runs the ones before, which a
// go-redis pipeline (all written, then all read) does not.
type wire struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// errReply is an error the server answered (-ERR ..., -WRONGTYPE ...): it
// says the command failed, not the connection.
type errReply string

// Error is the server's text.
func (e errReply) Error() string { return string(e) }

// dialWire opens a plain connection as the pool's are opened: TLS, AUTH,
// SELECT, CLIENT SETNAME.
func (c *Conn) dialWire(ctx context.Context) (*wire, error) {
	d := net.Dialer{Timeout: c.timeout}
	nc, err := d.DialContext(ctx, "tcp", c.dial.hostport)
	if err != nil {
		return nil, err
	}
	if c.dial.tls != nil {
		tc := tls.Client(nc, c.dial.tls)
		hctx, cancel := context.WithTimeout(ctx, c.timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	w := &wire{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), bw: bufio.NewWriterSize(nc, 64<<10)}
	var hello [][]any
	switch {
	case c.dial.password != "" && c.dial.username != "":
		hello = append(hello, []any{"AUTH", c.dial.username, c.dial.password})
	case c.dial.password != "":
		hello = append(hello, []any{"AUTH", c.dial.password})
	}
	if c.dial.db > 0 {
		hello = append(hello, []any{"SELECT", strconv.Itoa(c.dial.db)})
	}
	hello = append(hello, []any{"CLIENT", "SETNAME", c.dial.clientName})
	_ = nc.SetDeadline(time.Now().Add(c.timeout))
	for _, cmd := range hello {
		w.write(cmd)
	}
	err = w.bw.Flush()
	for range hello {
		if err != nil {
			break
		}
		_, err = w.readSimple()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return w, nil
}

// write buffers one command (strings and byte slices).
func (w *wire) write(args []any) {
	w.header('*', len(args))
	for _, a := range args {
		switch v := a.(type) {
		case string:
			w.header('$', len(v))
			w.bw.WriteString(v)
		case []byte:
			w.header('$', len(v))
			w.bw.Write(v)
		default:
			s := fmt.Sprint(v)
			w.header('$', len(s))
			w.bw.WriteString(s)
		}
		w.bw.WriteString("\r\n")
	}
}

// str writes one bulk string.
func (w *wire) str(s string) {
	w.header('$', len(s))
	w.bw.WriteString(s)
	w.bw.WriteString("\r\n")
}

// bytes writes one bulk string.
func (w *wire) bytes(b []byte) {
	w.header('$', len(b))
	w.bw.Write(b)
	w.bw.WriteString("\r\n")
}

// int writes a number as a bulk string.
func (w *wire) int(n int) {
	var b [20]byte
	w.bytes(strconv.AppendInt(b[:0], int64(n), 10))
}

// header writes an array or bulk string header.
func (w *wire) header(kind byte, n int) {
	var b [24]byte
	out := append(b[:0], kind)
	out = strconv.AppendInt(out, int64(n), 10)
	out = append(out, '\r', '\n')
	w.bw.Write(out)
}

// line reads one reply line without its CRLF.
func (w *wire) line() ([]byte, error) {
	l, err := w.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(l) < 3 || l[len(l)-2] != '\r' {
		return nil, errors.New("redis: a reply line without CRLF")
	}
	return l[:len(l)-2], nil
}

// readSimple reads a status or an error reply.
func (w *wire) readSimple() (string, error) {
	l, err := w.line()
	if err != nil {
		return "", err
	}
	switch l[0] {
	case '+':
		return string(l[1:]), nil
	case '-':
		return "", errReply(l[1:])
	}
	return "", fmt.Errorf("redis: unexpected reply %q", l)
}

// readStrings reads an array of bulk strings, or an error reply.
func (w *wire) readStrings() ([]string, error) {
	l, err := w.line()
	if err != nil {
		return nil, err
	}
	switch l[0] {
	case '-':
		return nil, errReply(l[1:])
	case '*':
	default:
		return nil, fmt.Errorf("redis: unexpected reply %q", l)
	}
	n, err := strconv.Atoi(string(l[1:]))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("redis: bad array header %q", l)
	}
	out := make([]string, n)
	for i := range out {
		h, err := w.line()
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(string(h[1:]))
		if h[0] != '$' || err != nil || size < 0 {
			return nil, fmt.Errorf("redis: bad bulk header %q", h)
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(w.br, b); err != nil {
			return nil, err
		}
		out[i] = string(b[:size])
	}
	return out, nil
}

// close closes the connection.
func (w *wire) close() error { return w.nc.Close() }

// xrange runs one XRANGE and reads its entries straight into pairs: the
// values of an entry share one allocation, and the field names of a page
// are shared where they repeat.
func (w *wire) xrange(ctx context.Context, timeout time.Duration, stream, start, stop string, count int64) ([]rawEntry, error) {
	stopCancel := context.AfterFunc(ctx, func() { _ = w.nc.SetDeadline(time.Now()) })
	defer stopCancel()
	_ = w.nc.SetDeadline(time.Now().Add(timeout))
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	w.header('*', 6)
	w.str("XRANGE")
	w.str(stream)
	w.str(start)
	w.str(stop)
	w.str("COUNT")
	w.int(int(count))
	if err := w.bw.Flush(); err != nil {
		return nil, err
	}
	n, err := w.array()
	if err != nil {
		return nil, err
	}
	out := make([]rawEntry, 0, n)
	names := map[string]string{}
	var buf []byte
	var ends []int
	for range n {
		if k, err := w.array(); err != nil || k != 2 {
			return nil, fmt.Errorf("redis: an XRANGE entry of %d parts: %v", k, err)
		}
		id, err := w.bulk(nil)
		if err != nil {
			return nil, err
		}
		k, err := w.array()
		if err != nil {
			return nil, err
		}
		fields := make([]Field, k/2)
		buf, ends = buf[:0], ends[:0]
		for j := 0; j < k; j++ {
			start := len(buf)
			if buf, err = w.bulk(buf); err != nil {
				return nil, err
			}
			if j%2 == 0 {
				name, ok := names[string(buf[start:])]
				if !ok {
					name = string(buf[start:])
					names[name] = name
				}
				fields[j/2].Name = name
				buf = buf[:start]
			} else {
				ends = append(ends, start, len(buf))
			}
		}
		values := make([]byte, len(buf))
		copy(values, buf)
		for j := range fields {
			a, b := ends[2*j], ends[2*j+1]
			fields[j].Value = values[a:b:b]
		}
		out = append(out, rawEntry{id: string(id), fields: fields})
	}
	return out, nil
}

// array reads an array header (or an error reply) and its length.
func (w *wire) array() (int, error) {
	l, err := w.line()
	if err != nil {
		return 0, err
	}
	switch l[0] {
	case '-':
		return 0, errReply(l[1:])
	case '*':
		n, err := strconv.Atoi(string(l[1:]))
		if err != nil {
			return 0, fmt.Errorf("redis: bad array header %q", l)
		}
		return max(n, 0), nil
	}
	return 0, fmt.Errorf("redis: unexpected reply %q", l)
}

// bulk reads one bulk string and appends it to dst.
func (w *wire) bulk(dst []byte) ([]byte, error) {
	h, err := w.line()
	if err != nil {
		return dst, err
	}
	size, err := strconv.Atoi(string(h[1:]))
	if h[0] != '$' || err != nil || size < 0 {
		return dst, fmt.Errorf("redis: bad bulk header %q", h)
	}
	at := len(dst)
	dst = slices.Grow(dst, size+2)[:at+size+2]
	if _, err := io.ReadFull(w.br, dst[at:]); err != nil {
		return dst[:at], err
	}
	return dst[:at+size], nil
}
