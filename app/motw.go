package app

// zoneIdentifier is the Mark-of-the-Web written on every file Comptoir saves or opens on
// Windows (the Zone.Identifier alternate data stream, as browsers and mail clients write
// it): ZoneId=3, the Internet zone, so that Windows and Office treat the file as coming from
// outside (SmartScreen, Protected View, macros blocked).
const zoneIdentifier = "[ZoneTransfer]\r\nZoneId=3\r\n"
