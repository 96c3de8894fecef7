package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"comptoir/cps"
	"comptoir/mail"
	"comptoir/store"

	"golang.org/x/term"
)

// mailOptions are the flags shared by `sync` and `send`.
type mailOptions struct {
	config, module, reader string
}

func addMailFlags(fs *flag.FlagSet) *mailOptions {
	o := &mailOptions{}
	fs.StringVar(&o.config, "config", "", "fichier de configuration (défaut : config.json du dossier de configuration)")
	fs.StringVar(&o.module, "module", "", "bibliothèque PKCS#11 de la carte (défaut : Cryptolib CPS)")
	fs.StringVar(&o.reader, "lecteur", "", "libellé de la carte à utiliser (défaut : la première insérée)")
	return o
}

// mailSession is an opened card, its cache and the mail engine of one CLI run.
type mailSession struct {
	card   *cps.Card
	store  *store.Store
	engine *mail.Engine
}

func (s *mailSession) close() {
	s.engine.Stop()
	s.store.Close()
	if s.card != nil { // nil for an APP BAL opened with an organisation certificate
		s.card.Close()
	}
}

// configFile is the part of config.json the CLI reads.
type configFile struct {
	Operator mail.OperatorConfig `json:"operator"`
	Module   string              `json:"pkcs11_module"`
}

func readConfigFile(p string) (configFile, error) {
	var c configFile
	path, err := configPath(p)
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("configuration illisible (%s) : %w", path, err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("configuration invalide (%s) : %w", path, err)
	}
	return c, nil
}

// resolveOperator reads the configuration and resolves its operator (servers, trust store).
func resolveOperator(ctx context.Context, configPath string) (configFile, mail.Operator, error) {
	cfg, err := readConfigFile(configPath)
	if err != nil {
		return cfg, mail.Operator{}, err
	}
	op, err := cfg.Operator.Resolve(ctx, net.DefaultResolver)
	if err != nil {
		return cfg, op, fmt.Errorf("opérateur introuvable ou magasin de confiance absent : %w", err)
	}
	return cfg, op, nil
}

// openMailSession reads the configuration, asks for the PIN, logs in to the card, opens the
// cache and prepares the engine for bals.
func openMailSession(ctx context.Context, env *cliEnv, o *mailOptions, bals []string) (*mailSession, error) {
	cfg, op, err := resolveOperator(ctx, o.config)
	if err != nil {
		return nil, err
	}
	card, err := loginCard(ctx, env, o, cfg)
	if err != nil {
		return nil, err
	}
	id := card.Identity()
	tlsCert := card.TLSCertificate()
	signer, ok := tlsCert.PrivateKey.(crypto.Signer)
	if !ok {
		card.Close()
		return nil, errors.New("la carte n'offre pas de clé d'authentification")
	}
	cachePath, err := store.PathFor(id.NationalID)
	if err != nil {
		card.Close()
		return nil, err
	}
	st, err := store.Open(cachePath, signer, store.Options{})
	if err != nil {
		card.Close()
		if errors.Is(err, store.ErrLocked) {
			return nil, errors.New("le cache est utilisé par un autre Comptoir ouvert avec cette carte")
		}
		return nil, fmt.Errorf("ouverture du cache : %w", err)
	}
	e := mail.NewEngine(mail.EngineConfig{
		Operator: op, Cert: tlsCert, MaxTLS: card.MaxTLSVersion(),
		Author: fmt.Sprintf("%s (%s)", id.FullName(), id.NationalID),
		Store:  st, BALs: bals, NIL: "Comptoir/" + version,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return &mailSession{card: card, store: st, engine: e}, nil
}

// readPIN reads the PIN without echo from a terminal, else one line of stdin (scripts).
func readPIN(env *cliEnv) ([]byte, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return term.ReadPassword(int(f.Fd()))
	}
	line, err := bufio.NewReader(env.stdin).ReadBytes('\n')
	if err != nil && (err != io.EOF || len(line) == 0) {
		return nil, err
	}
	pin := []byte(strings.TrimRight(string(line), "\r\n"))
	clear(line)
	return pin, nil
}

// printEvents prints the engine's events in French until the channel closes.
func printEvents(w io.Writer, events <-chan mail.Event, done chan<- struct{}) {
	defer close(done)
	last := map[string]int{}
	for ev := range events {
		switch e := ev.(type) {
		case mail.Online:
			fmt.Fprintf(w, "Connecté : %s\n", e.BAL)
		case mail.Offline:
			fmt.Fprintf(w, "Hors ligne (%s) : %v\n", e.BAL, e.Err)
		case mail.Progress:
			// One line per tenth, not per batch.
			if step := max(e.Total/10, 1); e.Done == e.Total || e.Done/step != last[e.Folder]/step {
				fmt.Fprintf(w, "%s : %d/%d messages\n", e.Folder, e.Done, e.Total)
			}
			last[e.Folder] = e.Done
		case mail.NewMail:
			fmt.Fprintf(w, "%s : %d nouveau(x) message(s)\n", e.Folder, len(e.UIDs))
		case mail.Submitted:
			fmt.Fprintf(w, "Message <%s> accepté par le serveur\n", e.MessageID)
		case mail.Sent:
			fmt.Fprintf(w, "Message <%s> envoyé et classé dans « Envoyés »\n", e.MessageID)
		case mail.SendFailed:
			fmt.Fprintf(w, "Message <%s> refusé : %v\n", e.MessageID, e.Err)
		case mail.OutboxCount:
			if e.N > 0 {
				fmt.Fprintf(w, "Boîte d'envoi : %d message(s) en attente\n", e.N)
			}
		}
	}
}
