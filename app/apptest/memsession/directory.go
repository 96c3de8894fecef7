package memsession

import (
	"context"
	"fmt"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/app/annuaire"
)

// Directory is an in-memory Annuaire Santé (app.Annuaire): a few professionals and
// structures with long names, several mailboxes each.
type Directory struct {
	Entries []annuaire.Result
	key     string
}

// NewDirectory returns the pharmacy's neighbourhood.
func NewDirectory() *Directory {
	box := func(addr, kind, structure, service, pc, town string) annuaire.Mailbox {
		return annuaire.Mailbox{Address: addr, Kind: kind, Structure: structure, Service: service, PostalCode: pc, Town: town}
	}
	return &Directory{Entries: []annuaire.Result{
		{NationalID: "899700524681", IDType: "8", Identifier: "99700524681", Civility: "DR", Surname: "FAUVEL", GivenName: "Antoine",
			Profession: "Médecin", Specialty: "Médecine générale", Mailboxes: []annuaire.Mailbox{
				box(Doctor, "PER", "CABINET DU DR FAUVEL", "", "69006", "LYON"),
				box("antoine.fauvel.hopital@ch-cedres.sandbox.mssante.test", "PER", "CENTRE HOSPITALIER DES CEDRES",
					"Service de médecine interne et de gériatrie aiguë", "69004", "LYON"),
			}},
		{Surname: "", Mailboxes: []annuaire.Mailbox{
			box("secretariat.medecine@ch-cedres.sandbox.mssante.test", "ORG", "CENTRE HOSPITALIER DES CEDRES",
				"Secrétariat médical du service de médecine interne", "69004", "LYON"),
		}},
		{NationalID: "899700999999", IDType: "8", Civility: "DR", Surname: "FONTAINE-DE-LA-ROCHEFOUCAULD", GivenName: "Marie-Amélie",
			Profession: "Chirurgien-dentiste", Specialty: "Orthopédie dento-faciale", Mailboxes: []annuaire.Mailbox{
				box("marie-amelie.fontaine-de-la-rochefoucauld@sandbox.mssante.test", "PER", "CENTRE DENTAIRE MUTUALISTE DE LA CROIX-ROUSSE", "", "69004", "LYON"),
			}},
	}}
}

// Suggest lists the mailboxes whose entry matches prefix.
func (d *Directory) Suggest(ctx context.Context, prefix string, limit int) []app.Address {
	res, _ := d.Search(ctx, prefix, limit, false)
	var out []app.Address
	for _, r := range res {
		for _, m := range r.Mailboxes {
			if len(out) < limit {
				out = append(out, app.Address{Name: r.DisplayName(), Email: m.Address})
			}
		}
	}
	return out
}

// Search returns the entries whose name, profession, town or address contains text.
func (d *Directory) Search(_ context.Context, text string, limit int, _ bool) ([]annuaire.Result, error) {
	q := strings.ToLower(strings.TrimSpace(text))
	var out []annuaire.Result
	for _, r := range d.Entries {
		hay := strings.ToLower(r.DisplayName() + " " + r.Profession + " " + r.Town())
		for _, m := range r.Mailboxes {
			hay += " " + strings.ToLower(m.Address+" "+m.Structure)
		}
		if strings.Contains(hay, q) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// ByAddress finds the entry holding addr.
func (d *Directory) ByAddress(addr string) (annuaire.Result, bool, error) {
	for _, r := range d.Entries {
		for _, m := range r.Mailboxes {
			if strings.EqualFold(m.Address, addr) {
				return r, true, nil
			}
		}
	}
	return annuaire.Result{}, false, nil
}

// Info says the directory was imported on 1 December 2026.
func (d *Directory) Info() (annuaire.Info, bool) {
	return annuaire.Info{Source: "Extraction_Correspondance_MSSante.txt", Imported: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC),
		Entries: int64(len(d.Entries)), Rows: 4}, true
}

// Source is the usual extraction's location.
func (d *Directory) Source() string { return "https://annuaire.sandbox.mssante.test/extraction.zip" }

// Update is not supported in memory.
func (d *Directory) Update(context.Context, string, func(annuaire.Progress)) (*annuaire.ImportReport, error) {
	return nil, fmt.Errorf("memsession: no import in memory")
}

// APIKey is the FHIR API key set.
func (d *Directory) APIKey() string { return d.key }

// SetAPIKey sets it.
func (d *Directory) SetAPIKey(k string) error { d.key = k; return nil }

var _ app.Annuaire = (*Directory)(nil)
