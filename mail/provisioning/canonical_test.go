package provisioning

import "testing"

func TestCanonical(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"b": 1, "a": [true, null, "x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{"{\n  \"z\": {\"y\": \"<é>&\", \"x\": 1.50}\n}", `{"z":{"x":1.50,"y":"<é>&"}}`},
		{`"tab\tquote\"nl\n"`, `"tab\tquote\"nl\n"`},
		{`{"k":"a","k":"b"}`, `{"k":"b"}`},
	}
	for _, c := range cases {
		got, err := Canonical([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{} {}`, `[1,]`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) accepted", bad)
		}
	}
}

func TestErrorCode(t *testing.T) {
	err := error(&Error{Status: 409, Code: CodeAddressTaken, Message: "pris", Suggestion: "a2@x"})
	if !IsCode(err, CodeAddressTaken) || IsCode(err, CodeLastAdmin) || IsCode(nil, CodeAddressTaken) {
		t.Fatal("IsCode")
	}
	if err.Error() == "" {
		t.Fatal("empty message")
	}
}
