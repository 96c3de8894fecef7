package wire

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/app/annuaire"
	"comptoir/cps"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// Provisioning implements app.Provisioning over mail/provisioning (the provisioning API, with
// the session's card) and app/annuaire (the structure's postal address, people to add).
type Provisioning struct {
	o             Options
	directoryPath string
	// AddedSyncEvery is how often a BAL added during a session is synchronised (its
	// engine was started before the BAL existed); 0 means 30 s.
	AddedSyncEvery time.Duration
}

// Provisioning returns the provisioning access of the cards' sessions; directoryPath is
// the imported Annuaire Santé ("" = annuaire.DefaultPath()).
func (c *Cards) Provisioning(directoryPath string) *Provisioning {
	return &Provisioning{o: c.o, directoryPath: directoryPath}
}

// Open gives the provisioning access of a session opened by these Cards.
func (p *Provisioning) Open(s app.Session) (app.Provisioner, error) {
	ws, ok := s.(*Session)
	if !ok || ws == nil {
		return nil, errors.New("wire: provisioning needs a card session")
	}
	if p.o.APIURL == "" {
		return nil, errors.New("wire: no provisioning API configured")
	}
	card := ws.Card()
	cl, err := provisioning.New(provisioning.Config{BaseURL: p.o.APIURL, Certificate: card.TLSCertificate(),
		Trust: p.o.Operator.Trust, RootCAs: p.o.Operator.RootCAs, MaxTLS: card.MaxTLSVersion(), Timeout: 20 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("wire: provisioning client: %w", err)
	}
	return &provisioner{p: p, s: ws, card: card, cl: cl}, nil
}

type provisioner struct {
	p    *Provisioning
	s    *Session
	card *cps.Card
	cl   *provisioning.Client
}

func (v *provisioner) Close() { v.cl.Close() }

func (v *provisioner) Domain() string { return v.p.o.Operator.Domain }

func (v *provisioner) Card() app.CardData {
	id := v.card.Identity()
	d := app.CardData{Label: v.card.Label(), NationalID: id.NationalID, IDType: id.IDType.String(),
		GivenName: id.GivenName, Surname: id.Surname, Profession: id.Profession}
	for _, s := range v.card.Situations() {
		d.Situations = append(d.Situations, app.CardSituation{StructureName: s.StructureName,
			StructureIDType: s.StructureIDType, StructureID: s.StructureID, FINESS: s.FINESS, Sector: s.Sector})
	}
	return d
}

// opErr turns the operator's refusals into the app's type (French message kept).
func opErr(err error) error {
	var e *provisioning.Error
	if errors.As(err, &e) {
		return &app.OperatorError{Code: e.Code, Message: e.Message, Suggestion: e.Suggestion}
	}
	return err
}

func (v *provisioner) CGU(ctx context.Context) (app.CGU, error) {
	c, err := v.cl.CGU(ctx)
	return app.CGU{Version: c.Version, Title: c.Title, Text: c.Text}, opErr(err)
}

func (v *provisioner) directory() (*annuaire.Directory, error) {
	path := v.p.directoryPath
	if path == "" {
		var err error
		if path, err = annuaire.DefaultPath(); err != nil {
			return nil, err
		}
	}
	return annuaire.Open(path)
}

func (v *provisioner) Structure(ctx context.Context, finess string) (app.Structure, bool, error) {
	d, err := v.directory()
	if err != nil {
		return app.Structure{}, false, err
	}
	defer d.Close()
	st, ok, err := StructureByFINESS(ctx, d, finess)
	if err != nil || !ok {
		return app.Structure{}, false, err
	}
	return app.Structure{FINESS: st.FINESS, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode, Town: st.City}, true, nil
}

// StructureByFINESS finds a structure's postal address in the directory: any mailbox row
// attached to that FINESS with a postal code and a town. A directory not imported yet is
// not an error: found is false.
func StructureByFINESS(ctx context.Context, d *annuaire.Directory, finess string) (provisioning.Structure, bool, error) {
	res, err := d.Search(ctx, finess, 50)
	if errors.Is(err, annuaire.ErrNotImported) {
		return provisioning.Structure{}, false, nil
	}
	if err != nil {
		return provisioning.Structure{}, false, fmt.Errorf("wire: directory search: %w", err)
	}
	for _, r := range res {
		for _, m := range r.Mailboxes {
			if m.StructureID == finess && m.PostalCode != "" && m.Town != "" {
				st := provisioning.Structure{FINESS: finess, Name: m.Structure, PostalCode: m.PostalCode, City: m.Town}
				for _, l := range m.Lines {
					if l != "" && !strings.HasPrefix(l, m.PostalCode) {
						st.Street = l
					}
				}
				return st, true, nil
			}
		}
	}
	return provisioning.Structure{}, false, nil
}

func (v *provisioner) AppCertificate(p12, password []byte) (app.AppCertificate, error) {
	oc, err := provisioning.LoadP12(p12, string(password))
	if err != nil {
		return app.AppCertificate{}, err
	}
	return app.AppCertificate{PEM: oc.ChainPEM(), StructureID: oc.StructureID, FINESS: oc.FINESS, Organisation: oc.Organisation}, nil
}

func balStatus(b provisioning.BAL) app.BALStatus {
	out := app.BALStatus{BAL: app.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role},
		Status: b.Status, ActiveAt: b.ActiveAt}
	if st := b.Structure; st != nil {
		out.Structure = &app.Structure{FINESS: st.FINESS, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode, Town: st.City, Sector: st.Sector}
	}
	return out
}

func (v *provisioner) BALs(ctx context.Context) ([]app.BALStatus, error) {
	list, err := v.cl.BALs(ctx)
	if err != nil {
		return nil, opErr(err)
	}
	out := make([]app.BALStatus, len(list))
	for i, b := range list {
		out[i] = balStatus(b)
	}
	return out, nil
}

func (v *provisioner) Create(ctx context.Context, r app.CreateRequest) (app.BALStatus, error) {
	signer, cert := v.card.DocumentSigner(), v.card.SignatureCertificate()
	if signer == nil || cert == nil {
		return app.BALStatus{}, errors.New("wire: the card has no signature key")
	}
	req := provisioning.CreateRequest{Kind: r.Kind, CGUVersion: r.CGUVersion, HolderID: v.card.Identity().NationalID,
		Address: r.Address, DisplayName: r.DisplayName, AppCertificate: r.AppCertificate, ListeRouge: r.ListeRouge}
	if st := r.Structure; st != nil {
		req.Structure = &provisioning.Structure{FINESS: st.FINESS, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode, City: st.Town, Sector: st.Sector}
	}
	b, err := v.cl.CreateBAL(ctx, req, signer, cert)
	if err != nil {
		return app.BALStatus{}, opErr(err)
	}
	return balStatus(b), nil
}

func (v *provisioner) Members(ctx context.Context, address string) (app.Members, error) {
	m, err := v.cl.Members(ctx, address)
	if err != nil {
		return app.Members{}, opErr(err)
	}
	out := app.Members{CallerRole: m.CallerRole, Grantable: m.Grantable}
	for _, x := range m.Members {
		out.Members = append(out.Members, app.Member{NationalID: x.NationalID, Name: x.Name, Role: x.Role, Since: x.Since,
			AllowedRoles: x.Allowed.Roles, MayRemove: x.Allowed.Remove, Reason: x.Allowed.Reason})
	}
	return out, nil
}

func (v *provisioner) SetMember(ctx context.Context, address, nationalID, role, name string) error {
	_, err := v.cl.SetMember(ctx, address, nationalID, role, name)
	return opErr(err)
}

func (v *provisioner) RemoveMember(ctx context.Context, address, nationalID string) error {
	return opErr(v.cl.RemoveMember(ctx, address, nationalID))
}

func (v *provisioner) FindPeople(ctx context.Context, query string, limit int) ([]app.Person, error) {
	d, err := v.directory()
	if err != nil {
		return nil, err
	}
	defer d.Close()
	res, err := d.Search(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("wire: directory search: %w", err)
	}
	var out []app.Person
	for _, r := range res {
		if r.IsStructure() || r.NationalID == "" {
			continue
		}
		out = append(out, app.Person{NationalID: r.NationalID, Name: strings.TrimSpace(r.GivenName + " " + strings.ToUpper(r.Surname)),
			Profession: r.Profession, Town: r.Town()})
	}
	return out, nil
}

// AddBAL keeps the new BAL in the cache and synchronises it for the rest of the session:
// the engine's workers were fixed at login, so a pass (fetch, outbox) runs now and then
// every AddedSyncEvery, through the engine's SyncOnce, until the session closes. From the
// next login on it is one of the session's BALs like the others.
func (v *provisioner) AddBAL(b app.BAL) error {
	s := v.s
	if err := s.st.PutBAL(store.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role,
		Status: provisioning.StatusActive}); err != nil {
		return fmt.Errorf("wire: add BAL: %w", err)
	}
	// The session lists it from now on (the switcher after an unlock, the From of messages).
	s.mu.Lock()
	s.bals = append(slices.Clip(s.bals), store.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role})
	s.mu.Unlock()
	every := v.p.AddedSyncEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := s.eng.SyncOnce(s.ctx, b.Address); err != nil && s.ctx.Err() == nil {
				s.o.Logger.Warn("sync added BAL", "bal", b.Address, "err", err)
			}
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

var _ app.Provisioning = (*Provisioning)(nil)
