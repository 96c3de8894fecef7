package main

import (
	"context"
	"errors"
)

// runSync is not implemented yet; its issue replaces this file.
func runSync(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
