package pdfview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Defaults of Subprocess's zero fields.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultStartTimeout = 10 * time.Minute // a cold cache compiles PDFium: minutes on a slow machine
	DefaultSpareIdle    = 10 * time.Minute
)

// Subprocess renders in child processes (the application's own executable started with
// Args, which calls Serve) instead of this one: PDFium's memory is given back as soon as the
// page is drawn, and an untrusted document is parsed outside the process that holds the card
// session, under the child's own memory and CPU limits. Each child renders one document.
//
// A spare child is kept ready (PDFium loaded, no document seen) so that a preview costs a
// render, not a start: Warm starts it, each render starts the next, and it stops after
// SpareIdle unused. Use a *Subprocess; its zero fields take the defaults above.
type Subprocess struct {
	Exe  string   // the executable, usually os.Executable()
	Args []string // arguments that make it call Serve
	// Timeout bounds a render from the moment the document is handed over.
	Timeout time.Duration
	// StartTimeout bounds a child's start (loading, or compiling, PDFium).
	StartTimeout time.Duration
	// SpareIdle is how long a spare child waits for a document before it is stopped.
	SpareIdle time.Duration
	// DocumentIdle is how long a Document's child waits for another page before it is
	// stopped.
	DocumentIdle time.Duration
	// OnRender, when set, is called with the process id of each child handed a document
	// (tests use it to check that a cancelled render's process is gone).
	OnRender func(pid int)
	// OnExit, when set, is called with the process id of each child once it is killed and
	// reaped (tests wait on it instead of polling the process table).
	OnExit func(pid int)

	mu     sync.Mutex
	spare  *child
	closed bool
}

// child is one renderer process.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	errb  *headBuffer
	ready chan struct{} // closed once READY was read, or the start failed (err)
	err   error
	idle  *time.Timer
	once  sync.Once
	exit  func(pid int) // Subprocess.OnExit
}

func (s *Subprocess) timeout() time.Duration { return orDefault(s.Timeout, DefaultTimeout) }
func (s *Subprocess) startTimeout() time.Duration {
	return orDefault(s.StartTimeout, DefaultStartTimeout)
}
func (s *Subprocess) spareIdle() time.Duration { return orDefault(s.SpareIdle, DefaultSpareIdle) }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// start launches a child; its READY line is awaited in the background.
func (s *Subprocess) start() (*child, error) {
	cmd := exec.Command(s.Exe, s.Args...)
	c := &child{cmd: cmd, errb: &headBuffer{max: 512}, ready: make(chan struct{}), exit: s.OnExit}
	cmd.Stderr = c.errb
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("pdfview: renderer process: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("pdfview: renderer process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pdfview: renderer process: %w", err)
	}
	c.in, c.out = in, bufio.NewReaderSize(out, 64<<10)
	go func() {
		line, err := c.out.ReadString('\n')
		if err != nil || line != readyLine {
			c.err = fmt.Errorf("pdfview: renderer process did not start: %q", strings.TrimSpace(line))
		}
		close(c.ready)
	}()
	return c, nil
}

// stop kills the child and reaps it; safe to call more than once.
func (c *child) stop() error {
	var err error
	c.once.Do(func() {
		if c.idle != nil {
			c.idle.Stop()
		}
		c.in.Close()
		_ = c.cmd.Process.Kill()
		<-c.ready // the reader goroutine ends at EOF
		err = c.cmd.Wait()
		if c.exit != nil {
			c.exit(c.cmd.Process.Pid)
		}
	})
	return err
}

// waitReady waits for the child's READY line.
func (s *Subprocess) waitReady(ctx context.Context, c *child) error {
	t := time.NewTimer(s.startTimeout())
	defer t.Stop()
	select {
	case <-c.ready:
		if c.err != nil {
			c.stop()
			return fmt.Errorf("%w (%s)", c.err, c.errb.String())
		}
		return nil
	case <-ctx.Done():
		c.stop()
		return ctx.Err()
	case <-t.C:
		c.stop()
		return fmt.Errorf("pdfview: renderer process start: %w", ErrTimeout)
	}
}

// Warm makes sure a spare child is ready, compiling PDFium into the cache on first use.
// The application calls it in the background at start.
func (s *Subprocess) Warm(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("pdfview: closed")
	}
	c := s.spare
	if c == nil {
		var err error
		if c, err = s.start(); err != nil {
			s.mu.Unlock()
			return err
		}
		s.spare = c
		s.armIdle(c)
	}
	s.mu.Unlock()
	if err := s.waitReady(ctx, c); err != nil {
		s.mu.Lock()
		if s.spare == c {
			s.spare = nil
		}
		s.mu.Unlock()
		return err
	}
	return nil
}

// armIdle stops c if it is still the spare after SpareIdle. The caller holds s.mu.
func (s *Subprocess) armIdle(c *child) {
	c.idle = time.AfterFunc(s.spareIdle(), func() {
		s.mu.Lock()
		if s.spare != c {
			s.mu.Unlock()
			return
		}
		s.spare = nil
		s.mu.Unlock()
		c.stop()
	})
}

// take returns the spare child, or a new one.
func (s *Subprocess) take() (*child, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("pdfview: closed")
	}
	if c := s.spare; c != nil {
		s.spare = nil
		c.idle.Stop()
		return c, nil
	}
	return s.start()
}

// refill starts the next spare child in the background.
func (s *Subprocess) refill() {
	go func() {
		if err := s.Warm(context.Background()); err != nil {
			_ = err // the next render starts its own child and reports
		}
	}()
}

// RenderPage renders page of pdf at dpi (lowered for a large page) in a child process that
// ends with it (Open keeps one for the document's other pages). Cancelling ctx kills the
// child at once.
func (s *Subprocess) RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (image.Image, int, error) {
	d := s.Open(pdf)
	defer d.Close()
	return d.RenderPage(ctx, page, dpi)
}

// Close stops the spare child; RenderPage and Warm fail afterwards.
func (s *Subprocess) Close() error {
	s.mu.Lock()
	c := s.spare
	s.spare, s.closed = nil, true
	s.mu.Unlock()
	if c != nil {
		c.stop()
	}
	return nil
}

// headBuffer keeps the first max bytes written: the child's stderr for the logs, where a
// Go crash says why first ("fatal error: out of memory").
type headBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (t *headBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - t.b.Len(); room > 0 {
		t.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (t *headBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(t.b.String())
}
