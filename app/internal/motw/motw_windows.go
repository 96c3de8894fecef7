package motw

import (
	"fmt"
	"os"
)

// markOfTheWeb writes the Zone.Identifier stream of path (NTFS; other file systems refuse
// alternate streams, and the error says so).
func Mark(path string) error {
	if err := os.WriteFile(path+":Zone.Identifier", []byte(ZoneIdentifier), 0o600); err != nil {
		return fmt.Errorf("motw: mark of the web on %s: %w", path, err)
	}
	return nil
}
