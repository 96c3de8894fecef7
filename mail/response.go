package mail

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// The audit journal keeps the server's own response to each command (ECO.4.1.2). go-smtp
// gives the DATA reply text (DataCommand.CloseWithResponse) but not the AUTH one, and go-imap
// returns only the text of refusals (*imap.Error), so a responses recorder reads the status
// lines off the protocol stream (the clients' DebugWriter) while it is armed around one
// command. It keeps only the last status line: never message contents.

// maxResponse bounds a recorded response line (an IMAP OK can carry the whole CAPABILITY list).
const maxResponse = 512

var (
	// imapStatus is a tagged status response: "T12 OK [APPENDUID 1 4] APPEND completed".
	imapStatus = regexp.MustCompile(`^[A-Za-z0-9.]+ (?:OK|NO|BAD)(?: |$)`)
	// smtpReply is one line of an SMTP reply: "235 2.7.0 Authentication successful".
	smtpReply = regexp.MustCompile(`^[2-5][0-9][0-9](?: |-|$)`)
)

// responses records the last status line of a protocol stream while armed; disarmed, it
// discards what it is given at the cost of an atomic load.
type responses struct {
	status *regexp.Regexp
	armed  atomic.Bool

	mu   sync.Mutex
	line []byte // the line being read
	over bool   // the line is longer than maxResponse: not a status line worth keeping
	last string
}

func newIMAPResponses() *responses { return &responses{status: imapStatus} }
func newSMTPResponses() *responses { return &responses{status: smtpReply} }

// Write takes both directions of the stream; client lines never look like status lines.
func (r *responses) Write(p []byte) (int, error) {
	if r == nil || !r.armed.Load() {
		return len(p), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for rest := p; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		chunk := rest
		if i >= 0 {
			chunk = rest[:i]
		}
		if !r.over {
			if len(r.line)+len(chunk) > maxResponse {
				r.over, r.line = true, r.line[:0]
			} else {
				r.line = append(r.line, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !r.over {
			if l := strings.TrimRight(string(r.line), "\r"); r.status.MatchString(l) {
				r.last = l
			}
		}
		r.line, r.over = r.line[:0], false
		rest = rest[i+1:]
	}
	return len(p), nil
}

// start arms the recorder for one command.
func (r *responses) start() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.line, r.over, r.last = r.line[:0], false, ""
	r.mu.Unlock()
	r.armed.Store(true)
}

// stop disarms it and returns the command's status line: for IMAP without its tag
// ("OK [APPENDUID 1 4] APPEND completed"), for SMTP as sent ("235 2.7.0 …").
func (r *responses) stop() string {
	if r == nil {
		return ""
	}
	r.armed.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.last
	if r.status == imapStatus {
		_, last, _ = strings.Cut(last, " ")
	}
	return last
}
