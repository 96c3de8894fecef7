// Command comptoir is the MSSanté desktop client for pharmacies.
//
// Without arguments it starts the graphical client; "comptoir -demo" starts it on the
// embedded sandbox operator with test cards. Sub-commands serve support staff and scripts:
//
//	comptoir card [info] [--json]   readers, cards, and the holder's identity
//	comptoir doctor                 checks the card module, card and operator
//	comptoir sync --bal ADDR --once synchronises one mailbox
//	comptoir send --bal ADDR ...    sends one message
//	comptoir bal create ...         creates a mailbox (BAL)
//	comptoir annuaire import|search the Annuaire Santé directory
//	comptoir document [--json] F    patient, documents and checks of an .eml, IHE_XDM.ZIP or CDA
//	comptoir version                prints the version
//
// This package is the only importer of fyne.io/fyne/v2/app.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	_ "comptoir/cmd/comptoir/internal/clocale" // before Fyne initialises: no locale error under C.UTF-8
)

// command is one sub-command: it receives its own arguments and the standard streams.
type command struct {
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process's streams so commands stay testable.
type cliEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// errUsage marks an error caused by wrong arguments (exit code 2).
var errUsage = errors.New("usage")

func commands() map[string]command {
	return map[string]command{
		"card":     {"lecteurs, carte et identité du porteur", runCard},
		"doctor":   {"diagnostic du poste (module, carte, opérateur)", runDoctor},
		"sync":     {"synchronise une boîte aux lettres", runSync},
		"send":     {"envoie un message", runSend},
		"bal":      {"crée une boîte aux lettres (BAL)", runBAL},
		"annuaire": {"importe ou interroge l'Annuaire Santé", runAnnuaire},
		"document": {"décrit un message .eml, une archive IHE_XDM.ZIP ou un CDA", runDocument},
		"version":  {"affiche la version", runVersion},
		"config":   {"", runConfig}, // hidden: the installer's (comptoir config machine)
	}
}

func main() {
	// SIGTERM: the session's end or a service manager; the GUI then quits as on Ctrl-C.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := runGUI(ctx, env, args); err != nil {
			fmt.Fprintf(env.stderr, "comptoir: %v\n", err)
			return 1
		}
		return 0
	}
	cmds := commands()
	name := args[0]
	if name == "help" || name == "aide" {
		usage(env.stdout, cmds)
		return 0
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(env.stderr, "comptoir : commande inconnue « %s »\n", name)
		usage(env.stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, env, args[1:]); err != nil {
		fmt.Fprintf(env.stderr, "comptoir %s : %v\n", name, err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Utilisation : comptoir [-demo]            lance l'application")
	fmt.Fprintln(w, "              comptoir COMMANDE [options]")
	fmt.Fprintln(w, "Commandes :")
	for _, n := range names {
		if cmds[n].summary == "" {
			continue // hidden
		}
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}
