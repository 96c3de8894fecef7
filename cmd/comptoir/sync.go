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
	o := addMailFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *bal == "" {
		fs.Usage()
		return fmt.Errorf("%w: --bal est obligatoire", errUsage)
	}
	s, err := openMailSession(ctx, env, o, []string{*bal})
	if err != nil {
		return err
	}
	defer s.close()
	done := make(chan struct{})
	go printEvents(env.stdout, s.engine.Events(), done)
	start := time.Now()
	if !*once {
		fmt.Fprintln(env.stdout, "Synchronisation continue (Ctrl+C pour arrêter)")
		s.engine.Start(ctx)
		<-ctx.Done()
		s.engine.Stop()
		<-done
		return nil
	}
	err = s.engine.SyncOnce(ctx, *bal)
	s.engine.Stop()
	<-done
	if err != nil {
		return fmt.Errorf("synchronisation de %s : %w", *bal, err)
	}
	folders, err := s.store.Folders(*bal)
	if err != nil {
		return err
	}
	total := 0
	for _, f := range folders {
		n, _, err := s.store.Counts(*bal, f.Name)
		if err != nil {
			return err
		}
		total += n
	}
	fmt.Fprintf(env.stdout, "Synchronisation terminée en %.1f s : %d messages dans %d dossiers\n",
		time.Since(start).Seconds(), total, len(folders))
	return nil
}
