package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"comptoir/app/annuaire"
	"comptoir/cps"
	"comptoir/mail/balrules"
	"comptoir/mail/provisioning"
)

// The steps of a BAL request that the wizard and `comptoir bal create` share: who may ask
// for which kind (Eligible), the structure it is for (RequestStructure) and the address the
// rules give (BALAddress). CreateBAL then signs and sends it, WaitActive waits for the ANS.

func ruleSituation(s cps.Situation) balrules.Situation {
	return balrules.Situation{StructureName: s.StructureName, FINESS: s.FINESS, Sector: s.Sector}
}

// Eligible says whether a holder of this profession, working in situation sit, may ask for a
// BAL of kind (the operator applies the same rules): an ORG BAL needs a pharmacist in a
// pharmacy, an APP BAL the Administrateur of the structure's ORG BAL (listing is what the
// operator lists for the holder). Errors are balrules' (balrules.UserMessage).
func Eligible(kind, profession string, sit cps.Situation, listing []provisioning.BAL) error {
	switch kind {
	case KindORG:
		return balrules.CheckORG(profession, ruleSituation(sit))
	case KindAPP:
		if sit.FINESS == "" {
			return balrules.ErrNoPharmacy
		}
		role := ""
		if b := orgBALOf(listing, sit.FINESS); b != nil {
			role = b.Role
		}
		return balrules.CheckAPP(role)
	case KindPER:
		return nil
	}
	return balrules.ErrUnknownKind
}

func orgBALOf(listing []provisioning.BAL, finess string) *provisioning.BAL {
	for i, b := range listing {
		if b.Kind == KindORG && b.Structure != nil && b.Structure.FINESS == finess {
			return &listing[i]
		}
	}
	return nil
}

// StructureSource says where RequestStructure found the structure's postal address.
type StructureSource int

const (
	FromCard      StructureSource = iota // the card's situation only: the user types the rest
	FromDirectory                        // the Annuaire Santé (an ORG BAL)
	FromORGBAL                           // the structure's ORG BAL at the operator (an APP BAL)
)

// RequestStructure is the structure an ORG or APP BAL is for: the card's situation, its
// postal address from the Annuaire Santé (dir, may be nil) for an ORG BAL, or the
// structure's ORG BAL for an APP BAL.
func RequestStructure(ctx context.Context, kind string, sit cps.Situation, listing []provisioning.BAL, dir *annuaire.Directory) (provisioning.Structure, StructureSource, error) {
	st := provisioning.Structure{FINESS: sit.FINESS, Name: sit.StructureName, Sector: sit.Sector}
	switch kind {
	case KindAPP:
		if b := orgBALOf(listing, sit.FINESS); b != nil {
			return *b.Structure, FromORGBAL, nil
		}
	case KindORG:
		if dir == nil {
			return st, FromCard, nil
		}
		found, ok, err := StructureByFINESS(ctx, dir, sit.FINESS)
		if err != nil {
			return st, FromCard, err
		}
		if ok {
			st.Street, st.PostalCode, st.City = found.Street, found.PostalCode, found.City
			return st, FromDirectory, nil
		}
	}
	return st, FromCard, nil
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
		return provisioning.Structure{}, false, fmt.Errorf("session: directory search: %w", err)
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

// BALAddress is the address the rules give a BAL of kind for the holder (PER) or the
// structure st (ORG, APP) on the operator's domain. Errors are balrules'.
func BALAddress(kind, domain string, id Identity, st provisioning.Structure) (string, error) {
	p := balrules.Parts{GivenName: id.GivenName, Surname: id.Surname, StructureName: strings.TrimSpace(st.Name),
		PostalCode: strings.TrimSpace(st.PostalCode), Town: strings.TrimSpace(st.City), FINESS: st.FINESS}
	local, err := balrules.Local(kind, p)
	if err != nil {
		return "", err
	}
	return balrules.Address(local, domain)
}
