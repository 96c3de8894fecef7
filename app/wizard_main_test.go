package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/bridge"
	"comptoir/app/demo"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail"
)

// world is the package's MSSanté world for the wizard and roles tests: the SoftHSM cards
// (SoftHSM reads its configuration once per process, so they are shared) and a sandbox
// operator WITHOUT the seed, so the pharmacy's BALs are created by the tests themselves,
// with a short ANS validation delay.
var world struct {
	env *demo.Env
	dir string
}

// validationDelay stands for the ANS's 24 hours.
const validationDelay = 5 * time.Second

func TestMain(m *testing.M) {
	if err := apptest.WarmPDFium(); err != nil { // the preview tests render in this process
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "comptoir-wizard-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Unsetenv("SOFTHSM2_CONF") // an inherited value names someone else's tokens
	ctx, cancel := context.WithCancel(context.Background())
	world.dir = dir
	world.env, err = demo.Start(ctx, demo.Options{
		Dir:     dir,
		Cards:   []string{cpstest.Titulaire.Label, cpstest.Preparateur.Label, cpstest.PharmacienCPS3.Label},
		NIL:     "Comptoir/test",
		Watch:   100 * time.Millisecond,
		Engine:  func(c *mail.EngineConfig) { c.MinBackoff, c.MaxBackoff = 100*time.Millisecond, 300*time.Millisecond },
		Sandbox: func(o *sandbox.Options) { o.Seed, o.ValidationDelay = false, validationDelay },
	})
	if err != nil {
		// A missing SoftHSM2 is a failure that says what to install (cpstest's message).
		fmt.Fprintln(os.Stderr, "test world:", err)
		os.Exit(1)
	}
	code := m.Run()
	world.env.Close()
	cancel()
	os.RemoveAll(dir)
	os.Exit(code)
}

// directoryPath is where the tests import the sandbox's published Annuaire Santé.
func directoryPath() string { return filepath.Join(world.dir, "annuaire.db") }

// startUI opens the UI with provisioning on the card labelled label, logged in.
func startUI(t *testing.T, label string) *apptest.Harness {
	t.Helper()
	deps := world.env.Deps()
	deps.Version = "test"
	deps.Provisioning = bridge.NewProvisioning(directoryPath())
	h := apptest.New(t, deps)
	sel := h.UI.Card.Readers
	h.WaitFor("the card "+label, func() bool {
		for i, o := range sel.Options {
			if strings.Contains(o, label) {
				if sel.SelectedIndex() != i {
					sel.SetSelectedIndex(i)
				}
				return !h.UI.Card.LoginButton.Disabled()
			}
		}
		return false
	})
	h.Login(demo.PIN)
	// The holder screen when there is a choice to make (no BAL yet), else the mailbox.
	h.WaitFor("the holder or the mailbox", func() bool { return h.UI.Main != nil || h.Shows("Titulaire de la carte") })
	return h
}

// menuItem returns the main menu's item labelled label, or nil.
func menuItem(h *apptest.Harness, label string) *fyne.MenuItem {
	mm := h.UI.Window.MainMenu()
	if mm == nil {
		return nil
	}
	for _, m := range mm.Items {
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	return nil
}

// openWizard opens the wizard the way the menu item does (the item must be there).
func openWizard(t *testing.T, h *apptest.Harness) *app.Wizard {
	t.Helper()
	if menuItem(h, "Créer une boîte aux lettres…") == nil {
		t.Fatal("no « Créer une boîte aux lettres… » in the menu")
	}
	w := h.UI.ShowBALWizard()
	if w == nil {
		t.Fatalf("the wizard did not open; the window shows:\n%s", strings.Join(h.Visible(), "\n"))
	}
	return w
}

func wizText(w *app.Wizard) string { return strings.Join(apptest.WindowTexts(w.Window), "\n") }

// waitWiz waits until the wizard window shows s.
func waitWiz(t *testing.T, h *apptest.Harness, w *app.Wizard, s string) {
	t.Helper()
	h.WaitFor("«"+s+"» in the wizard", func() bool {
		return strings.Contains(wizText(w), s)
	})
}

// nextTo taps "Suivant" once it is enabled and waits for step n.
func nextTo(t *testing.T, h *apptest.Harness, w *app.Wizard, n int) {
	t.Helper()
	h.WaitFor(fmt.Sprintf("« Suivant » enabled on step %d", w.Step), func() bool { return !w.NextButton.Disabled() })
	test.Tap(w.NextButton)
	h.WaitFor(fmt.Sprintf("step %d (on step %d; wizard shows:\n%s)", n, w.Step, wizText(w)), func() bool { return w.Step == n })
}
