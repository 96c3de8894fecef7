package bridge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"comptoir/app"
	"comptoir/app/annuaire"
)

// AnnuaireOptions configure the Annuaire Santé behind the app.
type AnnuaireOptions struct {
	Path string // the directory file; annuaire.DefaultPath() when empty
	// Source is the extraction's usual location (https:// URL or file) offered for updates.
	Source string
	// TLSConfig verifies https:// sources and the FHIR API; nil: system roots.
	TLSConfig *tls.Config
	// KeyPath holds the FHIR API key (mode 0600); "" keeps it in memory only.
	KeyPath  string
	FHIRBase string // annuaire.DefaultFHIRBase when empty
}

// Annuaire implements app.Annuaire (and so app.Directory) over app/annuaire: the composer's
// suggestions, the "Contacter un professionnel" search and the update. Safe for concurrent use.
type Annuaire struct {
	o   AnnuaireOptions
	dir *annuaire.Directory

	mu  sync.Mutex
	key string

	updating sync.Mutex // one import at a time (two update windows may be open)
}

var _ app.Annuaire = (*Annuaire)(nil)

// OpenAnnuaire opens the directory file (missing: empty until updated). A damaged file gives
// an error wrapping annuaire.ErrCorrupt together with a usable, empty Annuaire that an
// update rebuilds; any other error gives nil.
func OpenAnnuaire(o AnnuaireOptions) (*Annuaire, error) {
	if o.Path == "" {
		p, err := annuaire.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("wire: annuaire: %w", err)
		}
		o.Path = p
	}
	a := &Annuaire{o: o}
	if o.KeyPath != "" {
		b, err := os.ReadFile(o.KeyPath)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("wire: annuaire API key: %w", err)
		}
		a.key = strings.TrimSpace(string(b))
	}
	d, err := annuaire.Open(o.Path)
	if d == nil {
		return nil, fmt.Errorf("wire: annuaire: %w", err)
	}
	a.dir = d
	if err != nil {
		return a, fmt.Errorf("wire: annuaire: %w", err)
	}
	return a, nil
}

// Directory is the underlying offline directory.
func (a *Annuaire) Directory() *annuaire.Directory { return a.dir }

// Close releases the directory file.
func (a *Annuaire) Close() error { return a.dir.Close() }

// Suggest lists the mailboxes of the entries matching prefix (offline only: it runs on each
// keystroke), every address of a professional in turn, as "Dr Jean DUPONT <address>".
func (a *Annuaire) Suggest(ctx context.Context, prefix string, limit int) []app.Address {
	res, err := a.dir.Search(ctx, prefix, limit)
	if err != nil {
		return nil
	}
	var out []app.Address
	for _, r := range res {
		for _, m := range r.Mailboxes {
			if len(out) == limit {
				return out
			}
			if m.Address != "" {
				out = append(out, app.Address{Name: headerName(r.DisplayName()), Email: m.Address})
			}
		}
	}
	return out
}

// headerName keeps a display name usable unquoted in the composer's address fields, which
// split on "," and ";" and read the rest as RFC 5322 phrases.
func headerName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`,;:<>()[]"\@`, r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Search searches the offline directory and, when online is true and an API key is set,
// the FHIR API too (merged; its failure wraps annuaire.ErrOnline).
func (a *Annuaire) Search(ctx context.Context, text string, limit int, online bool) ([]annuaire.Result, error) {
	var c *annuaire.FHIRClient
	if key := a.APIKey(); online && key != "" {
		c = &annuaire.FHIRClient{BaseURL: a.o.FHIRBase, APIKey: key, TLSConfig: a.o.TLSConfig}
	}
	return a.dir.Lookup(ctx, text, limit, c)
}

// ByAddress returns the entry owning a mailbox.
func (a *Annuaire) ByAddress(addr string) (annuaire.Result, bool, error) {
	return a.dir.ByAddress(addr)
}

// Info describes the imported directory.
func (a *Annuaire) Info() (annuaire.Info, bool) { return a.dir.Info() }

// Imported is when the directory was imported (zero: never), for the diagnostic.
func (a *Annuaire) Imported() time.Time {
	info, ok := a.dir.Info()
	if !ok {
		return time.Time{}
	}
	return info.Imported
}

// Source is the extraction's usual location.
func (a *Annuaire) Source() string { return a.o.Source }

// Update imports the extraction at src, a file or an https:// URL; searches keep using the
// previous directory until the new one is complete, and after a failure.
func (a *Annuaire) Update(ctx context.Context, src string, progress func(annuaire.Progress)) (*annuaire.ImportReport, error) {
	a.updating.Lock()
	defer a.updating.Unlock()
	opts := annuaire.ImportOptions{Progress: progress}
	if strings.Contains(src, "://") {
		return a.dir.ImportURL(ctx, src, a.o.TLSConfig, opts)
	}
	return a.dir.Import(ctx, src, opts)
}

// APIKey is the FHIR API key, "" when none is set.
func (a *Annuaire) APIKey() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.key
}

// SetAPIKey stores the FHIR API key ("" removes it), readable by the user only.
func (a *Annuaire) SetAPIKey(key string) error {
	key = strings.TrimSpace(key)
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.o.KeyPath; p != "" {
		if err := writeSecret(p, key); err != nil {
			return fmt.Errorf("wire: annuaire API key: %w", err)
		}
	}
	a.key = key
	return nil
}

// writeSecret replaces path with data (mode 0600) atomically; "" removes it.
func writeSecret(path, data string) error {
	if data == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(data + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
