package main

import (
	"context"
	"errors"
)

// runDoctor is not implemented yet; its issue replaces this file.
func runDoctor(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
