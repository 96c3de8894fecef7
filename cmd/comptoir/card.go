package main

import (
	"context"
	"errors"
)

// runCard is not implemented yet; its issue replaces this file.
func runCard(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
