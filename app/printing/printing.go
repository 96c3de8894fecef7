// Package printing sends a document to one of the workstation's printers: through CUPS
// (lpstat to list the printers, lp to submit) on Linux and macOS, through the shell's print
// verbs on Windows (the application registered for the file's type prints it). It knows
// nothing of what it prints: the caller writes the file and decides which kinds may be
// printed.
package printing

import (
	"context"
	"errors"
)

// Printer is one printer the workstation can print to.
type Printer struct {
	Name    string
	Default bool // the system's default destination
}

// Job is a submitted print job.
type Job struct {
	Printer string
	ID      string // the spooler's job id ("Accueil-12"); "" when the system gives none
}

// System lists the printers and submits files. Default() is the workstation's.
type System interface {
	// Printers lists the printers accepting jobs, the default one first.
	Printers(ctx context.Context) ([]Printer, error)
	// Print submits the file at path to printer ("" for the default one). title names the
	// job in the queue, which other users of the print server may see: callers pass a
	// neutral one.
	Print(ctx context.Context, path, printer, title string) (Job, error)
}

// Errors callers act on; UserMessage gives the French sentence.
var (
	// ErrNoPrintSystem: no printing system on this workstation (CUPS not installed).
	ErrNoPrintSystem = errors.New("printing: no printing system (CUPS lp/lpstat not found)")
	// ErrNotRunning: the printing system is installed but its service does not answer.
	ErrNotRunning = errors.New("printing: the print service is not running")
	// ErrNoPrinter: no printer is configured (or the one asked for does not exist).
	ErrNoPrinter = errors.New("printing: no such printer")
	// ErrNoApplication: no application of the workstation prints this kind of file (Windows).
	ErrNoApplication = errors.New("printing: no application prints this kind of file")
)

// UserMessage is the French sentence for err ("" when it is not one of ours).
func UserMessage(err error) string {
	switch {
	case errors.Is(err, ErrNoPrintSystem):
		return "Impression impossible : aucun système d'impression n'est installé sur ce poste (CUPS). Installez-le ou enregistrez le document pour l'imprimer depuis un autre logiciel."
	case errors.Is(err, ErrNotRunning):
		return "Impression impossible : le service d'impression du poste ne répond pas. Redémarrez-le ou appelez votre prestataire informatique."
	case errors.Is(err, ErrNoPrinter):
		return "Impression impossible : aucune imprimante n'est configurée sur ce poste, ou l'imprimante choisie n'existe plus."
	case errors.Is(err, ErrNoApplication):
		return "Impression impossible : aucune application de ce poste n'imprime ce type de document. Enregistrez-le puis imprimez-le depuis le logiciel qui l'ouvre."
	case err != nil:
		return ""
	}
	return ""
}
