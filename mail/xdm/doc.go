// Package xdm reads and writes IHE XDM packages (IHE_XDM.ZIP), the way MSSanté carries CDA
// documents between health professionals and patients.
//
// Contract:
//   - Read(r, size, lim) opens an untrusted archive: it enforces Limits (file count, per-file and
//     total uncompressed size, compression ratio against zip bombs), refuses absolute paths,
//     ".." components, symlinks and duplicate names, and never expands nested archives. It
//     parses every IHE_XDM/<subset>/METADATA.XML, at the root or under one top-level folder (a
//     zipped folder). METADATA.XML is an XDS SubmitObjectsRequest, at the root or wrapped in
//     a SOAP request, its namespace prefixes declared or not. Each document URI is looked up
//     relative to the METADATA folder, then to IHE_XDM/, then to the archive's root (the ANS
//     DRIM-M examples write "SS000001/KOS_1_1.DCM"). Each document's size and SHA-1 are
//     compared with the metadata (SizeCheck, HashCheck: a mismatch is reported, the document
//     kept); a document that cannot be inflated (bad checksum, corrupt data, a size it does
//     not keep) is reported in its Damage, the package and its other documents kept; and its
//     Kind worked out: CDA (a level 1 CDA's PDF is extracted into PDF and its
//     own header read into CDA), PDF, DICOM (a KOS: « imagerie (non affichable) », to save),
//     other. XDS signature entries go to Package.Signatures, not Documents. ReadMetadata
//     does the same without inflating the documents and refuses exactly what Read refuses.
//   - Patient.Kind: an identifier is an INS only when its OID is an INS OID (INS-NIR, INS-NIA,
//     or the test and demonstration INS-NIR) and its key checks; anything else, an IPP under
//     a hospital's OID included, is an « identifiant local » (Patient.Label).
//   - Package.CodesCDA is X-MSS-CODECDA: the codes of the CDA documents, read from each CDA's
//     own code element; a package without CDA (DICOM + signature) has none.
//   - Write(w, p) produces INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/METADATA.XML and the
//     documents; Read accepts what Write produces.
//   - NewCDA builds a CDA R2 level 1 document wrapping a PDF with a French CI-SIS header;
//     NewPDFDocument makes it a package entry; PharmacyDocTypes lists the document types a
//     pharmacy sends, with their LOINC and class codes.
//
// The package is pure: it never touches the network or the disk.
package xdm
