package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	bolt "go.etcd.io/bbolt"
)

// The mail store keeps every mailbox in memory and writes each change through to a bbolt
// file (DataDir/mail.db). bbolt runs with NoSync: a killed process loses nothing (the OS has
// the pages), a power cut may lose the last writes — acceptable for a sandbox, and it keeps
// 200 submissions/s within reach on a shared disk.

var (
	bucketBoxes = []byte("boxes") // id → boxMeta JSON
	bucketRaw   = []byte("raw")   // id|uid → raw message
	bucketMeta  = []byte("meta")  // id|uid → msgMeta JSON
)

const mailboxDelim = '/'

// The standard folders of every BAL.
var standardFolders = []struct {
	name string
	use  imap.MailboxAttr
}{
	{"INBOX", ""},
	{"Sent", imap.MailboxAttrSent},
	{"Drafts", imap.MailboxAttrDrafts},
	{"Trash", imap.MailboxAttrTrash},
}

type boxMeta struct {
	Account     string           `json:"account"`
	Name        string           `json:"name"`
	UIDValidity uint32           `json:"uid_validity"`
	UIDNext     uint32           `json:"uid_next"`
	SpecialUse  imap.MailboxAttr `json:"special_use,omitempty"`
	Subscribed  bool             `json:"subscribed"`
}

type msgMeta struct {
	Time  time.Time `json:"t"`
	Flags []string  `json:"f,omitempty"`
}

type mailStore struct {
	db *bolt.DB

	mu       sync.Mutex
	accounts map[string]*account
	lastID   uint64
	lastUV   uint32
}

type account struct {
	store   *mailStore
	address string

	mu    sync.Mutex
	boxes map[string]*mailbox
}

func openMailStore(dir string) (*mailStore, error) {
	path := filepath.Join(dir, "mail.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("sandbox: open %s: %w", path, err)
	}
	s := &mailStore{db: db, accounts: map[string]*account{}}
	if err := s.load(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *mailStore) close() error {
	if err := s.db.Sync(); err != nil {
		s.db.Close()
		return fmt.Errorf("sandbox: sync mail store: %w", err)
	}
	return s.db.Close()
}

func msgKey(id uint64, uid imap.UID) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, id)
	binary.BigEndian.PutUint32(k[8:], uint32(uid))
	return k
}

func idKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// load reads every mailbox and message into memory.
func (s *mailStore) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketBoxes, bucketRaw, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("sandbox: create bucket: %w", err)
			}
		}
		raw, meta := tx.Bucket(bucketRaw), tx.Bucket(bucketMeta)
		return tx.Bucket(bucketBoxes).ForEach(func(k, v []byte) error {
			var m boxMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("sandbox: decode mailbox: %w", err)
			}
			id := binary.BigEndian.Uint64(k)
			s.lastID = max(s.lastID, id)
			s.lastUV = max(s.lastUV, m.UIDValidity)
			a := s.accountLocked(m.Account)
			mb := newMailbox(a, id, m)
			c := raw.Cursor()
			for rk, rv := c.Seek(k); len(rk) == 12 && string(rk[:8]) == string(k); rk, rv = c.Next() {
				uid := imap.UID(binary.BigEndian.Uint32(rk[8:]))
				var mm msgMeta
				if mv := meta.Get(rk); mv != nil {
					if err := json.Unmarshal(mv, &mm); err != nil {
						return fmt.Errorf("sandbox: decode message flags: %w", err)
					}
				}
				msg := &message{uid: uid, buf: append([]byte(nil), rv...), t: mm.Time, flags: map[imap.Flag]struct{}{}}
				for _, f := range mm.Flags {
					msg.flags[canonicalFlag(imap.Flag(f))] = struct{}{}
				}
				mb.l = append(mb.l, msg)
			}
			// The tracker must know the loaded messages or sequence numbers would not resolve.
			mb.tracker = imapserver.NewMailboxTracker(uint32(len(mb.l)))
			a.boxes[m.Name] = mb
			return nil
		})
	})
}

func (s *mailStore) accountLocked(addr string) *account {
	addr = strings.ToLower(addr)
	a := s.accounts[addr]
	if a == nil {
		a = &account{store: s, address: addr, boxes: map[string]*mailbox{}}
		s.accounts[addr] = a
	}
	return a
}

// account returns the account of addr, nil when it has no mailbox.
func (s *mailStore) account(addr string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[strings.ToLower(addr)]
}

// ensure creates the account of addr with its standard folders when missing.
func (s *mailStore) ensure(addr string) (*account, error) {
	s.mu.Lock()
	a := s.accountLocked(addr)
	s.mu.Unlock()
	for _, f := range standardFolders {
		if _, err := a.createBox(f.name, f.use, true); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (s *mailStore) newIDs() (uint64, uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	// UIDVALIDITY changes whenever a mailbox is (re)created.
	uv := uint32(time.Now().Unix())
	if uv <= s.lastUV {
		uv = s.lastUV + 1
	}
	s.lastUV = uv
	return s.lastID, uv
}

func (s *mailStore) putBox(mb *mailbox) error {
	m := boxMeta{Account: mb.acct.address, Name: mb.name, UIDValidity: mb.uidValidity, UIDNext: uint32(mb.uidNext),
		SpecialUse: mb.specialUse, Subscribed: mb.subscribed}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBoxes).Put(idKey(mb.id), data)
	})
}

func (s *mailStore) deleteBox(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketBoxes).Delete(idKey(id)); err != nil {
			return err
		}
		prefix := idKey(id)
		for _, b := range []*bolt.Bucket{tx.Bucket(bucketRaw), tx.Bucket(bucketMeta)} {
			c := b.Cursor()
			for k, _ := c.Seek(prefix); k != nil && string(k[:8]) == string(prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// putMessage stores a new message and the mailbox's UIDNEXT in one transaction.
func (s *mailStore) putMessage(mb *mailbox, msg *message) error {
	box, err := json.Marshal(boxMeta{Account: mb.acct.address, Name: mb.name, UIDValidity: mb.uidValidity,
		UIDNext: uint32(mb.uidNext), SpecialUse: mb.specialUse, Subscribed: mb.subscribed})
	if err != nil {
		return err
	}
	meta, err := json.Marshal(msg.meta())
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		k := msgKey(mb.id, msg.uid)
		if err := tx.Bucket(bucketRaw).Put(k, msg.buf); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(k, meta); err != nil {
			return err
		}
		return tx.Bucket(bucketBoxes).Put(idKey(mb.id), box)
	})
}

func (s *mailStore) putFlags(id uint64, msgs []*message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		for _, m := range msgs {
			data, err := json.Marshal(m.meta())
			if err != nil {
				return err
			}
			if err := b.Put(msgKey(id, m.uid), data); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *mailStore) deleteMessages(id uint64, msgs []*message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, m := range msgs {
			k := msgKey(id, m.uid)
			if err := tx.Bucket(bucketRaw).Delete(k); err != nil {
				return err
			}
			if err := tx.Bucket(bucketMeta).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m *message) meta() msgMeta {
	mm := msgMeta{Time: m.t}
	for f := range m.flags {
		mm.Flags = append(mm.Flags, string(f))
	}
	sort.Strings(mm.Flags)
	return mm
}

// Account-level operations (the IMAP authenticated state).

func (a *account) box(name string) (*mailbox, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.boxLocked(name)
}

func normBoxName(name string) string {
	name = strings.TrimRight(name, string(mailboxDelim))
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return name
}

func (a *account) boxLocked(name string) (*mailbox, error) {
	mb := a.boxes[normBoxName(name)]
	if mb == nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	}
	return mb, nil
}

// createBox creates a mailbox; with ifMissing an existing one is returned.
func (a *account) createBox(name string, use imap.MailboxAttr, ifMissing bool) (*mailbox, error) {
	name = normBoxName(name)
	if name == "" {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Empty mailbox name"}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if mb := a.boxes[name]; mb != nil {
		if ifMissing {
			return mb, nil
		}
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Mailbox already exists"}
	}
	id, uv := a.store.newIDs()
	mb := newMailbox(a, id, boxMeta{Name: name, UIDValidity: uv, UIDNext: 1, SpecialUse: use, Subscribed: true})
	if err := a.store.putBox(mb); err != nil {
		return nil, fmt.Errorf("sandbox: create mailbox: %w", err)
	}
	a.boxes[name] = mb
	return mb, nil
}

func (a *account) deleteBox(name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	mb, err := a.boxLocked(name)
	if err != nil {
		return err
	}
	if mb.name == "INBOX" || mb.specialUse != "" {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Standard mailboxes cannot be deleted"}
	}
	if err := a.store.deleteBox(mb.id); err != nil {
		return fmt.Errorf("sandbox: delete mailbox: %w", err)
	}
	delete(a.boxes, mb.name)
	return nil
}

func (a *account) renameBox(oldName, newName string) error {
	newName = normBoxName(newName)
	a.mu.Lock()
	defer a.mu.Unlock()
	mb, err := a.boxLocked(oldName)
	if err != nil {
		return err
	}
	if mb.name == "INBOX" {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "INBOX cannot be renamed here"}
	}
	if a.boxes[newName] != nil {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Mailbox already exists"}
	}
	mb.mu.Lock()
	mb.name = newName
	err = a.store.putBox(mb)
	mb.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sandbox: rename mailbox: %w", err)
	}
	delete(a.boxes, normBoxName(oldName))
	a.boxes[newName] = mb
	return nil
}

func (a *account) sortedBoxes() []*mailbox {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := make([]*mailbox, 0, len(a.boxes))
	for _, mb := range a.boxes {
		l = append(l, mb)
	}
	sort.Slice(l, func(i, j int) bool { return l[i].name < l[j].name })
	return l
}
