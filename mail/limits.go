package mail

import (
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// What the server may make the client hold. A body literal is at most maxBodySize whether it
// is buffered or streamed to the store; only literals up to streamThreshold are buffered,
// and at most parseQueue+writerQueue+parseWorkers of them wait between the connection and
// a store batch, so a hostile or broken operator cannot make the client hold more than
// some tens of megabytes, however many messages it announces. Body data the client did not
// ask for (unsolicited FETCH responses, BODY[] in answer to a metadata FETCH) is read
// through and dropped, within the same cap.
const (
	maxBodySize = 64 << 20 // bytes of one message; MSSanté operators accept far less
	writerQueue = 8        // parsed messages waiting for the store writer
)

// ErrServerTooLarge: the server sent a message or a literal larger than the client
// accepts. The connection is dropped at once, without reading the data.
var ErrServerTooLarge = errors.New("mail: the server sent more data than the client accepts")

// tooLarge is the error for a literal of n bytes (what, for the logs).
func tooLarge(what string, n int64) error {
	return fmt.Errorf("%w: %s of %d bytes (limit %d)", ErrServerTooLarge, what, n, maxBodySize)
}

// discardLiteral reads a literal nobody asked for through, without keeping it. Above
// maxBodySize it reads nothing and returns ErrServerTooLarge: the caller drops the
// connection.
func discardLiteral(lit imap.LiteralReader) error {
	if n := lit.Size(); n > maxBodySize {
		return tooLarge("unrequested literal", n)
	}
	_, err := io.Copy(io.Discard, lit)
	return err
}

// collectFetched reads the responses of a FETCH of metadata (no body asked for): like
// FetchCommand.Collect, but body data in the responses is dropped instead of kept whole.
func (s *session) collectFetched(cmd *imapclient.FetchCommand) ([]*fetched, error) {
	var out []*fetched
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		fm := &fetched{}
		for item := m.Next(); item != nil; item = m.Next() {
			if lit := fm.note(item); lit != nil {
				if err := discardLiteral(lit); err != nil {
					return nil, s.refuse(lit, err)
				}
			}
		}
		out = append(out, fm)
	}
	return out, cmd.Close()
}

// discardUnsolicited consumes an unsolicited FETCH response (IDLE, or data the server
// pushes between commands), dropping any body data.
func (s *session) discardUnsolicited(m *imapclient.FetchMessageData) {
	for item := m.Next(); item != nil; item = m.Next() {
		var lit imap.LiteralReader
		switch it := item.(type) {
		case imapclient.FetchItemDataBodySection:
			lit = it.Literal
		case imapclient.FetchItemDataBinarySection:
			lit = it.Literal
		}
		if lit == nil {
			continue
		}
		if err := discardLiteral(lit); err != nil {
			_ = s.refuse(lit, err)
			return
		}
	}
}

// refuse drops the connection for err instead of reading (the rest of) lit, and returns
// err. go-imap's reader waits until a literal is read, and Client.Close waits for the
// reader: the connection is closed first, then lit read to its (immediate) error, which
// releases the reader.
func (s *session) refuse(lit io.Reader, err error) error {
	s.abort(err)
	_, _ = io.Copy(io.Discard, lit)
	return err
}
