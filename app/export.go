package app

import (
	"bytes"
	"io"

	"fyne.io/fyne/v2"
)

// writeExport writes what export produces to w and closes it. The whole export is built
// first: a failure half-way (the session locked, a column missing) writes nothing.
func writeExport(w fyne.URIWriteCloser, export func(io.Writer) error) error {
	var buf bytes.Buffer
	err := export(&buf)
	if err == nil {
		_, err = w.Write(buf.Bytes())
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
