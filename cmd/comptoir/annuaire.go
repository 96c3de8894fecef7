package main

import (
	"context"
	"errors"
)

// runAnnuaire is not implemented yet; its issue replaces this file.
func runAnnuaire(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
