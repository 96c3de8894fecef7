package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"comptoir/mail"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// BAL kinds and the states a session shows.
const (
	KindPER = provisioning.KindPER
	KindORG = provisioning.KindORG
	KindAPP = provisioning.KindAPP

	StatusActive  = provisioning.StatusActive
	StatusPending = provisioning.StatusPending
	// StatusRetired: the operator no longer lists the BAL for this holder; its cache is kept
	// until the user confirms (ForgetBAL).
	StatusRetired = "retired"
)

// BAL is one mailbox of the session with its state.
type BAL struct {
	Address, Kind, DisplayName string
	Role                       string // on an ORG BAL: Administrateur, Gestionnaire, Utilisateur
	Status                     string // StatusActive, StatusPending, StatusRetired
	ActiveAt                   time.Time
	// NeedsCertificate: an APP BAL this session cannot open (it opens with its structure's
	// certificate, never with a card, and the cache holds none for it).
	NeedsCertificate bool
}

// Syncable reports whether the engine synchronises the BAL.
func (b BAL) Syncable() bool { return b.Status == StatusActive && !b.NeedsCertificate }

// BALs lists the session's BALs: PER, ORG, then APP; pending and retired ones included.
func (s *Session) BALs() []BAL {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bals)
}

// BAL returns one of the session's BALs.
func (s *Session) BAL(address string) (BAL, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bals {
		if b.Address == address {
			return b, true
		}
	}
	return BAL{}, false
}

func (s *Session) syncable() []BAL {
	var out []BAL
	for _, b := range s.BALs() {
		if b.Syncable() {
			out = append(out, b)
		}
	}
	return out
}

// loadBALs reads the BALs the cache knows. An APP session knows its own BAL only.
func (s *Session) loadBALs() error {
	if a, ok := s.cred.(AppCredential); ok {
		s.bals = []BAL{{Address: a.BAL, Kind: KindAPP, Status: StatusActive}}
		if cached, err := s.st.BALs(); err == nil {
			for _, b := range cached {
				if b.Address == a.BAL {
					s.bals[0].DisplayName = b.DisplayName
				}
			}
		}
		return nil
	}
	cached, err := s.st.BALs()
	if err != nil {
		return fmt.Errorf("session: cached BALs: %w", err)
	}
	bals := make([]BAL, 0, len(cached))
	for _, b := range cached {
		bals = append(bals, s.balOf(b))
	}
	s.bals = ordered(bals)
	return nil
}

// balOf is the session's view of a cached BAL: an APP BAL needs its stored certificate.
func (s *Session) balOf(b store.BAL) BAL {
	out := BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role, Status: b.Status}
	if out.Status == "" {
		out.Status = StatusActive
	}
	if b.Kind == KindAPP {
		_, ok := s.balCredentials(out)
		out.NeedsCertificate = !ok
	}
	return out
}

// ordered sorts PER, ORG, APP, then by address.
func ordered(bals []BAL) []BAL {
	rank := map[string]int{KindPER: 0, KindORG: 1, KindAPP: 2}
	slices.SortStableFunc(bals, func(a, b BAL) int {
		ra, ok := rank[a.Kind]
		if !ok {
			ra = 3
		}
		rb, ok := rank[b.Kind]
		if !ok {
			rb = 3
		}
		if ra != rb {
			return ra - rb
		}
		if a.Address < b.Address {
			return -1
		}
		if a.Address > b.Address {
			return 1
		}
		return 0
	})
	return bals
}

// RefreshBALs asks the operator which BALs the holder may open and applies the answer: new
// active BALs join the engine, BALs the operator no longer lists are retired (the engine
// stops them; their cache stays until ForgetBAL), pending ones are shown as such.
func (s *Session) RefreshBALs(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	cl, err := s.provisioning()
	if err != nil {
		return err
	}
	var list []provisioning.BAL
	if err := s.callAPI(ctx, func(ctx context.Context) (err error) {
		list, err = cl.BALs(ctx)
		return err
	}); err != nil {
		return fmt.Errorf("session: list BALs: %w", err)
	}
	s.applyListing(list)
	return nil
}

func (s *Session) applyListing(list []provisioning.BAL) {
	app, isApp := s.cred.(AppCredential)
	listed := map[string]provisioning.BAL{}
	for _, b := range list {
		if isApp && b.Address != app.BAL {
			continue
		}
		listed[b.Address] = b
	}
	var added, removed []BAL
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	old := map[string]BAL{}
	for _, b := range s.bals {
		old[b.Address] = b
	}
	var next []BAL
	for addr, lb := range listed {
		nb := BAL{Address: addr, Kind: lb.Kind, DisplayName: lb.DisplayName, Role: lb.Role,
			Status: lb.Status, ActiveAt: lb.ActiveAt}
		if nb.Status == "" {
			nb.Status = StatusActive
		}
		if nb.Kind == KindAPP && !isApp {
			_, ok := s.balCredentials(nb)
			nb.NeedsCertificate = !ok
		}
		if err := s.st.PutBAL(store.BAL{Address: addr, Kind: nb.Kind, DisplayName: nb.DisplayName,
			Role: nb.Role, Status: nb.Status}); err != nil {
			s.cfg.Logger.Warn("cache BAL", "err", err)
		}
		if nb.Syncable() && !old[addr].Syncable() {
			added = append(added, nb)
		}
		next = append(next, nb)
	}
	for addr, ob := range old {
		if _, ok := listed[addr]; ok {
			continue
		}
		// A right withdrawn at the operator: stop using the BAL, keep its mail until the
		// user says so (a single listing that lacks it must not delete a BAL's cache).
		if ob.Syncable() {
			removed = append(removed, ob)
		}
		ob.Status = StatusRetired
		if err := s.st.PutBAL(store.BAL{Address: addr, Kind: ob.Kind, DisplayName: ob.DisplayName,
			Role: ob.Role, Status: StatusRetired}); err != nil {
			s.cfg.Logger.Warn("cache BAL", "err", err)
		}
		next = append(next, ob)
	}
	s.bals = ordered(next)
	eng := s.eng
	s.mu.Unlock()
	if eng == nil { // the first listing, before the engine exists: it starts with them
		return
	}
	for _, b := range removed {
		eng.RemoveBAL(b.Address)
	}
	for _, b := range added {
		s.addToEngine(b)
	}
}

func (s *Session) addToEngine(b BAL) {
	if cr, ok := s.balCredentials(b); ok {
		s.eng.AddBAL(b.Address, &cr)
		return
	}
	s.eng.AddBAL(b.Address, nil)
}

// ErrNotRetired: ForgetBAL is only for a BAL the operator withdrew.
var ErrNotRetired = errors.New("session: the BAL is not retired")

// ForgetBAL deletes a retired BAL and its cached mail, once the user confirmed.
func (s *Session) ForgetBAL(address string) error {
	if err := s.check(); err != nil {
		return err
	}
	b, ok := s.BAL(address)
	if !ok || b.Status != StatusRetired {
		return ErrNotRetired
	}
	if err := s.st.DeleteBAL(address); err != nil {
		return fmt.Errorf("session: forget BAL: %w", err)
	}
	s.mu.Lock()
	s.bals = slices.DeleteFunc(s.bals, func(x BAL) bool { return x.Address == address })
	s.mu.Unlock()
	return nil
}

// balCredentials is what an APP BAL authenticates with: the session's own certificate in an
// APP session, else the structure certificate stored when the wizard created it.
func (s *Session) balCredentials(b BAL) (mail.Credentials, bool) {
	if b.Kind != KindAPP {
		return mail.Credentials{}, false
	}
	if a, ok := s.cred.(AppCredential); ok && a.BAL == b.Address {
		return mail.Credentials{Cert: a.Cert.TLS, BAL: b.Address}, true
	}
	cert, err := s.loadAppCertificate(b.Address)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.cfg.Logger.Warn("APP BAL certificate", "bal", b.Address, "err", err)
		}
		return mail.Credentials{}, false
	}
	return mail.Credentials{Cert: cert.TLS, BAL: b.Address}, true
}
