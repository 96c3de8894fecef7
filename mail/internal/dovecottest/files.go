package dovecottest

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// searchable makes dir and its parents searchable by others (Dovecot's processes drop to
// nobody/dovenull and must traverse them; mktemp and t.TempDir make 0700 directories).
func searchable(dir string) error {
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
		if fi.Mode().Perm()&0o011 != 0o011 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("dovecottest: chmod %s: %w", d, err)
			}
		}
	}
	return nil
}

func chownNobody(path string) error {
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("dovecottest: user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("dovecottest: chown %s: %w (the tests run Dovecot and must run as root)", path, err)
	}
	return nil
}

func marshalKey(key any) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dovecottest: server key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
