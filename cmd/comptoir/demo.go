//go:build demo

package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"time"

	"comptoir/app"
	"comptoir/app/bridge"
	"comptoir/app/config"
	"comptoir/app/demo"
	"comptoir/store"
)

// demoDeps starts the demo world under the user's data directory (store.DataDir()/demo, kept
// between runs so the cards and the mailboxes are built once) and returns the app's
// dependencies on it, with the settings filled with the sandbox's endpoints.
// signDelay makes the test cards sign as slowly as a real card; blackHole starts with the
// operator unreachable, packets dropped (the launch measurement).
func demoDeps(ctx context.Context, log *slog.Logger, signDelay time.Duration, blackHole bool) (app.Deps, func(), error) {
	data, err := store.DataDir()
	if err != nil {
		return app.Deps{}, nil, fmt.Errorf("dossier de données : %w", err)
	}
	// The e-CPS login opens the demo caches with the session's OS keyring, as a real
	// workstation does (without one, the e-CPS panel says the keyring is unavailable).
	kr := newOSKeyring()
	closeKeyring := func() { kr.Close() }
	o := demo.Options{Dir: filepath.Join(data, "demo"), NIL: "Comptoir/" + version, Logger: log, SignDelay: signDelay,
		Keyring: kr}
	env, err := demo.Start(ctx, o)
	if err != nil {
		closeKeyring()
		return app.Deps{}, nil, fmt.Errorf("mode démonstration : %w", err)
	}
	if blackHole {
		env.BlackHole()
	}
	// Building the cards and seeding the mailboxes (first run) leaves garbage behind: give
	// it back before the window opens.
	debug.FreeOSMemory()
	deps := env.Deps()
	settings := &config.Memory{}
	_ = settings.Save(config.Config{
		Operator: config.Operator{Domain: env.Sandbox.Domain(), IMAP: env.IMAP.Addr(), Submission: env.SMTP.Addr(),
			TrustStore: []string{env.Sandbox.TrustAnchorPath()}, API: "https://" + env.API.Addr(),
			PSC: env.PSCGatewayURL()},
		Module: env.Cards.ModulePath(),
	})
	deps.Settings = settings
	deps.Doctor = bridge.Doctor{Module: env.Module}
	closeDir := func() {}
	if dir, err := env.Annuaire(ctx); err == nil { // the sandbox's published directory
		deps.Directory, closeDir = dir, func() { dir.Close() }
	} else {
		log.Warn("demo directory", "err", err)
	}
	return deps, func() { closeDir(); env.Close(); closeKeyring() }, nil
}
