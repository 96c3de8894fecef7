// Package demo wires Comptoir to a complete local MSSanté world: the sandbox operator
// (cmd/mss-sandbox/sandbox, seeded with the demo pharmacy and its mail) started in-process, the test
// IGC-Santé PKI and the SoftHSM2 test cards (cps/cpstest), a switch that cuts the network
// between the client and the operator, and the fault injector that pulls cards out.
//
// It serves "comptoir -demo" and the UI tests, never a real deployment.
package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"comptoir/app"
	"comptoir/app/bridge"
	"comptoir/app/session"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/servertrust"
	"comptoir/mail/trustlist"
	"comptoir/store"
)

// PIN is the test cards' PIN, shown in the demo banner.
const PIN = "1234"

// Options configure Start.
type Options struct {
	Dir     string   // persistent state: PKI, cards, sandbox, caches
	Cards   []string // token labels inserted at start; default: the titulaire's card only
	NIL     string
	Logger  *slog.Logger
	Engine  func(*mail.EngineConfig)
	Watch   time.Duration // card polling; default cps.DefaultWatchInterval
	Sandbox func(*sandbox.Options)
	// SignDelay makes every card signature take this long, as a real card does (0.1–0.5 s).
	SignDelay time.Duration
	// Keyring is the OS keyring the e-CPS logins open the caches with (and card logins
	// enrol); nil: e-CPS logins say the keyring is unavailable.
	Keyring store.Keyring
}

// Env is a running demo world.
type Env struct {
	PKI     *cpstest.PKI
	Cards   *cpstest.Cards
	Module  *cps.Module
	Sandbox *sandbox.Server
	IMAP    *NetSwitch
	SMTP    *NetSwitch
	API     *NetSwitch
	PSC     *NetSwitch // in front of the Pro Santé Connect intermediate server
	Bridge  *bridge.Cards
	Trust   *msg.TrustList

	opts Options
	op   mail.Operator
	// trustList is where the demo's trust-space list is stored and refreshed from.
	trustList session.TrustListConfig
	dir       string
	mu        sync.Mutex
	current   string // label of the card last logged in
}

// Dir is the demo world's directory.
func (e *Env) Dir() string { return e.dir }

// Start builds (or reuses, under Dir) the PKI and cards, starts the sandbox and the switches.
func Start(ctx context.Context, o Options) (*Env, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Cards == nil {
		o.Cards = []string{cpstest.Titulaire.Label}
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	e := &Env{dir: o.Dir, opts: o}
	var err error
	if e.PKI, err = cpstest.NewPKI(filepath.Join(o.Dir, "pki")); err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	if e.Cards, err = cpstest.NewCards(filepath.Join(o.Dir, "cards"), e.PKI); err != nil {
		return nil, fmt.Errorf("demo: cards: %w", err)
	}
	if e.Module, err = e.Cards.Open(); err != nil {
		return nil, fmt.Errorf("demo: card module: %w", err)
	}
	inserted := map[string]bool{}
	for _, l := range o.Cards {
		inserted[l] = true
	}
	for _, f := range cpstest.Fixtures() {
		if !inserted[f.Label] {
			e.Cards.Faults().Pull(f.Label)
		}
		if o.SignDelay > 0 {
			e.Cards.Faults().SetSignDelay(f.Label, o.SignDelay)
		}
	}
	so := sandbox.Options{DataDir: filepath.Join(o.Dir, "sandbox"), PKI: e.PKI, Seed: true,
		ValidationDelay: 10 * time.Second, Logger: o.Logger}
	if o.Sandbox != nil {
		o.Sandbox(&so)
	}
	if e.Sandbox, err = sandbox.Start(ctx, so); err != nil {
		return nil, fmt.Errorf("demo: sandbox: %w", err)
	}
	for _, sw := range []struct {
		dst    **NetSwitch
		target string
	}{{&e.IMAP, e.Sandbox.IMAPAddr()}, {&e.SMTP, e.Sandbox.SMTPAddr()}, {&e.API, apiHostPort(e.Sandbox.APIURL())},
		{&e.PSC, apiHostPort(e.Sandbox.PSCGatewayURL())}} {
		if *sw.dst, err = NewNetSwitch(sw.target); err != nil {
			e.Close()
			return nil, err
		}
	}
	// The sandbox signs its list as the ANS does; it is downloaded and verified like the
	// real one, and « Mettre à jour » in Paramètres downloads it again.
	e.trustList = session.TrustListConfig{Path: filepath.Join(o.Dir, "listeblanchemssante.xml"),
		Source:  trustlist.Source{List: "https://" + e.API.Addr() + "/listeblanchemssante.xml"},
		Options: trustlist.Options{Roots: e.PKI.RootPool(), TLSConfig: &tls.Config{RootCAs: e.PKI.RootPool(), MinVersion: tls.VersionTLS12}}}
	if l, err := trustlist.Refresh(ctx, e.trustList.Source, e.trustList.Path, e.trustList.Options); err == nil {
		e.Trust = l.Domains
	} else if e.Trust, err = trustlist.LoadDomains(e.trustList.Path, e.PKI.RootPool()); err != nil {
		o.Logger.Warn("demo trust list", "err", err)
	}
	// One server-trust verifier for the demo session, as Resolve builds for a real one:
	// the sandbox's CRLs are fetched from its HTTP distribution point and cached.
	trust, err := servertrust.New(servertrust.Config{Roots: e.PKI.RootPool(), CacheDir: filepath.Join(o.Dir, "crl"),
		Logger: o.Logger})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("demo: server trust: %w", err)
	}
	e.op = mail.Operator{IMAPAddr: e.IMAP.Addr(), SMTPAddr: e.SMTP.Addr(), ServerName: e.Sandbox.ServerName(),
		Trust: trust, RootCAs: e.PKI.RootPool(), Domain: e.Sandbox.Domain()}
	e.Bridge = bridge.NewCards(bridge.Options{Module: e.Module, WatchEvery: o.Watch, Session: e.sessionConfig(o.Keyring)})
	return e, nil
}

// sessionConfig is what a login opens in this world, with kr as the OS keyring.
func (e *Env) sessionConfig(kr store.Keyring) session.Config {
	o := e.opts
	return session.Config{Servers: e.op, APIURL: "https://" + e.API.Addr(), Trust: e.Trust, TrustList: e.trustList,
		CacheDir: filepath.Join(o.Dir, "cache"), ProductRef: o.NIL, Logger: o.Logger, Engine: o.Engine, Keyring: kr}
}

// PSCGatewayURL is the intermediate server's URL as the client reaches it (through the PSC
// switch): the operator configuration's operator.psc.
func (e *Env) PSCGatewayURL() string { return "https://" + e.PSC.Addr() }

func apiHostPort(u string) string {
	const p = "https://"
	if len(u) > len(p) && u[:len(p)] == p {
		return u[len(p):]
	}
	return u
}

// Close stops the sandbox and the switches.
func (e *Env) Close() error {
	var errs []error
	for _, sw := range []*NetSwitch{e.IMAP, e.SMTP, e.API, e.PSC} {
		if sw != nil {
			errs = append(errs, sw.Close())
		}
	}
	if e.Sandbox != nil {
		errs = append(errs, e.Sandbox.Close())
	}
	return errors.Join(errs...)
}

// DepsOptions adjust DepsWith.
type DepsOptions struct {
	// Keyring replaces Options.Keyring (a test's private Secret Service).
	Keyring store.Keyring
	// PSCClient is the HTTP client of the intermediate server (a test records the tokens).
	PSCClient *http.Client
}

// Deps returns the app's dependencies on this world, with the demo menu's controls.
func (e *Env) Deps() app.Deps { return e.DepsWith(DepsOptions{Keyring: e.opts.Keyring}) }

// DepsWith is Deps with another keyring or PSC client.
func (e *Env) DepsWith(o DepsOptions) app.Deps {
	cards := bridge.NewCards(bridge.Options{Module: e.Module, WatchEvery: e.opts.Watch, Session: e.sessionConfig(o.Keyring)})
	return app.Deps{Cards: &trackingCards{Cards: cards, env: e},
		PSC: bridge.NewPSC(bridge.PSCOptions{GatewayURL: e.PSCGatewayURL(), Session: e.sessionConfig(o.Keyring), HTTPClient: o.PSCClient}),
		Demo: &app.Demo{
			PIN:         PIN,
			PullCard:    e.PullCard,
			InsertCard:  e.InsertCard,
			SetNetwork:  e.SetNetwork,
			ApproveECPS: func() { e.DecideECPS(true) },
			DenyECPS:    func() { e.DecideECPS(false) },
			EndPSC:      e.EndPSC,
		}, Provisioning: bridge.NewProvisioning(filepath.Join(e.dir, "annuaire.db"))} // the directory of Annuaire()
}

// DecideECPS plays the professional approving (or refusing) on their phone every e-CPS
// request waiting; it returns how many it decided.
func (e *Env) DecideECPS(approve bool) int {
	n := 0
	for _, r := range e.Sandbox.PSC().Pending() {
		decide := e.Sandbox.PSC().Deny
		if approve {
			decide = e.Sandbox.PSC().Approve
		}
		if err := decide(r.ID); err != nil {
			e.opts.Logger.Warn("demo: e-CPS decision", "err", err)
			continue
		}
		n++
	}
	return n
}

// EndPSC ends every Pro Santé Connect session of the test professionals (logout on the
// phone): their next refresh is refused and Comptoir locks.
func (e *Env) EndPSC() {
	for _, f := range cpstest.Fixtures() {
		e.Sandbox.PSC().EndSessions(f.NationalID, "ended from the demo menu")
	}
}

// PullCard takes the card last logged in (else the titulaire's) out of its reader.
func (e *Env) PullCard() { e.Cards.Faults().Pull(e.label()) }

// InsertCard puts it back.
func (e *Env) InsertCard() { e.Cards.Faults().Insert(e.label()) }

// BlackHole makes the operator unreachable with packets dropped: connections hang, unanswered.
func (e *Env) BlackHole() {
	for _, sw := range []*NetSwitch{e.IMAP, e.SMTP, e.API, e.PSC} {
		sw.BlackHole()
	}
}

// SetNetwork cuts or restores the network between the client and the operator.
func (e *Env) SetNetwork(up bool) {
	for _, sw := range []*NetSwitch{e.IMAP, e.SMTP, e.API, e.PSC} {
		sw.Set(up)
	}
}

func (e *Env) label() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.current == "" {
		return cpstest.Titulaire.Label
	}
	return e.current
}

// trackingCards remembers which card logged in, for the demo menu.
type trackingCards struct {
	*bridge.Cards
	env *Env
}

func (t *trackingCards) Login(ctx context.Context, slot uint, pin []byte) (app.Session, error) {
	s, err := t.Cards.Login(ctx, slot, pin)
	if err == nil {
		if ws, ok := s.(*bridge.Session); ok {
			if c, ok := ws.Core().Card(); ok {
				t.env.mu.Lock()
				t.env.current = c.Card.Label()
				t.env.mu.Unlock()
			}
		}
	}
	return s, err
}
