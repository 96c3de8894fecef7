package app

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"comptoir/app/config"
)

// Texts as the list shows them: names, subjects, identifiers and dates of French mail.
var rowSamples = []string{
	"Centre hospitalier des Cèdres — Service de médecine interne",
	"Dr Antoine FAUVEL",
	"BENALI-FONTAINE DE LA ROCHEFOUCAULD Nadia",
	"Question sur la posologie du traitement prescrit par mon médecin",
	"Sortie d'hospitalisation de M. Henri PERRIN — traitement à préparer",
	"Ordonnance n°48213 « renouvellement » – Œdème, cœur, façade, où, Ça’",
	"INS 285046912304512",
	"INS 293072A00402139",
	"30 nov.", "1er déc.", "08:40", "03/12/2025",
	"AVATAR Tè Wo Yo", // strong kerning: the sum of advances is wider than the text
	"He\u0301le\u0300ne DUPONT",
}

// The rows' texts are measured by adding up their runes' advances: never narrower than
// Fyne's shaper draws them (beyond the margin a row text keeps), and not so much wider that
// texts would be cut for nothing.
func TestRowMeasure(t *testing.T) {
	a := test.NewTempApp(t)
	for _, scale := range []string{TextSystem, TextLarger} {
		a.Settings().SetTheme(newTheme(config.Config{TextSize: scale}))
		m := newRowMeasure()
		for _, bold := range []bool{false, true} {
			style := fyne.TextStyle{Bold: bold}
			tab := m.table(theme.Current(), style)
			for _, s := range rowSamples {
				sum, shaped := tab.width(s), fyne.MeasureText(s, theme.TextSize(), style).Width
				if sum < shaped-rowTextMargin {
					t.Errorf("text size %q bold %v: %q measured %.2f px, drawn %.2f px", scale, bold, s, sum, shaped)
				}
				if sum > shaped*1.05+1 {
					t.Errorf("text size %q bold %v: %q measured %.2f px, only %.2f px drawn", scale, bold, s, sum, shaped)
				}
			}
		}
	}
}

// A text that does not fit its room is cut at a rune with « … » at the end and what shows
// fits (as Fyne's shaper measures it); an INS shows whole or not at all.
func TestRowTextFit(t *testing.T) {
	test.NewTempApp(t)
	tab := newRowMeasure().table(theme.Current(), fyne.TextStyle{})
	for _, s := range rowSamples {
		for room := float32(0); room < tab.width(s)+20; room += 3 {
			shown := tab.fit(s, room, false)
			if w := fyne.MeasureText(shown, theme.TextSize(), fyne.TextStyle{}).Width; shown != "" && w > room+rowTextMargin {
				t.Errorf("%q in %.0f px shows %q, %.1f px wide", s, room, shown, w)
			}
			if shown != s && shown != "" {
				kept, ok := strings.CutSuffix(shown, "…")
				if !ok || !strings.HasPrefix(s, kept) || strings.HasSuffix(kept, " ") {
					t.Errorf("%q in %.0f px shows %q", s, room, shown)
				}
				if next, _ := utf8.DecodeRuneInString(s[len(kept):]); unicode.Is(unicode.Mn, next) {
					t.Errorf("%q in %.0f px is cut before an accent: %q", s, room, shown)
				}
			}
			if shown == "" && room >= tab.ellipsis {
				t.Errorf("%q in %.0f px shows nothing, not even « … »", s, room)
			}
			if whole := tab.fit(s, room, true); whole != s && whole != "" {
				t.Errorf("%q whole-or-nothing in %.0f px shows %q", s, room, whole)
			}
		}
		if tab.fit(s, tab.width(s), false) != s {
			t.Errorf("%q does not show whole in its own width", s)
		}
	}
}

// rowRig is a message row in a window of a headless UI.
type rowRig struct {
	t   *testing.T
	u   *UI
	row *messageRow
	win fyne.Window
}

func newRowRig(t *testing.T) *rowRig {
	t.Helper()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	u := New(test.NewTempApp(t), Deps{Cards: stubCards{}, TempDir: t.TempDir(), Now: func() time.Time { return now }})
	row := newMessageRow(u.tips, newRowIcons(), newRowMeasure())
	win := test.NewWindow(row)
	t.Cleanup(win.Close)
	win.SetPadded(false)
	return &rowRig{t: t, u: u, row: row, win: win}
}

// check verifies what the row shows at its size: every text drawn inside its place and
// clear of the next; cut texts end with « … »; the INS whole or absent; and the tooltip
// gives the whole texts when one is cut.
func (rig *rowRig) check(e Envelope) {
	rig.t.Helper()
	r := rig.row
	from, pat, ins := rowNames(e)
	want := map[*RowText]string{r.From: from, r.PatientName: pat, r.INS: ins, r.Subject: displaySubject(e.Subject)}
	cut := false
	for l, whole := range want {
		shown := l.text.Text
		if l.Text != whole {
			rig.t.Errorf("at %.0f px a row text holds %q, want %q", r.Size().Width, l.Text, whole)
		}
		if shown == whole {
			continue
		}
		cut = true
		if l == r.INS {
			if shown != "" {
				rig.t.Errorf("at %.0f px the INS %q is cut: %q", r.Size().Width, whole, shown)
			}
			continue
		}
		if kept, ok := strings.CutSuffix(shown, "…"); !ok && shown != "" || !strings.HasPrefix(whole, kept) {
			rig.t.Errorf("at %.0f px %q is cut without « … »: %q", r.Size().Width, whole, shown)
		}
	}
	texts := []*RowText{r.From, r.PatientName, r.INS}
	for i, l := range append(texts, r.Subject, r.Date) {
		if l.text.Text == "" {
			continue
		}
		drawn := fyne.MeasureText(l.text.Text, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
		if drawn > l.Size().Width+0.5 {
			rig.t.Errorf("at %.0f px %q is drawn %.1f px wide in %.1f px", r.Size().Width, l.text.Text, drawn, l.Size().Width)
		}
		if i < len(texts)-1 && l.Position().X+l.Size().Width > texts[i+1].Position().X+0.5 {
			rig.t.Errorf("at %.0f px %q runs into the next text", r.Size().Width, l.text.Text)
		}
		if l != r.Date && l.Position().X+l.Size().Width > r.Date.Position().X+0.5 {
			rig.t.Errorf("at %.0f px %q runs into the date", r.Size().Width, l.text.Text)
		}
	}
	if r.INS.text.Text != "" && r.From.text.Text == "" {
		rig.t.Errorf("at %.0f px the INS shows and the sender does not (%q)", r.Size().Width, r.From.text.Text)
	}
	tip := r.tip(rig.u.tr.T)
	if cut {
		for _, s := range []string{from, pat, ins, displaySubject(e.Subject)} {
			if !strings.Contains(tip, s) {
				rig.t.Errorf("at %.0f px a text is cut and the tooltip %q lacks %q", r.Size().Width, tip, s)
			}
		}
	}
}

// A row shows its texts cut with « … » to the room it has, the INS whole or not at all, at
// any width; and a row reused for another message without being resized (as the list does
// at each frame) shares its room out again.
func TestMessageRowCuts(t *testing.T) {
	rig := newRowRig(t)
	now := rig.u.deps.Now()
	long := Envelope{Date: now.Add(-40 * 24 * time.Hour), Kind: "xdm",
		From:    Address{Name: "Centre hospitalier des Cèdres — Service de médecine interne", Email: "cdr@ch-cedres.mssante.fr"},
		Patient: &Patient{INS: "285046912304512", Name: "BENALI-FONTAINE DE LA ROCHEFOUCAULD Nadia"},
		Subject: "Sortie d'hospitalisation de Mme Nadia BENALI-FONTAINE — traitement à préparer pour demain"}
	short := Envelope{Date: now.Add(-time.Hour), From: Address{Name: "Dr Antoine FAUVEL", Email: "a.fauvel@medecin.mssante.fr"}, Subject: "Ordonnance"}
	own := Envelope{Date: now.Add(-3 * time.Hour), Kind: "patient",
		From:    Address{Name: "Camille ROUSSEL", Email: "285046912304512@patient.mssante.fr"},
		Patient: &Patient{INS: "285046912304512", Name: "ROUSSEL Camille"}, Subject: "Ordonnance pour ce soir"}
	var sawINS, sawNoINS, sawCut bool
	for w := float32(220); w <= 1000; w += 7 {
		rig.win.Resize(fyne.NewSize(w, 80))
		for _, e := range []Envelope{long, short, own, long} {
			rig.row.set(rig.u, e, true)
			rig.check(e)
			if e.Patient != nil {
				sawINS = sawINS || rig.row.INS.text.Text != ""
				sawNoINS = sawNoINS || rig.row.INS.text.Text == ""
			}
			sawCut = sawCut || strings.HasSuffix(rig.row.Subject.text.Text, "…")
		}
	}
	if !sawINS || !sawNoINS || !sawCut {
		t.Errorf("the widths tried did not cover an INS shown (%v), left out (%v) and a cut subject (%v)", sawINS, sawNoINS, sawCut)
	}
}

// A bigger text size (Paramètres) measures anew: what the row shows still fits.
func TestMessageRowTextSize(t *testing.T) {
	rig := newRowRig(t)
	e := Envelope{Date: rig.u.deps.Now(), From: Address{Name: "Dr Antoine FAUVEL"},
		Patient: &Patient{INS: "285046912304512", Name: "ROUSSEL Camille"},
		Subject: "Question sur la posologie du traitement prescrit par mon médecin"}
	rig.win.Resize(fyne.NewSize(600, 80))
	rig.row.set(rig.u, e, true)
	before := rig.row.Subject.text.Text
	rig.u.cfg.TextSize = TextLarger
	rig.u.applyTheme()
	rig.win.Resize(fyne.NewSize(600, 100))
	if rig.row.Subject.text.TextSize != theme.TextSize() {
		t.Errorf("the subject is drawn at %.1f, the theme's text size is %.1f", rig.row.Subject.text.TextSize, theme.TextSize())
	}
	if after := rig.row.Subject.text.Text; len(after) >= len(before) {
		t.Errorf("at a larger text size the subject shows %q, as much as before (%q)", after, before)
	}
	rig.check(e)
}
