package sandbox

import (
	"strconv"
	"strings"
)

// validINS checks a 15-character NIR with its key (97 − NIR mod 97; Corsica 2A/2B count as
// 19/18). The sandbox keeps its own copy so that it shares nothing but formats with the client.
func validINS(ins string) bool {
	if len(ins) != 15 {
		return false
	}
	body := strings.ToUpper(ins[:13])
	switch body[5:7] {
	case "2A":
		body = body[:5] + "19" + body[7:]
	case "2B":
		body = body[:5] + "18" + body[7:]
	}
	n, err := strconv.ParseUint(body, 10, 64)
	if err != nil {
		return false
	}
	key, err := strconv.Atoi(ins[13:])
	if err != nil {
		return false
	}
	return int(97-n%97) == key
}

// withKey appends the key to a 13-character NIR (seed data).
func withKey(nir13 string) string {
	body := nir13
	switch body[5:7] {
	case "2A":
		body = body[:5] + "19" + body[7:]
	case "2B":
		body = body[:5] + "18" + body[7:]
	}
	n, _ := strconv.ParseUint(body, 10, 64)
	return nir13 + leftPad2(int(97-n%97))
}

func leftPad2(k int) string {
	if k < 10 {
		return "0" + strconv.Itoa(k)
	}
	return strconv.Itoa(k)
}
