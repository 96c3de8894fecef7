package mail

import (
	"strings"
	"testing"
)

func TestResponsesKeepOnlyTheStatusLine(t *testing.T) {
	r := newIMAPResponses()
	r.Write([]byte("T1 OK before arming\r\n"))
	r.start()
	for _, chunk := range []string{"T5 APPEND Sent (\\Seen) {40}\r\n", "T4 OK in a literal\r\n", "* 3 EXISTS\r\n",
		strings.Repeat("x", 2*maxResponse) + "\r\n", "T5 OK [APPENDUID 1 ", "7] APPEND completed\r", "\n"} {
		r.Write([]byte(chunk))
	}
	if got := r.stop(); got != "OK [APPENDUID 1 7] APPEND completed" {
		t.Fatalf("IMAP response %q", got)
	}
	r.Write([]byte("T6 NO after\r\n"))
	if r.last != "T5 OK [APPENDUID 1 7] APPEND completed" {
		t.Fatalf("a disarmed recorder kept %q", r.last)
	}

	s := newSMTPResponses()
	s.start()
	s.Write([]byte("AUTH EXTERNAL =\r\n235 2.7.0 Logged in.\r\n"))
	if got := s.stop(); got != "235 2.7.0 Logged in." {
		t.Fatalf("SMTP response %q", got)
	}
	var none *responses
	none.start()
	if n, _ := none.Write([]byte("x")); n != 1 || none.stop() != "" {
		t.Fatal("a nil recorder")
	}
}
