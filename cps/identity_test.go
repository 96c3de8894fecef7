package cps_test

import (
	"testing"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

func TestIdentityAndSituationsOfEachCard(t *testing.T) {
	m, _ := openModule(t)
	for _, fx := range cpstest.Fixtures() {
		t.Run(fx.Label, func(t *testing.T) {
			c := login(t, m, fx)
			id := c.Identity()
			want := cps.Identity{
				NationalID: fx.NationalID,
				IDType:     cps.IDType(fx.NationalID[0]),
				Number:     fx.NationalID[1:],
				Surname:    fx.Surname,
				GivenName:  fx.GivenName,
				Profession: fx.Profession,
				Specialty:  fx.Specialty,
			}
			if fx.Layout == cpstest.LayoutSlashCN {
				// The CN=<id>/<GIVEN SURNAME> layout carries the name in upper case.
				want.GivenName = upper(fx.GivenName)
			}
			if id != want {
				t.Errorf("identity = %+v\nwant       %+v", id, want)
			}
			sits := c.Situations()
			if len(sits) != len(fx.Situations) {
				t.Fatalf("%d situations, want %d", len(sits), len(fx.Situations))
			}
			for i, s := range sits {
				w := fx.Situations[i]
				if s.Index != i+1 || s.StructureName != w.StructureName || s.StructureIDType != w.StructureIDType ||
					s.StructureID != w.StructureID || s.FINESS != w.FINESS() || s.Sector != w.Sector {
					t.Errorf("situation %d = %+v, want %+v", i, s, w)
				}
			}
			if got, want := c.SupportsPSS(), !fx.NoPSS; got != want {
				t.Errorf("PSS = %v, want %v", got, want)
			}
			if c.SignatureCertificate() == nil || c.DocumentSigner() == nil {
				t.Error("no signature pair")
			}
		})
	}
}

func upper(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
