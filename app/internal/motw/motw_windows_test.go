package motw

import (
	"os"
	"path/filepath"
	"testing"
)

// The Zone.Identifier stream is written next to the file (NTFS; run under Windows, or wine
// on Linux: GOOS=windows go test -c ./app/internal/motw && wine motw.test.exe -test.run MarkOfTheWeb).
func TestHostileMarkOfTheWebWritten(t *testing.T) {
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	// Not t.TempDir: Go's os.RemoveAll fails under Wine 8 ("Invalid function").
	dir, err := os.MkdirTemp("", "motw-")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ordonnance.pdf")
	t.Cleanup(func() { os.Remove(path); os.Remove(dir) })
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Mark(path); err != nil {
		t.Fatal(err)
	}
	// Wine keeps a stream as a file named "ordonnance.pdf:Zone.Identifier".
	t.Cleanup(func() { os.Remove(path + ":Zone.Identifier") })
	got, err := os.ReadFile(path + ":Zone.Identifier")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != ZoneIdentifier {
		t.Fatalf("Zone.Identifier holds %q", got)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != string(pdf) {
		t.Fatalf("the file itself changed: %v", err)
	}
}
