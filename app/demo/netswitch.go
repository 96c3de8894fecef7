package demo

import (
	"fmt"
	"io"
	"net"
	"sync"
)

// NetSwitch is a loopback TCP relay to one address that can cut the network: Set(false)
// drops every relayed connection and refuses new ones until Set(true). The demo's "Couper
// le réseau" and the offline tests put it between the engine and the operator.
type NetSwitch struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	up    bool
	hole  bool // a black hole: connections are accepted and never answered
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewNetSwitch listens on a loopback port and relays to target; the network starts up.
func NewNetSwitch(target string) (*NetSwitch, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: netswitch listen: %w", err)
	}
	s := &NetSwitch{ln: ln, target: target, up: true, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is the address to dial instead of the target.
func (s *NetSwitch) Addr() string { return s.ln.Addr().String() }

// Up reports whether the network is up.
func (s *NetSwitch) Up() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up
}

// Set cuts (false) or restores (true) the network.
func (s *NetSwitch) Set(up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.up, s.hole = up, false
	if !up {
		for c := range s.conns {
			c.Close()
		}
	}
}

// BlackHole makes the operator unreachable the worst way: connections are accepted and then
// nothing ever comes back (packets dropped, not refused), until Set.
func (s *NetSwitch) BlackHole() {
	s.Set(false)
	s.mu.Lock()
	s.hole = true
	s.mu.Unlock()
}

// Close stops relaying.
func (s *NetSwitch) Close() error {
	err := s.ln.Close()
	s.Set(false)
	s.wg.Wait()
	return err
}

func (s *NetSwitch) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		up, hole := s.up, s.hole
		if hole {
			s.conns[c] = struct{}{} // held, silent, closed by the next Set
		}
		s.mu.Unlock()
		if !up {
			if !hole {
				c.Close()
			}
			continue
		}
		s.wg.Add(1)
		go s.relay(c)
	}
}

func (s *NetSwitch) track(c net.Conn, on bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		if !s.up {
			return false
		}
		s.conns[c] = struct{}{}
		return true
	}
	delete(s.conns, c)
	return true
}

func (s *NetSwitch) relay(in net.Conn) {
	defer s.wg.Done()
	defer in.Close()
	out, err := net.Dial("tcp", s.target)
	if err != nil {
		return
	}
	defer out.Close()
	if !s.track(in, true) || !s.track(out, true) {
		return
	}
	defer s.track(in, false)
	defer s.track(out, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src) // ends on EOF or on a cut: both sides close
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(out, in)
	go pipe(in, out)
	<-done
	<-done
}
