//go:build !linux

package dovecottest

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
