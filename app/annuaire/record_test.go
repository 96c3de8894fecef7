package annuaire

import "testing"

func FuzzDecodeEntryNeverPanics(f *testing.F) {
	d := newDict()
	var r row
	for i := range r {
		r[i] = "valeur"
	}
	f.Add(encodeEntry(nil, d, []row{r, r}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	values := d.values
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := decodeEntry(b, values); err == nil {
			e.result()
		}
		decodeSpill(b)
		splitLine(b, nil)
	})
}

func TestEntryRoundTrip(t *testing.T) {
	d := newDict()
	var a, b row
	for i := range a {
		a[i], b[i] = "a"+string(rune('A'+i)), "b"+string(rune('A'+i))
	}
	e, err := decodeEntry(encodeEntry(nil, d, []row{a, b}), d.values)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range personCols {
		if e.person[c] != a[c] {
			t.Errorf("person column %d = %q", c, e.person[c])
		}
	}
	for _, c := range mailboxCols {
		if e.boxes[0][c] != a[c] || e.boxes[1][c] != b[c] {
			t.Errorf("mailbox column %d = %q, %q", c, e.boxes[0][c], e.boxes[1][c])
		}
	}
}
