package testbroker

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// HandshakeServer is a TCP server that speaks the AMQP 0-9-1 handshake and
// nothing more, for tests of a client's login and tuning: it offers its
// SASL mechanisms, records what each client logged in with, tunes the
// heartbeat it was given, opens the connection and channel 1, then only
// counts the heartbeats the client sends (it sends none itself: a broker
// gone silent) and answers its close.
type HandshakeServer struct {
	// Addr is where it listens.
	Addr string

	ln         net.Listener
	mechanisms string
	heartbeat  uint16
	refuse     bool
	mu         sync.Mutex
	logins     []Login
	conns      []net.Conn
	wg         sync.WaitGroup
}

// Login is what one client sent in its connection.start-ok and
// connection.tune-ok.
type Login struct {
	Mechanism string
	Response  []byte
	// Heartbeat is the interval the client settled on, in seconds.
	Heartbeat uint16
	// Heartbeats counts the heartbeat frames it sent since.
	Heartbeats int
}

// HandshakeOptions configure a HandshakeServer.
type HandshakeOptions struct {
	// Mechanisms are offered in connection.start, space-separated.
	Mechanisms string
	// Heartbeat is the interval proposed in connection.tune, in seconds.
	Heartbeat uint16
	// Refuse closes every login with 403 ACCESS_REFUSED.
	Refuse bool
	// TLS, when set, serves TLS with it.
	TLS *tls.Config
}

// NewHandshakeServer listens on 127.0.0.1 until the test ends.
func NewHandshakeServer(t testing.TB, o HandshakeOptions) *HandshakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS != nil {
		ln = tls.NewListener(ln, o.TLS)
	}
	s := &HandshakeServer{Addr: ln.Addr().String(), ln: ln, mechanisms: o.Mechanisms, heartbeat: o.Heartbeat, refuse: o.Refuse}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// Logins are the logins so far, in the order clients connected.
func (s *HandshakeServer) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

func (s *HandshakeServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		i := len(s.logins)
		s.logins = append(s.logins, Login{})
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = s.handle(c, i)
		}()
	}
}

func (s *HandshakeServer) handle(c net.Conn, i int) error {
	var proto [8]byte
	if _, err := io.ReadFull(c, proto[:]); err != nil {
		return err
	}
	start := binary.BigEndian.AppendUint32(nil, 10<<16|10)
	start = append(start, 0, 9)
	start = binary.BigEndian.AppendUint32(start, 0) // no server properties
	start = appendLong(start, s.mechanisms)
	start = appendLong(start, "en_US")
	if err := writeMethod(c, 0, start); err != nil {
		return err
	}
	p, err := readMethod(c, 10<<16|11)
	if err != nil {
		return err
	}
	// start-ok: client-properties (a table), mechanism (shortstr),
	// response (longstr), locale.
	n := int(binary.BigEndian.Uint32(p))
	p = p[4+n:]
	mech := string(p[1 : 1+int(p[0])])
	p = p[1+int(p[0]):]
	rn := int(binary.BigEndian.Uint32(p))
	resp := append([]byte(nil), p[4:4+rn]...)
	s.update(i, func(l *Login) { l.Mechanism, l.Response = mech, resp })
	if s.refuse {
		cl := binary.BigEndian.AppendUint32(nil, 10<<16|50)
		cl = binary.BigEndian.AppendUint16(cl, 403)
		reason := "ACCESS_REFUSED - Login was refused using authentication mechanism " + mech
		cl = append(append(cl, byte(len(reason))), reason...)
		cl = append(cl, 0, 0, 0, 0)
		return writeMethod(c, 0, cl)
	}
	tune := binary.BigEndian.AppendUint32(nil, 10<<16|30)
	tune = binary.BigEndian.AppendUint16(tune, 2047)
	tune = binary.BigEndian.AppendUint32(tune, 131072)
	tune = binary.BigEndian.AppendUint16(tune, s.heartbeat)
	if err := writeMethod(c, 0, tune); err != nil {
		return err
	}
	p, err = readMethod(c, 10<<16|31)
	if err != nil {
		return err
	}
	s.update(i, func(l *Login) { l.Heartbeat = binary.BigEndian.Uint16(p[6:]) })
	if _, err := readMethod(c, 10<<16|40); err != nil {
		return err
	}
	if err := writeMethod(c, 0, append(binary.BigEndian.AppendUint32(nil, 10<<16|41), 0)); err != nil {
		return err
	}
	for {
		typ, payload, err := readFrame(c)
		if err != nil {
			return err
		}
		switch {
		case typ == 8:
			s.update(i, func(l *Login) { l.Heartbeats++ })
		case typ == 1 && binary.BigEndian.Uint32(payload) == 10<<16|50: // connection.close
			return writeMethod(c, 0, binary.BigEndian.AppendUint32(nil, 10<<16|51))
		case typ == 1 && binary.BigEndian.Uint32(payload) == 20<<16|10: // channel.open
			if err := writeMethod(c, 1, append(binary.BigEndian.AppendUint32(nil, 20<<16|11), 0, 0, 0, 0)); err != nil {
				return err
			}
		}
	}
}

func (s *HandshakeServer) update(i int, f func(*Login)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.logins[i])
}

func appendLong(b []byte, v string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

func writeMethod(w io.Writer, ch uint16, payload []byte) error {
	f := []byte{1, byte(ch >> 8), byte(ch)}
	f = binary.BigEndian.AppendUint32(f, uint32(len(payload)))
	_, err := w.Write(append(append(f, payload...), 0xCE))
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var h [7]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	p := make([]byte, binary.BigEndian.Uint32(h[3:])+1)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return h[0], p[:len(p)-1], nil
}

// readMethod reads frames until the method wanted (heartbeats passed
// over).
func readMethod(r io.Reader, want uint32) ([]byte, error) {
	for {
		typ, p, err := readFrame(r)
		if err != nil {
			return nil, err
		}
		if typ != 1 || len(p) < 4 {
			continue
		}
		if id := binary.BigEndian.Uint32(p); id == want {
			return p[4:], nil
		} else if id == 10<<16|50 {
			return nil, errors.New("the client closed the connection")
		}
	}
}
