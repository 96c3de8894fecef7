package main

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// blackHole is an address whose packets are dropped: a connection to it neither opens nor
// is refused, as with an operator behind a firewall that drops, or a network gone dead
// (unroutable addresses are refused at once on the test machines, and a firewall rule
// needs root). It is a loopback socket listening with a backlog of zero and never
// accepting: once one connection waits in its queue, Linux drops every further SYN, and a
// client's connect hangs until its own deadline.
func blackHole(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	filler, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("black hole: the connection that fills the queue: %v", err)
	}
	t.Cleanup(func() { filler.Close() })
	// Proof that it drops: a second connection neither opens nor is refused.
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Fatal("black hole: a connection opened")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("black hole: %v, want a timeout (packets dropped)", err)
	}
	return addr
}
