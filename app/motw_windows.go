package app

import (
	"fmt"
	"os"
)

// markOfTheWeb writes the Zone.Identifier stream of path (NTFS; other file systems refuse
// alternate streams, and the error says so).
func markOfTheWeb(path string) error {
	if err := os.WriteFile(path+":Zone.Identifier", []byte(zoneIdentifier), 0o600); err != nil {
		return fmt.Errorf("app: mark of the web on %s: %w", path, err)
	}
	return nil
}
