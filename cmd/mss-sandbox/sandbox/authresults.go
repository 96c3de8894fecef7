package sandbox

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"comptoir/mail/patient"
)

// Authentication-Results (RFC 8601). On every delivery the sandbox, like an operator's
// receiving MTA, adds one field naming itself (authserv-id: its domain) at the top of the
// header, under the trace fields, and removes from the incoming message any field that
// claims its authserv-id (RFC 8601 §5: only it may speak in its name). A client that trusts
// the topmost field with its operator's authserv-id therefore trusts a verdict this
// operator gave, never one the sender wrote.
//
// Verdicts:
//   - "auth=pass smtp.mailfrom=<addr>": submitted by a holder authenticated by their card,
//     the From header checked against the BALs the certificate may use;
//   - "mss-patient=pass header.from=<INS>@patient.mssante.fr": received from Mon Espace
//     Santé, the patient's mailbox, whose origin the operator vouches for
//     (patient.OriginMethod, an extension method, RFC 8601 §2.7.6; the client trusts it as
//     patient.OriginEstablished says).
const (
	authResultsField = "Authentication-Results"
	// MethodPatient is the extension method that vouches for a Mon Espace Santé origin.
	MethodPatient = patient.OriginMethod
)

func submittedVerdict(mailFrom string) string {
	if mailFrom == "" {
		return "auth=pass (null sender, From header checked)"
	}
	return "auth=pass smtp.mailfrom=" + mailFrom
}

func patientVerdict(from string) string {
	return MethodPatient + "=pass header.from=" + from
}

// stamp prepends the trace fields a receiving MTA adds (Return-Path, Received by
// receivedBy) and this operator's Authentication-Results, after removing the fields that
// claim its authserv-id.
func (s *Server) stamp(from, receivedBy string, now time.Time, raw []byte, verdict string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", from)
	fmt.Fprintf(&b, "Received: by smtp.%s (Comptoir sandbox) with ESMTPS; %s\r\n", receivedBy, now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "%s: %s; %s\r\n", authResultsField, s.opts.Domain, verdict)
	b.Write(stripAuthResults(raw, s.opts.Domain))
	return b.Bytes()
}

// stripAuthResults removes the Authentication-Results fields of raw's header whose
// authserv-id is id (folded lines included).
func stripAuthResults(raw []byte, id string) []byte {
	end := headerEnd(raw)
	var out bytes.Buffer
	out.Grow(len(raw))
	skipping := false
	for rest := raw[:end]; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skipping {
				out.Write(line)
			}
			continue // a continuation of the field above
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		skipping = ok && strings.EqualFold(string(bytes.TrimSpace(name)), authResultsField) &&
			strings.EqualFold(patient.AuthServID(string(value)+string(unfoldedTail(rest))), id)
		if !skipping {
			out.Write(line)
		}
	}
	out.Write(raw[end:])
	return out.Bytes()
}

// unfoldedTail returns the continuation lines at the start of rest.
func unfoldedTail(rest []byte) []byte {
	n := 0
	for n < len(rest) && (rest[n] == ' ' || rest[n] == '\t') {
		i := bytes.IndexByte(rest[n:], '\n')
		if i < 0 {
			return rest
		}
		n += i + 1
	}
	return rest[:n]
}

// headerEnd is the length of raw's header block, blank line excluded.
func headerEnd(raw []byte) int {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(raw, []byte("\n\n")); j >= 0 && j < i {
			return j + 1
		}
		return i + 2
	}
	if j := bytes.Index(raw, []byte("\n\n")); j >= 0 {
		return j + 1
	}
	return len(raw)
}
