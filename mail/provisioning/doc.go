// Package provisioning is the typed client of the MSSanté operator provisioning API implemented by
// the sandbox (cmd/mss-sandbox/sandbox) and documented in docs/provisioning-api.md.
//
// Every call travels over HTTPS with mutual TLS: the caller's card (its authentication
// certificate and a crypto.Signer on CPS_PRIV_AUT) opens the connection, and the server is
// checked by the session's servertrust.Verifier, as the mail servers are (IGC-Santé anchors,
// server CA, serverAuth, current CRLs). http:// URLs are refused (ErrInsecureURL) and no
// redirect is followed (ErrRedirect). Creating a BAL additionally needs a request signed with
// the card's SIGNATURE key (CPS_PRIV_SIG): the signed bytes are Canonical(request JSON), the
// algorithm RSASSA-PKCS1-v1_5 with SHA-256 (CPS3 cards do not offer RSA-PSS).
//
// Errors returned by the server are *Error values carrying a machine code (Code* constants)
// and a French message meant for the user.
package provisioning
