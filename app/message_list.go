package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// pageSize is how many envelopes one cache query loads; the list asks only for the rows it
// shows, so 50 000 messages cost one Counts and a page or two. About a screen of rows: a
// jump decodes (and allocates) little more than it shows, which was most of a frame once
// rows stopped shaping text (BenchmarkListFrame50k: 127 KB a jump at 64, 78 KB at 32).
// maxPages pages stay loaded.
const (
	pageSize = 32
	maxPages = 128
)

// listModel is the virtualised content of the message list: the folder's pages loaded on
// demand, or the results of a search.
type listModel struct {
	total     int
	pages     map[int][]Envelope
	searching bool
	results   []Envelope
}

func newListModel() *listModel { return &listModel{pages: map[int][]Envelope{}} }

func (l *listModel) reset(total int) {
	l.total = total
	clear(l.pages)
	l.searching = false
	l.results = nil
}

func (l *listModel) length() int {
	if l.searching {
		return len(l.results)
	}
	return l.total
}

// envelopeAt returns row i, loading its page from the cache when needed.
func (m *MainScreen) envelopeAt(i int) (Envelope, bool) {
	l := m.model
	if l.searching {
		if i < 0 || i >= len(l.results) {
			return Envelope{}, false
		}
		return l.results[i], true
	}
	if i < 0 || i >= l.total || m.s == nil {
		return Envelope{}, false
	}
	p := i / pageSize
	page, ok := l.pages[p]
	if !ok {
		var err error
		page, err = m.s.Page(m.bal, m.folder, p*pageSize, pageSize)
		if err != nil {
			m.u.log.Warn("load page", "err", err)
			return Envelope{}, false
		}
		if len(l.pages) >= maxPages {
			clear(l.pages)
		}
		l.pages[p] = page
	}
	if j := i - p*pageSize; j < len(page) {
		return page[j], true
	}
	return Envelope{}, false
}

// reloadList re-counts the folder and redraws the list (new mail, folder change).
func (m *MainScreen) reloadList() {
	if m.s == nil {
		return
	}
	if m.model.searching {
		m.search()
		return
	}
	total, _, err := m.s.Counts(m.bal, m.folder)
	if err != nil {
		m.u.log.Warn("count folder", "err", err)
	}
	m.model.reset(total)
	m.List.Refresh()
	if total > prewarmRows {
		// The cache builds its index of page positions at the first page deep in a
		// folder: build it off the UI goroutine, not during the user's first jump.
		s, bal, folder := m.s, m.bal, m.folder
		go func() { _, _ = s.Page(bal, folder, total-1, 1) }()
	}
}

// prewarmRows: folders longer than this get their page positions built in the background.
const prewarmRows = 1000

// search filters the list through the cache's full-text index; an empty box shows the folder.
func (m *MainScreen) search() {
	if m.s == nil {
		return
	}
	q := strings.TrimSpace(m.Search.Text)
	m.searchSeq++
	seq := m.searchSeq
	if q == "" {
		m.model.searching = false
		m.model.results = nil
		m.reloadList()
		return
	}
	s, bal := m.s, m.bal
	go func() {
		res, err := s.Search(bal, q)
		m.u.deps.Do(func() {
			if seq != m.searchSeq || m.s != s {
				return
			}
			if err != nil {
				m.u.log.Warn("search", "err", err)
			}
			m.model.searching = true
			m.model.results = res
			m.unselect()
			m.List.Refresh()
		})
	}()
}

func (m *MainScreen) newMessageList() *MessageList {
	icons, measure := newRowIcons(), newRowMeasure()
	l := &MessageList{m: m, icons: icons, measure: measure}
	l.Length = func() int { return m.model.length() }
	l.CreateItem = func() fyne.CanvasObject {
		r := newMessageRow(m.u.tips, icons, measure)
		r.menu, r.pick = m.showRowMenu, l.pick
		return r
	}
	l.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) {
		e, ok := m.envelopeAt(id)
		row := o.(*messageRow)
		row.id = id
		row.set(m.u, m.rowEnvelope(e), ok)
		if ok {
			m.rowsDrawn.Add(1)
		}
	}
	l.OnSelected = func(id widget.ListItemID) {
		m.u.touch()
		m.u.tips.hide()
		m.row = id
		if e, ok := m.envelopeAt(id); ok {
			m.open(e)
		}
	}
	l.ExtendBaseWidget(l)
	return l
}

// open shows e in the reader (read off the UI goroutine) and marks it read.
func (m *MainScreen) open(e Envelope) {
	m.current = &e
	m.Reader.load(m.s, e)
	m.setMessageActions(true)
	if !e.Seen {
		if err := m.s.MarkRead(e.Ref); err != nil {
			m.u.log.Warn("mark read", "err", err)
		}
		m.model.markSeen(e.Ref)
		m.refreshCounts()
		m.List.Refresh()
	}
}

func (l *listModel) markSeen(r Ref) {
	for _, p := range l.pages {
		for i := range p {
			if p[i].Ref == r {
				p[i].Seen = true
			}
		}
	}
	for i := range l.results {
		if l.results[i].Ref == r {
			l.results[i].Seen = true
		}
	}
}

func show(o fyne.CanvasObject, on bool) {
	if on == o.Visible() {
		return
	}
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func senderName(a Address) string { return clip(a.Person(), maxAddressRunes) }

// xdmPrefix starts the subject of MSSanté document messages (ECO.2.1.3); the list hides it
// (ECO.3.1.3).
const xdmPrefix = "XDM/1.0/DDM+"

func displaySubject(s string) string {
	if len(s) >= len(xdmPrefix) && strings.EqualFold(s[:len(xdmPrefix)], xdmPrefix) {
		s = s[len(xdmPrefix):]
	}
	return clip(strings.TrimSpace(s), maxSubjectRunes)
}

// Rows is the number of rows in the message list.
func (m *MainScreen) Rows() int { return m.model.length() }

// RowsDrawn counts the message rows the list has bound for drawing since the screen opened
// (the launch measurement waits for the first one).
func (m *MainScreen) RowsDrawn() int64 { return m.rowsDrawn.Load() }

// RowText is what row i shows: the sender line (sender, patient, INS) and the subject.
func (m *MainScreen) RowText(i int) (from, subject string) {
	v := m.Row(i)
	return joinNonEmpty(" — ", v.From, v.Patient, v.INS), v.Subject
}

// RowView is what one row of the list shows, each text whole.
type RowView struct{ From, Patient, INS, Subject, Date string }

// Row is what row i shows.
func (m *MainScreen) Row(i int) RowView {
	return m.rowAt(i).view()
}

// rowAt is row i as the list draws it.
func (m *MainScreen) rowAt(i int) *messageRow {
	r := newMessageRow(m.u.tips, newRowIcons(), newRowMeasure())
	e, ok := m.envelopeAt(i)
	r.set(m.u, m.rowEnvelope(e), ok)
	return r
}
