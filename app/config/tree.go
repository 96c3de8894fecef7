package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// tree is a config file as decoded JSON (numbers kept as json.Number, so that keys this
// version does not know are written back as they were).
type tree = map[string]any

// readTree reads a config file; a missing file is an empty tree (exists false). A file that
// is not a JSON object is a *BrokenError.
func readTree(path string) (t tree, exists bool, err error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return tree{}, false, nil
	}
	if err != nil {
		return tree{}, false, fmt.Errorf("config: read %s: %w", path, err)
	}
	t, err = parseTree(raw)
	if err != nil {
		return tree{}, true, brokenError(path, raw, "", err)
	}
	return t, true, nil
}

func parseTree(raw []byte) (tree, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a BOM, as Windows Notepad may write
	if len(bytes.TrimSpace(raw)) == 0 {
		return tree{}, nil // an empty file is an empty configuration
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var t tree
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	if t == nil { // the file says "null"
		t = tree{}
	}
	return t, nil
}

// lookup returns the value at a dotted key.
func lookup(t tree, key string) (any, bool) {
	parts := strings.Split(key, ".")
	var cur any = t
	for _, p := range parts {
		m, ok := cur.(tree)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setKey sets the value at a dotted key, creating (or replacing non-object) sections.
func setKey(t tree, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := t[p].(tree)
		if !ok {
			next = tree{}
			t[p] = next
		}
		t = next
	}
	t[parts[len(parts)-1]] = v
}

// deleteKey removes the value at a dotted key, and the sections it leaves empty.
func deleteKey(t tree, key string) {
	parts := strings.Split(key, ".")
	if len(parts) == 1 {
		delete(t, key)
		return
	}
	sub, ok := t[parts[0]].(tree)
	if !ok {
		return
	}
	deleteKey(sub, strings.Join(parts[1:], "."))
	if len(sub) == 0 {
		delete(t, parts[0])
	}
}

// merge lays user over machine: objects merge key by key, other values replace; a locked key
// (or section) keeps the machine's value, or its absence. The user's "locked" is dropped.
func merge(machine, user tree, locked func(key string) bool) tree {
	out := mergeAt("", machine, user, locked)
	delete(out, KeyLocked)
	if l, ok := machine[KeyLocked]; ok {
		out[KeyLocked] = l
	}
	return out
}

func mergeAt(prefix string, machine, user tree, locked func(string) bool) tree {
	out := make(tree, len(machine)+len(user))
	for k, v := range machine {
		out[k] = v
	}
	for k, uv := range user {
		key := prefix + k
		if uv == nil || locked(key) { // null is absent (decode reads it so)
			continue
		}
		if uo, ok := uv.(tree); ok {
			// Even over a machine value that is not an object, the locks inside apply.
			mo, _ := machine[k].(tree)
			out[k] = mergeAt(key+".", mo, uo, locked)
			continue
		}
		out[k] = uv
	}
	return out
}

// encodeTree is the file's text: indented JSON, keys sorted, a final newline.
func encodeTree(t tree) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return buf.Bytes(), nil
}
