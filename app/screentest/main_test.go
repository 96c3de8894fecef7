package screentest

import (
	"fmt"
	"os"
	"testing"

	"comptoir/app/apptest"
)

func TestMain(m *testing.M) {
	if err := apptest.WarmPDFium(); err != nil { // the preview tests render in this process
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
