package msg

import (
	"io"
	"strings"

	"golang.org/x/net/html"
)

// maxHTMLTokens bounds the work on one HTML part.
const maxHTMLTokens = 1_000_000

// HTMLToText reduces HTML to readable plain text: scripts, styles and other non-content
// elements are dropped, blocks become line breaks, links keep their target as text
// ("texte <https://…>"), images their alternative text. Nothing is ever fetched.
func HTMLToText(r io.Reader) string {
	z := html.NewTokenizer(r)
	var b textBuilder
	skip := 0 // depth inside elements whose content is not shown
	pre := 0
	var href string
	var linkText strings.Builder
	for n := 0; n < maxHTMLTokens; n++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if href != "" {
				linkText.WriteString(t)
			}
			if pre > 0 {
				b.raw(t)
			} else {
				b.words(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if skipped[tag] {
				if tt == html.StartTagToken && !voidElements[tag] {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "br":
				b.newline(1)
			case "li":
				b.newline(1)
				b.raw("• ")
			case "pre":
				b.newline(2)
				pre++
			case "a":
				href = linkTarget(attrs["href"])
				linkText.Reset()
			case "img":
				if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
					b.words("[" + alt + "]")
				}
			case "td", "th":
				b.raw(" ")
			case "hr":
				b.newline(1)
				b.raw("----------")
				b.newline(1)
			default:
				if blockElements[tag] {
					b.newline(blockElements2[tag])
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if skipped[tag] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "a":
				if href != "" && strings.TrimSpace(linkText.String()) != strings.TrimPrefix(href, "mailto:") && strings.TrimSpace(linkText.String()) != href {
					b.space = true
					b.words("<" + href + ">")
				}
				href = ""
			case "pre":
				if pre > 0 {
					pre--
				}
				b.newline(2)
			default:
				if blockElements[tag] {
					b.newline(blockElements2[tag])
				}
			}
		}
	}
	return b.String()
}

// linkTarget keeps web and mail links; javascript:, data: and others are not shown.
func linkTarget(h string) string {
	h = strings.TrimSpace(h)
	low := strings.ToLower(h)
	for _, p := range []string{"http://", "https://", "mailto:"} {
		if strings.HasPrefix(low, p) {
			return strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, h)
		}
	}
	return ""
}

var skipped = map[string]bool{"script": true, "style": true, "head": true, "title": true, "noscript": true,
	"template": true, "iframe": true, "object": true, "embed": true, "svg": true, "math": true,
	"select": true, "button": true, "textarea": true, "canvas": true, "audio": true, "video": true}

var voidElements = map[string]bool{"embed": true}

var blockElements = map[string]bool{"p": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "ul": true, "ol": true, "table": true, "tr": true, "blockquote": true,
	"section": true, "article": true, "header": true, "footer": true, "address": true, "dl": true,
	"dt": true, "dd": true, "center": true, "form": true, "fieldset": true, "body": true}

// blockElements2 gives the number of line breaks around paragraph-like blocks (others: 1).
var blockElements2 = func() map[string]int {
	m := map[string]int{}
	for k := range blockElements {
		m[k] = 1
	}
	for _, k := range []string{"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"} {
		m[k] = 2
	}
	return m
}()

// textBuilder collapses white space and line breaks the way a browser would.
type textBuilder struct {
	b        strings.Builder
	newlines int  // trailing line breaks already written
	space    bool // a space is pending
}

func (t *textBuilder) words(s string) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		t.space = t.space || s != ""
		return
	}
	if isSpace(s[0]) {
		t.space = true
	}
	for i, f := range fields {
		if (i > 0 || t.space) && t.b.Len() > 0 && t.newlines == 0 {
			t.b.WriteByte(' ')
		}
		t.b.WriteString(f)
		t.newlines = 0
	}
	t.space = isSpace(s[len(s)-1])
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (t *textBuilder) raw(s string) {
	if s == "" {
		return
	}
	if t.space && t.newlines == 0 && t.b.Len() > 0 && !strings.HasPrefix(s, " ") {
		t.b.WriteByte(' ')
	}
	t.b.WriteString(s)
	t.space = false
	if strings.HasSuffix(s, "\n") {
		t.newlines = len(s) - len(strings.TrimRight(s, "\n"))
	} else {
		t.newlines = 0
	}
}

func (t *textBuilder) newline(n int) {
	if t.b.Len() == 0 {
		return
	}
	for t.newlines < n {
		t.b.WriteByte('\n')
		t.newlines++
	}
	t.space = false
}

func (t *textBuilder) String() string {
	return strings.TrimSpace(t.b.String())
}
