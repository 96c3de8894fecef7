//go:build demo

package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"comptoir/app"
)

// demoOptions are the flags of a demo build: -demo (the embedded sandbox operator and test
// cards), the screenshot tour and the memory tour.
type demoOptions struct {
	demo, tour, measure, launch, blackHole *bool
	signDelay                              *time.Duration
}

func addDemoFlags(fs *flag.FlagSet) *demoOptions {
	return &demoOptions{
		demo:      fs.Bool("demo", false, "mode démonstration : opérateur bac à sable et cartes de test"),
		tour:      fs.Bool("demo-tour", false, "avec -demo : parcourt les écrans, un par ligne lue sur l'entrée standard (captures d'écran)"),
		measure:   fs.Bool("measure-tour", false, "usage interne : ouvre une boîte suivant l'entrée standard (mesure de la mémoire)"),
		launch:    fs.Bool("launch-tour", false, "avec -demo : se connecte avec la carte de test et s'arrête dès que la boîte de réception est affichée (mesure du lancement)"),
		blackHole: fs.Bool("demo-blackhole", false, "avec -demo : l'opérateur est injoignable, paquets perdus"),
		signDelay: fs.Duration("demo-sign-delay", 0, "avec -demo : durée de chaque signature de la carte de test (une vraie carte : 0,1 à 0,5 s)"),
	}
}

func (d *demoOptions) enabled() bool { return *d.demo }

func (d *demoOptions) check() error {
	if (*d.tour || *d.blackHole || *d.signDelay != 0) && !*d.demo {
		return fmt.Errorf("%w: -demo-tour, -demo-blackhole et -demo-sign-delay demandent -demo", errUsage)
	}
	if *d.measure && (*d.demo || *d.tour) {
		return fmt.Errorf("%w: -measure-tour s'utilise sans -demo", errUsage)
	}
	return nil
}

func (d *demoOptions) deps(ctx context.Context, log *slog.Logger) (app.Deps, func(), error) {
	return demoDeps(ctx, log, *d.signDelay, *d.blackHole)
}

// start launches the tour asked for; its end cancels ctx, which quits the app.
func (d *demoOptions) start(ctx context.Context, u *app.UI, deps app.Deps, env *cliEnv, cancel context.CancelFunc) {
	switch {
	case *d.tour:
		go func() {
			if err := runTour(ctx, u, deps.Demo, env); err != nil {
				fmt.Fprintf(env.stderr, "comptoir: parcours : %v\n", err)
			}
			cancel()
		}()
	case *d.launch:
		go func() {
			if err := runLaunchTour(ctx, u, deps.Demo, env); err != nil {
				fmt.Fprintf(env.stderr, "comptoir: lancement : %v\n", err)
			}
			cancel()
		}()
	case *d.measure:
		go func() {
			if err := runMeasureTour(ctx, u, env); err != nil {
				fmt.Fprintf(env.stderr, "comptoir: mesure : %v\n", err)
			}
			cancel()
		}()
	}
}
