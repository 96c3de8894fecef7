package dovecottest

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
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

// writeOAuth writes the oauth2 passdb's configuration, the provider's key and the rights.
func (s *Server) writeOAuth(o OAuth) error {
	conf := strings.NewReplacer("{{dir}}", s.Dir, "{{issuer}}", o.Issuer).Replace(oauth2Conf)
	keyDir := filepath.Join(s.Dir, "keys", escapeID(o.Azp), "RS256")
	if err := os.MkdirAll(keyDir, 0o755); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "rights"), 0o755); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	files := map[string][]byte{
		"oauth2.conf.ext":                        []byte(conf),
		filepath.Join(keyDir, escapeID(o.KeyID)): o.KeyPEM,
	}
	for id, bals := range o.Rights {
		var b strings.Builder
		for _, bal := range bals {
			fmt.Fprintf(&b, "%s:::::::nopassword\n", bal)
		}
		files[filepath.Join("rights", id)] = []byte(b.String())
	}
	for name, data := range files {
		if !filepath.IsAbs(name) {
			name = filepath.Join(s.Dir, name)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return fmt.Errorf("dovecottest: write %s: %w", name, err)
		}
	}
	return nil
}

// escapeID escapes '/' and '%' as Dovecot does for key ids and azp in key paths.
func escapeID(s string) string {
	return strings.NewReplacer("%", "%25", "/", "%2f").Replace(s)
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
