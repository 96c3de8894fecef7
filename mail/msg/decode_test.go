package msg

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// refFilter is the lenient base64 reading b64Decoder replaces: the standard decoder over a
// filter dropping what is outside the alphabet.
type refFilter struct{ r io.Reader }

func (f *refFilter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if b64Alphabet[c] {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// checkB64 decodes raw both ways, in reads of every size, and compares bytes and failure.
func checkB64(t *testing.T, raw []byte) {
	want, wantErr := io.ReadAll(base64.NewDecoder(base64.RawStdEncoding, &refFilter{r: bytes.NewReader(raw)}))
	for name, r := range map[string]io.Reader{
		"whole": bytes.NewReader(raw), "one byte": iotest.OneByteReader(bytes.NewReader(raw)),
		"half": iotest.HalfReader(bytes.NewReader(raw)), "data+EOF": iotest.DataErrReader(bytes.NewReader(raw)),
	} {
		got, err := io.ReadAll(&b64Decoder{r: r})
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("%s: %d bytes (%v), the standard decoder %d bytes (%v), of %q", name, len(got), err, len(want), wantErr, clipBytes(raw))
		}
		if int64(len(got)) != b64Chars(raw)*6/8 {
			t.Fatalf("%s: %d bytes, counted %d", name, len(got), b64Chars(raw)*6/8)
		}
	}
}

func TestB64Decoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 64))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 57, 76, 32 << 10, 32<<10 + 1, 100_003} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		enc := []byte(base64.StdEncoding.EncodeToString(data))
		var lines []byte // as mail carries it: 76 characters a line
		for len(enc) > 76 {
			lines, enc = append(append(lines, enc[:76]...), "\r\n"...), enc[76:]
		}
		lines = append(lines, enc...)
		checkB64(t, lines)
		checkB64(t, append(lines, "=\r\n garbage!"...))
		checkB64(t, append(lines, 'Q')) // a character alone at the end
		checkB64(t, append(lines, "QQ"...))
	}
}

func FuzzB64Decoder(f *testing.F) {
	f.Add([]byte("SGVsbG8=\r\nd29y bGQ"))
	f.Add([]byte("Q"))
	f.Fuzz(func(t *testing.T, raw []byte) { checkB64(t, raw) })
}
