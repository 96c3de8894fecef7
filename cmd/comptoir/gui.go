package main

import (
	"context"
	"flag"
	"fmt"

	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// runGUI starts the graphical client. The screens live in package app; this file only
// creates the Fyne application (the one place that imports fyne.io/fyne/v2/app).
func runGUI(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("comptoir", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	demo := fs.Bool("demo", false, "mode démonstration : opérateur bac à sable et cartes de test")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	a := fyneapp.NewWithID("fr.comptoir.mssante")
	w := a.NewWindow("Comptoir")
	text := "Comptoir — messagerie sécurisée de santé"
	if *demo {
		text += " (mode démonstration)"
	}
	w.SetContent(widget.NewLabel(text))
	w.ShowAndRun()
	return nil
}
