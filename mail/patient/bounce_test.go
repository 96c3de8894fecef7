package patient

import (
	"strings"
	"testing"
)

func TestExplainBounce(t *testing.T) {
	tests := []struct {
		status, diag, want string
	}{
		{"5.1.1", "", "inconnu"},
		{"550 5.1.1 <x@patient.mssante.fr>: Recipient address rejected", "", "inconnu"},
		{"5.2.1", "", "fermée"},
		{"5.2.2", "smtp; 552 mailbox full", "pleine"},
		{"5.3.4", "", "25 Mo"},
		{"5.0.0", "smtp; 550 user unknown", "inconnu"},
		{"5.0.0", "smtp; 552 message size exceeds limit", "trop volumineux"},
		{"4.2.2", "", "nouvelles tentatives"},
		{"5.7.1", "", "n'a pas pu remettre"},
		{"", "", "n'a pas pu remettre"},
	}
	for _, tt := range tests {
		got := ExplainBounce(tt.status, tt.diag)
		if !strings.Contains(got, tt.want) {
			t.Errorf("ExplainBounce(%q, %q) = %q; want it to contain %q", tt.status, tt.diag, got, tt.want)
		}
		if tt.diag != "" && strings.Contains(got, tt.diag) {
			t.Errorf("ExplainBounce repeats the diagnostic: %q", got)
		}
	}
}
