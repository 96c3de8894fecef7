// Package sandbox is a complete local MSSanté operator (IMAP, SMTP, provisioning API).
package sandbox
