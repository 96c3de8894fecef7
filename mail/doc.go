// Package mail implements MSSanté messaging: message rules, IMAP sync, SMTP submission.
package mail
