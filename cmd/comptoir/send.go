package main

import (
	"context"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"comptoir/mail/msg"
)

// listFlag collects a repeated flag (--to a --to b, or --to a,b).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// runSend sends one message: `comptoir send --bal ADDR --to … --subject … [--attach FILE]`,
// with the card, or with `--app-cert FILE.p12` from an APP BAL (see appcert.go).
func runSend(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var to, cc, attach listFlag
	bal := fs.String("bal", "", "adresse de la BAL qui envoie (son nom affiché suit la règle ECO.2.2.7)")
	fs.Var(&to, "to", "destinataire (répétable)")
	fs.Var(&cc, "cc", "copie (répétable)")
	subject := fs.String("subject", "", "objet")
	text := fs.String("text", "", "texte du message")
	textFile := fs.String("text-file", "", "fichier contenant le texte du message")
	fs.Var(&attach, "attach", "pièce jointe (répétable)")
	dsn := fs.Bool("dsn", false, "demander un accusé de remise (DSN)")
	mdn := fs.Bool("mdn", false, "demander un accusé de lecture")
	confirm := fs.Bool("confirmer", false, "envoyer malgré les avertissements (destinataires hors espace de confiance…)")
	c := addCardFlags(fs)
	ac := addAppCertFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *bal == "" || len(to) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: --bal et --to sont obligatoires", errUsage)
	}
	d := msg.Draft{From: msg.Address{Email: *bal}, Subject: *subject, Text: *text,
		RequestDSN: *dsn, RequestMDN: *mdn}
	for _, a := range to {
		d.To = append(d.To, msg.Address{Email: a})
	}
	for _, a := range cc {
		d.Cc = append(d.Cc, msg.Address{Email: a})
	}
	if *textFile != "" {
		b, err := os.ReadFile(*textFile)
		if err != nil {
			return fmt.Errorf("texte illisible : %w", err)
		}
		d.Text = string(b)
	}
	for _, path := range attach {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("pièce jointe illisible : %w", err)
		}
		ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(path)))
		if ct == "" {
			ct = "application/octet-stream"
		}
		d.Attachments = append(d.Attachments, msg.Attachment{Name: filepath.Base(path), ContentType: ct, Data: b})
	}
	s, err := openSession(ctx, env, c, ac, *bal)
	if err != nil {
		return err
	}
	built, err := s.Prepare(d)
	if err != nil {
		s.Close()
		return fmt.Errorf("message non conforme : %s", msg.UserMessage(err))
	}
	blocking := false
	for _, w := range built.Warnings {
		fmt.Fprintf(env.stderr, "Attention : %s\n", w.Message)
		// Without a trust-space list the warning is informative; the others need consent.
		blocking = blocking || w.Kind != msg.WarnNoTrustList
	}
	if blocking && !*confirm {
		s.Close()
		return fmt.Errorf("%w: message non envoyé ; relancez avec --confirmer pour l'envoyer quand même", errUsage)
	}
	done := make(chan struct{})
	go printEvents(env.stdout, s.Events(), done)
	if _, err := s.Engine().QueueBuilt(*bal, built); err != nil {
		s.Close()
		<-done
		return fmt.Errorf("mise en boîte d'envoi : %w", err)
	}
	err = s.FlushOnce(ctx, *bal)
	cerr := s.Close()
	<-done
	if err != nil {
		return fmt.Errorf("le message reste dans la boîte d'envoi et partira à la prochaine connexion : %w", err)
	}
	return cerr
}
