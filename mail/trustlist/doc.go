// Package trustlist loads, verifies and refreshes the MSSanté trust-space list
// (listeblanchemssante.xml), the domains Comptoir may send health data to. The domain set
// itself is msg.TrustList, the type msg.Build checks recipients against.
//
// A list is accepted in one of two ways:
//
//   - signed, as the ANS publishes it at OfficialURL: an enveloped XML-DSig signature
//     (exclusive C14N, RSA-SHA256, one Reference to the whole document), verified with
//     github.com/russellhaering/goxmldsig, whose signing certificate chains to the
//     configured IGC-Santé anchors through an ÉLÉMENTAIRE ORGANISATIONS CA as of the list's
//     DateDeGeneration (the signing certificate may have expired since). Domains are read
//     from the bytes the signature covers, never from the rest of the file;
//   - unsigned, only when its SHA-256 matches the checksum published beside it (the ANS
//     repository's copy, ANSRepositoryURL and ANSRepositoryChecksumURL), with a French
//     « liste non signée » notice. That copy is cut off after </ListeDomaines>; this known
//     truncation, and no other, is tolerated.
//
// Anything else (no signature and no matching checksum, a signature that does not verify, a
// signer outside ORGANISATIONS, an older list than the stored one) is refused with a
// sentinel error, a French UserMessage, and the stored list left as it was. Downloads are
// https:// only and a redirect away from https is refused. A list older than MaxAge
// (30 days) is kept but carries a notice.
//
// Refresh fetches, verifies and stores a list atomically (the file as published, plus a
// small JSON sidecar recording the checksum it matched); Load reads it back and verifies it
// again. Sign signs a list as the ANS does, for the sandbox and tests.
package trustlist
