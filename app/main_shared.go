package app

import "strings"

// BAL is the address of the BAL the main window shows.
func (m *MainScreen) BAL() string { return m.bal }

// Session is the session the main window shows (nil while locked).
func (m *MainScreen) Session() Session { return m.s }

// Message is the message the reader shows (nil when none).
func (r *ReaderView) Message() *Message { return r.msg }

// RowTips are what the icons of row i mean, in the order they show (their tooltips).
func (m *MainScreen) RowTips(i int) []string { return m.rowAt(i).Tips }

// RowBold reports whether row i shows as unread.
func (m *MainScreen) RowBold(i int) bool { return m.rowAt(i).From.TextStyle.Bold }

// FolderNames are the folders as listed (with their unread counts).
func (m *MainScreen) FolderNames() []string {
	out := make([]string, len(m.folders))
	for i, f := range m.folders {
		out[i] = m.folderText(f)
	}
	return out
}

// ShowFolder selects the folder whose listed name starts with name; false when none.
func (m *MainScreen) ShowFolder(name string) bool {
	m.loadFolders()
	for i, f := range m.folders {
		if strings.HasPrefix(m.folderText(f), name) {
			m.Folders.Select(i)
			return true
		}
	}
	return false
}
