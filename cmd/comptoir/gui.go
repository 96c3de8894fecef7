package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"comptoir/app"
	"comptoir/app/bridge"
	"comptoir/app/config"
	"comptoir/app/pdfview"
	"comptoir/app/session"
	"comptoir/cps"
	"comptoir/mail/trustlist"
	"comptoir/store"
)

// runGUI starts the graphical client. The screens live in package app; this file only
// creates the Fyne application (the one place that imports fyne.io/fyne/v2/app) and the
// real dependencies; a build with the demo tag adds -demo and the tours (gui_demo.go).
func runGUI(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("comptoir", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	renderPDF := fs.Bool("render-pdf", false, "usage interne : dessine une page du PDF lu sur l'entrée standard")
	demo := addDemoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *renderPDF {
		// The PDF preview's child process (pdfview.Subprocess): no window, no card.
		return pdfview.Serve(ctx, env.stdin, env.stdout, pdfview.DefaultCacheDir())
	}
	if err := demo.check(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		deps    app.Deps
		cleanup func()
		err     error
	)
	if demo.enabled() {
		deps, cleanup, err = demo.deps(ctx, log)
	} else {
		deps, cleanup, err = realDeps(ctx, log)
	}
	if err != nil {
		return err
	}
	defer cleanup()
	deps.Version = version
	deps.Logger = log
	// PDF pages are drawn by a child process (this executable): PDFium's memory and the
	// parsing of untrusted documents stay out of the process holding the card session.
	if exe, err := os.Executable(); err == nil {
		pdf := &pdfview.Subprocess{Exe: exe, Args: []string{"-render-pdf"}}
		defer pdf.Close()
		deps.PDF = pdf
	} else {
		pdf := pdfview.New(pdfview.DefaultCacheDir())
		defer pdf.Close()
		deps.PDF = pdf
	}

	go trimCHeapLoop(ctx) // closed windows' GL memory back to the system
	a := fyneapp.NewWithID("fr.comptoir.mssante")
	u := app.NewShown(a, deps)
	u.Start(ctx)
	defer u.Stop()
	demo.start(ctx, u, deps, env, cancel)
	stopped := make(chan struct{}) // closed once the event loop has ended
	go func() {
		select {
		case <-stopped:
		case <-ctx.Done(): // Ctrl-C, SIGTERM, or the tour's end
			select {
			case <-stopped:
				// The loop ended first (the window closed; Fyne quits on SIGTERM itself) and
				// this is runGUI's deferred cancel: the driver is gone, Quit would panic in GLFW.
			default:
				fyne.Do(a.Quit)
			}
		}
	}()
	// Once the window is shown (fyne.Do runs in the event loop): take the screen it is on.
	go fyne.Do(func() {
		if work, ok := workArea(u.Window); ok {
			u.FitScreen(work)
		}
	})
	a.Run()
	close(stopped)
	return nil
}

// realDeps wires the card module, the operator, the Pro Santé Connect logins and the
// trust-space list from config.json (its layers). What is missing does not stop the window:
// the login screen and "Tester la connexion" say it. cleanup releases the OS keyring.
func realDeps(ctx context.Context, log *slog.Logger) (app.Deps, func(), error) {
	settings, err := config.Default()
	if err != nil {
		return app.Deps{}, nil, fmt.Errorf("dossier de configuration : %w", err)
	}
	cfg, err := settings.Load()
	if err != nil {
		log.Warn("settings", "err", err)
	}
	annu := realAnnuaire(log)
	doctor := bridge.Doctor{}
	if p, err := trustlist.DefaultPath(); err == nil {
		doctor.TrustListPath = p
	}
	deps := app.Deps{Settings: settings}
	if annu != nil { // a nil *bridge.Annuaire must not become a non-nil interface
		doctor.DirectoryImported = annu.Imported
		deps.Directory = annu
	}
	scfg, err := sessionConfig(ctx, cfg, log)
	if err != nil {
		log.Warn("operator not resolved; the mail stays offline", "err", err)
		scfg = session.Config{APIURL: cfg.Operator.API, Trust: loadTrustList(log, nil), TrustList: trustListConfig(),
			ProductRef: "Comptoir/" + version, Logger: log}
	}
	scfg.Logger = log
	cleanup := func() {}
	if pscURL := cfg.Operator.PSC; pscURL != "" {
		// The e-CPS login opens the cache with the OS keyring's key, which card logins add:
		// only on a workstation whose operator offers Pro Santé Connect.
		kr := newOSKeyring()
		scfg.Keyring, cleanup = kr, func() { kr.Close() }
		deps.PSC = bridge.NewPSC(bridge.PSCOptions{GatewayURL: pscURL, Session: scfg})
	}
	if scfg.APIURL != "" {
		deps.Provisioning = bridge.NewProvisioning("") // the workstation's imported Annuaire Santé
	}
	// Without a card module the e-CPS login still works.
	path, err := cps.FindModule(cfg.Module)
	if err != nil {
		deps.Cards, deps.Doctor = noCards{err}, doctor
		return deps, cleanup, nil
	}
	m, err := cps.Open(path)
	if err != nil {
		deps.Cards, deps.Doctor = noCards{err}, doctor
		return deps, cleanup, nil
	}
	doctor.Module = m
	deps.Doctor = doctor
	deps.Cards = bridge.NewCards(bridge.Options{Module: m, Session: scfg})
	return deps, cleanup, nil
}

// realAnnuaire opens the workstation's Annuaire Santé (a damaged file opens empty so that
// "Mettre à jour l'annuaire" rebuilds it); the API key lives next to config.json.
func realAnnuaire(log *slog.Logger) *bridge.Annuaire {
	o := bridge.AnnuaireOptions{}
	if dir, err := store.ConfigDir(); err == nil {
		o.KeyPath = filepath.Join(dir, "annuaire-api-key")
	}
	a, err := bridge.OpenAnnuaire(o)
	if err != nil {
		log.Warn("annuaire", "err", err)
	}
	return a
}

// noCards stands for a card layer that could not start: the card screen shows why.
type noCards struct{ err error }

func (n noCards) Readers(context.Context) ([]app.Reader, error) { return nil, n.err }
func (n noCards) Watch(context.Context) <-chan app.CardEvent {
	return make(chan app.CardEvent) // never fires
}
func (n noCards) Login(context.Context, uint, []byte) (app.Session, error) {
	return nil, errors.Join(app.ErrNoCard, n.err)
}
