package app

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"comptoir/app/internal/motw"
)

// openDirName is the directory, under Deps.TempDir, that receives the files opened with the
// system's viewer: one directory per session, one per opened part inside it.
const openDirName = "comptoir-ouverts"

// fileURL is the file:// URL of an absolute path. A Windows path gets a leading slash
// (file:///C:/…) so that "C:" is not read as the URL's host.
func fileURL(path string) *url.URL {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return &url.URL{Scheme: "file", Path: p}
}

// openPart hands p to the system's viewer (which also prints) when its content is a kind
// Comptoir shows itself (PDF, PNG, JPEG, plain text): it is written, with the extension of
// that kind, to a directory of its own removed when the session closes. Any other content
// is never written for opening, whatever its name says: it can only be saved.
func (u *UI) openPart(p Part) {
	u.touch()
	sn := p.sniff()
	if !sn.mayOpen() {
		u.showError(u.tr.T("part.open.refused"), fmt.Errorf("app: open a part of type %s refused", sn.kind.MIME))
		return
	}
	path, write, err := u.partFile(p)
	if err != nil {
		u.showError(u.tr.T("error.open"), err)
		return
	}
	if p.Source == nil { // written already
		u.openURL(fileURL(path))
		return
	}
	go func() {
		err := write()
		u.deps.Do(func() {
			if err != nil {
				u.showError(u.tr.T("error.open"), err)
				return
			}
			u.openURL(fileURL(path))
		})
	}()
}

// partFile is the file p is written to for the system (to open or to print): a new
// directory of the session's, the name of p's kind. A part in memory is written at once
// (write does nothing); one in the cache is streamed by write, to call off the UI
// goroutine, which leaves nothing at path on error.
func (u *UI) partFile(p Part) (path string, write func() error, err error) {
	k := p.sniff().kind
	if p.Source == nil {
		path, err := u.tempFile(p, k)
		return path, func() error { return nil }, err
	}
	dir, err := u.partDir()
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, kindFileName(p.Name, k))
	return path, func() error { return u.writePart(path, p, k) }, nil
}

// tempFile writes p to a new directory of the session's and marks it as downloaded.
func (u *UI) tempFile(p Part, k fileKind) (string, error) {
	dir, err := u.partDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, kindFileName(p.Name, k))
	if err := os.WriteFile(path, p.Data, 0o600); err != nil {
		return "", fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := motw.Mark(path); err != nil {
		u.log.Warn("mark of the web", "err", err)
	}
	return path, nil
}

// partDir makes a new directory for one opened part, in the session's (made first).
func (u *UI) partDir() (string, error) {
	if u.tmpDir == "" {
		base := u.openBase()
		if err := os.MkdirAll(base, 0o700); err != nil {
			return "", fmt.Errorf("app: temp dir: %w", err)
		}
		dir, err := os.MkdirTemp(base, "session-")
		if err != nil {
			return "", fmt.Errorf("app: temp dir: %w", err)
		}
		u.tmpDir = dir
	}
	// Same-named parts (two "scan.pdf") must not overwrite each other.
	dir, err := os.MkdirTemp(u.tmpDir, "piece-")
	if err != nil {
		return "", fmt.Errorf("app: temp dir: %w", err)
	}
	return dir, nil
}

// writePart streams p from the cache to a new file at path, checked to be of kind k, and
// marks it as downloaded. Nothing is left at path on error.
func (u *UI) writePart(path string, p Part, k fileKind) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("app: write %s: %w", path, err)
	}
	err = copyPart(u.context(), f, p, k)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("app: write %s: %w", path, cerr)
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	if err := motw.Mark(path); err != nil {
		u.log.Warn("mark of the web", "err", err)
	}
	return nil
}

// copyPart streams p's content from its Source to w, checked to be of kind k.
func copyPart(ctx context.Context, w io.Writer, p Part, k fileKind) error {
	rc, err := p.Source.Open(ctx)
	if err != nil {
		return fmt.Errorf("app: open part: %w", err)
	}
	defer rc.Close()
	c := newKindCheck(w, k)
	if _, err := io.Copy(c, rc); err != nil {
		return fmt.Errorf("app: copy part: %w", err)
	}
	return c.Close()
}

func (u *UI) openBase() string {
	tmp := u.deps.TempDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	return filepath.Join(tmp, openDirName)
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

// removeStaleTempFiles deletes what earlier runs left (a crash, a file a viewer still held
// on Windows). It runs at start, before any session: a second Comptoir running for the same
// user at that moment loses its opened files (the viewers keep what they loaded).
func (u *UI) removeStaleTempFiles() {
	base := u.openBase()
	entries, err := os.ReadDir(base)
	if err != nil {
		return // nothing left behind
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(base, e.Name())); err != nil {
			u.log.Warn("remove stale temp files", "err", err)
		}
	}
}

// savePart asks where to save p. A kind Comptoir cannot show is saved only after a warning.
func (u *UI) savePart(p Part) {
	u.touch()
	k := p.sniff().kind
	if k.openable() {
		u.saveDialog(p, kindFileName(p.Name, k))
		return
	}
	u.confirm(u.Window, u.tr.T("part.save.warning.title"), u.tr.T("part.save.warning", safeName(p.Name)),
		u.tr.T("part.save.anyway"), func(ok bool) {
			if ok {
				u.saveDialog(p, safeName(p.Name))
			}
		})
}

func (u *UI) saveDialog(p Part, name string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(u.tr.T("error.save"), err)
			return
		}
		if w == nil {
			return
		}
		if p.Source == nil {
			u.savedPart(w, writeAndClose(w, func() error {
				_, err := w.Write(p.Data)
				return err
			}))
			return
		}
		// In the cache: streamed off the UI goroutine.
		go func() {
			err := writeAndClose(w, func() error { return copyPart(u.context(), w, p, p.sniff().kind) })
			u.deps.Do(func() { u.savedPart(w, err) })
		}()
	}, u.Window)
	d.SetFileName(name)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// writeAndClose runs write, then closes w.
func writeAndClose(w fyne.URIWriteCloser, write func() error) error {
	err := write()
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// savedPart says how saving to w went, and marks the file as downloaded.
func (u *UI) savedPart(w fyne.URIWriteCloser, err error) {
	if err != nil {
		if derr := storage.Delete(w.URI()); derr != nil { // no half-written file left
			u.log.Warn("remove a file not saved", "err", derr)
		}
		u.showError(u.tr.T("error.save"), err)
		return
	}
	if w.URI().Scheme() == "file" {
		if err := motw.Mark(w.URI().Path()); err != nil {
			u.log.Warn("mark of the web", "err", err)
		}
	}
	u.notice(u.tr.T("status.saved", w.URI().Name()))
}

func (u *UI) notice(text string) {
	if u.Main != nil {
		u.Main.Status.notice(text)
	}
}
