// Package store is the local cache of Comptoir on bbolt, encrypted with a key only the card unlocks.
package store
