package annuaire

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultFHIRBase is the Annuaire Santé FHIR API of the ANS (an API key is required).
const DefaultFHIRBase = "https://gateway.api.esante.gouv.fr/fhir/v2"

// Identifiers and extensions of the ANS FHIR IG (Annuaire Santé) and FR Core.
const (
	fhirAPIKeyHeader  = "ESANTE-API-KEY"
	systemIDNatPS     = "urn:oid:1.2.250.1.71.4.2.1"
	systemRPPS        = "https://rpps.esante.gouv.fr"
	systemFINESS      = "urn:oid:1.2.250.1.71.4.2.2"
	extEmailType      = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type"
	extMailboxMeta    = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata"
	codeMSSante       = "MSSANTE"
	systemProfession  = "TRE-G15-ProfessionSante"
	maxFHIRBodyBytes  = 16 << 20
	defaultFHIRTimout = 10 * time.Second
)

// ErrOnline wraps a failure of the online lookup; offline results are still returned.
var ErrOnline = errors.New("annuaire: online lookup failed")

// ErrAPIKey is returned when the FHIR API refuses the key (HTTP 401/403).
var ErrAPIKey = errors.New("annuaire: FHIR API key refused")

// FHIRClient queries the Annuaire Santé FHIR API (Practitioner, PractitionerRole,
// Organization) for MSSanté mailboxes.
type FHIRClient struct {
	BaseURL string // DefaultFHIRBase when empty
	APIKey  string // sent in the ESANTE-API-KEY header; never logged
	// TLSConfig verifies the server (nil: system roots); TLS 1.2 is the minimum.
	TLSConfig *tls.Config
	Timeout   time.Duration // per lookup; default 10 s
	// HTTPClient, when set, is used as is (tests); otherwise one is built from TLSConfig.
	HTTPClient *http.Client
}

// Search looks query up online: a mailbox address (mailbox-mss), a national identifier, or
// names (every word must match). Red-listed mailboxes are left out.
func (c *FHIRClient) Search(ctx context.Context, query string, limit int) ([]Result, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultFHIRTimout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := c.HTTPClient
	if client == nil {
		client = httpClient(c.TLSConfig, timeout)
		defer client.CloseIdleConnections()
	}
	q := strings.TrimSpace(query)
	count := fmt.Sprint(limit)
	var requests []url.Values
	switch words := strings.Fields(Normalize(q)); {
	case q == "":
		return nil, nil
	case strings.Contains(q, "@"):
		addr := strings.ToLower(q)
		requests = []url.Values{
			{"mailbox-mss": {addr}, "_revinclude": {"PractitionerRole:practitioner"}, "_count": {count}, "_type": {"Practitioner"}},
			{"mailbox-mss": {addr}, "_include": {"PractitionerRole:practitioner", "PractitionerRole:organization"}, "_count": {count}, "_type": {"PractitionerRole"}},
			{"mailbox-mss": {addr}, "_count": {count}, "_type": {"Organization"}},
		}
	case len(words) == 1 && isDigits(words[0]) && len(words[0]) >= 6:
		requests = []url.Values{
			{"identifier": {words[0]}, "_revinclude": {"PractitionerRole:practitioner"}, "_count": {count}, "_type": {"Practitioner"}},
			{"identifier": {words[0]}, "_count": {count}, "_type": {"Organization"}},
		}
	default:
		requests = []url.Values{
			{"name": words, "_revinclude": {"PractitionerRole:practitioner"}, "_count": {count}, "_type": {"Practitioner"}},
			{"name": {strings.Join(words, " ")}, "_count": {count}, "_type": {"Organization"}},
		}
	}
	b := newBundleSet()
	for _, params := range requests {
		typ := params.Get("_type")
		params.Del("_type")
		if err := c.get(ctx, client, typ, params, b); err != nil {
			return nil, err
		}
	}
	res := b.results()
	if len(res) > limit {
		res = res[:limit]
	}
	return res, nil
}

func (c *FHIRClient) get(ctx context.Context, client *http.Client, typ string, params url.Values, into *bundleSet) error {
	base := c.BaseURL
	if base == "" {
		base = DefaultFHIRBase
	}
	u := strings.TrimSuffix(base, "/") + "/" + typ + "?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("annuaire: FHIR request: %w", err)
	}
	req.Header.Set(fhirAPIKeyHeader, c.APIKey)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("annuaire: FHIR %s search: %w", typ, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (HTTP %d)", ErrAPIKey, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("annuaire: FHIR %s search: HTTP %s", typ, resp.Status)
	}
	var bundle fhirBundle
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxFHIRBodyBytes)).Decode(&bundle); err != nil {
		return fmt.Errorf("annuaire: FHIR %s search: bad Bundle: %w", typ, err)
	}
	if bundle.ResourceType != "Bundle" {
		return fmt.Errorf("annuaire: FHIR %s search: got %q, not a Bundle", typ, bundle.ResourceType)
	}
	for _, e := range bundle.Entry {
		into.add(e.Resource)
	}
	return nil
}

// FHIR shapes, reduced to what a mailbox search needs.
type (
	fhirBundle struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource fhirResource `json:"resource"`
		} `json:"entry"`
	}
	fhirResource struct {
		ResourceType  string                       `json:"resourceType"`
		ID            string                       `json:"id"`
		Active        *bool                        `json:"active"`
		Identifier    []fhirIdentifier             `json:"identifier"`
		Name          json.RawMessage              `json:"name"` // []HumanName (Practitioner) or string (Organization)
		Telecom       []fhirContact                `json:"telecom"`
		Qualification []struct{ Code fhirConcept } `json:"qualification"`
		Practitioner  *fhirReference               `json:"practitioner"`
		Organization  *fhirReference               `json:"organization"`
		Specialty     []fhirConcept                `json:"specialty"`
		Address       []fhirAddress                `json:"address"`
	}
	fhirIdentifier struct {
		System string `json:"system"`
		Value  string `json:"value"`
	}
	fhirHumanName struct {
		Use    string   `json:"use"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
		Prefix []string `json:"prefix"`
		Suffix []string `json:"suffix"`
	}
	fhirContact struct {
		System    string          `json:"system"`
		Value     string          `json:"value"`
		Extension []fhirExtension `json:"extension"`
	}
	fhirExtension struct {
		URL                  string          `json:"url"`
		ValueCoding          *fhirCoding     `json:"valueCoding"`
		ValueCodeableConcept *fhirConcept    `json:"valueCodeableConcept"`
		ValueBoolean         *bool           `json:"valueBoolean"`
		ValueString          string          `json:"valueString"`
		Extension            []fhirExtension `json:"extension"`
	}
	fhirCoding struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	}
	fhirConcept struct {
		Coding []fhirCoding `json:"coding"`
		Text   string       `json:"text"`
	}
	fhirReference struct {
		Reference string `json:"reference"`
	}
	fhirAddress struct {
		Line       []string `json:"line"`
		PostalCode string   `json:"postalCode"`
		City       string   `json:"city"`
		Country    string   `json:"country"`
	}
)

// professionLabels names the TRE_G15 professions the API returns as bare codes.
var professionLabels = map[string]string{
	"10": "Médecin", "21": "Pharmacien", "40": "Chirurgien-Dentiste", "50": "Sage-Femme",
	"60": "Infirmier", "69": "Infirmier psychiatrique", "70": "Masseur-Kinésithérapeute",
	"80": "Pédicure-Podologue", "81": "Orthoprothésiste", "82": "Podo-Orthésiste",
	"83": "Orthopédiste-Orthésiste", "84": "Oculariste", "85": "Épithésiste", "86": "Technicien de laboratoire médical",
	"91": "Orthophoniste", "92": "Orthoptiste", "94": "Ergothérapeute", "95": "Diététicien",
	"96": "Psychomotricien", "98": "Manipulateur ERM", "26": "Audioprothésiste", "28": "Opticien-Lunetier",
}

// bundleSet gathers the resources of several Bundles and links roles to practitioners.
type bundleSet struct {
	order         []string // practitioner and organization keys, in arrival order
	practitioners map[string]*fhirResource
	orgs          map[string]*fhirResource
	roles         []*fhirResource
}

func newBundleSet() *bundleSet {
	return &bundleSet{practitioners: map[string]*fhirResource{}, orgs: map[string]*fhirResource{}}
}

func (b *bundleSet) add(r fhirResource) {
	switch r.ResourceType {
	case "Practitioner":
		key := "Practitioner/" + r.ID
		if _, ok := b.practitioners[key]; !ok {
			b.order = append(b.order, key)
		}
		b.practitioners[key] = &r
	case "Organization":
		key := "Organization/" + r.ID
		if _, ok := b.orgs[key]; !ok {
			b.order = append(b.order, key)
		}
		b.orgs[key] = &r
	case "PractitionerRole":
		b.roles = append(b.roles, &r)
	}
}

// refKey reduces "https://…/Practitioner/123" or "Practitioner/123" to "Practitioner/123".
func refKey(ref *fhirReference) string {
	if ref == nil {
		return ""
	}
	parts := strings.Split(strings.TrimSuffix(ref.Reference, "/"), "/")
	if len(parts) < 2 {
		return ref.Reference
	}
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

func (b *bundleSet) results() []Result {
	byKey := map[string]*Result{}
	var out []*Result
	for _, key := range b.order {
		var r *Result
		if p := b.practitioners[key]; p != nil {
			r = practitionerResult(p)
		} else if o := b.orgs[key]; o != nil {
			r = &Result{Online: true}
			r.Mailboxes = mailboxes(o.Telecom, "ORG", o)
		}
		byKey[key] = r
		out = append(out, r)
	}
	// A role carries the mailboxes of a practitioner at one structure.
	for _, role := range b.roles {
		pkey := refKey(role.Practitioner)
		r := byKey[pkey]
		if r == nil {
			r = &Result{Online: true}
			byKey[pkey] = r
			out = append(out, r)
		}
		org := b.orgs[refKey(role.Organization)]
		for _, m := range mailboxes(role.Telecom, "PER", org) {
			if !hasMailbox(r.Mailboxes, m.Address) {
				r.Mailboxes = append(r.Mailboxes, m)
			}
		}
		if r.Specialty == "" {
			for _, s := range role.Specialty {
				for _, c := range s.Coding {
					if c.Display != "" && r.Specialty == "" {
						r.Specialty, r.SpecialtyCode = c.Display, c.Code
					}
				}
			}
		}
	}
	var res []Result
	for _, r := range out {
		if r != nil && len(r.Mailboxes) > 0 {
			res = append(res, *r)
		}
	}
	return res
}

func hasMailbox(ms []Mailbox, addr string) bool {
	for _, m := range ms {
		if strings.EqualFold(m.Address, addr) {
			return true
		}
	}
	return false
}

func practitionerResult(p *fhirResource) *Result {
	r := &Result{Online: true}
	for _, id := range p.Identifier {
		switch id.System {
		case systemIDNatPS:
			r.NationalID = id.Value
		case systemRPPS:
			r.Identifier, r.IDType = id.Value, "8"
		}
	}
	if r.Identifier == "" && len(r.NationalID) > 1 {
		r.IDType, r.Identifier = r.NationalID[:1], r.NationalID[1:]
	}
	var names []fhirHumanName
	if json.Unmarshal(p.Name, &names) == nil && len(names) > 0 {
		n := names[0]
		r.Surname, r.GivenName = n.Family, strings.Join(n.Given, " ")
		for _, s := range append(n.Suffix, n.Prefix...) {
			if u := strings.ToUpper(strings.TrimSuffix(s, ".")); u == "DR" || u == "PR" {
				r.Civility = u
			}
		}
	}
	for _, q := range p.Qualification {
		for _, c := range q.Code.Coding {
			if strings.Contains(c.System, systemProfession) {
				r.ProfessionCode = c.Code
				r.Profession = c.Display
				if r.Profession == "" {
					r.Profession = professionLabels[c.Code]
				}
			}
		}
	}
	r.Mailboxes = mailboxes(p.Telecom, "PER", nil)
	return r
}

// mailboxes returns the MSSanté mailboxes among telecoms: email contact points typed
// MSSANTE (FR Core email-type) or carrying the mailbox metadata extension; red-listed ones
// are left out.
func mailboxes(telecoms []fhirContact, kind string, org *fhirResource) []Mailbox {
	var out []Mailbox
	for _, t := range telecoms {
		if t.System != "email" || !strings.Contains(t.Value, "@") {
			continue
		}
		mss, m := false, Mailbox{Address: t.Value, Kind: kind}
		for _, e := range t.Extension {
			switch e.URL {
			case extEmailType:
				mss = mss || e.ValueCoding != nil && e.ValueCoding.Code == codeMSSante
			case extMailboxMeta:
				mss = true
				for _, sub := range e.Extension {
					switch sub.URL {
					case "type":
						if c := firstCode(sub); c != "" {
							m.Kind = c
						}
					case "listeRouge":
						m.RedList = sub.ValueBoolean != nil && *sub.ValueBoolean
					case "service":
						m.Service = sub.ValueString
					case "digitization":
						m.Dematerialised = sub.ValueBoolean != nil && *sub.ValueBoolean
					}
				}
			}
		}
		if !mss || m.RedList {
			continue
		}
		if org != nil {
			var name string
			if json.Unmarshal(org.Name, &name) == nil {
				m.Structure = name
			}
			for _, id := range org.Identifier {
				if id.System == systemFINESS {
					m.StructureIDType, m.StructureID = "1", id.Value
				}
			}
			if len(org.Address) > 0 {
				a := org.Address[0]
				m.Lines = append(nonEmpty(a.Line...), strings.TrimSpace(a.PostalCode+" "+strings.ToUpper(a.City)))
				m.PostalCode, m.Town, m.Country = a.PostalCode, strings.ToUpper(a.City), a.Country
			}
		}
		out = append(out, m)
	}
	return out
}

func firstCode(e fhirExtension) string {
	if e.ValueCodeableConcept != nil {
		for _, c := range e.ValueCodeableConcept.Coding {
			if c.Code != "" {
				return c.Code
			}
		}
	}
	if e.ValueCoding != nil {
		return e.ValueCoding.Code
	}
	return ""
}

// Merge appends to the offline results the online ones that bring something new: mailboxes
// already known offline are dropped (dedupe by address); new mailboxes of a professional
// known offline (same national identifier) join their entry.
func Merge(offline, online []Result, limit int) []Result {
	out := append([]Result(nil), offline...)
	known := map[string]bool{}
	byID := map[string]int{}
	for i, r := range out {
		for _, m := range r.Mailboxes {
			known[strings.ToLower(m.Address)] = true
		}
		if r.NationalID != "" {
			byID[r.NationalID] = i
		}
	}
	for _, r := range online {
		var fresh []Mailbox
		for _, m := range r.Mailboxes {
			if a := strings.ToLower(m.Address); !known[a] {
				known[a] = true
				fresh = append(fresh, m)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		if i, ok := byID[r.NationalID]; ok && r.NationalID != "" {
			out[i].Mailboxes = append(out[i].Mailboxes, fresh...)
			out[i].Online = true
			continue
		}
		r.Mailboxes = fresh
		out = append(out, r)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Lookup searches the offline directory and, when online is set, the FHIR API, and merges
// the results (offline first). If the online lookup fails, the offline results are returned
// with an error wrapping ErrOnline; an offline failure is returned as is.
func (d *Directory) Lookup(ctx context.Context, query string, limit int, online *FHIRClient) ([]Result, error) {
	offline, err := d.Search(ctx, query, limit)
	if err != nil && !errors.Is(err, ErrNotImported) {
		return nil, err
	}
	if online == nil || online.APIKey == "" {
		return offline, err
	}
	res, oerr := online.Search(ctx, query, limit)
	if oerr != nil {
		return offline, fmt.Errorf("%w: %w", ErrOnline, oerr)
	}
	return Merge(offline, res, limit), nil
}
