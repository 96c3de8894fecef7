package mail

import (
	"io"

	"comptoir/store"
)

// Store is what the engine needs of the local cache (consumer-side interface):
// *store.Store satisfies it. Every call is a short transaction, safe for concurrent use.
type Store interface {
	PutFolder(store.Folder) error
	Folders(bal string) ([]store.Folder, error)
	Folder(bal, name string) (store.Folder, error)
	DeleteFolder(bal, name string) error

	PutMessages([]store.Message) error
	Envelope(ref store.Ref) (store.Envelope, error)
	Body(ref store.Ref) ([]byte, error)
	WriteBody(ref store.Ref, r io.Reader) (int64, error) // streamed, for bodies above streamThreshold
	Page(bal, folder string, offset, limit int) ([]store.Envelope, error)
	UIDs(bal, folder string) ([]uint32, error)
	SetFlags(ref store.Ref, flags []string) error
	Expunge(bal, folder string, uids []uint32) error
	ResetFolder(bal, folder string, uidValidity uint32) error

	Enqueue(store.OutboxItem) error
	Outbox() ([]store.OutboxItem, error)
	MarkSubmitted(id string) error
	OutboxFailed(id, reason string) error
	Ack(id string) error

	Audit(store.AuditEntry) error

	Setting(key string) ([]byte, error)
	SetSetting(key string, v []byte) error
}
