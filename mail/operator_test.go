package mail

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// fakeSRV replays SRV answers, as a DNS server would return them.
type fakeSRV map[string][]*net.SRV

func (f fakeSRV) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	key := "_" + service + "._" + proto + "." + name
	if recs, ok := f[key]; ok {
		return key, recs, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: key, IsNotFound: true}
}

func TestDiscoverSRV(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		dns     fakeSRV
		imap    string
		imapTLS bool
		smtp    string
		smtpTLS bool
		wantErr error
	}{
		{
			name: "STARTTLS only",
			dns: fakeSRV{
				"_imap._tcp.op.fr":       {{Target: "imap.op.fr.", Port: 143, Priority: 10}},
				"_submission._tcp.op.fr": {{Target: "smtp.op.fr.", Port: 587, Priority: 10}},
			},
			imap: "imap.op.fr:143", smtp: "smtp.op.fr:587",
		},
		{
			name: "implicit TLS wins a tie, lower priority wins otherwise",
			dns: fakeSRV{
				"_imap._tcp.op.fr":        {{Target: "imap.op.fr.", Port: 143, Priority: 5}},
				"_imaps._tcp.op.fr":       {{Target: "imaps.op.fr.", Port: 993, Priority: 5}},
				"_submission._tcp.op.fr":  {{Target: "smtp.op.fr.", Port: 587, Priority: 1}},
				"_submissions._tcp.op.fr": {{Target: "smtps.op.fr.", Port: 465, Priority: 20}},
			},
			imap: "imaps.op.fr:993", imapTLS: true, smtp: "smtp.op.fr:587",
		},
		{
			name: "a dot target means not offered",
			dns: fakeSRV{
				"_imap._tcp.op.fr":       {{Target: ".", Port: 0}},
				"_imaps._tcp.op.fr":      {{Target: "mail.op.fr.", Port: 993}},
				"_submission._tcp.op.fr": {{Target: "mail.op.fr.", Port: 587}},
			},
			imap: "mail.op.fr:993", imapTLS: true, smtp: "mail.op.fr:587",
		},
		{name: "nothing published", dns: fakeSRV{}, wantErr: ErrNoService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := DiscoverWith(ctx, tt.dns, "op.fr")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.IMAPAddr != tt.imap || op.IMAPImplicitTLS != tt.imapTLS || op.SMTPAddr != tt.smtp || op.SMTPImplicitTLS != tt.smtpTLS {
				t.Fatalf("got %+v", op)
			}
			if op.serverName(op.IMAPAddr) != "op.fr" { // RFC 6186 §6: the domain, not the target
				t.Errorf("server name %q", op.serverName(op.IMAPAddr))
			}
		})
	}
}

func TestOperatorConfigResolve(t *testing.T) {
	dir := t.TempDir()
	ca := selfSigned(t, "TEST AC RACINE IGC-SANTE ELEMENTAIRE")
	if err := os.WriteFile(filepath.Join(dir, "racine.pem"), pemCert(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := OperatorConfig{Domain: "op.fr", SMTP: "smtp.op.fr:587", TrustStore: []string{dir}}
	op, err := cfg.Resolve(context.Background(), fakeSRV{
		"_imap._tcp.op.fr":       {{Target: "imap.op.fr.", Port: 143}},
		"_submission._tcp.op.fr": {{Target: "ignored.op.fr.", Port: 587}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if op.IMAPAddr != "imap.op.fr:143" || op.SMTPAddr != "smtp.op.fr:587" || op.RootCAs == nil || op.Trust == nil {
		t.Fatalf("got %+v", op)
	}
	if op.serverName(op.IMAPAddr) != "op.fr" || op.serverName(op.SMTPAddr) != "smtp.op.fr" {
		t.Errorf("names checked %q (SRV) and %q (configured)", op.serverName(op.IMAPAddr), op.serverName(op.SMTPAddr))
	}
}
