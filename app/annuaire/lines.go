package annuaire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one line of the extraction; a real line is under 1 KiB.
const maxLine = 64 << 10

var utf8BOM = []byte("\xef\xbb\xbf")

// lineReader yields the lines of the extraction without their end of line (LF or CRLF),
// the first one without its UTF-8 BOM. An over-long line is returned truncated with long set.
type lineReader struct {
	br   *bufio.Reader
	num  int64
	buf  []byte
	long bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line, or io.EOF. The slice is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	l.long = false
	for {
		chunk, err := l.br.ReadSlice('\n')
		if len(l.buf)+len(chunk) <= maxLine {
			l.buf = append(l.buf, chunk...)
		} else {
			l.long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || len(l.buf) == 0 && !l.long) {
			return nil, err
		}
		break
	}
	l.num++
	line := bytes.TrimSuffix(l.buf, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if l.num == 1 {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	return line, nil
}

// splitLine cuts a data line into its 31 columns (a trailing "|" is accepted) and checks
// the minimum a usable line carries. The returned reason is in French: it is shown to the
// user in the import report.
func splitLine(line []byte, fields []string) ([]string, string) {
	if !utf8.Valid(line) {
		return nil, "encodage invalide (UTF-8 attendu)"
	}
	if bytes.IndexByte(line, 0) >= 0 {
		return nil, "caractère nul (octet 0) dans la ligne : fichier abîmé"
	}
	fields = fields[:0]
	s := string(line)
	for {
		i := strings.IndexByte(s, '|')
		if i < 0 {
			fields = append(fields, s)
			break
		}
		fields = append(fields, s[:i])
		s = s[i+1:]
	}
	if len(fields) == numColumns+1 && fields[numColumns] == "" {
		fields = fields[:numColumns]
	}
	if len(fields) != numColumns {
		return nil, fmt.Sprintf("%d colonnes au lieu de %d", len(fields), numColumns)
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	if fields[colKind] == "" {
		return nil, "type de BAL absent"
	}
	addr := fields[colAddress]
	if at := strings.IndexByte(addr, '@'); at <= 0 || at == len(addr)-1 {
		return nil, "adresse BAL absente ou invalide"
	}
	return fields, ""
}
