package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"comptoir/mail/balrules"
	"comptoir/mail/provisioning"
)

// apiErr builds an API error with a French message.
func apiErr(status int, code, msg string) *provisioning.Error {
	return &provisioning.Error{Status: status, Code: code, Message: msg}
}

// The address rules are the client's (mail/balrules), so the wizard shows the address the
// operator will give: seed forms, accents folded, RFC 5321 lengths, numbered homonyms.

var msgAddressParts = map[string]string{
	provisioning.KindPER: "Le certificat de signature ne porte pas le nom et le prénom du titulaire.",
	provisioning.KindORG: "Le nom, le code postal et la ville de la structure sont nécessaires.",
	provisioning.KindAPP: "Le nom et le FINESS de la structure sont nécessaires.",
}

// baseLocalPart is the operator's rule for a new BAL's local part.
func baseLocalPart(kind string, given, surname string, st *provisioning.Structure) (string, *provisioning.Error) {
	p := balrules.Parts{GivenName: given, Surname: surname}
	if st != nil {
		p.StructureName, p.PostalCode, p.Town, p.FINESS = st.Name, st.PostalCode, st.City, st.FINESS
	}
	local, err := balrules.Local(kind, p)
	switch {
	case errors.Is(err, balrules.ErrUnknownKind):
		return "", apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Type de BAL inconnu (PER, ORG ou APP).")
	case err != nil:
		return "", apiErr(http.StatusUnprocessableEntity, provisioning.CodeInvalidAddress, msgAddressParts[kind])
	}
	return local, nil
}

// checkRequested validates a requested address against the rule: same domain, valid syntax,
// and the rule's base optionally numbered (homonyms, balrules.Numbered).
func checkRequested(addr, base, kind, domain string) *provisioning.Error {
	local, dom, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok || dom != domain || !balrules.ValidLocalPart(local) || !balrules.Matches(local, base, kind) {
		return apiErr(http.StatusUnprocessableEntity, provisioning.CodeInvalidAddress,
			fmt.Sprintf("L'adresse doit être de la forme %s@%s (suivie au besoin d'un numéro).", base, domain))
	}
	return nil
}

// suggest returns the first free homonym address: base2, base3… (PER) or base-2… (others).
func suggest(base, kind, domain string, taken func(string) bool) string {
	for n := 2; ; n++ {
		a := balrules.Numbered(base, kind, n) + "@" + domain
		if !taken(a) {
			return a
		}
	}
}

// Role rules on an ORG BAL.

var allRoles = []string{provisioning.RoleAdmin, provisioning.RoleManager, provisioning.RoleUser}

func validRole(r string) bool {
	return r == provisioning.RoleAdmin || r == provisioning.RoleManager || r == provisioning.RoleUser
}

func adminCount(members map[string]memberRecord) int {
	n := 0
	for _, m := range members {
		if m.Role == provisioning.RoleAdmin {
			n++
		}
	}
	return n
}

// grantable lists the roles actor may give to a new member.
func grantable(actor string) []string {
	switch actor {
	case provisioning.RoleAdmin:
		return allRoles
	case provisioning.RoleManager:
		return []string{provisioning.RoleUser}
	}
	return []string{}
}

const (
	msgLastAdmin   = "Il doit rester au moins un administrateur : nommez-en un autre d'abord."
	msgManagerOnly = "Un gestionnaire ne gère que les utilisateurs."
	msgUserNoRight = "Seuls les administrateurs et les gestionnaires gèrent les accès à cette BAL."
	msgAdminOnly   = "Seul un administrateur peut nommer un administrateur ou un gestionnaire."
)

// allowed computes what actor may do to a member currently holding role target.
func allowed(actor, target string, admins int) provisioning.Allowed {
	switch actor {
	case provisioning.RoleAdmin:
		if target == provisioning.RoleAdmin && admins <= 1 {
			return provisioning.Allowed{Roles: []string{provisioning.RoleAdmin}, Remove: false, Reason: msgLastAdmin}
		}
		return provisioning.Allowed{Roles: allRoles, Remove: true}
	case provisioning.RoleManager:
		if target == provisioning.RoleUser {
			return provisioning.Allowed{Roles: []string{provisioning.RoleUser}, Remove: true, Reason: msgManagerOnly}
		}
		return provisioning.Allowed{Roles: []string{}, Reason: msgManagerOnly}
	}
	return provisioning.Allowed{Roles: []string{}, Reason: msgUserNoRight}
}

// checkSet says whether actor may give role to a member holding target ("" = new member).
func checkSet(actor, target, role string, admins int) *provisioning.Error {
	switch actor {
	case provisioning.RoleAdmin:
		if target == provisioning.RoleAdmin && role != provisioning.RoleAdmin && admins <= 1 {
			return apiErr(http.StatusConflict, provisioning.CodeLastAdmin, msgLastAdmin)
		}
		return nil
	case provisioning.RoleManager:
		if role != provisioning.RoleUser {
			return apiErr(http.StatusForbidden, provisioning.CodeAdminOnly, msgAdminOnly)
		}
		if target != "" && target != provisioning.RoleUser {
			return apiErr(http.StatusForbidden, provisioning.CodeManagerUsersOnly, msgManagerOnly)
		}
		return nil
	}
	return apiErr(http.StatusForbidden, provisioning.CodeForbidden, msgUserNoRight)
}

// checkRemove says whether actor may remove a member holding target.
func checkRemove(actor, target string, admins int) *provisioning.Error {
	switch actor {
	case provisioning.RoleAdmin:
		if target == provisioning.RoleAdmin && admins <= 1 {
			return apiErr(http.StatusConflict, provisioning.CodeLastAdmin, msgLastAdmin)
		}
		return nil
	case provisioning.RoleManager:
		if target != provisioning.RoleUser {
			return apiErr(http.StatusForbidden, provisioning.CodeManagerUsersOnly, msgManagerOnly)
		}
		return nil
	}
	return apiErr(http.StatusForbidden, provisioning.CodeForbidden, msgUserNoRight)
}

func sortMembers(m []provisioning.Member) {
	rank := map[string]int{provisioning.RoleAdmin: 0, provisioning.RoleManager: 1, provisioning.RoleUser: 2}
	sort.Slice(m, func(i, j int) bool {
		if rank[m[i].Role] != rank[m[j].Role] {
			return rank[m[i].Role] < rank[m[j].Role]
		}
		return m[i].NationalID < m[j].NationalID
	})
}

// Who may create what (balrules, the same rules as the client's wizard).

// checkORG: only a pharmacist (the certificate's profession) may create a pharmacy's ORG
// BAL; the structure is a pharmacy when its sector (the card's situation) or its name says
// so, and has a FINESS (checked with the structure). Other structures' ORG BALs are open to
// their professionals.
//
// The sandbox trusts the sector of the signed request; an operator would read the holder's
// practice situations in the RPPS.
func checkORG(signer holder, st *provisioning.Structure) *provisioning.Error {
	sit := balrules.Situation{StructureName: st.Name, FINESS: st.FINESS, Sector: st.Sector}
	if !balrules.IsPharmacy(sit) {
		return nil
	}
	if err := balrules.CheckORG(signer.Profession, sit); err != nil {
		return apiErr(http.StatusForbidden, provisioning.CodeNotPharmacist, balrules.UserMessage(err))
	}
	return nil
}

const msgNoORG = "La BAL applicative d'une structure est créée par un administrateur de sa BAL organisationnelle : " +
	"créez d'abord celle-ci."

// checkAPPLocked: only an Administrateur of the structure's ORG BAL (same FINESS) may
// create its APP BAL. The caller holds the registry lock.
func checkAPPLocked(bals map[string]*balRecord, holderID, finess string) *provisioning.Error {
	var org *balRecord
	for _, b := range bals {
		if b.Kind == provisioning.KindORG && b.Structure != nil && b.Structure.FINESS == finess {
			org = b
			break
		}
	}
	if org == nil {
		return apiErr(http.StatusForbidden, provisioning.CodeAdminOnly, msgNoORG)
	}
	if err := balrules.CheckAPP(org.roleOf(holderID)); err != nil {
		return apiErr(http.StatusForbidden, provisioning.CodeAdminOnly, balrules.UserMessage(err))
	}
	return nil
}
