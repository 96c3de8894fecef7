package sandbox

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"comptoir/mail/operator"
)

// apiErr builds an API error with a French message.
func apiErr(status int, code, msg string) *operator.Error {
	return &operator.Error{Status: status, Code: code, Message: msg}
}

var accentFold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "å", "a",
	"ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ì", "i",
	"ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o",
	"ù", "u", "û", "u", "ü", "u", "ú", "u", "ÿ", "y", "ñ", "n",
	"œ", "oe", "æ", "ae",
)

// slug lowercases, folds French accents and keeps [a-z0-9], other runs becoming one '-'.
func slug(s string) string {
	s = accentFold.Replace(strings.ToLower(strings.TrimSpace(s)))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// baseLocalPart is the operator's rule for a new BAL's local part.
func baseLocalPart(kind string, given, surname string, st *operator.Structure) (string, *operator.Error) {
	switch kind {
	case operator.KindPER:
		g, s := slug(given), slug(surname)
		if g == "" || s == "" {
			return "", apiErr(http.StatusUnprocessableEntity, operator.CodeInvalidAddress,
				"Le certificat de signature ne porte pas le nom et le prénom du titulaire.")
		}
		return g + "." + s, nil
	case operator.KindORG:
		// Pharmacies: pharmacie-<nom>-<cp>-<ville>; other structures: <nom>-<cp>-<ville>.
		name := slug(st.Name)
		prefix := ""
		if rest, ok := strings.CutPrefix(name, "pharmacie"); ok {
			prefix, name = "pharmacie-", strings.TrimPrefix(rest, "-")
		}
		if name == "" || slug(st.City) == "" || st.PostalCode == "" {
			return "", apiErr(http.StatusUnprocessableEntity, operator.CodeInvalidAddress,
				"Le nom, le code postal et la ville de la structure sont nécessaires.")
		}
		return prefix + name + "-" + slug(st.PostalCode) + "-" + slug(st.City), nil
	case operator.KindAPP:
		if slug(st.Name) == "" || st.FINESS == "" {
			return "", apiErr(http.StatusUnprocessableEntity, operator.CodeInvalidAddress,
				"Le nom et le FINESS de la structure sont nécessaires.")
		}
		return "app-" + slug(st.Name) + "-" + strings.ToLower(st.FINESS), nil
	}
	return "", apiErr(http.StatusBadRequest, operator.CodeInvalidRequest, "Type de BAL inconnu (PER, ORG ou APP).")
}

// validLocalPart checks the syntax shared by every BAL: [a-z0-9.-], 1–64, no leading,
// trailing or doubled dot.
func validLocalPart(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// checkRequested validates a requested address against the rule: same domain, valid syntax,
// and the rule's base optionally followed by a number (homonyms).
func checkRequested(addr, base, domain string) *operator.Error {
	local, dom, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok || dom != domain || !validLocalPart(local) {
		return apiErr(http.StatusUnprocessableEntity, operator.CodeInvalidAddress,
			fmt.Sprintf("L'adresse doit être de la forme %s@%s.", base, domain))
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(local, base), "-")
	if !strings.HasPrefix(local, base) {
		rest = "x"
	}
	if rest != "" {
		if _, err := strconv.Atoi(rest); err != nil {
			return apiErr(http.StatusUnprocessableEntity, operator.CodeInvalidAddress,
				fmt.Sprintf("L'adresse doit être de la forme %s@%s (suivie au besoin d'un numéro).", base, domain))
		}
	}
	return nil
}

// suggest returns the first free address base2, base3… (PER) or base-2… (others).
func suggest(base, kind, domain string, taken func(string) bool) string {
	sep := "-"
	if kind == operator.KindPER {
		sep = ""
	}
	for n := 2; ; n++ {
		a := base + sep + strconv.Itoa(n) + "@" + domain
		if !taken(a) {
			return a
		}
	}
}

// Role rules on an ORG BAL.

var allRoles = []string{operator.RoleAdmin, operator.RoleManager, operator.RoleUser}

func validRole(r string) bool {
	return r == operator.RoleAdmin || r == operator.RoleManager || r == operator.RoleUser
}

func adminCount(members map[string]memberRecord) int {
	n := 0
	for _, m := range members {
		if m.Role == operator.RoleAdmin {
			n++
		}
	}
	return n
}

// grantable lists the roles actor may give to a new member.
func grantable(actor string) []string {
	switch actor {
	case operator.RoleAdmin:
		return allRoles
	case operator.RoleManager:
		return []string{operator.RoleUser}
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
func allowed(actor, target string, admins int) operator.Allowed {
	switch actor {
	case operator.RoleAdmin:
		if target == operator.RoleAdmin && admins <= 1 {
			return operator.Allowed{Roles: []string{operator.RoleAdmin}, Remove: false, Reason: msgLastAdmin}
		}
		return operator.Allowed{Roles: allRoles, Remove: true}
	case operator.RoleManager:
		if target == operator.RoleUser {
			return operator.Allowed{Roles: []string{operator.RoleUser}, Remove: true, Reason: msgManagerOnly}
		}
		return operator.Allowed{Roles: []string{}, Reason: msgManagerOnly}
	}
	return operator.Allowed{Roles: []string{}, Reason: msgUserNoRight}
}

// checkSet says whether actor may give role to a member holding target ("" = new member).
func checkSet(actor, target, role string, admins int) *operator.Error {
	switch actor {
	case operator.RoleAdmin:
		if target == operator.RoleAdmin && role != operator.RoleAdmin && admins <= 1 {
			return apiErr(http.StatusConflict, operator.CodeLastAdmin, msgLastAdmin)
		}
		return nil
	case operator.RoleManager:
		if role != operator.RoleUser {
			return apiErr(http.StatusForbidden, operator.CodeAdminOnly, msgAdminOnly)
		}
		if target != "" && target != operator.RoleUser {
			return apiErr(http.StatusForbidden, operator.CodeManagerUsersOnly, msgManagerOnly)
		}
		return nil
	}
	return apiErr(http.StatusForbidden, operator.CodeForbidden, msgUserNoRight)
}

// checkRemove says whether actor may remove a member holding target.
func checkRemove(actor, target string, admins int) *operator.Error {
	switch actor {
	case operator.RoleAdmin:
		if target == operator.RoleAdmin && admins <= 1 {
			return apiErr(http.StatusConflict, operator.CodeLastAdmin, msgLastAdmin)
		}
		return nil
	case operator.RoleManager:
		if target != operator.RoleUser {
			return apiErr(http.StatusForbidden, operator.CodeManagerUsersOnly, msgManagerOnly)
		}
		return nil
	}
	return apiErr(http.StatusForbidden, operator.CodeForbidden, msgUserNoRight)
}

func sortMembers(m []operator.Member) {
	rank := map[string]int{operator.RoleAdmin: 0, operator.RoleManager: 1, operator.RoleUser: 2}
	sort.Slice(m, func(i, j int) bool {
		if rank[m[i].Role] != rank[m[j].Role] {
			return rank[m[i].Role] < rank[m[j].Role]
		}
		return m[i].NationalID < m[j].NationalID
	})
}
