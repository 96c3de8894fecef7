package motw

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// markOfTheWeb sets macOS's quarantine attribute, its counterpart of Windows's
// Zone.Identifier: Gatekeeper then checks the file before it is run.
func Mark(path string) error {
	v := fmt.Sprintf("0081;%08x;Comptoir;", time.Now().Unix())
	if err := unix.Setxattr(path, "com.apple.quarantine", []byte(v), 0); err != nil {
		return fmt.Errorf("motw: quarantine attribute on %s: %w", path, err)
	}
	return nil
}
