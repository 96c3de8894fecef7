package msg

import (
	"fmt"
	"mime"
	"strings"
)

// maxParamChunk keeps each RFC 2231 section short enough for 78-character lines.
const maxParamChunk = 48

// formatMediaType formats "value; key=param" with RFC 2231 for a non-ASCII param (UTF-8,
// percent-encoded) split into continuations (key*0*=, key*1*=...) when long, so that header
// lines can be folded; mime.FormatMediaType never splits.
func formatMediaType(value, key, param string) string {
	if isPlainASCII(param) {
		return mime.FormatMediaType(value, map[string]string{key: param})
	}
	enc := percentEncode(param)
	var chunks []string
	for len(enc) > maxParamChunk {
		cut := maxParamChunk
		// Do not split a %XX triplet.
		if i := strings.LastIndexByte(enc[:cut], '%'); i >= cut-2 {
			cut = i
		}
		chunks = append(chunks, enc[:cut])
		enc = enc[cut:]
	}
	chunks = append(chunks, enc)
	if len(chunks) == 1 {
		return fmt.Sprintf("%s; %s*=utf-8''%s", value, key, chunks[0])
	}
	var b strings.Builder
	b.WriteString(value)
	for i, c := range chunks {
		if i == 0 {
			fmt.Fprintf(&b, "; %s*0*=utf-8''%s", key, c)
		} else {
			fmt.Fprintf(&b, "; %s*%d*=%s", key, i, c)
		}
	}
	return b.String()
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// percentEncode keeps RFC 2231 attribute-chars and percent-encodes every other byte.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
