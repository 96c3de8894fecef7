package main

import (
	"context"
	"errors"
)

// runSend is not implemented yet; its issue replaces this file.
func runSend(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("pas encore disponible dans cette version")
}
