//go:build !linux

package store

import "fmt"

// The crash and disk-full tests need Linux (SIGKILL semantics, mount namespaces).
func crashChild() int    { fmt.Println("error: crash child needs Linux"); return 1 }
func diskFullChild() int { fmt.Println("error: disk-full child needs Linux"); return 1 }
