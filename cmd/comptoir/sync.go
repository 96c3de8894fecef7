package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

// runSync synchronises one BAL: `comptoir sync --bal ADDR [--once]`.
func runSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	bal := fs.String("bal", "", "adresse de la boîte aux lettres (BAL)")
	once := fs.Bool("once", false, "une seule synchronisation, puis quitter")
	c := addCardFlags(fs)
	ac := addAppCertFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *bal == "" {
		fs.Usage()
		return fmt.Errorf("%w: --bal est obligatoire", errUsage)
	}
	s, err := openSession(ctx, env, c, ac, *bal)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go printEvents(env.stdout, s.Events(), done)
	start := time.Now()
	if !*once {
		fmt.Fprintln(env.stdout, "Synchronisation continue (Ctrl+C pour arrêter)")
		s.Start()
		<-ctx.Done()
		err := s.Close()
		<-done
		return err
	}
	err = s.SyncOnce(ctx, *bal)
	st := s.Store()
	total, folders := 0, 0
	if err == nil {
		fs, ferr := st.Folders(*bal)
		for _, f := range fs {
			n, _, cerr := st.Counts(*bal, f.Name)
			if cerr == nil {
				total += n
			}
		}
		folders, err = len(fs), ferr
	}
	cerr := s.Close()
	<-done
	if err != nil {
		return fmt.Errorf("synchronisation de %s : %w", *bal, err)
	}
	fmt.Fprintf(env.stdout, "Synchronisation terminée en %.1f s : %d messages dans %d dossiers\n",
		time.Since(start).Seconds(), total, folders)
	return cerr
}
