//go:build !demo

package main

import (
	"context"
	"flag"
	"log/slog"

	"comptoir/app"
)

// demoOptions: a release build has no demo mode and no tours (build with -tags demo for
// them); it links neither the sandbox operator nor the test cards.
type demoOptions struct{}

func addDemoFlags(*flag.FlagSet) *demoOptions { return &demoOptions{} }

func (*demoOptions) enabled() bool { return false }

func (*demoOptions) check() error { return nil }

func (*demoOptions) deps(context.Context, *slog.Logger) (app.Deps, func(), error) {
	return app.Deps{}, func() {}, nil
}

func (*demoOptions) start(context.Context, *app.UI, app.Deps, *cliEnv, context.CancelFunc) {}
