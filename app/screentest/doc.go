// Package screentest holds Comptoir's screen tests: the UI of package app on an in-memory
// session (app/apptest/memsession), driven headless like a calculator — tap or type into
// the named widgets, press keys and shortcuts through the test canvas, assert what is
// displayed. No card, no cache, no operator: each test runs in milliseconds. The end-to-end
// layer, on SoftHSM cards and the sandbox operator, is app/demo's tests.
package screentest
