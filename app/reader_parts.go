package app

import (
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ManyParts: a message with more attachments than this lists them in a scrolling list that
// makes rows only for the few it shows, rebound as it scrolls; the reader shows it before it
// is read to its end (Mailbox.Open's early). A row costs about 2 ms of the
// UI goroutine (its icons are decoded); a message of 500 attachments froze the window for
// seconds with one row each.
const ManyParts = 12

// listRows is how many attachment rows the list shows at once.
const listRows = 4

// showAttachments shows the attachment rows: one row each for a few (Attachments), else
// the list (AttachmentList), whose rows Attachments does not hold.
func (r *ReaderView) showAttachments(parts []Part) {
	r.Attachments = nil
	if len(parts) > ManyParts {
		pl := r.partList()
		pl.title.SetText(r.u.tr.T("reader.attachments.many", FrenchCount(int64(len(parts)))))
		// Back to the top for another message, not when the message read early is completed.
		same := len(pl.parts) > 0 && sameSource(pl.parts[0].Source, parts[0].Source)
		if pl.shown && !same { // before its first layout, the list cannot scroll (Fyne 2.7 panics)
			pl.list.ScrollToTop()
		}
		pl.shown = true
		pl.parts = parts
		pl.list.Refresh()
		r.atts.Objects = []fyne.CanvasObject{pl.content}
		r.atts.Refresh()
		return
	}
	if r.plist != nil {
		r.plist.parts = nil
	}
	rows := make([]fyne.CanvasObject, 0, len(parts))
	for _, p := range parts {
		row := newPartRow(r.u, r.Preview, p, cleanName(p.Name))
		r.Attachments = append(r.Attachments, row)
		rows = append(rows, row.Content)
	}
	// One layout for all the rows: Add lays the box out again at each one.
	r.atts.Objects = rows
	r.atts.Refresh()
}

// previewFirst shows the first PDF (or image) at once: documents first (ECO.2.1.2). The
// preview under way is kept if it is of that part already (the message read early, then
// completed).
func (r *ReaderView) previewFirst(parts []Part) {
	var first *Part
	for _, row := range r.Documents {
		if row.CanPreview() {
			first = &row.part
			break
		}
	}
	for i := 0; first == nil && i < len(parts); i++ {
		if previewKind(parts[i]) != "" {
			first = &parts[i]
		}
	}
	switch {
	case first == nil:
		r.Preview.clear()
	case !sameSource(r.Preview.part.Source, first.Source):
		r.u.touch()
		r.Preview.show(*first)
	}
}

// samePart reports whether a and b are the same part: streamed from the same place of the
// cache, or the same bytes in memory.
func samePart(a, b Part) bool {
	if a.Source != nil || b.Source != nil {
		return sameSource(a.Source, b.Source)
	}
	return a.Name == b.Name && len(a.Data) == len(b.Data) && (len(a.Data) == 0 || &a.Data[0] == &b.Data[0])
}

// sameSource reports whether a and b stream the same part from the cache.
func sameSource(a, b PartSource) bool {
	if a == nil || b == nil {
		return false
	}
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && t.Comparable() && a == b
}

// AttachmentList is the list of a message with many attachments; nil before the first one.
func (r *ReaderView) AttachmentList() *widget.List {
	if r.plist == nil {
		return nil
	}
	return r.plist.list
}

// ListRows are the rows the list of many attachments made, each showing the part it is
// bound to (those scrolled out of view included), in no order.
func (r *ReaderView) ListRows() []*PartRow {
	if r.plist == nil {
		return nil
	}
	out := make([]*PartRow, 0, len(r.plist.rows))
	for _, row := range r.plist.rows {
		out = append(out, row)
	}
	return out
}

// PartCount is the number of attachments of the message shown.
func (r *ReaderView) PartCount() int {
	if r.plist != nil && r.plist.parts != nil {
		return len(r.plist.parts)
	}
	return len(r.Attachments)
}

// partList lists many attachments. It is made once and kept: its rows, made for the first
// message that needs them, are rebound for the next ones.
type partList struct {
	title   *widget.Label
	list    *widget.List
	content *fyne.Container
	parts   []Part
	rows    map[fyne.CanvasObject]*PartRow // the list's items and the rows they are
	shown   bool
}

func (r *ReaderView) partList() *partList {
	if r.plist != nil {
		return r.plist
	}
	pl := &partList{title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		rows: map[fyne.CanvasObject]*PartRow{}}
	pl.list = widget.NewList(
		func() int { return len(pl.parts) },
		func() fyne.CanvasObject {
			row := newPartRowWidgets(r.u, r.Preview)
			// One line of warning: every row has the template's height.
			row.Warning.Wrapping, row.Warning.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
			pl.rows[row.Content] = row
			return row.Content
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if row := pl.rows[o]; row != nil && id < len(pl.parts) {
				p := pl.parts[id]
				row.set(p, cleanName(p.Name))
			}
		})
	// Selecting a row does nothing: its buttons act.
	pl.list.OnSelected = func(widget.ListItemID) { pl.list.UnselectAll() }
	pl.content = container.NewVBox(pl.title, container.New(&rowsHeight{list: pl.list}, pl.list))
	r.plist = pl
	return pl
}

// rowsHeight gives the list the height of listRows rows.
type rowsHeight struct{ list *widget.List }

func (l *rowsHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	row := l.list.MinSize() // one row and the scroll bar's room
	pad := l.list.Theme().Size(theme.SizeNamePadding)
	return fyne.NewSize(row.Width, listRows*row.Height+(listRows-1)*pad)
}

func (l *rowsHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
