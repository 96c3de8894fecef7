// Package xdm reads and writes IHE XDM packages (IHE_XDM.ZIP), the way MSSanté carries CDA
// documents between health professionals and patients.
//
// Contract:
//   - Read(r, size, lim) opens an untrusted archive: it enforces Limits (file count, per-file and
//     total uncompressed size, compression ratio against zip bombs), refuses absolute paths,
//     ".." components, symlinks and duplicate names, never expands nested archives, parses every
//     IHE_XDM/<subset>/METADATA.XML (an XDS SubmitObjectsRequest: patient id, document entries)
//     and loads the documents it lists. A CDA R2 level 1 document with an embedded PDF
//     (nonXMLBody/text, base64) has that PDF extracted into Document.PDF.
//   - Write(w, p) produces INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/METADATA.XML and the
//     documents; Read accepts what Write produces.
//   - NewCDA builds a CDA R2 level 1 document wrapping a PDF for a patient.
//
// The package is pure: it never touches the network or the disk.
package xdm
