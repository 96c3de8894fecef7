package config

import (
	"slices"
	"strings"
	"time"

	"comptoir/mail"
)

// Config is one layer of config.json, or the effective configuration.
type Config struct {
	Operator Operator
	// Module is the PKCS#11 module ("pkcs11_module"); "" means cps.FindModule's defaults.
	Module string
	// Language is "fr" (default) or "en" ("language").
	Language string
	// AutoLock is the inactivity delay before the UI locks ("auto_lock"); 0 means the default.
	AutoLock time.Duration
	// Theme is "light" or "dark" ("theme"); "" follows the system's.
	Theme string
	// TextSize is "large" or "larger" ("text_size"); "" is the system's.
	TextSize string
	// PSCNationalID is the national id ("8"+RPPS) last logged in with the e-CPS on this
	// workstation, offered again by the login screen ("psc_national_id"; public: the Annuaire
	// Santé lists it).
	PSCNationalID string
}

// Operator is the "operator" section: how to reach the MSSanté operator.
type Operator struct {
	Domain                string   // "domain": the mail domain; servers found by DNS SRV when IMAP/Submission are empty
	IMAP                  string   // "imap": host:port
	Submission            string   // "submission": host:port
	IMAPImplicitTLS       bool     // "imap_implicit_tls": TLS from the first byte instead of STARTTLS
	SubmissionImplicitTLS bool     // "submission_implicit_tls"
	ServerName            string   // "server_name": the name checked in server certificates (default: the host)
	TrustStore            []string // "trust_store": files or directories of IGC-Santé certificates and CRLs; empty: the Cryptolib's Coffre
	API                   string   // "api": base URL of the operator's provisioning API (BALs, roles)
	PSC                   string   // "psc": URL of the operator's Pro Santé Connect intermediate server
	Hosts                 []string // "hosts": the operator's server host names, when given explicitly
}

// The JSON keys, as dotted paths; they are also the names a machine file's "locked" list uses.
const (
	KeyOperator              = "operator"
	KeyDomain                = "operator.domain"
	KeyIMAP                  = "operator.imap"
	KeySubmission            = "operator.submission"
	KeyIMAPImplicitTLS       = "operator.imap_implicit_tls"
	KeySubmissionImplicitTLS = "operator.submission_implicit_tls"
	KeyServerName            = "operator.server_name"
	KeyTrustStore            = "operator.trust_store"
	KeyAPI                   = "operator.api"
	KeyPSC                   = "operator.psc"
	KeyHosts                 = "operator.hosts"
	KeyModule                = "pkcs11_module"
	KeyLanguage              = "language"
	KeyAutoLock              = "auto_lock"
	KeyTheme                 = "theme"
	KeyTextSize              = "text_size"
	KeyPSCNationalID         = "psc_national_id"
	// KeyLocked is the machine file's list of locked keys.
	KeyLocked = "locked"
)

// field is one known leaf key and its value in a Config, in the form it is written to JSON.
type field struct {
	key string
	get func(*Config) any
}

// fields lists every leaf key this version reads and writes, in file order.
var fields = []field{
	{KeyDomain, func(c *Config) any { return c.Operator.Domain }},
	{KeyIMAP, func(c *Config) any { return c.Operator.IMAP }},
	{KeySubmission, func(c *Config) any { return c.Operator.Submission }},
	{KeyIMAPImplicitTLS, func(c *Config) any { return c.Operator.IMAPImplicitTLS }},
	{KeySubmissionImplicitTLS, func(c *Config) any { return c.Operator.SubmissionImplicitTLS }},
	{KeyServerName, func(c *Config) any { return c.Operator.ServerName }},
	{KeyTrustStore, func(c *Config) any { return listValue(c.Operator.TrustStore) }},
	{KeyAPI, func(c *Config) any { return c.Operator.API }},
	{KeyPSC, func(c *Config) any { return c.Operator.PSC }},
	{KeyHosts, func(c *Config) any { return listValue(c.Operator.Hosts) }},
	{KeyModule, func(c *Config) any { return c.Module }},
	{KeyLanguage, func(c *Config) any { return c.Language }},
	// Nanoseconds, as time.Duration marshals: what earlier versions read.
	{KeyAutoLock, func(c *Config) any { return int64(c.AutoLock) }},
	{KeyTheme, func(c *Config) any { return c.Theme }},
	{KeyTextSize, func(c *Config) any { return c.TextSize }},
	{KeyPSCNationalID, func(c *Config) any { return c.PSCNationalID }},
}

// Keys lists the leaf keys of the schema.
func Keys() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.key
	}
	return out
}

// listValue makes nil and empty lists the same value.
func listValue(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}

// isZero reports whether v (a field value) is its type's zero.
func isZero(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case bool:
		return !v
	case int64:
		return v == 0
	case []string:
		return len(v) == 0
	}
	return v == nil
}

// same compares two field values.
func same(a, b any) bool {
	la, aok := a.([]string)
	lb, bok := b.([]string)
	if aok || bok {
		return aok && bok && slices.Equal(la, lb)
	}
	return a == b
}

// Mail is the operator section as the mail package takes it (mail.OperatorConfig.Resolve finds
// the servers by DNS when they are not given and loads the trust store).
func (o Operator) Mail() mail.OperatorConfig {
	return mail.OperatorConfig{
		Domain:          o.Domain,
		IMAP:            o.IMAP,
		SMTP:            o.Submission,
		IMAPImplicitTLS: o.IMAPImplicitTLS,
		SMTPImplicitTLS: o.SubmissionImplicitTLS,
		ServerName:      o.ServerName,
		Hosts:           slices.Clone(o.Hosts), // SRV targets trusted outside the domain (RFC 6186 §6)
		TrustStore:      slices.Clone(o.TrustStore),
	}
}

// Source says where an effective value comes from.
type Source int

const (
	// FromDefault: neither file sets the key.
	FromDefault Source = iota
	// FromMachine: the workstation's file (set by IT).
	FromMachine
	// FromUser: the user's own file.
	FromUser
)

// String is the French name of the source, as the diagnostic shows it.
func (s Source) String() string {
	switch s {
	case FromMachine:
		return "configuration du poste"
	case FromUser:
		return "réglage de l'utilisateur"
	}
	return "valeur par défaut"
}

// covers reports whether the lock lock applies to key (the key itself or a section above it).
func covers(lock, key string) bool {
	return key == lock || strings.HasPrefix(key, lock+".")
}
