package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// msgRecord is the sealed value of bucket msgs. Env.Text lives in bucket texts.
type msgRecord struct {
	Env Envelope `json:"e"`
	Doc uint64   `json:"d,omitempty"` // search index document id (schema >= 3)
}

// folderRecord is the sealed value of bucket folders; counts are kept incrementally.
type folderRecord struct {
	Folder Folder `json:"f"`
	Total  int    `json:"t"`
	Unread int    `json:"u"`
}

// bkt is a top-level bucket with its name (the associated data of its sealed values) and
// the keys. Every bucket exists once Open has returned (checked there).
type bkt struct {
	name string
	b    *bolt.Bucket
	k    *sealKeys
}

func bucket(tx *bolt.Tx, k *sealKeys, name string) bkt {
	return bkt{name: name, b: tx.Bucket([]byte(name)), k: k}
}

// put JSON-encodes v, seals it bound to the bucket and key, and stores it.
func (x bkt) put(key []byte, v any) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", x.name, err)
	}
	defer wipe(plain)
	return x.b.Put(key, x.k.seal(x.name, key, plain))
}

// get reads, authenticates and decodes the value at key; found is false if absent.
func (x bkt) get(key []byte, v any) (found bool, err error) {
	sealed := x.b.Get(key)
	if sealed == nil {
		return false, nil
	}
	return true, x.decode(key, sealed, v)
}

func (x bkt) decode(key, sealed []byte, v any) error {
	plain, err := x.k.open(x.name, key, sealed)
	if err != nil {
		return err
	}
	defer wipe(plain)
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%w: decode %s: %w", ErrCorrupt, x.name, err)
	}
	return nil
}

// putBytes seals raw bytes (bodies, texts).
func (x bkt) putBytes(key, plain []byte) error {
	return x.b.Put(key, x.k.seal(x.name, key, plain))
}

// getBytes returns a fresh plaintext copy, or nil if absent.
func (x bkt) getBytes(key []byte) ([]byte, error) {
	sealed := x.b.Get(key)
	if sealed == nil {
		return nil, nil
	}
	return x.k.open(x.name, key, sealed)
}
