package patient

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strings"
)

// OriginMethod is the Authentication-Results method (RFC 8601 §2.7.6, an extension) by
// which an MSSanté operator vouches, on delivery, that a message came from Mon Espace Santé
// for the patient address in its header.from property:
//
//	Authentication-Results: <operator domain>; mss-patient=pass header.from=<INS>@patient.mssante.fr
//
// The sandbox operator (cmd/mss-sandbox/sandbox) adds it; the client trusts it as
// OriginEstablished says.
const OriginMethod = "mss-patient"

// maxHeader bounds the header read for the check.
const maxHeader = 1 << 20

// OriginEstablished reports whether raw (an RFC 5322 message as delivered) comes from Mon
// Espace Santé for the patient address from, by its operator's word. Exactly this is
// trusted: the topmost Authentication-Results field only (the one the receiving operator
// adds last, above anything the sender wrote; a conforming operator also removes fields
// claiming its name, RFC 8601 §5), and only when its authserv-id is authservID (the
// configured operator's domain) and it holds "mss-patient=pass" with header.from equal to
// from. Any other field, lower down or from another authserv-id, is ignored; no field, an
// unreadable header or an empty authservID is "not established".
func OriginEstablished(raw []byte, authservID, from string) bool {
	if authservID == "" || from == "" {
		return false
	}
	if len(raw) > maxHeader {
		raw = raw[:maxHeader]
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return false
	}
	fields := h.Values("Authentication-Results")
	if len(fields) == 0 {
		return false
	}
	id, results := parseAuthResults(fields[0])
	if !strings.EqualFold(id, authservID) {
		return false
	}
	for _, r := range results {
		if strings.EqualFold(r.method, OriginMethod) && strings.EqualFold(r.result, "pass") &&
			strings.EqualFold(r.props["header.from"], from) {
			return true
		}
	}
	return false
}

// authResult is one resinfo of an Authentication-Results field.
type authResult struct {
	method, result string
	props          map[string]string // "ptype.property" → value, lower-case keys
}

// AuthServID is the authserv-id of an Authentication-Results field value (RFC 8601): its
// first token, comments removed; "" when there is none. The sandbox operator uses it to
// remove fields written in its name.
func AuthServID(v string) string {
	id, _ := parseAuthResults(v)
	return id
}

// parseAuthResults splits a field value into its authserv-id and results, comments removed.
func parseAuthResults(v string) (id string, results []authResult) {
	parts := strings.Split(stripComments(v), ";")
	head := strings.Fields(parts[0])
	if len(head) == 0 {
		return "", nil
	}
	id = head[0]
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		m, res, ok := strings.Cut(f[0], "=")
		if !ok {
			continue // "none", or malformed
		}
		m, _, _ = strings.Cut(m, "/") // method version
		r := authResult{method: m, result: res, props: map[string]string{}}
		for _, kv := range f[1:] {
			if k, val, ok := strings.Cut(kv, "="); ok {
				r.props[strings.ToLower(k)] = strings.Trim(val, `"`)
			}
		}
		results = append(results, r)
	}
	return id, results
}

// stripComments removes RFC 5322 comments (nested parentheses, quoted pairs inside).
func stripComments(v string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
