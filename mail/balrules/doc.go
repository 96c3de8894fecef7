// Package balrules holds the rules of BAL creation shared by the client (the wizard of the
// app, `comptoir bal create`) and the operator (cmd/mss-sandbox/sandbox), so both compute the same
// address and refuse the same requests. It is pure: no network, no I/O.
//
// Addresses (the seed document's rules):
//
//	PER  prenom.nom@<domain>                               LocalPER(given, surname)
//	ORG  pharmacie-<nom>-<codepostal>-<ville>@<domain>     LocalORG(name, postalCode, town)
//	     (a structure whose name does not start with "Pharmacie": <nom>-<cp>-<ville>)
//	APP  app-<nom>-<finess>@<domain>                       LocalAPP(name, finess)
//
// Every part goes through Slug: lower case, accents and ligatures folded (é→e, œ→oe),
// apostrophes, spaces and every other character outside [a-z0-9] become '-', with no
// leading, doubled or trailing '-'. RFC 5321 limits hold: a local part never exceeds 64
// octets (the longest parts are shortened at a word boundary, the structure's name and
// the given name first), a domain 255, an address 254. Homonyms get a number: PER
// prenom.nom2, others <base>-2 (Numbered), still within 64 octets; Matches tells whether
// a requested local part is the rule's, optionally numbered.
//
// Who may create what (Check): any card holder a PER BAL; only a pharmacist (profession
// "Pharmacien") practising in a pharmacy with a FINESS the pharmacy's ORG BAL; an APP BAL
// only the Administrateur of the structure's ORG BAL. The errors are sentinels;
// UserMessage gives the French text shown to the user.
package balrules
