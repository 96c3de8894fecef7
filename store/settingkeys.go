package store

// Settings keys: the one place the names of the settings bucket's entries are built (the
// bucket tree in doc.go lists them). Every part of Comptoir that keeps a setting in the
// cache calls one of these.
const (
	// KeyReplyTemplates: the patient reply templates (JSON, mail/patient.MarshalTemplates).
	KeyReplyTemplates = "patient.templates"
	// KeyDispensings: the dispensings per month of the incentive indicator (JSON).
	KeyDispensings = "indicator.dispensings"
)

// KeyDraft is the draft saved for a BAL (one per BAL, JSON).
func KeyDraft(bal string) string { return "draft:" + bal }

// KeyPendingOps holds a BAL's local flag and delete operations not yet pushed to the server.
func KeyPendingOps(bal string) string { return "mail/pending-ops/" + bal }

// KeyOutboxDSN holds the DSN request of an outbox item.
func KeyOutboxDSN(id string) string { return "mail/outbox-dsn/" + id }

// KeyBALCredential holds an APP BAL's structure certificate and key (PKCS#8 and DER chain),
// kept when the wizard created the BAL, so the session opens it without the card.
func KeyBALCredential(bal string) string { return "bal/credential/" + bal }
