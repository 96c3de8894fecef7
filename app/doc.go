// Package app is the Fyne user interface of Comptoir, in French (English optional).
//
// The contract: New(a fyne.App, deps Deps) builds the UI on an application it is given and
// never imports fyne.io/fyne/v2/app (GLFW, cgo), so the screens run headless under
// fyne.io/fyne/v2/test. The package never dials the network itself: everything it shows or does
// goes through Deps — Cards (readers, login), then the Session a login returns (the cache, the
// mail engine, the card's removal), Settings, Doctor and Directory. Package app/bridge builds Deps
// from the real cps, store and mail packages.
//
// Threading: widgets are touched only on the UI goroutine. Work that blocks (card login,
// cache queries for a search, sending) runs in goroutines that hand their result back through
// Deps.Do (fyne.Do by default).
//
// Security: a pulled card or the inactivity delay locks the UI within 2 s, never waiting on the
// network: the lock screen replaces the mail, the Session is locked (cache keys wiped, card
// logged out, connections dropped, workers stopped in the background), and every other window
// and dialog closes. A screen acts only for the session it was opened with: once that session
// is locked its actions are refused in French (ErrLocked). The settings that decide what the
// card signs for and whom it trusts change only in an open session. Unlocking needs the PIN
// again. The PIN lives only in the entry widget and in a byte slice wiped after Login.
//
// Hostile messages (any MSSanté address can write to the pharmacy; tests TestHostile…):
//   - a part is opened or printed (handed to the system's viewer) only when its content,
//     sniffed, is a PDF, a PNG or JPEG image within MaxImagePixels, or plain text; it is
//     written under the extension of that kind (sniff.go, filenames.go), in a directory of
//     its own under Deps.TempDir/comptoir-ouverts, removed when the session closes and at the
//     next start. Any other part can only be saved, after a French warning. Saved and opened
//     files get the Mark-of-the-Web (app/internal/motw).
//   - names shown or written lose their Unicode format characters (bidi overrides…).
//   - images are sized (image.DecodeConfig) before decoding, refused over MaxImagePixels,
//     and decoded off the UI goroutine; PDF pages are rendered by Deps.PDF (app/pdfview's
//     bounded child processes, one per document shown), warmed at start, and cancelled with
//     the page or the message. The preview fits the pane's width, zooms (50–200 % of it) and
//     turns images a quarter at a time, off the UI goroutine too (preview*.go).
//   - what a message puts on screen is bounded (display.go): Fyne's wrapping time grows with
//     the square of a paragraph's length.
package app
