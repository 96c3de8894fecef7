package sandbox

import "mime"

// mimeDecoder decodes RFC 2047 header words, keeping the raw text when it cannot.
type mimeDecoder struct{ d mime.WordDecoder }

func (m *mimeDecoder) decode(s string) string {
	out, err := m.d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}
