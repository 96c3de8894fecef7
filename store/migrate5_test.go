package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var updateFixture4 = flag.Bool("update-fixture4", false, "rewrite testdata/schema4.db")

const fixtureV4 = "testdata/schema4.db"

// Streamed bodies of the schema-4 fixture: INBOX UID 3 has a complete chunked body; INBOX
// UID 4 has the chunks of a write cut short (no manifest), as schema 4 left them.
var (
	fixture4Body     = randomBody(bodyChunk+123, 41)
	fixture4Leftover = randomBody(bodyChunk+7, 42)
)

// writeSchema4 writes the schema-4 fixture: the schema-1 fixture migrated to schema 4, plus
// bodychunks exactly as schema 4's WriteBody wrote it (manifest {g, n, s}, chunk associated
// data bound to key, final flag and generation). It writes the layout by hand so that it
// stays a schema-4 file whatever WriteBody becomes.
func writeSchema4(t *testing.T, dst string) {
	raw, err := os.ReadFile(fixtureV1)
	must(t, err)
	path := filepath.Join(t.TempDir(), "v4.db")
	must(t, os.WriteFile(path, raw, 0o600))
	s, err := Open(path, testKey(1), Options{migrateTo: 4})
	must(t, err)
	must(t, s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketBodyChunks))
		if err != nil {
			return err
		}
		put := func(uid uint32, body []byte, gen []byte, manifest bool) {
			mk := bodyMsgKey(k, Ref{bal, "INBOX", uid})
			must(t, tx.Bucket([]byte(bucketBodies)).Delete(mk))
			var n uint32
			for off := 0; off < len(body); off += bodyChunk {
				end := min(off+bodyChunk, len(body))
				key := chunkKey(mk, n)
				must(t, b.Put(key, k.sealChunk(nil, key, end == len(body), gen, body[off:end])))
				n++
			}
			if manifest {
				plain, err := json.Marshal(map[string]any{"g": gen, "n": n, "s": len(body)})
				must(t, err)
				must(t, b.Put(mk, k.seal(bucketBodyChunks, mk, plain)))
			}
		}
		put(3, fixture4Body, []byte("gen-0003"), true)
		put(4, fixture4Leftover, []byte("gen-0004"), false)
		return nil
	}))
	if v := schemaOf(t, s); v != 4 {
		t.Fatalf("schema %d, want 4", v)
	}
	must(t, s.Close())
	// Compact: bbolt grows files in large steps; the fixture need not carry the slack.
	src, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	defer src.Close()
	os.Remove(dst)
	out, err := bolt.Open(dst, 0o600, nil)
	must(t, err)
	must(t, bolt.Compact(out, src, 0))
	must(t, out.Close())
}

func copyFixture4(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(fixtureV4)
	if err != nil {
		t.Fatalf("%v (regenerate with: go test ./store -run TestSchema4Fixture -update-fixture4)", err)
	}
	path := filepath.Join(t.TempDir(), "v4.db")
	must(t, os.WriteFile(path, raw, 0o600))
	return path
}

// TestSchema4Fixture checks the committed schema-4 fixture, and rewrites it with
// -update-fixture4.
func TestSchema4Fixture(t *testing.T) {
	if *updateFixture4 {
		writeSchema4(t, fixtureV4)
	}
	s, err := Open(copyFixture4(t), testKey(1), Options{migrateTo: 4})
	must(t, err)
	defer s.Close()
	if v := schemaOf(t, s); v != 4 {
		t.Fatalf("fixture has schema %d, want 4", v)
	}
	if b, err := s.Body(Ref{bal, "INBOX", 3}); err != nil || !bytes.Equal(b, fixture4Body) {
		t.Errorf("chunked body of the fixture: %d bytes, %v", len(b), err)
	}
	if _, err := s.Body(Ref{bal, "INBOX", 4}); !errors.Is(err, ErrNoBody) {
		t.Errorf("body cut short in the fixture: %v, want ErrNoBody", err)
	}
}

// TestMigration4To5Chunks: the streamed body of the schema-4 fixture survives, the chunks
// of its cut write are dropped, and the file then passes Check.
func TestMigration4To5Chunks(t *testing.T) {
	path := copyFixture4(t)
	s, err := Open(path, testKey(1), Options{})
	must(t, err)
	defer s.Close()
	if v := schemaOf(t, s); v != schemaVersion {
		t.Fatalf("schema %d, want %d", v, schemaVersion)
	}
	if b, err := s.Body(Ref{bal, "INBOX", 3}); err != nil || !bytes.Equal(b, fixture4Body) {
		t.Errorf("streamed body after migration: %d bytes, %v", len(b), err)
	}
	if _, err := s.Body(Ref{bal, "INBOX", 4}); !errors.Is(err, ErrNoBody) {
		t.Errorf("body cut short after migration: %v, want ErrNoBody", err)
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte(bucketBodyChunks)).Stats().KeyN; n != 3 {
			t.Errorf("%d keys in %s after migration, want 3 (a manifest and its 2 chunks)", n, bucketBodyChunks)
		}
		return nil
	}))
	must(t, s.Check(t.Context()))
	// The migrated file takes new streamed bodies, and moves them.
	want := randomBody(bodyChunk+1, 43)
	_, err = s.WriteBody(Ref{bal, "INBOX", 4}, bytes.NewReader(want))
	must(t, err)
	must(t, s.Move(Ref{bal, "INBOX", 4}, "Sent", 40))
	if b, err := s.Body(Ref{bal, "Sent", 40}); err != nil || !bytes.Equal(b, want) {
		t.Errorf("new streamed body after migration and move: %d bytes, %v", len(b), err)
	}
	must(t, s.Check(t.Context()))
}

// TestMigrationFromSchema1WithoutStreamedBodies: a file that never streamed a body gains
// the chunk bucket.
func TestMigrationFromSchema1WithoutStreamedBodies(t *testing.T) {
	s, err := Open(copyFixture(t), testKey(1), Options{})
	must(t, err)
	defer s.Close()
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketBodyChunks)) == nil {
			t.Errorf("no %s bucket after migration", bucketBodyChunks)
		}
		return nil
	}))
	must(t, s.Check(t.Context()))
}
