package patient_test

import (
	"testing"
	"time"

	"comptoir/mail/patient"
	"comptoir/store"
)

// TestRecordConvertsToStorePatient keeps Record and store.Patient identical: the
// conversions below stop compiling the day one of them changes alone.
func TestRecordConvertsToStorePatient(t *testing.T) {
	p := patient.Patient{INS: "185057800608491", BirthName: "Martin", FirstNames: "Paul",
		BirthDate: time.Date(1985, time.May, 2, 0, 0, 0, 0, time.UTC), Sex: patient.Male, Qualified: true}
	sp := store.Patient(p.Record())
	if sp.INS != "185057800608491" || sp.Sex != "M" || !sp.Qualified {
		t.Fatalf("store.Patient = %+v", sp)
	}
	back, err := patient.FromRecord(patient.Record(sp))
	if err != nil || back != p {
		t.Fatalf("FromRecord = %+v, %v", back, err)
	}
}
