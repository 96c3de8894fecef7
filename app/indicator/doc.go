// Package indicator computes the pharmacy's incentive indicator (the seed's ROSP: 240 € when
// 5 % of dispensings give rise to an MSSanté exchange). It is pure logic: no network, no GUI,
// no storage.
//
// Contract:
//   - Compute counts MSSanté exchanges per month from message summaries (Summary, SummaryOf)
//     and sets them against the dispensings per month (Dispensings, kept by the session in
//     the encrypted cache), entered by hand or read by ImportDispensings from the pharmacy
//     software's CSV export (docs/indicateur.md). Months are counted in the given location
//     (the workstation's zone in the app).
//   - WriteCSV exports the monthly table; FormatPercent writes a ratio the French way.
//   - Explanation says, in French, how the ratio is estimated.
package indicator
