package pdftest

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

func TestDeflateRepeat(t *testing.T) {
	z := DeflateRepeat([]byte("abc def "), 1000)
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Repeat([]byte("abc def "), 1000)) {
		t.Fatal("mismatch")
	}
}
