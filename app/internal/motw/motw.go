// Package motw marks the files Comptoir writes from received mail as coming from outside,
// the way browsers and mail clients do, so that the system is wary of them: on Windows the
// Mark-of-the-Web (the Zone.Identifier alternate data stream, ZoneId=3: SmartScreen,
// Office's Protected View, macros blocked), on macOS the quarantine attribute (Gatekeeper).
// Linux desktops have no such mark.
package motw

// ZoneIdentifier is the content of the Zone.Identifier stream: the Internet zone.
const ZoneIdentifier = "[ZoneTransfer]\r\nZoneId=3\r\n"
