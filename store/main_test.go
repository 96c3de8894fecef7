package store

import (
	"log/slog"
	"os"
	"testing"
)

// childEnv selects a child mode: the test binary re-executes itself to be killed (crash
// test) or to run inside its own mount namespace (disk-full test).
const childEnv = "COMPTOIR_STORE_CHILD"

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler)) // Open logs set-asides and migrations
	switch os.Getenv(childEnv) {
	case "crash":
		os.Exit(crashChild())
	case "diskfull":
		os.Exit(diskFullChild())
	}
	code := m.Run()
	runAfterTests()
	benchSummary(os.Stdout)
	bench.cleanup()
	os.Exit(code)
}
