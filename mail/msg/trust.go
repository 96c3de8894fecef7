package msg

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// TrustListNamespace is the XML namespace of listeblanchemssante.xml.
const TrustListNamespace = "https://listeblanche.mssante.fr/schema"

// maxTrustList bounds the list file (the real one is well under a megabyte).
const maxTrustList = 32 << 20

// TrustList is the set of domains of the MSSanté trust space. The patients' domain is always
// trusted. The zero value and nil trust only the patients' domain.
type TrustList struct {
	domains map[string]bool
}

// NewTrustList returns a list holding domains.
func NewTrustList(domains ...string) *TrustList {
	t := &TrustList{domains: make(map[string]bool, len(domains))}
	for _, d := range domains {
		if d = normDomain(d); d != "" {
			t.domains[d] = true
		}
	}
	return t
}

// LoadTrustList reads listeblanchemssante.xml: the text of every //Domaine/Nom element in
// the TrustListNamespace namespace. It checks no signature: lists from outside come through
// mail/trustlist, which verifies them and then calls it on the verified bytes.
func LoadTrustList(r io.Reader) (*TrustList, error) {
	dec := xml.NewDecoder(io.LimitReader(r, maxTrustList))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if l := strings.ToLower(label); l == "utf-8" || l == "us-ascii" || l == "iso-8859-1" {
			return in, nil // domain names are ASCII
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	t := NewTrustList()
	var stack []xml.Name
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTrustList, err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name)
			text.Reset()
		case xml.CharData:
			text.Write(e)
		case xml.EndElement:
			n := len(stack)
			if n >= 2 && isTrustName(stack[n-1], "Nom") && isTrustName(stack[n-2], "Domaine") {
				if d := normDomain(text.String()); d != "" {
					t.domains[d] = true
				}
			}
			if n > 0 {
				stack = stack[:n-1]
			}
			text.Reset()
		}
	}
	if len(t.domains) == 0 {
		return nil, fmt.Errorf("%w: no //Domaine/Nom in namespace %s", ErrTrustList, TrustListNamespace)
	}
	return t, nil
}

func isTrustName(n xml.Name, local string) bool {
	return n.Local == local && n.Space == TrustListNamespace
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// Len returns the number of domains in the list.
func (t *TrustList) Len() int {
	if t == nil {
		return 0
	}
	return len(t.domains)
}

// Domains returns the listed domains, sorted.
func (t *TrustList) Domains() []string {
	if t == nil {
		return nil
	}
	out := make([]string, 0, len(t.domains))
	for d := range t.domains {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Contains reports whether domain is in the trust space.
func (t *TrustList) Contains(domain string) bool {
	d := normDomain(domain)
	if d == PatientDomain {
		return true
	}
	return t != nil && t.domains[d]
}

// OutsideTrust returns the addresses of addrs whose domain is not in the trust space.
func (t *TrustList) OutsideTrust(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if !t.Contains(Address{Email: a}.Domain()) {
			out = append(out, a)
		}
	}
	return out
}
