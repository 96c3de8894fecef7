// Command mss-sandbox runs the local MSSanté sandbox operator (IMAP, SMTP submission,
// provisioning API) on loopback for demos and tests.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "mss-sandbox: not implemented yet")
	os.Exit(1)
}
