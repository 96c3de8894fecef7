package motw

import "testing"

func TestZoneIdentifier(t *testing.T) {
	if ZoneIdentifier != "[ZoneTransfer]\r\nZoneId=3\r\n" {
		t.Fatalf("Zone.Identifier %q", ZoneIdentifier)
	}
}
