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
	if name == "" || name == "." || name == ".." {
		name = "piece-jointe"
	}
	return name
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
	u.openURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(path)})
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
