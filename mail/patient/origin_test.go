package patient

import "testing"

func TestHostileOriginEstablished(t *testing.T) {
	const op, from = "sandbox.mssante.test", "285046912304575@patient.mssante.fr"
	msg := func(fields string) []byte {
		return []byte("Return-Path: <x>\r\nReceived: by smtp.x\r\n" + fields + "From: Camille <" + from + ">\r\nSubject: s\r\n\r\nAuthentication-Results: " + op + "; mss-patient=pass header.from=" + from + "\r\n")
	}
	ours := "Authentication-Results: " + op + "; mss-patient=pass header.from=" + from + "\r\n"
	for _, c := range []struct {
		name   string
		raw    []byte
		authid string
		want   bool
	}{
		{"the operator vouches", msg(ours), op, true},
		{"folded, commented, versioned", msg("Authentication-Results: (relais MES) SANDBOX.mssante.test 1;\r\n\tauth=pass smtp.mailfrom=x;\r\n mss-patient/1=pass (Mon Espace Santé) header.from=\"" + from + "\"\r\n"), op, true},
		{"no field", msg(""), op, false},
		{"not our operator", msg("Authentication-Results: autre.example; mss-patient=pass header.from=" + from + "\r\n"), op, false},
		{"ours lower down, another on top", msg("Authentication-Results: autre.example; spf=pass\r\n" + ours), op, false},
		{"a professional's submission", msg("Authentication-Results: " + op + "; auth=pass smtp.mailfrom=dr@x\r\n" + ours), op, false},
		{"fail", msg("Authentication-Results: " + op + "; mss-patient=fail header.from=" + from + "\r\n"), op, false},
		{"another patient", msg("Authentication-Results: " + op + "; mss-patient=pass header.from=185046912304599@patient.mssante.fr\r\n"), op, false},
		{"no operator configured", msg(ours), "", false},
		{"the operator's id inside a comment only", msg("Authentication-Results: (" + op + ") autre.example; mss-patient=pass header.from=" + from + "\r\n"), op, false},
		{"in the body only", []byte("From: <" + from + ">\r\n\r\n" + ours), op, false},
		{"garbage", []byte("\x00\x01\r\n\r\n"), op, false},
	} {
		if got := OriginEstablished(c.raw, c.authid, from); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAuthServID(t *testing.T) {
	for v, id := range map[string]string{" op.test; x": "op.test", "(c) op.test 1 ; x": "op.test", "op.test": "op.test", " ; x": ""} {
		if got := AuthServID(v); got != id {
			t.Errorf("AuthServID(%q) = %q, want %q", v, got, id)
		}
	}
}
