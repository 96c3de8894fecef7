package store

import (
	"encoding/binary"
	"time"
)

// Bucket names (top level). See the package comment for the tree and the key layouts.
const (
	bucketMeta      = "meta"
	bucketBALs      = "bals"
	bucketFolders   = "folders"
	bucketMsgs      = "msgs"
	bucketBodies    = "bodies"
	bucketTexts     = "texts"
	bucketByDate    = "bydate"
	bucketDocs      = "docs"
	bucketPostFull  = "postfull"
	bucketPostTail  = "posttail"
	bucketPostSeg   = "postseg"
	bucketByID      = "byid"
	bucketByPatient = "bypatient"
	bucketOutbox    = "outbox"
	bucketAudit     = "audit"
	bucketPatients  = "patients"
	bucketSettings  = "settings"
)

// Keys of the meta bucket (plaintext).
const (
	metaFormat  = "format"  // formatMagic
	metaSchema  = "schema"  // uint32 big endian
	metaSalt    = "salt"    // 32 random bytes, signed with the challenge
	metaWrapped = "wrapped" // AES-256-GCM(key-wrapping key, data key)
	metaPlain   = "plain"   // present only in the unencrypted benchmark variant
	formatMagic = "comptoir-store"

	// metaOSWrapped is AES-256-GCM(OS-keyring wrapping key, data key) (keyring.go).
	metaOSWrapped = "oswrapped"
	// wrappedSize is a wrapped data key: nonce, key, tag.
	wrappedSize = 12 + dataKeySize + 16
)

// Token kinds, the domain separation of keyed hashes.
const (
	tokBAL     = "bal"
	tokFolder  = "folder"
	tokMsgID   = "message-id"
	tokINS     = "ins"
	tokSetting = "setting"
	tokWord    = "w"
	tokPrefix  = "p"
)

// Sizes of keyed tokens in keys. 64 bits for folder ids and words (collisions only cost a
// stray search hit), 128 bits for identifiers looked up exactly.
const (
	fidSize  = 8
	wordSize = 8
	idSize   = 16
)

func allBuckets() []string {
	return []string{bucketMeta, bucketBALs, bucketFolders, bucketMsgs, bucketBodies, bucketTexts,
		bucketByDate, bucketDocs, bucketPostFull, bucketPostTail, bucketPostSeg, bucketByID, bucketByPatient,
		bucketOutbox, bucketAudit, bucketPatients, bucketSettings, bucketBodyChunks}
}

// msgKey is fid || uid (big endian): a folder's messages are contiguous, in UID order.
func msgKey(fid []byte, uid uint32) []byte {
	k := make([]byte, fidSize+4)
	copy(k, fid)
	binary.BigEndian.PutUint32(k[fidSize:], uid)
	return k
}

// dateOrder sorts newest first: the bitwise complement of the biased Unix second, then of
// the UID (among equal dates the higher UID first).
func dateOrder(t time.Time, uid uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, ^(uint64(t.Unix()) + 1<<63))
	binary.BigEndian.PutUint32(k[8:], ^uid)
	return k
}

// dateKey is fid || dateOrder: the per-folder date index read by Page.
func dateKey(fid []byte, t time.Time, uid uint32) []byte {
	return append(append(make([]byte, 0, fidSize+12), fid...), dateOrder(t, uid)...)
}

func dateKeyUID(k []byte) uint32 { return ^binary.BigEndian.Uint32(k[fidSize+8:]) }

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

func uidOf(msgKey []byte) uint32 { return binary.BigEndian.Uint32(msgKey[fidSize:]) }
