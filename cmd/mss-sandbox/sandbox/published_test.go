package sandbox

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"comptoir/mail/trustlist"
)

func readDirectory(t testing.TB, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseDirectoryZip(t, data)
}

func parseDirectoryZip(t testing.TB, data []byte) [][]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) != 1 || !strings.HasPrefix(zr.File[0].Name, "Extraction_Correspondance_MSSante_") {
		t.Fatalf("directory zip: %v", err)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\r\n"), "\r\n")
	var rows [][]string
	for i, l := range lines {
		cols := strings.Split(l, "|")
		if len(cols) != 31 {
			t.Fatalf("line %d has %d columns, want 31", i, len(cols))
		}
		if i > 0 {
			rows = append(rows, cols)
		}
	}
	if lines[0] != strings.Join(DirectoryHeader, "|") {
		t.Fatalf("header %q", lines[0])
	}
	return rows
}

func TestPublishedFiles(t *testing.T) {
	e := startEnv(t, nil)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.clientTLS(nil)}}
	get := func(url string) []byte {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, resp.Status)
		}
		b, _ := io.ReadAll(resp.Body)
		return b
	}

	var list struct {
		Domaines []struct {
			Nom string `xml:"Nom"`
		} `xml:"https://listeblanche.mssante.fr/schema ListeDomaines>Domaine"`
	}
	served := get(e.srv.TrustListURL())
	if err := xml.Unmarshal(served, &list); err != nil {
		t.Fatal(err)
	}
	// Signed as the ANS signs its list, by an ORGANISATIONS certificate of the test PKI.
	verified, err := trustlist.Verify(served, "", trustlist.Options{Roots: e.pki.RootPool()})
	if err != nil || !verified.Signed || verified.Domains.Len() != 2 {
		t.Fatalf("trust list signature: %+v, %v", verified, err)
	}
	var names []string
	for _, d := range list.Domaines {
		names = append(names, d.Nom)
	}
	if strings.Join(names, ",") != e.srv.Domain()+","+PatientDomain {
		t.Fatalf("trust list domains %v", names)
	}
	if onDisk, err := os.ReadFile(e.srv.TrustListPath()); err != nil || !bytes.Contains(onDisk, []byte("<Nom>"+e.srv.Domain()+"</Nom>")) {
		t.Fatalf("trust list file: %v", err)
	}

	rows := parseDirectoryZip(t, get(e.srv.DirectoryURL()))
	byAddr := map[string][]string{}
	for _, r := range rows {
		byAddr[r[1]] = r
	}
	org := byAddr[e.a.Pharmacy]
	if org == nil || org[0] != "ORG" || org[6] != "690999123" || org[18] != "Pharmacie des Tilleuls" || org[28] != "69003" {
		t.Fatalf("ORG row %q", org)
	}
	per := byAddr[e.a.Titulaire]
	if per == nil || per[0] != "PER" || per[2] != "8" || per[4] != "899700412358" || per[10] != "Élise" || per[13] != "21" {
		t.Fatalf("PER row %q", per)
	}
	if len(readDirectory(t, e.srv.DirectoryPath())) != len(rows) {
		t.Fatal("directory file differs from the served one")
	}
}
