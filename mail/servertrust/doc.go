// Package servertrust decides whether a TLS server may speak for the MSSanté operator. The
// mail client (IMAP, submission) and the provisioning API client build their TLS
// configurations from one Verifier, so they apply the same rules:
//
//   - the chain ends at a configured IGC-Santé anchor (crypto/tls checks it, with the host
//     name, at TLS 1.2 or later);
//   - the certificate says serverAuth in its extended key usage (a certificate without the
//     extension, valid for any usage in Go, is refused);
//   - its issuer is a CA allowed for servers, by default the IGC-Santé ÉLÉMENTAIRE
//     ORGANISATIONS CA (production or TEST): the PERSONNES CA, which issues the cards,
//     never vouches for a server;
//   - every certificate of the chain below the anchor is checked against a CRL of its
//     issuer whose signature verifies and whose ThisUpdate ≤ now < NextUpdate
//     (Réf. #2 ECO.1.1.5–1.1.7). Without such a CRL the connection is refused: revocation
//     fails closed.
//
// CRLs come from the certificate's CRL distribution points (http:// is normal: a CRL is
// signed), from the trust store, or from the disk cache. The last valid CRL of each issuer
// is kept in memory and in Config.CacheDir; it is fetched again once half of its validity
// has passed, so it is refreshed before NextUpdate, and kept when the distribution point
// is down as long as it is current. Build one Verifier per session and share it: its
// memory cache and fetch serialisation are per issuer, and it is safe for concurrent use.
//
// Errors are sentinels (ErrRevoked, ErrNoCRL, ErrNotServerCA, ErrNotServerCert) wrapped
// with English detail for the logs; UserMessage gives the French sentence for the user.
package servertrust
