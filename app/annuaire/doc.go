// Package annuaire is the Annuaire Santé inside Comptoir: the offline directory of MSSanté
// addresses and the online FHIR lookup.
//
// # Offline directory
//
// Import reads the public extraction Extraction_Correspondance_MSSante (a ZIP holding the
// TXT, or the TXT itself: UTF-8, "|"-delimited, 31 columns, one header row matched loosely;
// BOM, CRLF and a trailing "|" accepted; a line with a NUL byte is a bad line) and writes a bbolt file of public data, not
// encrypted, shared by the workstation's users (DefaultPath). The import streams the file,
// reports Progress, counts bad lines with their numbers (never fatal), and replaces the
// previous file atomically: a failed or cancelled import leaves it usable.
//
// A Directory serves searches from that file, memory-mapped:
//
//	d, _ := annuaire.Open(path)                   // missing file: empty, ErrNotImported
//	res, _ := d.Search(ctx, "dupo lyon", 20)      // ranked []Result
//	rep, _ := d.Import(ctx, zipPath, annuaire.ImportOptions{Progress: f}) // swaps the file in
//
// Rows sharing a national identifier (RPPS/ADELI) form one Result listing every mailbox
// (Mailbox: address, PER/ORG, structure, postal address, town). Structures (ORG mailboxes
// without a professional) are Results of their own.
//
// Search matches every word of the query, in any order, accents and case folded, the last
// word as a prefix, against names, profession, specialty, structure, town, postal code,
// street, RPPS/ADELI/FINESS/SIRET and (with "@") mailbox addresses; "@domain" (or a domain
// prefix, "@ch-") lists the entries with a mailbox in that domain. A saint word and the word
// after it are one term, as place names are indexed ("saint etienne", "st etienne" and
// "Saint-Étienne" all mean Saint-Étienne, not Dr Étienne); a town's place names rank with
// names, so the town comes before a street named after it. Ranking: more matched words
// first, then exact before prefix and name before other fields, then name order.
//
// # Index layout
//
// Entry ids follow name order, so every posting list is also a ranked list. Buckets:
// entries (id → record), tokens (token → count, name count, delta-encoded ids with a name
// bit; "saint"/"sainte" + next word compounds among them), short (prefixes of 1–3 letters →
// the 100 best entries, pre-ranked), ids (identifier‖0‖id), addrs (address → id) and domains
// (mailbox domain‖0‖id). A file written before domains and compounds still works: domains
// are then found by scanning addrs, and a compound found nowhere is searched as its word. One word takes the first entries of its
// lists. Several words are intersected rarest first in bitmaps (a bit per entry, cache
// resident), then the intersection and each word's own best entries are scored in a
// per-query scratch array and the best kept in a bounded heap.
//
// # Online lookup
//
// (The trust-space list, listeblanchemssante.xml, lives in mail/trustlist.)
//
// FHIRClient searches the Annuaire Santé FHIR API (Practitioner, PractitionerRole,
// Organization; header ESANTE-API-KEY; parameter mailbox-mss) and reads MSSanté mailboxes
// from telecom (FR Core email type MSSANTE, AS mailbox metadata: type PER/ORG/APP/CAB,
// liste rouge — red-listed mailboxes are left out). Directory.Lookup merges online results
// with offline ones, deduplicated by address.
package annuaire
