package msg

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"comptoir/mail/xdm"
)

func TestUserMessage(t *testing.T) {
	generic := UserMessage(errors.New("boom"))
	for _, err := range []error{ErrNoRecipient, ErrTooLargeForPatient, ErrSeveralPatients, ErrMalformed,
		xdm.ErrZipBomb, xdm.ErrUnsafePath, xdm.ErrSeveralPatients, fmt.Errorf("wrapped: %w", xdm.ErrNoMetadata),
		ErrNotPDF, ErrInvalidINS, xdm.ErrNotCDA, xdm.ErrMissingFile, xdm.ErrNotZip} {
		m := UserMessage(err)
		if m == generic || m == "" || strings.Contains(m, "xdm:") || strings.Contains(m, "msg:") {
			t.Errorf("UserMessage(%v) = %q", err, m)
		}
	}
	if UserMessage(nil) != "" {
		t.Errorf("nil error has a message")
	}
}
