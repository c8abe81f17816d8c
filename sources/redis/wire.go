package redis

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
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
