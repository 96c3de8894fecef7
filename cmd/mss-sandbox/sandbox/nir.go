package sandbox

import (
	"fmt"
	"strconv"

	"comptoir/mail/patient"
)

// validINS checks a 15-character NIR with its key, by the rule of mail/patient (a pure
// format package the sandbox shares with the client).
func validINS(ins string) bool {
	if len(ins) != 15 {
		return false
	}
	key, err := strconv.Atoi(ins[13:])
	if err != nil {
		return false
	}
	want := patient.Key(ins[:13])
	return want >= 0 && want == key
}

// withKey appends the key to a 13-character NIR (seed data).
func withKey(nir13 string) string {
	return nir13 + fmt.Sprintf("%02d", patient.Key(nir13))
}
