package dovecottest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// FillMaildir writes n messages straight into user's INBOX Maildir (much faster than one
// delivery per message, for the benchmark's 10 000 messages); Dovecot indexes them at the
// next access. gen returns message i, filed in cur/ without flags. Returns the total size
// written.
func (s *Server) FillMaildir(user string, n int, gen func(i int) []byte) (int64, error) {
	return s.fill(user, n, func(i int) ([]byte, string) { return gen(i), "cur/:2," })
}

// FillMaildirUnread is FillMaildir where gen also says whether message i is unread: such
// messages go to new/, as a delivery agent leaves them, the others to cur/ marked seen.
func (s *Server) FillMaildirUnread(user string, n int, gen func(i int) (raw []byte, unread bool)) (int64, error) {
	return s.fill(user, n, func(i int) ([]byte, string) {
		raw, unread := gen(i)
		if unread {
			return raw, "new/"
		}
		return raw, "cur/:2,S"
	})
}

// fill writes message i into the subdirectory before the slash of where, its file name
// ending with what follows the slash (the Maildir info).
func (s *Server) fill(user string, n int, gen func(i int) (raw []byte, where string)) (int64, error) {
	root := s.Maildir(user)
	var total int64
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return 0, fmt.Errorf("dovecottest: maildir: %w", err)
		}
	}
	for i := range n {
		raw, where := gen(i)
		dir, info, _ := strings.Cut(where, "/")
		name := fmt.Sprintf("%d.M%dP1.comptoir,S=%d%s", 1767225600+i, i, len(raw), info)
		path := filepath.Join(root, dir, name)
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return total, fmt.Errorf("dovecottest: maildir: %w", err)
		}
		total += int64(len(raw))
	}
	return total, chownTree(filepath.Join(s.Dir, "mail", user))
}

func chownTree(root string) error {
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("dovecottest: user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}
