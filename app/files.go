package app

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// safeName keeps a file name from an attachment usable on every OS, never a path.
func safeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	// Windows refuses names ending in a dot or a space, and device names (CON, NUL, COM1…)
	// whatever their extension.
	name = strings.TrimRight(name, ". ")
	if name == "" {
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

// fileURL is the file:// URL of an absolute path. A Windows path gets a leading slash
// (file:///C:/…) so that "C:" is not read as the URL's host.
func fileURL(path string) *url.URL {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return &url.URL{Scheme: "file", Path: p}
}

// openPart writes p to a private temporary directory and opens it with the system viewer
// (which also prints). The directory is removed when the session closes.
func (u *UI) openPart(p Part) {
	u.touch()
	path, err := u.tempFile(p)
	if err != nil {
		u.showError(u.tr.T("error.open"), err)
		return
	}
	u.openURL(fileURL(path))
}

func (u *UI) tempFile(p Part) (string, error) {
	if u.tmpDir == "" {
		dir, err := os.MkdirTemp(u.deps.TempDir, "comptoir-")
		if err != nil {
			return "", fmt.Errorf("app: temp dir: %w", err)
		}
		u.tmpDir = dir
	}
	path := filepath.Join(u.tmpDir, safeName(p.Name))
	if err := os.WriteFile(path, p.Data, 0o600); err != nil {
		return "", fmt.Errorf("app: write %s: %w", path, err)
	}
	return path, nil
}

// removeTempFiles deletes the files opened with the system viewer (lock, quit).
func (u *UI) removeTempFiles() {
	if u.tmpDir != "" {
		if err := os.RemoveAll(u.tmpDir); err != nil {
			u.log.Warn("remove temp files", "err", err)
		}
		u.tmpDir = ""
	}
}

// savePart asks where to save p.
func (u *UI) savePart(p Part) {
	u.touch()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(u.tr.T("error.save"), err)
			return
		}
		if w == nil {
			return
		}
		if _, err := w.Write(p.Data); err != nil {
			w.Close()
			u.showError(u.tr.T("error.save"), err)
			return
		}
		if err := w.Close(); err != nil {
			u.showError(u.tr.T("error.save"), err)
			return
		}
		u.notice(u.tr.T("status.saved", w.URI().Name()))
	}, u.Window)
	d.SetFileName(safeName(p.Name))
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

func (u *UI) notice(text string) {
	if u.Main != nil {
		u.Main.Status.notice(text)
	}
}
