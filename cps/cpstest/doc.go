// Package cpstest provides a test IGC-Santé PKI and test CPS cards on SoftHSM2, for tests,
// demo mode and the sandbox operator. Production code never imports it.
package cpstest
