package psc

import (
	"context"
	"errors"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

var titulaire = cpstest.Titulaire.NationalID

func TestPSCCIBAApproved(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	var seen *Pending
	done := e.decideWhenAsked(titulaire, true)
	s, err := e.c.LoginECPS(e.ctx, titulaire, func(p *Pending) { seen = p })
	if err != nil {
		t.Fatalf("e-CPS login: %v", err)
	}
	defer s.Close(context.Background())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if seen == nil || seen.Interval != time.Second || seen.ExpiresIn != 2*time.Minute || time.Until(seen.Deadline) > 2*time.Minute {
		t.Errorf("pending request = %+v, want interval 1 s and a 2 min countdown", seen)
	}
	id := s.Identity()
	if id.NationalID != titulaire || id.FamilyName != "BONNEFOY" || id.GivenName != "Élise" || id.Method != MethodECPS ||
		id.ProfessionCode != "21" {
		t.Errorf("identity = %+v", id)
	}
	if len(id.Situations) != 1 || id.Situations[0].FINESS != "690999123" || id.Situations[0].Sector != "SA33" ||
		id.Situations[0].StructureName != "PHARMACIE DES TILLEULS" || id.Situations[0].StructureID != "1690999123" {
		t.Errorf("situations = %+v", id.Situations)
	}
	tok, err := s.Token(e.ctx)
	if err != nil || tok == "" {
		t.Fatalf("Token: %q, %v", tok, err)
	}
	claims, err := e.srv.PSC().VerifyAccessToken(e.ctx, tok, sandbox.PSCClientID)
	if err != nil || claims.PreferredUsername != titulaire || claims.Scope != "openid scope_all" {
		t.Fatalf("access token: %+v, %v", claims, err)
	}
}

func TestPSCCIBADenied(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	done := e.decideWhenAsked(titulaire, false)
	_, err := e.c.LoginECPS(e.ctx, titulaire, nil)
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("got %v, want ErrDenied", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPSCCIBAExpired(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second, CIBAExpiry: 2 * time.Second})
	p, err := e.c.StartECPS(e.ctx, titulaire, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.ExpiresIn != 2*time.Second {
		t.Errorf("expires in %v, want 2 s", p.ExpiresIn)
	}
	start := time.Now()
	_, err = p.Wait(e.ctx)
	if !errors.Is(err, ErrExpired) {
		t.Fatalf("got %v, want ErrExpired", err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 10*time.Second {
		t.Errorf("expired after %v, want about 2 s", d)
	}
	if len(e.srv.PSC().Pending()) != 0 {
		t.Error("the expired request is still pending at PSC")
	}
}

func TestPSCCIBACancelled(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	p, err := e.c.StartECPS(e.ctx, titulaire, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	go func() {
		_, _ = e.srv.PSC().WaitPending(e.ctx, titulaire)
		cancel() // the cancel button
	}()
	if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestPSCCIBAUnknownNationalID(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{})
	if _, err := e.c.StartECPS(e.ctx, "899700999999", ""); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("got %v, want ErrUnknownUser", err)
	}
}

func TestPSCBrowserLogin(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{})
	medecin := cpstest.Medecin.NationalID
	s, err := e.c.LoginBrowser(e.ctx, "", e.browser(medecin, true))
	if err != nil {
		t.Fatalf("browser login: %v", err)
	}
	defer s.Close(context.Background())
	id := s.Identity()
	if id.NationalID != medecin || id.Method != MethodBrowser || id.ProfessionCode != "10" || len(id.Situations) != 2 {
		t.Errorf("identity = %+v", id)
	}
	if _, err := s.Token(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPSCBrowserDenied(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{})
	_, err := e.c.LoginBrowser(e.ctx, titulaire, e.browser(titulaire, false))
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("got %v, want ErrDenied", err)
	}
}
