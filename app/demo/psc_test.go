package demo_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/bridge"
	"comptoir/app/config"
	"comptoir/app/demo"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// The sandbox of these tests gives e-CPS requests and access tokens short lives (TestMain),
// so that expiry and refresh happen while a test waits.
const (
	pscCIBAExpiry = 6 * time.Second
	pscAccessTTL  = 6 * time.Second
)

// French texts the PSC tests wait for.
const (
	textWaitPhone = "Validez la connexion sur votre téléphone"
	textCountdown = "La demande expire dans"
	textPSCMain   = "(e-CPS)"
	textApprove   = "Valider la connexion e-CPS (téléphone)"
	textDeny      = "Refuser la connexion e-CPS (téléphone)"
	textEndPSC    = "Terminer la session Pro Santé Connect"
)

// pscRig is the UI on the demo world with a private OS keyring (a real Secret Service of the
// test's own), the settings in a real config.json, the intermediate server's answers
// recorded (to look for the tokens where they must not be) and the logs kept.
type pscRig struct {
	t        *testing.T
	h        *apptest.Harness
	deps     app.Deps
	kr       *privateKeyring
	rec      *tokenRecorder
	logs     *syncBuffer
	settings config.Files
}

func newPSCRig(t *testing.T, kr *privateKeyring, configDir string, adjust func(*app.Deps)) *pscRig {
	t.Helper()
	rec := &tokenRecorder{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.PKI.RootPool(), MinVersion: tls.VersionTLS12}}}
	deps := env.DepsWith(demo.DepsOptions{Keyring: kr.Keyring, PSCClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}})
	logs := &syncBuffer{}
	deps.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps.Version = "test"
	settings := config.Files{User: filepath.Join(configDir, config.FileName)} // no workstation layer
	if _, err := os.Stat(settings.User); err != nil {
		err := settings.Save(config.Config{Operator: config.Operator{Domain: env.Sandbox.Domain(), IMAP: env.IMAP.Addr(),
			Submission: env.SMTP.Addr(), API: "https://" + env.API.Addr(), PSC: env.PSCGatewayURL()}})
		if err != nil {
			t.Fatal(err)
		}
	}
	deps.Settings = settings
	if adjust != nil {
		adjust(&deps)
	}
	r := &pscRig{t: t, deps: deps, kr: kr, rec: rec, logs: logs, settings: settings}
	r.h = apptest.New(t, deps)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return r
}

// enrol logs fx's card in and out, as a pharmacist does once on a workstation: the card
// login adds the OS keyring's key to the cache.
func (r *pscRig) enrol(fx cpstest.Fixture) {
	r.t.Helper()
	ctx := r.t.Context()
	slot, err := env.Cards.Slot(ctx, env.Module, fx.Label)
	if err != nil {
		r.t.Fatal(err)
	}
	s, err := r.deps.Cards.Login(ctx, slot, []byte(demo.PIN))
	if err != nil {
		r.t.Fatalf("card login of %s: %v", fx.Label, err)
	}
	s.Close()
	<-s.(*bridge.Session).Done()
}

// startECPS chooses the e-CPS, types fx's RPPS and asks for the login.
func (r *pscRig) startECPS(fx cpstest.Fixture) {
	r.t.Helper()
	c := r.h.UI.Card
	c.Methods.Select(c.ECPSTab)
	c.ECPS.NationalID.SetText(fx.NationalID[1:])
	test.Tap(c.ECPS.StartButton)
}

// waitPhone waits for the screen that asks to approve on the phone, with its countdown.
func (r *pscRig) waitPhone() {
	r.t.Helper()
	r.h.WaitText(textWaitPhone)
	r.h.WaitText(textCountdown)
}

// demoMenu runs the « Démonstration » menu's item labelled label.
func (r *pscRig) demoMenu(label string) {
	r.t.Helper()
	for _, m := range r.h.UI.Window.MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == label {
				it.Action()
				return
			}
		}
	}
	r.t.Fatalf("no menu item %q", label)
}

// loginECPS logs fx in with the e-CPS, approved from the demo menu, and opens the mail.
func (r *pscRig) loginECPS(fx cpstest.Fixture) {
	r.t.Helper()
	r.startECPS(fx)
	r.waitPhone()
	r.demoMenu(textApprove)
	r.h.WaitFor("the e-CPS holder's mailbox", r.pscMain)
}

// pscMain reports whether the main window is open on an e-CPS session (the holder is
// named with « (e-CPS) »): nothing to choose, so the mailbox opens at once.
func (r *pscRig) pscMain() bool {
	return r.h.UI.Main != nil && strings.Contains(r.h.UI.Main.Holder.Text, textPSCMain)
}

// selectCard selects the reader holding fx's card on the card tab.
func (r *pscRig) selectCard(fx cpstest.Fixture) {
	r.t.Helper()
	c := r.h.UI.Card
	c.Methods.Select(c.CardTab)
	r.h.WaitFor("the card "+fx.Label, func() bool {
		for i, o := range c.Readers.Options {
			if strings.Contains(o, fx.Label) {
				if c.Readers.SelectedIndex() != i {
					c.Readers.SetSelectedIndex(i)
				}
				return !c.LoginButton.Disabled()
			}
		}
		return false
	})
}

// An e-CPS login approved from the « Démonstration » menu shows the holder, then the inbox;
// the holder's BALs come online with the token, and the RPPS is remembered for the next
// start, which offers the e-CPS first.
func TestPSCLoginApprovedShowsTheInbox(t *testing.T) {
	kr := newPrivateKeyring(t)
	dir := t.TempDir()
	r := newPSCRig(t, kr, dir, nil)
	r.enrol(cpstest.Titulaire)
	r.loginECPS(cpstest.Titulaire)
	selectBAL(t, r.h, pharmacy)
	openRow(t, r.h, "Ordonnance pour ce soir")
	r.h.WaitText("● En ligne")
	raw, err := os.ReadFile(r.settings.User)
	if err != nil || !strings.Contains(string(raw), `"psc_national_id": "`+cpstest.Titulaire.NationalID+`"`) {
		t.Fatalf("config.json does not remember the RPPS (%v):\n%s", err, raw)
	}

	again := newPSCRig(t, kr, dir, nil)
	c := again.h.UI.Card
	if c.Methods.Selected() != c.ECPSTab || c.ECPS.NationalID.Text != cpstest.Titulaire.NationalID[1:] {
		t.Fatalf("the next start shows tab %q with RPPS %q, want the e-CPS tab with %s",
			c.Methods.Selected().Text, c.ECPS.NationalID.Text, cpstest.Titulaire.NationalID[1:])
	}
}

// Refused on the phone: the screen says so, in French, and offers the login again.
func TestPSCLoginDenied(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.startECPS(cpstest.Titulaire)
	r.waitPhone()
	r.demoMenu(textDeny)
	r.h.WaitText("Connexion refusée sur le téléphone.")
	r.h.WaitFor("the e-CPS form back", func() bool { return r.h.Shows("Se connecter avec l'e-CPS") })
	if r.h.UI.Main != nil || r.h.Shows(textWaitPhone) {
		t.Fatal("a refused login left the waiting screen or opened the mail")
	}
}

// Not approved in time: the countdown runs down and the screen says the request expired.
func TestPSCLoginExpired(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.startECPS(cpstest.Titulaire)
	r.waitPhone()
	first := r.h.UI.Card.ECPS.Countdown.Text
	r.h.WaitFor("the countdown to move", func() bool { return r.h.UI.Card.ECPS.Countdown.Text != first })
	r.h.WaitText("La demande a expiré avant d'être validée.")
	if r.h.UI.Main != nil {
		t.Fatal("an expired request opened the mail")
	}
}

// Cancel stops waiting: the form comes back, and approving the abandoned request afterwards
// opens nothing; a new request then works.
func TestPSCLoginCancelled(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.startECPS(cpstest.Titulaire)
	r.waitPhone()
	test.Tap(r.h.UI.Card.ECPS.CancelButton)
	r.h.WaitText("Connexion annulée.")
	if r.h.Shows(textWaitPhone) || r.h.UI.Card.ECPS.StartButton.Hidden {
		t.Fatal("the waiting screen is still shown after cancel")
	}
	if n := env.DecideECPS(true); n != 1 {
		t.Fatalf("%d pending requests approved, want the abandoned one", n)
	}
	// A new login goes through: the abandoned approval did not open a session meanwhile.
	if r.h.UI.Main != nil {
		t.Fatal("the abandoned request opened a session")
	}
	r.loginECPS(cpstest.Titulaire)
}

// A card login made while an e-CPS request waits wins: the request is abandoned, and its
// approval afterwards opens no second session over the card's (here a colleague's e-CPS
// request, then the titulaire's card).
func TestPSCCardLoginWhileTheECPSWaits(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Medecin)
	r.startECPS(cpstest.Medecin)
	r.waitPhone()
	r.selectCard(cpstest.Titulaire)
	r.h.Login(demo.PIN)
	r.h.WaitFor("the card holder's mailbox", func() bool { return r.h.UI.Main != nil })
	if n := env.DecideECPS(true); n != 1 {
		t.Fatalf("%d pending requests approved, want the abandoned one", n)
	}
	approved := time.Now()
	// Three poll intervals: a request still polled would have opened its session by then.
	r.h.WaitFor("three poll intervals after the approval", func() bool {
		if r.pscMain() {
			t.Fatal("the e-CPS approval replaced the card session")
		}
		return time.Since(approved) > 3*time.Second
	})
}

// The errors: a workstation where the holder never used the card (no phone asked), an
// intermediate server that cannot be reached, an RPPS PSC does not know, a mistyped number.
// (A locked keyring: psc_keyring_unix_test.go.)
func TestPSCLoginErrorsInFrench(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)

	// PharmacienCPS3's card never logged in here: nothing is sent to the phone.
	r.startECPS(cpstest.PharmacienCPS3)
	r.h.WaitText("Connectez-vous une fois avec la carte CPS sur ce poste")
	for _, p := range env.Sandbox.PSC().Pending() {
		if p.NationalID == cpstest.PharmacienCPS3.NationalID {
			t.Fatal("an e-CPS request was sent although no cache could be opened")
		}
	}

	r.enrol(cpstest.Titulaire)
	env.PSC.Set(false)
	t.Cleanup(func() { env.PSC.Set(true) })
	r.startECPS(cpstest.Titulaire)
	r.h.WaitText("Le serveur Pro Santé Connect de l'opérateur est injoignable.")
	env.PSC.Set(true)

	// An RPPS with a cache here but no e-CPS at PSC.
	unknown := cpstest.Fixture{Person: cpstest.Person{NationalID: "810000000009"}}
	cacheFile := filepath.Join(env.Dir(), "cache", unknown.NationalID+".db")
	if err := os.WriteFile(cacheFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(cacheFile) })
	r.startECPS(unknown)
	r.h.WaitText("Aucune e-CPS n'est associée à ce numéro")

	// Badly typed.
	c := r.h.UI.Card.ECPS
	c.NationalID.SetText("1234")
	test.Tap(c.StartButton)
	r.h.WaitText("Saisissez votre numéro RPPS (11 chiffres)")
}

// The same RPPS logged in by card, then by e-CPS on the lock screen, reads the same cache: a
// message the card session synchronised is shown in the e-CPS session while the mail
// servers cannot be reached; once they can, the BALs come back online with the token.
func TestPSCCardThenECPSReadsTheSameCache(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	// A mistyped e-CPS attempt first: its message must not stay for the lock screen.
	c := r.h.UI.Card
	c.Methods.Select(c.ECPSTab)
	c.ECPS.NationalID.SetText("1234")
	test.Tap(c.ECPS.StartButton)
	r.h.WaitText("Saisissez votre numéro RPPS")
	r.selectCard(cpstest.Titulaire)
	r.h.Login(demo.PIN)
	r.h.WaitFor("the main window", func() bool { return r.h.UI.Main != nil })
	subject := "Renouvellement e-CPS " + time.Now().Format("150405.000")
	if _, err := env.Sandbox.DeliverFromPatient(sandbox.SeedPatientINS()[1], pharmacy, subject, "Bonjour, pouvez-vous préparer mon traitement ?", nil); err != nil {
		t.Fatal(err)
	}
	selectBAL(t, r.h, pharmacy)
	openRow(t, r.h, subject) // synchronised during the card session

	r.h.UI.Lock("Session verrouillée.")
	env.IMAP.Set(false)
	env.SMTP.Set(false)
	t.Cleanup(func() { env.SetNetwork(true) })
	c.Methods.Select(c.ECPSTab)
	if r.h.Shows("Saisissez votre numéro RPPS") {
		t.Fatal("the lock screen shows the message of an e-CPS attempt made before the session")
	}
	r.loginECPSOnLockScreen(cpstest.Titulaire)
	r.h.WaitFor("the main window again", func() bool { return !r.h.UI.Locked() })
	selectBAL(t, r.h, pharmacy)
	openRow(t, r.h, subject) // from the cache: the mail servers are cut
	r.h.WaitText("Hors ligne")

	env.IMAP.Set(true)
	env.SMTP.Set(true)
	r.h.WaitText("● En ligne")
}

// loginECPSOnLockScreen unlocks with the e-CPS, approved from the demo menu.
func (r *pscRig) loginECPSOnLockScreen(fx cpstest.Fixture) {
	r.t.Helper()
	r.h.WaitText("Comptoir est verrouillé")
	r.startECPS(fx)
	r.waitPhone()
	r.demoMenu(textApprove)
}

// When Pro Santé Connect refuses the refresh (the session ended on the phone), the UI locks
// and the lock screen says why, offering the e-CPS again.
func TestPSCRefusedRefreshLocksTheSession(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.loginECPS(cpstest.Titulaire)
	r.h.WaitText("● En ligne")
	r.demoMenu(textEndPSC)
	r.h.WaitFor("the lock screen", func() bool { return r.h.UI.Locked() })
	r.h.WaitText("Votre session Pro Santé Connect a pris fin")
	c := r.h.UI.Card
	if w, form := c.Reason.MinSize().Width, c.Methods.Size().Width; w > form {
		t.Fatalf("the lock reason is %.0f px wide, the form %.0f: it runs off the window", w, form)
	}
	if c.Methods.Selected() != c.ECPSTab {
		t.Fatalf("the lock screen offers %q first, want the e-CPS", c.Methods.Selected().Text)
	}
	// And the e-CPS unlocks again.
	r.loginECPSOnLockScreen(cpstest.Titulaire)
	r.h.WaitFor("the main window again", func() bool { return !r.h.UI.Locked() })
	r.h.WaitText("● En ligne")
}

// While the refresh token is valid, the connections come back by themselves after a cut
// longer than an access token's life: the token is refreshed when the network returns.
func TestPSCReconnectsAfterTheTokenExpired(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.loginECPS(cpstest.Titulaire)
	r.h.WaitText("● En ligne")
	env.SetNetwork(false)
	t.Cleanup(func() { env.SetNetwork(true) })
	cut, tokens := time.Now(), len(r.rec.tokens())
	r.h.WaitText("Hors ligne")
	r.h.WaitFor("the access token to expire during the cut", func() bool { return time.Since(cut) > pscAccessTTL })
	env.SetNetwork(true)
	r.h.WaitText("● En ligne")
	if len(r.rec.tokens()) <= tokens {
		t.Fatal("back online without a refreshed token")
	}
}

// Logged in with the e-CPS, BAL creation and roles say they need the card.
func TestPSCWizardAndRolesNeedTheCard(t *testing.T) {
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	r.loginECPS(cpstest.Titulaire)
	if w := r.h.UI.ShowBALWizard(); w != nil {
		t.Fatal("the BAL wizard opened in an e-CPS session")
	}
	r.h.WaitText("La création d'une BAL demande la carte CPS")
	if rs := r.h.UI.ShowRoles(); rs != nil {
		t.Fatal("the roles screen opened in an e-CPS session")
	}
	r.h.WaitText("La gestion des droits d'accès demande la carte CPS")
}

// The browser login: PSC's page opened with Deps.OpenURL, approved there, the redirect back
// to Comptoir's loopback listener, and the mail opens.
func TestPSCBrowserLogin(t *testing.T) {
	opened := make(chan string, 1)
	r := newPSCRig(t, newPrivateKeyring(t), t.TempDir(), func(d *app.Deps) {
		d.OpenURL = func(u *url.URL) error {
			go playBrowser(t, u.String(), cpstest.Titulaire.NationalID)
			opened <- u.String()
			return nil
		}
	})
	r.enrol(cpstest.Titulaire)
	c := r.h.UI.Card
	c.Methods.Select(c.ECPSTab)
	c.ECPS.NationalID.SetText(cpstest.Titulaire.NationalID[1:])
	test.Tap(c.ECPS.BrowserButton)
	r.h.WaitText("Terminez la connexion dans votre navigateur")
	r.h.WaitFor("the e-CPS holder's mailbox", r.pscMain)
	u := <-opened
	if !strings.HasPrefix(u, env.PSCGatewayURL()+"/v1/browser/start?") || !strings.Contains(u, "code_challenge_method=S256") {
		t.Fatalf("the browser was opened on %s", u)
	}
}

// playBrowser plays the system browser: it follows the redirects to PSC's page, types the
// national id and approves.
func playBrowser(t *testing.T, start, nationalID string) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: env.PKI.RootPool(), MinVersion: tls.VersionTLS12}}}
	resp, err := hc.Get(start)
	if err != nil {
		t.Errorf("browser: %v", err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	action := regexp.MustCompile(`action="([^"]+)"`).FindSubmatch(page)
	txn := regexp.MustCompile(`name="txn" value="([^"]+)"`).FindSubmatch(page)
	if action == nil || txn == nil {
		t.Errorf("browser: no approval form in %s", page)
		return
	}
	resp, err = hc.PostForm(string(action[1]), url.Values{"txn": {string(txn[1])}, "national_id": {nationalID},
		"decision": {"approve"}})
	if err != nil {
		t.Errorf("browser: %v", err)
		return
	}
	final, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(final), "Vous pouvez fermer cette fenêtre") {
		t.Errorf("browser ended on %s: %s", resp.Request.URL, final)
	}
}

// After an e-CPS session with refreshes, a sync, a submission and a lock, no token the
// intermediate server handed out is in any file of the configuration, the caches, the demo
// world's data, the test's XDG directories or the keyring's store, nor in the logs.
func TestPSCTokensNeverOnDisk(t *testing.T) {
	kr := newPrivateKeyring(t)
	configDir := t.TempDir()
	r := newPSCRig(t, kr, configDir, nil)
	r.enrol(cpstest.Titulaire)
	r.loginECPS(cpstest.Titulaire)
	selectBAL(t, r.h, pharmacy)
	openRow(t, r.h, "Médicament en stock")
	test.Tap(r.h.UI.Main.ReplyButton)
	r.h.WaitFor("the composer", func() bool { return len(r.h.UI.Composers()) == 1 })
	comp := r.h.UI.Composers()[0]
	comp.Body.SetText("Bonjour, c'est en stock (réponse envoyée avec l'e-CPS).")
	test.Tap(comp.NoReply)
	test.Tap(comp.Send)
	r.h.WaitText("Message envoyé")
	login := len(r.rec.tokens())
	r.h.WaitFor("a refresh", func() bool { return len(r.rec.tokens()) > login })
	r.h.UI.Lock("Session verrouillée.")
	r.h.WaitFor("the logout at the intermediate server", func() bool { return r.rec.called("/v1/logout") })

	tokens := r.rec.tokens()
	if len(tokens) < 5 {
		t.Fatalf("recorded %d tokens, want a login's three and a refresh's", len(tokens))
	}
	dirs := []string{configDir, env.Dir()}
	if kr.Dir != "" {
		dirs = append(dirs, kr.Dir)
	}
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"} {
		if d := os.Getenv(v); d != "" {
			dirs = append(dirs, d)
		}
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			seen[path] = true
			for _, tok := range tokens {
				if bytes.Contains(b, []byte(tok)) {
					t.Errorf("%s holds a token", path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{filepath.Join(env.Dir(), "cache", cpstest.Titulaire.NationalID+".db"), r.settings.User} {
		if !seen[want] {
			t.Fatalf("the scan did not read %s: it proves nothing", want)
		}
	}
	if kr.FileSuffix != "" {
		var keyringFiles int
		for p := range seen {
			if strings.HasPrefix(p, kr.Dir) && strings.HasSuffix(p, kr.FileSuffix) {
				keyringFiles++
			}
		}
		if keyringFiles == 0 {
			t.Fatalf("the scan read no %s file of the keyring's store under %s", kr.FileSuffix, kr.Dir)
		}
	}
	for _, tok := range tokens {
		if strings.Contains(r.logs.String(), tok) {
			t.Fatal("the logs hold a token")
		}
	}
}

// tokenRecorder is the intermediate server's transport, keeping every token it hands out
// and the paths called.
type tokenRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	toks []string
	path map[string]bool
}

var tokenField = regexp.MustCompile(`"(access_token|refresh_token|id_token)"\s*:\s*"([^"]+)"`)

func (r *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	for _, m := range tokenField.FindAllSubmatch(body, -1) {
		r.toks = append(r.toks, string(m[2]))
	}
	if r.path == nil {
		r.path = map[string]bool{}
	}
	r.path[req.URL.Path] = true
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (r *tokenRecorder) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.toks...)
}

func (r *tokenRecorder) called(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path[path]
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
