// Package app is the Fyne user interface of Comptoir, in French. It takes a fyne.App and
// never imports fyne.io/fyne/v2/app nor dials the network itself: it drives cps, mail and store.
package app
