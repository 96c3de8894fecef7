package indicator

import (
	"time"

	"comptoir/mail/patient"
)

// The incentive: €240 when 5 % of the dispensings give rise to an MSSanté exchange.
const (
	TargetPercent = 5
	RewardEuros   = 240
)

// Explanation tells the user, in French, how the indicator's ratio is estimated.
const Explanation = "Comment le taux est estimé. L'Assurance maladie verse 240 € à la pharmacie " +
	"lorsque 5 % de ses délivrances donnent lieu à un échange par messagerie sécurisée de santé (MSSanté). " +
	"Comptoir ne sait pas quel message se rapporte à quelle délivrance : il fait une approximation. " +
	"Pour chaque mois, il compte les messages MSSanté envoyés et reçus par les boîtes aux lettres de la pharmacie " +
	"ouvertes sur ce poste, avec les patients (Mon Espace Santé) et avec les professionnels de santé ; " +
	"chaque message compte pour un échange, les accusés de réception et avis de non-remise ne comptent pas. " +
	"Ce nombre d'échanges est divisé par le nombre de délivrances du mois, saisi à la main ou importé " +
	"du logiciel de l'officine. Le taux obtenu est indicatif : seul le relevé de l'Assurance maladie fait foi."

// Summary is what the indicator needs of one message, fed by the app from the cache.
type Summary struct {
	Date        time.Time
	Sent        bool   // sent by one of the pharmacy's mailboxes (else received)
	Patient     bool   // the counterpart is a patient (Mon Espace Santé), else a professional
	Counterpart string // the other party's address
	Automatic   bool   // delivery or read report (DSN/MDN): not an exchange
}

// SummaryOf builds a Summary, telling patients from professionals by the address.
func SummaryOf(date time.Time, sent bool, counterpart string, automatic bool) Summary {
	return Summary{Date: date, Sent: sent, Patient: patient.IsAddress(counterpart), Counterpart: counterpart, Automatic: automatic}
}

// Row is one month of the indicator (or the total of a Table).
type Row struct {
	Month                                    Month // zero in a Table's Total
	SentPatients, ReceivedPatients           int
	SentProfessionals, ReceivedProfessionals int
	Dispensings                              int  // meaningful when HasDispensings
	HasDispensings                           bool // the month's dispensings were entered or imported
}

// Exchanges is the month's count of MSSanté exchanges.
func (r Row) Exchanges() int {
	return r.SentPatients + r.ReceivedPatients + r.SentProfessionals + r.ReceivedProfessionals
}

// Ratio is exchanges / dispensings; ok is false when the dispensings are unknown or zero.
func (r Row) Ratio() (ratio float64, ok bool) {
	if !r.HasDispensings || r.Dispensings <= 0 {
		return 0, false
	}
	return float64(r.Exchanges()) / float64(r.Dispensings), true
}

// Reached reports whether exchanges reach 5 % of dispensings (exact integer comparison).
func (r Row) Reached() bool {
	return r.HasDispensings && r.Dispensings > 0 && r.Exchanges()*100 >= TargetPercent*r.Dispensings
}

// Missing is the number of further exchanges needed to reach the target (0 if reached
// or if the dispensings are unknown).
func (r Row) Missing() int {
	if !r.HasDispensings || r.Dispensings <= 0 {
		return 0
	}
	need := (TargetPercent*r.Dispensings + 99) / 100
	if n := need - r.Exchanges(); n > 0 {
		return n
	}
	return 0
}

// Table is the indicator month by month, oldest first, without gaps, and its totals.
type Table struct {
	Rows []Row
	// Total sums every month; its Dispensings are those known, and HasDispensings is
	// false, so it carries no ratio: exchanges of months without dispensings would inflate it.
	Total Row
	// Rated sums only the months whose dispensings are known: its ratio is the period's.
	Rated Row
	// RatedMonths is the number of months in Rated.
	RatedMonths int
}

// Compute builds the table from message summaries and dispensings. Months are taken in
// loc (the pharmacy's time zone; nil keeps each date's own location). The table spans
// from the first to the last month that has messages or dispensings.
func Compute(msgs []Summary, disp Dispensings, loc *time.Location) Table {
	rows := map[Month]*Row{}
	get := func(m Month) *Row {
		r := rows[m]
		if r == nil {
			r = &Row{Month: m}
			rows[m] = r
		}
		return r
	}
	for _, s := range msgs {
		if s.Automatic || s.Date.IsZero() {
			continue
		}
		r := get(MonthOf(s.Date, loc))
		switch {
		case s.Sent && s.Patient:
			r.SentPatients++
		case s.Patient:
			r.ReceivedPatients++
		case s.Sent:
			r.SentProfessionals++
		default:
			r.ReceivedProfessionals++
		}
	}
	for m, n := range disp {
		r := get(m)
		r.Dispensings, r.HasDispensings = n, true
	}
	if len(rows) == 0 {
		return Table{}
	}
	var first, last Month
	started := false
	for m := range rows {
		if !started || m.Before(first) {
			first = m
		}
		if !started || last.Before(m) {
			last = m
		}
		started = true
	}
	var t Table
	for m := first; !last.Before(m); m = m.Next() {
		if r := rows[m]; r != nil {
			t.Rows = append(t.Rows, *r)
		} else {
			t.Rows = append(t.Rows, Row{Month: m})
		}
	}
	t.fillTotals()
	return t
}

// Year keeps the rows of one calendar year (the incentive is yearly) and recomputes the total.
func (t Table) Year(y int) Table {
	var out Table
	for _, r := range t.Rows {
		if r.Month.Year == y {
			out.Rows = append(out.Rows, r)
		}
	}
	out.fillTotals()
	return out
}

func (t *Table) fillTotals() {
	t.Total, t.Rated, t.RatedMonths = Row{}, Row{}, 0
	for _, r := range t.Rows {
		add(&t.Total, r)
		t.Total.Dispensings += r.Dispensings
		if r.HasDispensings {
			add(&t.Rated, r)
			t.Rated.Dispensings += r.Dispensings
			t.Rated.HasDispensings = true
			t.RatedMonths++
		}
	}
}

func add(dst *Row, r Row) {
	dst.SentPatients += r.SentPatients
	dst.ReceivedPatients += r.ReceivedPatients
	dst.SentProfessionals += r.SentProfessionals
	dst.ReceivedProfessionals += r.ReceivedProfessionals
}
