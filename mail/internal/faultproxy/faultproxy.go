// Package faultproxy is a loopback TCP proxy in front of a real server that can cut the
// connection after a given number of bytes from the server: a network loss in mid-transfer.
package faultproxy

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards every accepted connection to Target.
type Proxy struct {
	Addr   string
	target string
	l      net.Listener

	cutAfter atomic.Int64 // bytes server→client before the next connection is cut; 0: never
	cuts     atomic.Int64
	held     atomic.Bool // client→server data is held back: the server stops hearing the client

	mu    sync.Mutex
	conns []net.Conn
}

// Start listens on a loopback port and forwards to target.
func Start(target string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, l: l}
	go p.accept()
	return p, nil
}

// CutNextAfter makes the next connection drop after n bytes came from the server.
func (p *Proxy) CutNextAfter(n int64) { p.cutAfter.Store(n) }

// Hold stops forwarding what clients send (their commands hang, connections stay open).
func (p *Proxy) Hold() { p.held.Store(true) }

// Cuts returns how many connections were cut.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

// Close stops listening and closes every connection.
func (p *Proxy) Close() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.serve(c, p.cutAfter.Swap(0))
	}
}

func (p *Proxy) serve(client net.Conn, cutAfter int64) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				for p.held.Load() {
					time.Sleep(10 * time.Millisecond)
				}
				if _, werr := server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		server.Close()
	}()
	if cutAfter > 0 {
		_, _ = io.CopyN(client, server, cutAfter)
		p.cuts.Add(1)
	} else {
		_, _ = io.Copy(client, server)
	}
	client.Close()
	server.Close()
}
