//go:build !windows && !darwin

package app

// markOfTheWeb has nothing to write here: Linux desktops have no mark that viewers honour
// for a file an application writes.
func markOfTheWeb(string) error { return nil }
