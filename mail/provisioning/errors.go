package provisioning

import (
	"errors"
	"fmt"

	"comptoir/mail/servertrust"
)

// Machine codes of API errors (Error.Code).
const (
	CodeCertificateRequired = "certificate_required" // 401: no client certificate
	CodeInvalidRequest      = "invalid_request"      // 400: malformed body or field
	CodeBadSignature        = "bad_signature"        // 400: signature or signature certificate refused
	CodeSignerMismatch      = "signer_mismatch"      // 403: signer, TLS holder and holder_id differ
	CodeStaleRequest        = "stale_request"        // 400: time too far from the server's clock
	CodeReplayed            = "replayed"             // 409: nonce already used
	CodeCGUOutdated         = "cgu_outdated"         // 422: CGU version is not the current one
	CodeInvalidAddress      = "invalid_address"      // 422: address does not follow the rules
	CodeAddressTaken        = "address_taken"        // 409: homonym; Error.Suggestion holds a free address
	CodeAlreadyExists       = "already_exists"       // 409: the holder already has this BAL
	CodeNotFound            = "not_found"            // 404: no such BAL or member
	CodeForbidden           = "forbidden"            // 403: the caller has no right on this BAL
	CodeAdminOnly           = "admin_only"           // 403: only an Administrateur may do this (grant, create the APP BAL)
	CodeNotPharmacist       = "not_pharmacist"       // 403: only a pharmacist may create a pharmacy's ORG BAL
	CodeManagerUsersOnly    = "manager_users_only"   // 403: a Gestionnaire manages Utilisateurs only
	CodeLastAdmin           = "last_admin"           // 409: the last Administrateur cannot go
	CodeNotOrganisational   = "not_organisational"   // 422: roles exist on ORG BALs only
	CodeInternal            = "internal"             // 500
)

// Error is an API error: HTTP status, machine code and a French message for the user.
type Error struct {
	Status     int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"` // a free address, with CodeAddressTaken
}

func (e *Error) Error() string {
	return fmt.Sprintf("provisioning: %d %s: %s", e.Status, e.Code, e.Message)
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Refusals of the client itself (not of the server).
var (
	// ErrInsecureURL: the configured API URL is not https://.
	ErrInsecureURL = errors.New("provisioning: the API URL must be https://")
	// ErrRedirect: the server answered with a redirect; the client follows none.
	ErrRedirect = errors.New("provisioning: redirect refused")
)

// UserMessage returns a French sentence for err: the server's own message for an
// *Error, the client's refusals, and the server-trust refusals (servertrust); "" for a
// plain network failure.
func UserMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	case errors.Is(err, ErrInsecureURL):
		return "L'adresse de l'API de l'opérateur doit commencer par https:// : corrigez-la dans les paramètres."
	case errors.Is(err, ErrRedirect):
		return "Le serveur de l'opérateur a tenté de rediriger la connexion ailleurs : la demande est refusée."
	}
	return servertrust.UserMessage(err)
}
