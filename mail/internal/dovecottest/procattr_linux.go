package dovecottest

import "syscall"

// procAttr makes Dovecot's master exit with the test process, even when that one is killed.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
