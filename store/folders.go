package store

import (
	"cmp"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// PutBAL adds or updates a BAL, keyed by its address.
func (s *Store) PutBAL(b BAL) error {
	if b.Address == "" {
		return fmt.Errorf("store: put BAL: empty address")
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		return bucket(tx, k, bucketBALs).put(k.tokener().sum(tokBAL, b.Address, idSize), &b)
	})
	if err != nil {
		return fmt.Errorf("store: put BAL: %w", err)
	}
	return nil
}

// BALs returns the known BALs sorted by address.
func (s *Store) BALs() ([]BAL, error) {
	var out []BAL
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		return scan(bucket(tx, k, bucketBALs), func(b BAL) { out = append(out, b) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: BALs: %w", err)
	}
	slices.SortFunc(out, func(a, b BAL) int { return cmp.Compare(a.Address, b.Address) })
	return out, nil
}

// DeleteBAL forgets a BAL and every folder and message of it.
func (s *Store) DeleteBAL(address string) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fs, err := m.foldersOf(address)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if err := m.deleteFolder(address, f.Name); err != nil {
				return err
			}
		}
		return bucket(tx, k, bucketBALs).b.Delete(k.tokener().sum(tokBAL, address, idSize))
	})
	if err != nil {
		return fmt.Errorf("store: delete BAL: %w", err)
	}
	return nil
}

// scan decodes every value of a bucket in key order.
func scan[T any](b bkt, fn func(T)) error {
	c := b.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		var x T
		if err := b.decode(key, v, &x); err != nil {
			return err
		}
		fn(x)
	}
	return nil
}

// PutFolder adds or updates a folder's state; its message counts are kept.
func (s *Store) PutFolder(f Folder) error {
	if f.BAL == "" || f.Name == "" {
		return fmt.Errorf("store: put folder: empty BAL or name")
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fr, err := m.folder(f.BAL, f.Name, true)
		if err != nil {
			return err
		}
		fr.Folder = f
		return m.saveFolders()
	})
	if err != nil {
		return fmt.Errorf("store: put folder %s/%s: %w", f.BAL, f.Name, err)
	}
	return nil
}

// Folders returns the folders of a BAL sorted by name.
func (s *Store) Folders(bal string) ([]Folder, error) {
	var out []Folder
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		var err error
		out, err = newMsgTx(tx, k).foldersOf(bal)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: folders of %s: %w", bal, err)
	}
	return out, nil
}

func (m *msgTx) foldersOf(bal string) ([]Folder, error) {
	var out []Folder
	err := scan(m.folders, func(fr folderRecord) {
		if fr.Folder.BAL == bal {
			out = append(out, fr.Folder)
		}
	})
	slices.SortFunc(out, func(a, b Folder) int { return cmp.Compare(a.Name, b.Name) })
	return out, err
}

// Folder returns one folder's state (ErrNotFound).
func (s *Store) Folder(bal, name string) (Folder, error) {
	var f Folder
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		fr, err := newMsgTx(tx, k).folder(bal, name, false)
		if err != nil {
			return err
		}
		f = fr.Folder
		return nil
	})
	if err != nil {
		return Folder{}, fmt.Errorf("store: folder %s/%s: %w", bal, name, err)
	}
	return f, nil
}

// DeleteFolder removes a folder and its messages.
func (s *Store) DeleteFolder(bal, name string) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		return newMsgTx(tx, k).deleteFolder(bal, name)
	})
	if err != nil {
		return fmt.Errorf("store: delete folder %s/%s: %w", bal, name, err)
	}
	return nil
}

func (m *msgTx) deleteFolder(bal, name string) error {
	if err := m.clearFolder(bal, name); err != nil {
		return err
	}
	fid := m.fid(bal, name)
	delete(m.stats, string(fid))
	return m.folders.b.Delete(fid)
}
