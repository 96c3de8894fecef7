package app

import (
	"path/filepath"
	"strings"
	"unicode"
)

// cleanName removes from a sender-chosen name what could make it read differently from
// what it is: Unicode format characters (category Cf: the bidirectional overrides U+202A–
// U+202E and isolates U+2066–U+2069, the marks U+200E/U+200F, zero-width characters…)
// and control characters. "ordonnance\u202efdp.exe", shown as "ordonnanceexe.pdf", becomes
// "ordonnancefdp.exe". Every file name shown or written goes through it.
func cleanName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
}

// safeName keeps a file name from an attachment usable on every OS, never a path.
func safeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(cleanName(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	// Windows refuses names ending in a dot or a space, and device names (CON, NUL, COM1…)
	// whatever their extension.
	name = strings.TrimRight(name, ". ")
	if name == "" || name == "." {
		return "piece-jointe"
	}
	stem, _, _ := strings.Cut(name, ".")
	if windowsDevice(stem) {
		name = "_" + name
	}
	return name
}

func windowsDevice(stem string) bool {
	switch strings.ToUpper(strings.TrimSpace(stem)) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	u := strings.ToUpper(stem)
	return len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '0' && u[3] <= '9'
}

// kindFileName is the name an openable part is written under: the sender's name cleaned,
// with its extension replaced by the one of its sniffed kind. "ordonnance.pdf.hta" holding
// a PDF is written "ordonnance.pdf"; holding HTML it is never written for opening.
func kindFileName(name string, k fileKind) string {
	n := safeName(name)
	stem := strings.TrimSuffix(n, filepath.Ext(n))
	stem = strings.TrimRight(stem, ". ")
	if strings.HasSuffix(strings.ToLower(stem), k.Ext) {
		stem = stem[:len(stem)-len(k.Ext)]
	}
	if stem == "" {
		stem = "piece-jointe"
	}
	if windowsDevice(stem) {
		stem = "_" + stem
	}
	return stem + k.Ext
}

// nameMatchesKind reports whether name's extension is one of kind k's.
func nameMatchesKind(name string, k fileKind) bool {
	ext := strings.ToLower(filepath.Ext(safeName(name)))
	switch k {
	case kindJPEG:
		return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe"
	case kindText:
		return ext == ".txt" || ext == ".text"
	}
	return ext == k.Ext
}
