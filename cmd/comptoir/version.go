package main

import (
	"context"
	"fmt"
)

// version is set at build time: -ldflags "-X main.version=…" (see the Makefile).
var version = "dev"

func runVersion(ctx context.Context, env *cliEnv, args []string) error {
	_, err := fmt.Fprintf(env.stdout, "Comptoir %s\n", version)
	return err
}
