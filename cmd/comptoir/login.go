package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"comptoir/app/config"
	"comptoir/cps"
)

// cardFlags choose the card module and the card: the flags every command that logs in
// shares. The PIN is never one of them.
type cardFlags struct {
	config, module, label string
	slot                  int
}

func addCardFlags(fs *flag.FlagSet) *cardFlags {
	c := &cardFlags{}
	fs.StringVar(&c.config, "config", "", "fichier de configuration (défaut : config.json du dossier de configuration)")
	fs.StringVar(&c.module, "module", "", "bibliothèque PKCS#11 de la carte (défaut : configuration, puis Cryptolib CPS)")
	fs.StringVar(&c.label, "label", "", "carte à utiliser, par son nom, quand plusieurs cartes sont insérées")
	fs.StringVar(&c.label, "lecteur", "", "synonyme de --label")
	fs.IntVar(&c.slot, "slot", -1, "lecteur (numéro affiché par « comptoir card ») quand plusieurs cartes sont insérées")
	return c
}

// loadConfig reads the layered configuration (app/config): the workstation's machine file
// under the user's config.json, or under --config. It returns the user file's path, for
// messages.
func loadConfig(flagPath string) (config.Config, string, error) {
	files, err := configFiles(flagPath)
	if err != nil {
		return config.Config{}, "", fmt.Errorf("dossier de configuration : %w", err)
	}
	c, err := files.Load()
	if err != nil {
		if m := config.UserMessage(err); m != "" {
			return c, files.User, errors.New(m)
		}
		return c, files.User, fmt.Errorf("configuration illisible (%s) : %w", files.User, err)
	}
	return c, files.User, nil
}

// configFiles are the layers of config.json: the workstation's machine file under the
// user's, or under --config.
func configFiles(flagPath string) (config.Files, error) {
	if flagPath != "" {
		return config.Files{Machine: config.MachinePath(), User: flagPath}, nil
	}
	return config.Default()
}

// openModule finds and loads the PKCS#11 module: --module, else the configuration's, else
// the ANS Cryptolib or p11-kit.
func (c *cardFlags) openModule() (*cps.Module, error) {
	configured := c.module
	if configured == "" {
		if cfg, _, err := loadConfig(c.config); err == nil {
			configured = cfg.Module
		}
	}
	path, err := cps.FindModule(configured)
	if err != nil {
		return nil, cardError(err)
	}
	m, err := cps.Open(path)
	if err != nil {
		return nil, fmt.Errorf("le module de carte %s n'a pas pu être chargé : %w", path, err)
	}
	return m, nil
}

// login is the command line's one card login: the module, the card (by slot, by label, or the
// only one inserted), the PIN read from the terminal without echo (or one line of stdin for
// scripts), one C_Login. Errors are the card layer's French messages.
func (c *cardFlags) login(ctx context.Context, env *cliEnv) (*cps.Card, error) {
	m, err := c.openModule()
	if err != nil {
		return nil, err
	}
	r, err := pickCard(ctx, m, c.slot, c.label)
	if err != nil {
		return nil, err
	}
	pin, err := readSecret(env, fmt.Sprintf("Code PIN de la carte « %s » : ", r.Label))
	if err != nil {
		return nil, fmt.Errorf("lecture du code PIN : %w", err)
	}
	card, err := m.Login(ctx, r.Slot, pin)
	clear(pin)
	if err != nil {
		return nil, cardError(err)
	}
	return card, nil
}

// pickCard chooses the card to log in to: by slot, by label, or the only one present.
func pickCard(ctx context.Context, m *cps.Module, slot int, label string) (cps.Reader, error) {
	readers, err := m.Readers(ctx)
	if err != nil {
		return cps.Reader{}, cardError(err)
	}
	var present []cps.Reader
	for _, r := range readers {
		if !r.CardPresent {
			continue
		}
		if (slot >= 0 && r.Slot == uint(slot)) || (label != "" && r.Label == label) {
			return r, nil
		}
		present = append(present, r)
	}
	switch {
	case slot >= 0 || label != "":
		return cps.Reader{}, errors.New("aucune carte dans ce lecteur : vérifiez avec « comptoir card »")
	case len(present) == 0:
		return cps.Reader{}, errors.New("aucune carte insérée : insérez votre carte CPS dans le lecteur")
	case len(present) > 1:
		var names []string
		for _, r := range present {
			names = append(names, fmt.Sprintf("[%d] %s", r.Slot, r.Label))
		}
		return cps.Reader{}, fmt.Errorf("%w: plusieurs cartes insérées (%s) : précisez --slot ou --label", errUsage, strings.Join(names, ", "))
	}
	return present[0], nil
}

// readSecret reads a PIN or a password without echo from the terminal, or one line from
// stdin when it is not a terminal (scripts, tests). Never from arguments or the environment.
func readSecret(env *cliEnv, prompt string) ([]byte, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.stderr, prompt)
		s, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		return s, err
	}
	line, err := bufio.NewReaderSize(env.stdin, 256).ReadSlice('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, errors.New("une ligne est attendue sur l'entrée standard")
	}
	s := []byte(strings.TrimRight(string(line), "\r\n"))
	clear(line)
	if len(s) == 0 {
		return nil, errors.New("saisie vide")
	}
	return s, nil
}

// cardError is the card layer's French message for err (cps.UserMessage), else err itself.
func cardError(err error) error {
	if m := cps.UserMessage(err); m != "" {
		// After "comptoir card : ", the sentence goes on in lower case.
		r, n := utf8.DecodeRuneInString(m)
		return errors.New(string(unicode.ToLower(r)) + strings.TrimSuffix(m[n:], "."))
	}
	return fmt.Errorf("erreur de carte : %w", err)
}
