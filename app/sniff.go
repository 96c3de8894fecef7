package app

import (
	"bytes"
	"image"
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
// it says (a .js or .bat saved as .txt is inert).
func sniffKind(data []byte) fileKind {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return kindPDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return kindJPEG
	}
	detected := http.DetectContentType(data)
	if strings.HasPrefix(detected, "text/plain") && isPlainText(data) {
		return kindText
	}
	mime, _, _ := strings.Cut(detected, ";")
	return fileKind{MIME: mime}
}

// openable reports whether Comptoir may open this kind.
func (k fileKind) openable() bool { return k.Ext != "" }

// mayOpen reports whether data may be handed to the system's viewer: an openable kind, and
// for an image one whose declared size the preview would accept too (a 65535×65535 PNG
// would take the viewer down instead of Comptoir).
func mayOpen(data []byte) bool {
	switch k := sniffKind(data); k {
	case kindPNG, kindJPEG:
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		return err == nil && cfg.Width > 0 && cfg.Height > 0 && int64(cfg.Width)*int64(cfg.Height) <= MaxImagePixels
	default:
		return k.openable()
	}
}

// isPlainText reports whether data has no control byte but tab, LF, FF and CR. A UTF-16
// text (with its BOM) has zero bytes and is not taken as plain text.
func isPlainText(data []byte) bool {
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}
