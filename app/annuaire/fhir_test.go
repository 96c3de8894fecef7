package annuaire

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fhirServer replays the Bundles of testdata/fhir as the Annuaire Santé API would answer,
// checking the API key and recording the requests.
type fhirServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newFHIRServer(t *testing.T, routes map[string]string) *fhirServer {
	t.Helper()
	s := &fhirServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path+"?"+r.URL.RawQuery)
		s.mu.Unlock()
		if r.Header.Get("ESANTE-API-KEY") != "test-key" {
			http.Error(w, `{"resourceType":"OperationOutcome"}`, http.StatusUnauthorized)
			return
		}
		name := "empty.json"
		for prefix, file := range routes {
			if strings.HasPrefix(r.URL.Path+"?"+r.URL.RawQuery, prefix) {
				name = file
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata", "fhir", name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json;charset=utf-8")
		w.Write(data)
	}))
	// The refused handshakes of the tests are expected: keep them out of the output.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *fhirServer) client(key string) *FHIRClient {
	return &FHIRClient{BaseURL: s.URL + "/fhir/v2", APIKey: key, HTTPClient: s.Client()}
}

func TestFHIRSearchByNameReadsMailboxesOfPractitionerAndRoles(t *testing.T) {
	srv := newFHIRServer(t, map[string]string{
		"/fhir/v2/Practitioner?": "practitioner-name-dupont.json",
	})
	res, err := srv.client("test-key").Search(context.Background(), "Jean Dupont", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("results = %+v", res)
	}
	r := res[0]
	if r.DisplayName() != "Dr Jean DUPONT" || r.NationalID != "810003456789" || r.Identifier != "10003456789" ||
		r.Profession != "Médecin" || r.Specialty != "Médecine générale" || !r.Online {
		t.Errorf("result = %+v", r)
	}
	var addrs []string
	for _, m := range r.Mailboxes {
		addrs = append(addrs, m.Address)
	}
	// The red-listed mailbox and the ordinary e-mail are left out.
	if !slices.Equal(addrs, []string{"jean.dupont@medecin.mssante.fr", "jean.dupont@ch-saint-joseph.mssante.fr"}) {
		t.Errorf("mailboxes = %v", addrs)
	}
	if m := r.Mailboxes[1]; m.Kind != "PER" || m.Structure != "CENTRE HOSPITALIER SAINT-JOSEPH SAINT-LUC" ||
		m.StructureID != "690781810" || m.Town != "LYON" || m.Service != "Urgences" {
		t.Errorf("role mailbox = %+v", m)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.requests) != 2 || !strings.Contains(srv.requests[0], "name=jean&name=dupont") ||
		!strings.Contains(srv.requests[0], "_revinclude=PractitionerRole%3Apractitioner") {
		t.Errorf("requests = %v", srv.requests)
	}
}

func TestFHIRSearchByMailboxAndOrganization(t *testing.T) {
	srv := newFHIRServer(t, map[string]string{
		"/fhir/v2/Organization?": "organization-name.json",
	})
	res, err := srv.client("test-key").Search(context.Background(), "pharmacie-des-halles-64000-pau@pharmacie.mssante.fr", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !res[0].IsStructure() || res[0].DisplayName() != "PHARMACIE DES HALLES" ||
		!slices.Equal(res[0].Kinds(), []string{"ORG"}) || res[0].Town() != "PAU" {
		t.Fatalf("results = %+v", res)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var mailboxParams int
	for _, r := range srv.requests {
		if strings.Contains(r, "mailbox-mss=pharmacie-des-halles-64000-pau%40pharmacie.mssante.fr") {
			mailboxParams++
		}
	}
	if mailboxParams != 3 {
		t.Errorf("mailbox-mss not sent to Practitioner, PractitionerRole and Organization: %v", srv.requests)
	}
}

func TestFHIRErrors(t *testing.T) {
	srv := newFHIRServer(t, nil)
	if _, err := srv.client("wrong").Search(context.Background(), "dupont", 10); !errors.Is(err, ErrAPIKey) {
		t.Errorf("wrong key: %v", err)
	}
	// A server whose certificate is not trusted is refused.
	c := &FHIRClient{BaseURL: srv.URL, APIKey: "test-key"}
	if _, err := c.Search(context.Background(), "dupont", 10); err == nil {
		t.Error("untrusted server accepted")
	}
	bad := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[]}`))
	}))
	defer bad.Close()
	c = &FHIRClient{BaseURL: bad.URL, APIKey: "k", HTTPClient: bad.Client()}
	if _, err := c.Search(context.Background(), "dupont", 10); err == nil {
		t.Error("non-Bundle accepted")
	}
}

func TestLookupMergesOnlineWithOfflineByAddress(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	srv := newFHIRServer(t, map[string]string{
		"/fhir/v2/Practitioner?": "practitioner-name-dupont.json",
	})
	res, err := d.Lookup(context.Background(), "jean dupont", 10, srv.client("test-key"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 || res[0].NationalID != "810003456789" {
		t.Fatalf("results = %v", names(res))
	}
	var addrs []string
	for _, m := range res[0].Mailboxes {
		addrs = append(addrs, m.Address)
	}
	// Offline: two addresses; online: one known (dropped) and one new (added).
	want := []string{"jean.dupont@medecin.mssante.fr", "jean.dupont@ch-lyon.mssante.fr", "jean.dupont@ch-saint-joseph.mssante.fr"}
	if !slices.Equal(addrs, want) || !res[0].Online {
		t.Errorf("merged mailboxes = %v; want %v", addrs, want)
	}
	for _, r := range res[1:] {
		if r.NationalID == "810003456789" {
			t.Errorf("duplicate entry for the same professional: %+v", r)
		}
	}
	// Online down: offline results and an error wrapping ErrOnline.
	srv.Close()
	res, err = d.Lookup(context.Background(), "jean dupont", 10, srv.client("test-key"))
	if !errors.Is(err, ErrOnline) || len(res) == 0 || len(res[0].Mailboxes) != 2 {
		t.Errorf("online down: %v, %v", err, names(res))
	}
	// No key: offline only, no request.
	if res, err := d.Lookup(context.Background(), "jean dupont", 10, &FHIRClient{}); err != nil || len(res) == 0 {
		t.Errorf("without key: %v %v", err, names(res))
	}
}
