package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"comptoir/mail/provisioning"
)

// balRecord is one BAL as the operator keeps it.
type balRecord struct {
	Address     string                  `json:"address"`
	Kind        string                  `json:"kind"`
	DisplayName string                  `json:"display_name"`
	Holder      holderRecord            `json:"holder"` // titulaire who asked for it
	Structure   *provisioning.Structure `json:"structure,omitempty"`
	AppIdentity string                  `json:"app_identity,omitempty"` // APP: national id (CN) of the organisation certificate
	CGUVersion  string                  `json:"cgu_version"`
	ListeRouge  bool                    `json:"liste_rouge,omitempty"`
	Created     time.Time               `json:"created"`
	ActiveAt    time.Time               `json:"active_at"`
	// Members of an ORG BAL by national id.
	Members map[string]memberRecord `json:"members,omitempty"`
}

type holderRecord struct {
	ID         string `json:"id"`
	Surname    string `json:"surname,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	Profession string `json:"profession,omitempty"`
}

type memberRecord struct {
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
	// Since is when the access was granted; zero in state files written before it existed.
	Since time.Time `json:"since,omitzero"`
}

type patientRecord struct {
	INS  string `json:"ins"`
	Name string `json:"name"`
}

func (b *balRecord) active(now time.Time) bool { return !now.Before(b.ActiveAt) }

func (b *balRecord) status(now time.Time) string {
	if b.active(now) {
		return provisioning.StatusActive
	}
	return provisioning.StatusPending
}

// roleOf is the role of id on the BAL: the member role on ORG, "" otherwise.
func (b *balRecord) roleOf(id string) string {
	if m, ok := b.Members[id]; ok {
		return m.Role
	}
	return ""
}

// mayOpen reports whether the holder id may open (read and send from) the BAL, whatever
// its status.
func (b *balRecord) mayOpen(id string) bool {
	switch b.Kind {
	case provisioning.KindPER:
		return b.Holder.ID == id
	case provisioning.KindORG:
		_, ok := b.Members[id]
		return ok
	case provisioning.KindAPP:
		return b.AppIdentity == id
	}
	return false
}

// registry is the persistent operator state: BALs, roles and known patients.
type registry struct {
	path string

	mu       sync.Mutex
	BALs     map[string]*balRecord    `json:"bals"`
	Patients map[string]patientRecord `json:"patients"`
	Nonces   map[string]time.Time     `json:"nonces"`
	Seeded   bool                     `json:"seeded"`
}

func openRegistry(dir string) (*registry, error) {
	r := &registry{
		path:     filepath.Join(dir, "state.json"),
		BALs:     map[string]*balRecord{},
		Patients: map[string]patientRecord{},
		Nonces:   map[string]time.Time{},
	}
	data, err := os.ReadFile(r.path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: read state: %w", err)
	}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("sandbox: decode state %s: %w", r.path, err)
	}
	return r, nil
}

// saveLocked writes the state atomically (temp file + rename).
func (r *registry) saveLocked() error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("sandbox: encode state: %w", err)
	}
	tmp := r.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("sandbox: write state: %w", err)
	}
	if err := os.Rename(tmp, r.path); err != nil {
		return fmt.Errorf("sandbox: write state: %w", err)
	}
	return nil
}

// bal returns a copy of the record (nil when unknown).
func (r *registry) bal(addr string) *balRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.BALs[strings.ToLower(addr)]
	if b == nil {
		return nil
	}
	return b.clone()
}

func (b *balRecord) clone() *balRecord {
	c := *b
	c.Members = make(map[string]memberRecord, len(b.Members))
	for k, v := range b.Members {
		c.Members[k] = v
	}
	if b.Structure != nil {
		s := *b.Structure
		c.Structure = &s
	}
	return &c
}

// all returns copies of every BAL, sorted by address.
func (r *registry) all() []*balRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*balRecord, 0, len(r.BALs))
	for _, b := range r.BALs {
		out = append(out, b.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// update runs f on the live record under the lock and saves when f succeeds.
func (r *registry) update(addr string, f func(b *balRecord) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.BALs[strings.ToLower(addr)]
	if b == nil {
		return errNoBAL
	}
	if err := f(b); err != nil {
		return err
	}
	return r.saveLocked()
}

var errNoBAL = errors.New("sandbox: no such BAL")

func (r *registry) patient(ins string) (patientRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.Patients[ins]
	return p, ok
}

func (r *registry) addPatient(p patientRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.Patients[p.INS]; ok {
		return nil
	}
	r.Patients[p.INS] = p
	return r.saveLocked()
}
