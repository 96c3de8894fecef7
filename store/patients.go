package store

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PutPatient adds or updates a patient, keyed by a keyed hash of the INS; a zero Created
// is set to now on first insert and kept afterwards.
func (s *Store) PutPatient(p Patient) error {
	if p.INS == "" {
		return fmt.Errorf("store: put patient: empty INS")
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketPatients)
		key := k.tokener().sum(tokINS, p.INS, idSize)
		var old Patient
		found, err := b.get(key, &old)
		if err != nil {
			return err
		}
		if p.Created.IsZero() {
			p.Created = old.Created
			if !found {
				p.Created = time.Now()
			}
		}
		return b.put(key, &p)
	})
	if err != nil {
		return fmt.Errorf("store: put patient: %w", err)
	}
	return nil
}

// AddPatients adds, in one transaction, each patient whose INS the cache does not know
// yet (a zero Created becomes now); known patients are left as they are. It returns how
// many were added.
func (s *Store) AddPatients(ps []Patient) (int, error) {
	added := 0
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		added = 0
		b := bucket(tx, k, bucketPatients)
		t := k.tokener()
		for _, p := range ps {
			if p.INS == "" {
				return fmt.Errorf("empty INS")
			}
			key := t.sum(tokINS, p.INS, idSize)
			if b.b.Get(key) != nil {
				continue
			}
			if p.Created.IsZero() {
				p.Created = time.Now()
			}
			if err := b.put(key, &p); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: add patients: %w", err)
	}
	return added, nil
}

// Patient returns the patient with this INS (ErrNotFound).
func (s *Store) Patient(ins string) (Patient, error) {
	var p Patient
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		found, err := bucket(tx, k, bucketPatients).get(k.tokener().sum(tokINS, ins, idSize), &p)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return Patient{}, fmt.Errorf("store: patient: %w", err)
	}
	return p, nil
}

// Patients returns every patient sorted by birth name, then first names.
func (s *Store) Patients() ([]Patient, error) {
	var out []Patient
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		return scan(bucket(tx, k, bucketPatients), func(p Patient) { out = append(out, p) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: patients: %w", err)
	}
	slices.SortFunc(out, func(a, b Patient) int {
		return cmp.Or(cmp.Compare(Fold(a.BirthName), Fold(b.BirthName)), cmp.Compare(Fold(a.FirstNames), Fold(b.FirstNames)), cmp.Compare(a.INS, b.INS))
	})
	return out, nil
}

// DeletePatient forgets a patient (messages linked to the INS stay).
func (s *Store) DeletePatient(ins string) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		return bucket(tx, k, bucketPatients).b.Delete(k.tokener().sum(tokINS, ins, idSize))
	})
	if err != nil {
		return fmt.Errorf("store: delete patient: %w", err)
	}
	return nil
}
