package screentest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
)

var insText = regexp.MustCompile(`INS\s*([0-9AB ]*)`)

// listTexts are the texts of the message list's rows that are on screen.
func listTexts(w *world) []*app.RowText {
	var out []*app.RowText
	apptest.Walk(w.h.UI.Window.Canvas(), func(o fyne.CanvasObject) {
		if l, ok := o.(*app.RowText); ok && l.Text != "" && inside(o, w.h.UI.Main.List) {
			out = append(out, l)
		}
	})
	return out
}

// inside reports whether o lies within the bounds of container c on the canvas.
func inside(o, c fyne.CanvasObject) bool {
	p, cp := apptest.AbsolutePosition(o), apptest.AbsolutePosition(c)
	return p.X >= cp.X && p.Y >= cp.Y && p.X < cp.X+c.Size().Width && p.Y < cp.Y+c.Size().Height
}

// At 1024×768 an INS in the list is shown whole or not at all; every other text that does
// not fit ends with « … »; what is drawn fits its place (measured by Fyne's shaper).
func TestListTruncation(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	w.mailbox()
	w.bal(memsession.ORG)
	w.h.WaitFor("the pharmacy's mail", func() bool { return u.Main.Rows() > 20 })
	for _, width := range []float32{1024, 1366} {
		u.Window.Resize(fyne.NewSize(width-frameW, 768-taskbar-frameH-menuBar))
		w.h.Drain()
		var insShown, ellipsis int
		for _, l := range listTexts(w) {
			shown := apptest.Shown(l)
			if drawn := fyne.MeasureText(shown, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding(); shown != "" && drawn > l.Size().Width+0.5 {
				t.Errorf("at %.0f px %q is drawn %.1f px wide in %.1f px", width, shown, drawn, l.Size().Width)
			}
			if m := insText.FindStringSubmatch(l.Text); m != nil {
				if shown != l.Text && shown != "" || len(strings.ReplaceAll(m[1], " ", "")) != 15 {
					t.Errorf("at %.0f px an INS is cut: %q shows as %q", width, l.Text, shown)
				}
				if shown != "" {
					insShown++
				}
				continue
			}
			if shown != l.Text && (!strings.HasSuffix(shown, "…") || !strings.HasPrefix(l.Text, strings.TrimSuffix(shown, "…"))) {
				t.Errorf("at %.0f px %q is cut without « … » (shows %q)", width, l.Text, shown)
			}
			if strings.HasSuffix(shown, "…") {
				ellipsis++
			}
		}
		if width == 1024 && ellipsis == 0 {
			t.Errorf("at 1024 px no long name or subject ends with « … »")
		}
		if width == 1366 && insShown == 0 {
			t.Errorf("at 1366 px no INS shows in the list")
		}
	}
}

// Hovering a row whose texts are cut shows them whole.
func TestTruncatedRowShowsWholeOnHover(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	w.mailbox()
	w.bal(memsession.ORG)
	u.Window.Resize(fyne.NewSize(screenW-frameW, screenH-taskbar-frameH-menuBar))
	w.h.Drain()
	const long = "Nadia BENALI-FONTAINE DE LA ROCHEFOUCAULD"
	var cut *app.RowText
	for _, l := range listTexts(w) {
		if strings.Contains(l.Text, "BENALI") && apptest.Shown(l) != l.Text {
			cut = l
		}
	}
	if cut == nil {
		t.Fatal("the long patient name is not cut at 1024 px; the test needs a longer one")
	}
	p := apptest.AbsolutePosition(cut).Add(fyne.NewPos(4, 4))
	test.MoveMouse(u.Window.Canvas(), p)
	w.h.WaitFor("the whole name on hover", func() bool {
		for _, s := range u.Main.Tooltip() {
			if strings.Contains(s, "BENALI-FONTAINE DE LA ROCHEFOUCAULD Nadia") || strings.Contains(s, long) {
				return strings.Contains(s, "INS 279091305508745")
			}
		}
		return false
	})
	test.MoveMouse(u.Window.Canvas(), fyne.NewPos(1, 1))
	w.h.WaitFor("the tooltip gone", func() bool { return len(u.Main.Tooltip()) == 0 })
}

// A doctor's message about a patient shows the doctor as the sender, the patient beside;
// a patient's own message shows the patient. Patients read NOM Prénom everywhere.
func TestSenderAndPatient(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	w.bal(memsession.ORG)
	m := w.h.UI.Main
	report := m.Row(w.row("Compte rendu"))
	if report.From != "Dr Antoine FAUVEL" || report.Patient != "ROUSSEL Camille" || report.INS != "INS 285046912304512" {
		t.Errorf("the doctor's report about a patient reads %+v", report)
	}
	order := m.Row(w.row(memsession.SubjectOrder))
	if order.From != "ROUSSEL Camille" || order.Patient != "" || order.INS != "INS 285046912304512" {
		t.Errorf("the patient's own message reads %+v", order)
	}
	w.open(memsession.SubjectStock)
	if got := m.Reader.Patient.Text; !strings.Contains(got, "MARCHAND Lucie") {
		t.Errorf("the reader names the patient %q, want NOM Prénom", got)
	}
	p := w.h.UI.ShowPatients()
	if rows := strings.Join(p.Rows(), "\n"); !strings.Contains(rows, "MARCHAND Lucie") || !strings.Contains(rows, "ROUSSEL Camille") {
		t.Errorf("the patients screen lists:\n%s", rows)
	}
}

// The BAL switcher shows short names; the address shows on hover.
func TestBALSwitcherShortNames(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	w.mailbox()
	var names []string
	for _, b := range u.Main.BALButtons {
		if strings.Contains(b.Text, "@") {
			t.Errorf("the switcher shows an address: %q", b.Text)
		}
		names = append(names, b.Text)
	}
	got := strings.Join(names, " | ")
	for _, want := range []string{"Personnelle", "Officine", "Préparatoire"} {
		if !strings.Contains(got, want) {
			t.Errorf("the switcher reads %q, without %q", got, want)
		}
	}
	b := u.Main.BALButton(memsession.ORG)
	test.MoveMouse(u.Window.Canvas(), apptest.AbsolutePosition(b).Add(fyne.NewPos(5, 5)))
	w.h.WaitFor("the address on hover", func() bool {
		return strings.Contains(strings.Join(u.Main.Tooltip(), "\n"), memsession.ORG)
	})
}

// A jump in a long list (a folder opened, the arrows, a search result) shows the row asked
// for, and the rows around it show their own messages.
func TestListJumpShowsTheRow(t *testing.T) {
	const n = 600
	w := start(t, options{open: func(now time.Time) *memsession.Session {
		s := memsession.Pharmacy(now)
		for i := range n {
			s.Add(memsession.ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: fmt.Sprintf("jump-%d@test", i),
				Date: now.Add(-time.Duration(i+100) * 24 * time.Hour), From: app.Address{Name: "Dr Antoine FAUVEL", Email: memsession.Doctor},
				Subject: fmt.Sprintf("Renouvellement n°%d", i), Seen: true}})
		}
		return s
	}})
	m := w.mailbox()
	w.bal(memsession.ORG)
	w.h.WaitFor("the long inbox", func() bool { return m.Rows() > n })
	w.layout()
	rows := map[string]int{} // subject → row
	for i := range m.Rows() {
		rows[m.Row(i).Subject] = i
	}
	for _, i := range []int{500, 3, m.Rows() - 1, 250, 251, 249, 0, 420, 17} {
		m.List.ScrollTo(i)
		want := m.Row(i).Subject
		var shown bool
		for _, l := range listTexts(w) {
			if l.Text == want && apptest.Shown(l) == want {
				shown = true
			}
			// The rows on screen are the jump's neighbours, each showing its own message.
			if j, ok := rows[l.Text]; ok && (j < i-30 || j > i+30) {
				t.Errorf("after a jump to row %d (%q) the list shows row %d (%q)", i, want, j, l.Text)
			}
		}
		if !shown {
			t.Errorf("after a jump to row %d the list does not show %q", i, want)
		}
	}
}
