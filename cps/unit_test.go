package cps

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
)

func TestFindModuleNamesEveryPathTried(t *testing.T) {
	cands := []string{"/a/libcps3_pkcs11_lux.so", "/b/p11-kit-proxy.so"}
	none := func(string) bool { return false }
	_, err := findModule("", cands, none)
	if !errors.Is(err, ErrModuleNotFound) {
		t.Fatalf("err = %v", err)
	}
	for _, c := range cands {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not name %s", err, c)
		}
	}
	only := func(p string) bool { return p == cands[1] }
	if p, err := findModule("", cands, only); err != nil || p != cands[1] {
		t.Fatalf("fallback = %q, %v", p, err)
	}
	if p, err := findModule("/x.so", cands, func(p string) bool { return p == "/x.so" }); err != nil || p != "/x.so" {
		t.Fatalf("configured = %q, %v", p, err)
	}
	if _, err := findModule("/missing.so", cands, only); !errors.Is(err, ErrModuleNotFound) || !strings.Contains(err.Error(), "/missing.so") {
		t.Fatalf("a missing configured module must fail, naming it: %v", err)
	}
	if len(moduleCandidates()) == 0 {
		t.Fatal("no candidate paths on this OS")
	}
}

func TestParseIdentitySlashLayout(t *testing.T) {
	cert := &x509.Certificate{Subject: pkix.Name{Names: []pkix.AttributeTypeAndValue{
		{Type: oidCommonName, Value: "0699901237/JEAN-MARC DE LA FONTAINE"},
	}}}
	id, err := ParseIdentity(cert)
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{NationalID: "0699901237", IDType: IDADELI, Number: "699901237", GivenName: "JEAN-MARC", Surname: "DE LA FONTAINE"}
	if id != want {
		t.Fatalf("got %+v, want %+v", id, want)
	}
	if id.IDType.String() != "ADELI" || IDRPPS.String() != "RPPS" {
		t.Fatal("IDType names")
	}
	if _, err := ParseIdentity(&x509.Certificate{}); err == nil {
		t.Fatal("empty subject accepted")
	}
}

func TestParseSituation(t *testing.T) {
	// 0xEE { 0x84 "HOPITAL GENERIQUE", 0x85 "10B0307377", 0x86 "SA07" } as in mssante.md §3.
	v := []byte{0xEE, 0x25,
		0x84, 0x11, 'H', 'O', 'P', 'I', 'T', 'A', 'L', ' ', 'G', 'E', 'N', 'E', 'R', 'I', 'Q', 'U', 'E',
		0x85, 0x0A, '1', '0', 'B', '0', '3', '0', '7', '3', '7', '7',
		0x86, 0x04, 'S', 'A', '0', '7'}
	s, err := ParseSituation(3, v)
	if err != nil {
		t.Fatal(err)
	}
	want := Situation{Index: 3, StructureName: "HOPITAL GENERIQUE", StructureIDType: 1, StructureID: "0B0307377", FINESS: "0B0307377", Sector: "SA07"}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	// ISO-8859-1 names and long-form lengths.
	long := append([]byte{0xEE, 0x81, 0x09, 0x84, 0x81, 0x06}, []byte("CR\xc8CHE")...)
	if s, err := ParseSituation(1, long); err != nil || s.StructureName != "CRÈCHE" {
		t.Fatalf("latin-1: %+v, %v", s, err)
	}
	for _, bad := range [][]byte{nil, {0xEE}, {0xEE, 0x05, 0x84}, {0x30, 0x00}, {0xEE, 0x03, 0x85, 0x01, 'X'}, {0xEE, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}} {
		if _, err := ParseSituation(1, bad); err == nil {
			t.Errorf("% x accepted", bad)
		}
	}
}

func FuzzParseSituation(f *testing.F) {
	f.Add([]byte{0xEE, 0x06, 0x84, 0x01, 'A', 0x86, 0x01, 'B'})
	f.Add([]byte{0xEE, 0x82, 0x00, 0x03, 0x85, 0x01, '1'})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseSituation(1, b) // must not panic
	})
}
