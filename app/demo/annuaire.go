package demo

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"

	"comptoir/app/bridge"
)

// Annuaire opens the demo's Annuaire Santé (Dir/annuaire.db) filled with the extraction the
// sandbox publishes, so the composer's suggestions and "Contacter un professionnel" have
// the demo's professionals. Its updates download the sandbox's extraction over HTTPS,
// verified with the test IGC-Santé root.
func (e *Env) Annuaire(ctx context.Context) (*bridge.Annuaire, error) {
	a, err := bridge.OpenAnnuaire(bridge.AnnuaireOptions{
		Path:      filepath.Join(e.dir, "annuaire.db"),
		Source:    e.Sandbox.DirectoryURL(),
		TLSConfig: &tls.Config{RootCAs: e.PKI.RootPool(), MinVersion: tls.VersionTLS12},
		KeyPath:   filepath.Join(e.dir, "annuaire-api-key"),
	})
	if a == nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// The published file is current (the sandbox rewrites it as BALs become active).
	if _, err := a.Update(ctx, e.Sandbox.DirectoryPath(), nil); err != nil {
		a.Close()
		return nil, fmt.Errorf("demo: directory import: %w", err)
	}
	return a, nil
}
