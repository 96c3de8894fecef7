// Package dovecottest runs a private Dovecot (IMAP + submission) on a loopback port for the
// mail engine's interop tests and benchmark: client certificates, SASL EXTERNAL (and, with
// Options.OAuth, Pro Santé Connect tokens through XOAUTH2 and OAUTHBEARER, validated
// locally by the oauth2 passdb), mail owned by nobody, a go-smtp relay behind submission that delivers local recipients back into
// Dovecot and records every envelope (DSN parameters included).
//
// Nothing is installed system-wide: the configuration, sockets, logs and mail live under the
// directory given to Start. A missing Dovecot is an error naming the package to install.
package dovecottest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options describe the server to start.
type Options struct {
	Host       string          // loopback address to listen on; default 127.0.0.1
	CAPEM      []byte          // CA certificates accepted for client certificates, PEM
	CRLPEM     []byte          // their CRLs, PEM; when set Dovecot requires them
	ServerCert tls.Certificate // the server's certificate and key
	Users      []string        // mailboxes (BAL addresses)
	Masters    []string        // certificate CNs allowed to open any mailbox with an authzid
	Debug      bool            // verbose auth and mail logs in dovecot.log
	// OAuth, when set, also accepts Pro Santé Connect tokens (XOAUTH2, OAUTHBEARER); client
	// certificates then become optional at TLS (EXTERNAL still needs one).
	OAuth *OAuth
}

// OAuth configures Dovecot's oauth2 passdb with local JWT validation.
type OAuth struct {
	Issuer string // accepted iss
	KeyPEM []byte // the provider's signing key (public, PKIX PEM)
	KeyID  string // its kid
	Azp    string // the client the tokens are issued to (azp claim)
	// Rights maps a national id (preferred_username) to the BALs it may open.
	Rights map[string][]string
}

// Server is a running private Dovecot.
type Server struct {
	Dir            string
	Host           string
	IMAPAddr       string
	SubmissionAddr string
	Relay          *Relay

	conf  string
	users map[string]bool
	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan error
}

// Start writes the configuration under dir and starts Dovecot in the foreground as a child.
func Start(ctx context.Context, dir string, o Options) (*Server, error) {
	if _, err := exec.LookPath("dovecot"); err != nil {
		return nil, errors.New("dovecot not found: apt-get install dovecot-imapd dovecot-submissiond")
	}
	if _, err := os.Stat("/usr/lib/dovecot/submission"); err != nil {
		return nil, errors.New("dovecot submission not found: apt-get install dovecot-submissiond")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("dovecottest: %w", err)
	}
	if err := searchable(dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("dovecottest: %w", err)
		}
	}
	if err := chownNobody(filepath.Join(dir, "mail")); err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Host: o.Host, conf: filepath.Join(dir, "dovecot.conf"), users: map[string]bool{}}
	for _, u := range o.Users {
		s.users[strings.ToLower(u)] = true
	}
	if err := s.writeFiles(o); err != nil {
		return nil, err
	}
	if o.OAuth != nil {
		if err := s.writeOAuth(*o.OAuth); err != nil {
			return nil, err
		}
	}
	s.Relay, err = startRelay(o.Host, s)
	if err != nil {
		return nil, err
	}
	imapPort, err := freePort(o.Host)
	if err != nil {
		return nil, err
	}
	subPort, err := freePort(o.Host)
	if err != nil {
		return nil, err
	}
	_, relayPort, _ := net.SplitHostPort(s.Relay.Addr)
	requireCRL := "no"
	if len(o.CRLPEM) > 0 {
		requireCRL = "yes"
	}
	debug := ""
	if o.Debug {
		debug = "auth_debug = yes\nauth_verbose = yes\nmail_debug = yes\nverbose_ssl = yes"
	}
	vars := map[string]string{
		"dir": dir, "id": strconv.Itoa(imapPort), "host": o.Host,
		"imapport": strconv.Itoa(imapPort), "submissionport": strconv.Itoa(subPort),
		"relayhost": o.Host, "relayport": relayPort, "requirecrl": requireCRL, "debug": debug,
		"requirecert": "yes", "authmechs": "external", "externalonly": "", "oauthpassdbs": "",
	}
	if o.OAuth != nil {
		vars["requirecert"], vars["authmechs"] = "no", "external xoauth2 oauthbearer"
		vars["externalonly"] = "  mechanisms = external none\n" // none: userdb lookups (doveadm)
		vars["oauthpassdbs"] = strings.ReplaceAll(oauthPassdbs, "{{dir}}", dir)
	}
	conf, err := renderConfig(vars)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.conf, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("dovecottest: %w", err)
	}
	s.IMAPAddr = net.JoinHostPort(o.Host, strconv.Itoa(imapPort))
	s.SubmissionAddr = net.JoinHostPort(o.Host, strconv.Itoa(subPort))
	if err := s.start(ctx); err != nil {
		s.Relay.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) writeFiles(o Options) error {
	var certPEM []byte
	for _, der := range o.ServerCert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyPEM, err := marshalKey(o.ServerCert.PrivateKey)
	if err != nil {
		return err
	}
	ca := append(append([]byte{}, o.CAPEM...), o.CRLPEM...)
	var users, masters bytes.Buffer
	for _, u := range o.Users {
		fmt.Fprintf(&users, "%s:::::::nopassword\n", u)
	}
	for _, m := range o.Masters {
		fmt.Fprintf(&masters, "%s:::::::nopassword\n", m)
	}
	files := map[string][]byte{
		"server.crt": certPEM, "server.key": keyPEM, "ca.pem": ca,
		"users.passwd": users.Bytes(), "masters.passwd": masters.Bytes(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, name), data, 0o644); err != nil {
			return fmt.Errorf("dovecottest: write %s: %w", name, err)
		}
	}
	return os.Chmod(filepath.Join(s.Dir, "server.key"), 0o600)
}

func (s *Server) start(ctx context.Context) error {
	cmd := exec.Command("dovecot", "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = procAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dovecottest: start dovecot: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-done:
			return fmt.Errorf("dovecottest: dovecot exited (%v): %s %s", err, out.String(), s.Log())
		default:
		}
		if ready(s.IMAPAddr) && ready(s.SubmissionAddr) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return fmt.Errorf("dovecottest: dovecot not listening on %s: %s", s.IMAPAddr, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready reports whether addr accepts connections and greets.
func ready(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 4)
	_, err = c.Read(buf)
	return err == nil
}

// Stop terminates Dovecot (SIGTERM, then SIGKILL) and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	// Child processes (imap, auth) exit when the master's pipes close; wait until the port is free.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.IMAPAddr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// Close stops Dovecot and the relay.
func (s *Server) Close() {
	s.Stop()
	if s.Relay != nil {
		s.Relay.Close()
	}
}

// Restart stops and starts Dovecot on the same ports and mail.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	return s.start(ctx)
}

// Log returns Dovecot's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	return string(b)
}

// Maildir returns user's Maildir root.
func (s *Server) Maildir(user string) string {
	return filepath.Join(s.Dir, "mail", user, "Maildir")
}

// Deliver saves raw into user's mailbox through doveadm save (Dovecot indexes it and
// notifies IDLE clients like a real delivery).
func (s *Server) Deliver(ctx context.Context, user, mailbox string, raw []byte) error {
	cmd := exec.CommandContext(ctx, "doveadm", "-c", s.conf, "save", "-u", user, "-m", mailbox)
	cmd.Stdin = bytes.NewReader(raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("dovecottest: doveadm save %s/%s: %v: %s", user, mailbox, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Doveadm runs a doveadm sub-command against this instance and returns its output.
func (s *Server) Doveadm(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "doveadm", append([]string{"-c", s.conf}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("dovecottest: doveadm %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func (s *Server) isUser(addr string) bool { return s.users[strings.ToLower(addr)] }

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("dovecottest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PID is the Dovecot master process's id (0 when stopped): the benchmark adds up the CPU
// time of its children to show the server's share.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
