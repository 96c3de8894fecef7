package app

// BAL is the address of the BAL the main window shows.
func (m *MainScreen) BAL() string { return m.bal }

// Session is the session the main window shows (nil while locked).
func (m *MainScreen) Session() Session { return m.s }

// Message is the message the reader shows (nil when none).
func (r *ReaderView) Message() *Message { return r.msg }
