package app

import (
	"bytes"
	"net/http"
	"strings"
)

// fileKind is what a part's content is, sniffed from its bytes: never what its name or its
// declared MIME type claims, both chosen by the sender.
type fileKind struct {
	MIME string // "application/pdf", "image/png", "image/jpeg", "text/plain"; for other
	// content, what net/http's sniffer says (for the logs and the warning)
	Ext string // the extension files of this kind are written with; "" when not openable
}

// The kinds Comptoir shows itself (PDF and images in the preview) and hands to the
// system's viewer. Every other kind can only be saved.
var (
	kindPDF  = fileKind{MIME: "application/pdf", Ext: ".pdf"}
	kindPNG  = fileKind{MIME: "image/png", Ext: ".png"}
	kindJPEG = fileKind{MIME: "image/jpeg", Ext: ".jpg"}
	kindText = fileKind{MIME: "text/plain", Ext: ".txt"}
)

// sniffKind tells a part's kind from its content. Plain text is text with no control byte
// other than tab, line and page breaks, which net/http's sniffer does not take for HTML,
// XML or a script: it is written as .txt, so the system opens it in a text editor whatever
// it says (a .js or .bat saved as .txt is inert). SniffPart reads it from a stream.
func sniffKind(data []byte) fileKind { return SniffPart(bytes.NewReader(data)).kind }

// sniffHeadKind is the kind the start of the content shows, text taken for plain as far as
// the start goes (SniffPart reads the rest).
func sniffHeadKind(head []byte) fileKind {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return kindPDF
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return kindJPEG
	}
	detected := http.DetectContentType(head)
	if strings.HasPrefix(detected, "text/plain") && isPlainText(head) {
		return kindText
	}
	mime, _, _ := strings.Cut(detected, ";")
	return fileKind{MIME: mime}
}

// openable reports whether Comptoir may open this kind.
func (k fileKind) openable() bool { return k.Ext != "" }

// isPlainText reports whether data has no control byte but tab, LF, FF and CR. A UTF-16
// text (with its BOM) has zero bytes and is not taken as plain text.
func isPlainText(data []byte) bool {
	var bad byte // or-ed without a branch per byte: texts are scanned whole
	for len(data) >= 8 {
		bad |= controlByte[data[0]] | controlByte[data[1]] | controlByte[data[2]] | controlByte[data[3]] |
			controlByte[data[4]] | controlByte[data[5]] | controlByte[data[6]] | controlByte[data[7]]
		data = data[8:]
	}
	for _, c := range data {
		bad |= controlByte[c]
	}
	return bad == 0
}

// controlByte is 1 for the bytes plain text may not hold.
var controlByte = func() (t [256]byte) {
	for c := range 256 {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' || c == 0x7f {
			t[c] = 1
		}
	}
	return t
}()
