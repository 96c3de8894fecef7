package main

import (
	"context"
	"errors"
)

// runBAL is not implemented yet; its issue replaces this file.
func runBAL(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
