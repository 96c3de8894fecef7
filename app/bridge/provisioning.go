package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"comptoir/app"
	"comptoir/app/annuaire"
	"comptoir/app/session"
	"comptoir/cps"
	"comptoir/mail/provisioning"
)

// Provisioning implements app.Provisioning over the session core (the provisioning API with
// the session's card) and app/annuaire (the structure's postal address, people to add).
type Provisioning struct {
	directoryPath string
}

// NewProvisioning gives the screens BAL creation and roles; directoryPath is the imported
// Annuaire Santé ("" = annuaire.DefaultPath()).
func NewProvisioning(directoryPath string) *Provisioning {
	return &Provisioning{directoryPath: directoryPath}
}

// Open gives the provisioning access of a session opened by the bridge.
func (p *Provisioning) Open(s app.Session) (app.Provisioner, error) {
	ws, ok := s.(*Session)
	if !ok || ws == nil {
		return nil, errors.New("bridge: provisioning needs a session of the bridge")
	}
	if _, ok := ws.s.Card(); !ok {
		return nil, errors.Join(app.ErrNeedsCard, session.ErrNeedsCard)
	}
	return &provisioner{p: p, s: ws.s, certs: map[string]*provisioning.OrgCertificate{}}, nil
}

type provisioner struct {
	p *Provisioning
	s *session.Session

	mu      sync.Mutex
	certs   map[string]*provisioning.OrgCertificate // read by AppCertificate, by chain PEM
	listing []provisioning.BAL                      // the last BALs() answer
}

// Close releases nothing: the API connection is the session's (dropped when it locks).
func (v *provisioner) Close() {}

func (v *provisioner) Domain() string { return v.s.Domain() }

func (v *provisioner) Card() app.CardData {
	id := v.s.Identity()
	d := app.CardData{NationalID: id.NationalID, IDType: id.IDType,
		GivenName: id.GivenName, Surname: id.Surname, Profession: id.Profession}
	if c, ok := v.s.Card(); ok {
		d.Label = c.Card.Label()
	}
	for _, s := range id.Situations {
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
	return locked(err)
}

func (v *provisioner) CGU(ctx context.Context) (app.CGU, error) {
	c, err := v.s.CGU(ctx)
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
	st, ok, err := session.StructureByFINESS(ctx, d, finess)
	if err != nil || !ok {
		return app.Structure{}, false, err
	}
	return app.Structure{FINESS: st.FINESS, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode, Town: st.City}, true, nil
}

// Eligible applies the operator's rules to the chosen situation (the wizard's card step);
// an APP BAL is checked against the last listing (BALs).
func (v *provisioner) Eligible(kind string, situation int) error {
	id := v.s.Identity()
	var sit cps.Situation
	if situation >= 0 && situation < len(id.Situations) {
		sit = id.Situations[situation]
	}
	v.mu.Lock()
	listing := v.listing
	v.mu.Unlock()
	return session.Eligible(kind, id.Profession, sit, listing)
}

// Address is the address the rules give the request.
func (v *provisioner) Address(kind string, st app.Structure) (string, error) {
	return session.BALAddress(kind, v.s.Domain(), v.s.Identity(), provisioning.Structure{FINESS: st.FINESS,
		Name: st.Name, PostalCode: st.PostalCode, City: st.Town})
}

func (v *provisioner) AppCertificate(p12, password []byte) (app.AppCertificate, error) {
	oc, err := provisioning.LoadP12(p12, string(password))
	if err != nil {
		return app.AppCertificate{}, err
	}
	pem := oc.ChainPEM()
	v.mu.Lock()
	v.certs[pem] = oc
	v.mu.Unlock()
	return app.AppCertificate{PEM: pem, StructureID: oc.StructureID, FINESS: oc.FINESS, Organisation: oc.Organisation}, nil
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
	list, err := v.s.Listing(ctx)
	if err != nil {
		return nil, opErr(err)
	}
	v.mu.Lock()
	v.listing = list
	v.mu.Unlock()
	out := make([]app.BALStatus, len(list))
	for i, b := range list {
		out[i] = balStatus(b)
	}
	return out, nil
}

// Create asks the operator for the BAL; an APP BAL's structure certificate (read by
// AppCertificate) is handed to the session, which opens that BAL with it, never with the card.
func (v *provisioner) Create(ctx context.Context, r app.CreateRequest) (app.BALStatus, error) {
	req, oc, err := v.request(r)
	if err != nil {
		return app.BALStatus{}, err
	}
	b, err := v.s.CreateBAL(ctx, req, oc)
	if err != nil {
		return app.BALStatus{}, opErr(err)
	}
	return balStatus(b), nil
}

// Check asks the operator whether the request would be accepted, before it is signed
// (app.AddressChecker): the address it would get, or the refusal creation would give.
func (v *provisioner) Check(ctx context.Context, r app.CreateRequest) (string, error) {
	req, oc, err := v.request(r)
	if err != nil {
		return "", err
	}
	c, err := v.s.CheckBAL(ctx, req, oc)
	if errors.Is(err, session.ErrCheckUnsupported) {
		return "", app.ErrCheckUnsupported
	}
	if err != nil {
		return "", opErr(err)
	}
	return c.Address, nil
}

// request is the operator's form of r, with the structure certificate read for it.
func (v *provisioner) request(r app.CreateRequest) (provisioning.CreateRequest, *provisioning.OrgCertificate, error) {
	req := provisioning.CreateRequest{Kind: r.Kind, CGUVersion: r.CGUVersion,
		Address: r.Address, DisplayName: r.DisplayName, ListeRouge: r.ListeRouge}
	if st := r.Structure; st != nil {
		req.Structure = &provisioning.Structure{FINESS: st.FINESS, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode, City: st.Town, Sector: st.Sector}
	}
	var oc *provisioning.OrgCertificate
	if r.AppCertificate != "" {
		v.mu.Lock()
		oc = v.certs[r.AppCertificate]
		v.mu.Unlock()
		if oc == nil {
			return req, nil, errors.New("bridge: the structure certificate was not read by this provisioner")
		}
	}
	return req, oc, nil
}

func (v *provisioner) Members(ctx context.Context, address string) (app.Members, error) {
	m, err := v.s.Members(ctx, address)
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
	return opErr(v.s.SetMember(ctx, address, nationalID, role, name))
}

func (v *provisioner) RemoveMember(ctx context.Context, address, nationalID string) error {
	return opErr(v.s.RemoveMember(ctx, address, nationalID))
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

var (
	_ app.Provisioning   = (*Provisioning)(nil)
	_ app.AddressChecker = (*provisioner)(nil)
)
