package store

import "sync"

var (
	afterTestsMu sync.Mutex
	afterTests   []func()
)

// CleanupAfterTests registers fn to run once every test of the binary has run: for
// fixtures the external tests share across tests, such as the SoftHSM token directory
// (one SoftHSM configuration per process).
func CleanupAfterTests(fn func()) {
	afterTestsMu.Lock()
	defer afterTestsMu.Unlock()
	afterTests = append(afterTests, fn)
}

func runAfterTests() {
	afterTestsMu.Lock()
	defer afterTestsMu.Unlock()
	for _, fn := range afterTests {
		fn()
	}
}
