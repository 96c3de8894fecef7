// Package clocale keeps Fyne quiet under the C locale. Debian's default LANG=C.UTF-8 makes
// Fyne's lang package log "Error parsing user locale C" when it initialises, before main
// runs, on every command-line call. This package's init rewrites a "C.<charset>" or
// "POSIX.<charset>" locale variable to plain "C", which Fyne (through go-locale) reads as
// "no locale" and the C library treats the same way.
//
// It must initialise before fyne.io/fyne/v2/lang: the Go specification initialises, among
// the packages whose imports are ready, the one whose import path sorts first, and this
// package imports only os and strings, so "comptoir/…" comes before "fyne.io/…". The main
// package imports it for that side effect alone.
package clocale

import (
	"os"
	"strings"
)

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.") {
			_ = os.Setenv(name, "C")
		}
		return // the first variable set is the one in effect
	}
}
