// Package cps talks to the CPS card (carte de professionnel de santé) through PKCS#11.
//
// The contract:
//   - FindModule picks the PKCS#11 library (configured path, else the ANS Cryptolib per OS,
//     else p11-kit-proxy) and Open loads it; C_Initialize runs once per process per path,
//     whatever the number of Open calls.
//   - Module.Readers lists the slots and whether a card is present; Module.Watch polls them
//     (no PKCS#11 token offers reliable slot events) and reports insertions and removals.
//   - Module.Login logs in with a PIN once per card session. The PIN is never retried by
//     this package: a wrong PIN comes back as a *PINError (ErrPINIncorrect or ErrPINLocked)
//     carrying the token's remaining-tries flags, and a locked token is not asked again.
//   - A Card gives the holder's Identity (from the authentication certificate, both CPS
//     subject layouts) and practice Situations (the private CPS_ACTIVITY_xx_PS objects), a
//     tls.Certificate whose PrivateKey signs on the card (PKCS#1 v1.5, and RSA-PSS only when
//     the token offers it: see MaxTLSVersion), and a document signer on the signature key.
//     Every private-key operation is counted: a real card takes 0.1–0.5 s per signature.
//   - A pulled card ends the session: operations fail with ErrCardRemoved and Removed()
//     is closed within a second.
//
// Every PKCS#11 call goes through the Backend interface, implemented by *pkcs11.Ctx;
// OpenWith lets tests wrap the real module to inject faults (package cps/cpstest).
package cps
