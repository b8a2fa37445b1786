package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// This file is the SMTP peer of the tests: a real go-smtp server in the test process,
// on 127.0.0.1, whose backend records what it receives and misbehaves on request.

// received is one message as the server got it.
type received struct {
	From string
	To   []string
	Data []byte
}

// backend records sessions and messages. The fields above mu are set before the
// server starts; the counters are safe for concurrent sessions.
type backend struct {
	user, pass string        // when set, MAIL requires AUTH with these
	mechs      []string      // AUTH mechanisms offered; PLAIN when empty
	delay      time.Duration // time each DATA takes, to make sends overlap
	discard    bool          // keep nothing (benchmarks)

	fail451 atomic.Int32 // answer 451 to this many DATA commands
	fail550 atomic.Bool  // answer 550 to every RCPT
	drop    atomic.Int32 // drop the connection during this many DATA commands
	hangUp  atomic.Int32 // close the connection right after accepting this many messages
	fail421 atomic.Int32 // answer 421 (closing) to this many MAIL commands
	refuse  atomic.Bool  // refuse new sessions (451 to EHLO)

	sessions    atomic.Int32 // NewSession calls: one per connection without STARTTLS
	delivered   atomic.Int32
	dataStarted atomic.Int32 // DATA commands answered 354
	dataAborted atomic.Int32 // bodies that ended without the final "."

	mu        sync.Mutex
	got       []received
	active    int
	maxActive int
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.sessions.Add(1)
	if b.refuse.Load() {
		return nil, errors.New("not now")
	}
	return &session{b: b, conn: c}, nil
}

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

func (b *backend) maxConcurrent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxActive
}

type session struct {
	b      *backend
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
	// accepted: the last DATA was answered 250; Reset, which the server calls after
	// that reply, may then hang up (backend.hangUp).
	accepted bool
}

func (s *session) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	if len(s.b.mechs) == 0 {
		return []string{sasl.Plain}
	}
	return s.b.mechs
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if decrement(&s.b.fail421) {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "idle too long, closing"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.fail550.Load() {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b := s.b
	b.dataStarted.Add(1)
	b.mu.Lock()
	b.active++
	b.maxActive = max(b.maxActive, b.active)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.active--
		b.mu.Unlock()
	}()
	var data []byte
	var err error
	if b.discard {
		_, err = io.Copy(io.Discard, r)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		b.dataAborted.Add(1)
		return err
	}
	time.Sleep(b.delay)
	if decrement(&b.drop) {
		s.conn.Conn().Close()
		return errors.New("dropped")
	}
	if decrement(&b.fail451) {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try again later"}
	}
	b.delivered.Add(1)
	s.accepted = true
	if !b.discard {
		b.mu.Lock()
		b.got = append(b.got, received{From: s.from, To: s.to, Data: data})
		b.mu.Unlock()
	}
	return nil
}

func (s *session) Reset() {
	s.from, s.to = "", nil
	if s.accepted {
		s.accepted = false
		if decrement(&s.b.hangUp) {
			s.conn.Conn().Close()
		}
	}
}

func (s *session) Logout() error { return nil }

// decrement takes one from n when it is positive and reports whether it did.
func decrement(n *atomic.Int32) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

// loginServer is the server side of AUTH LOGIN, which go-sasl no longer provides.
type loginServer struct {
	check      func(user, pass string) error
	step       int
	user, pass string
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	default:
		l.pass = string(response)
		return nil, true, l.check(l.user, l.pass)
	}
}

// server is a running test server and what a client needs to reach it.
type server struct {
	host string
	port int
	tls  *tls.Config // client side: trusts the server's certificate
}

// startServer runs b on 127.0.0.1:0 until the test ends. mode is "none", "starttls"
// or "tls" (implicit), as in SMTPOptions.
func startServer(t testing.TB, b *backend, mode string) server {
	t.Helper()
	s := smtp.NewServer(b)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // AUTH on a plain connection to 127.0.0.1
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 10 << 20
	s.ErrorLog = quietLog{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := server{host: "127.0.0.1", port: l.Addr().(*net.TCPAddr).Port}
	if mode != "none" {
		serverTLS, clientTLS := testCertificate(t)
		out.tls = clientTLS
		s.TLSConfig = serverTLS
		if mode == "tls" {
			l = tls.NewListener(l, serverTLS)
		}
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return out
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// testCertificate makes a self-signed certificate for 127.0.0.1 and a client config
// that trusts it.
func testCertificate(t testing.TB) (serverTLS, clientTLS *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attache test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	serverTLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return serverTLS, &tls.Config{RootCAs: pool}
}
