package screentest

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
	"comptoir/mail"
)

// A counter screen is 1024×768. What a window's content may take of it, measured on
// Windows 10 at 100 % (the most common counter): the taskbar takes 40 px, the window frame
// 16 px across and 39 px down (title bar and borders). The main window also draws its menu
// bar inside its content (Fyne on Windows and Linux), 36 px.
const (
	screenW, screenH = 1024, 768
	taskbar          = 40
	frameW, frameH   = 16, 39
	menuBar          = 36
)

var budget = fyne.NewSize(screenW-frameW, screenH-taskbar-frameH)

// fits checks that w's content can be laid out within the budget (less extra height) and
// that the window does not open larger than that (the main window's size is the harness's
// here: TestMainWindowUsesTheScreen checks it).
func fits(t *testing.T, name string, w fyne.Window, extra float32) {
	t.Helper()
	// As the desktop driver sizes a window (glfw canvas SetContent): the content laid out at
	// its minimum first, which makes wrapped texts tall, then asked its minimum again.
	content := w.Canvas().Content()
	content.Resize(content.MinSize())
	min := content.MinSize()
	content.Resize(w.Canvas().Size())
	if w.Padded() {
		min = min.AddWidthHeight(2*theme.Padding(), 2*theme.Padding())
	}
	max := budget.SubtractWidthHeight(0, extra)
	t.Logf("%s needs %.0f×%.0f (room %.0f×%.0f)", name, min.Width, min.Height, max.Width, max.Height)
	if min.Width > max.Width || min.Height > max.Height {
		t.Errorf("%s needs %.0f×%.0f, a 1024×768 counter screen leaves %.0f×%.0f", name, min.Width, min.Height, max.Width, max.Height)
	}
	if size := w.Canvas().Size(); !strings.HasPrefix(name, "main window") && name != "card screen" && (size.Width > max.Width || size.Height > max.Height) {
		t.Errorf("%s opens at %.0f×%.0f, larger than the %.0f×%.0f a 1024×768 screen leaves", name, size.Width, size.Height, max.Width, max.Height)
	}
}

// Every window, in its fullest state, fits a 1024×768 counter screen.
func TestEveryWindowFitsACounterScreen(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	fits(t, "card screen", u.Window, menuBar)
	m := w.mailbox()
	w.bal(memsession.ORG)
	w.open(memsession.SubjectHospital) // read receipt asked: the receipt bar shows
	fits(t, "main window (receipt bar)", u.Window, menuBar)
	w.open(memsession.SubjectOrder) // an attachment and its preview
	fits(t, "main window (attachment)", u.Window, menuBar)
	w.open(memsession.SubjectReport) // a patient's documents
	w.session().Emit(mail.Offline{BAL: memsession.ORG})
	w.session().Emit(mail.Offline{BAL: memsession.APP})
	w.h.WaitFor("the offline state", func() bool { return w.h.Shows("Hors ligne") })
	fits(t, "main window (documents, offline)", u.Window, menuBar)

	test.Tap(m.NewButton)
	w.h.WaitFor("the composer", func() bool { return len(u.Composers()) == 1 })
	fits(t, "composer", u.Composers()[0].Window, 0)
	settings := u.ShowSettings()
	fits(t, "settings", settings.Window, 0)
	settings.Results.SetText(strings.Repeat("✔ Connexion IMAP à pharmacie-des-tilleuls-69003-lyon@sandbox.mssante.test — acceptée\n", 30))
	fits(t, "settings (diagnostic shown)", settings.Window, 0)
	p := u.ShowPatients()
	p.Select("285046912304512")
	fits(t, "patients", p.Window, 0)
	fits(t, "indicator", u.ShowIndicator().Window, 0)
	fits(t, "reply templates", u.ShowTemplates().Window, 0)
	a := u.ShowAnnuaire()
	fits(t, "Contacter un professionnel (opening)", a.Window, 0)
	a.Query.SetText("lyon")
	w.h.WaitFor("the directory's results", func() bool { return len(a.Rows) >= 3 })
	fits(t, "Contacter un professionnel", a.Window, 0)
	fits(t, "directory update", u.ShowAnnuaireUpdate().Window, 0)
	fits(t, "BAL wizard", u.ShowBALWizard().Window, 0)
	r := u.ShowRoles()
	w.h.WaitFor("the members", func() bool {
		return strings.Contains(strings.Join(apptest.WindowTexts(r.Window), "\n"), "LEBRETON")
	})
	fits(t, "roles", r.Window, 0)
}

// The main window takes the screen it is given (1920×1080: not a 1280×800 box in a corner).
func TestMainWindowUsesTheScreen(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	for _, screen := range []fyne.Size{{Width: 1920, Height: 1040}, {Width: 1366, Height: 728}, {Width: 1024, Height: 728}} {
		w.h.UI.FitScreen(screen)
		got := w.h.UI.Window.Canvas().Size()
		if got.Width < screen.Width-frameW-1 || got.Width > screen.Width || got.Height < screen.Height-frameH-1 || got.Height > screen.Height {
			t.Errorf("on a %.0f×%.0f work area the main window is %.0f×%.0f", screen.Width, screen.Height, got.Width, got.Height)
		}
	}
}
