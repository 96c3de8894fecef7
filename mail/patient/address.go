package patient

import (
	"fmt"
	"net/mail"
	"strings"
)

// Domain is the domain of the patients' Mon Espace Santé mailboxes (simulated by the
// sandbox operator under the same name).
const Domain = "patient.mssante.fr"

// Address returns the patient's Mon Espace Santé address `<INS>@patient.mssante.fr`. It
// refuses an INS that is not qualified, and one that the birth date and sex do not
// confirm (ECO.2.2.6, ECO.3.1.5).
func Address(p Patient) (string, error) {
	ins, err := ParseINS(string(p.INS))
	if err != nil {
		return "", err
	}
	p.INS = ins
	if !p.Qualified {
		return "", fmt.Errorf("patient: address for %s: %w", ins, ErrNotQualified)
	}
	if err := p.Confirm(); err != nil {
		return "", err
	}
	return string(ins) + "@" + Domain, nil
}

// IsAddress reports whether addr (bare or "Name <addr>") is in the patients' domain.
func IsAddress(addr string) bool {
	_, domain, ok := splitAddress(addr)
	return ok && strings.EqualFold(domain, Domain)
}

// ParseAddress reads the INS back from a patient address. It returns
// ErrNotPatientAddress for another domain, or ParseINS's error for a bad local part.
func ParseAddress(addr string) (INS, error) {
	local, domain, ok := splitAddress(addr)
	if !ok || !strings.EqualFold(domain, Domain) {
		return "", fmt.Errorf("patient: address %q: %w", addr, ErrNotPatientAddress)
	}
	ins, err := ParseINS(local)
	if err != nil {
		return "", fmt.Errorf("patient: address %q: %w", addr, err)
	}
	return ins, nil
}

func splitAddress(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSpace(addr)
	if strings.ContainsAny(addr, "<\"") {
		a, err := mail.ParseAddress(addr)
		if err != nil {
			return "", "", false
		}
		addr = a.Address
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	return addr[:at], strings.TrimSuffix(addr[at+1:], "."), true
}
