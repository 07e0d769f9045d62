package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

//go:embed templates/*.html templates/style.css
var files embed.FS

// pageTemplate is one page: the layout with the page's content block.
type pageTemplate struct{ t *template.Template }

// pageNames are the pages; each is templates/NAME.html defining "content".
var pageNames = []string{"login", "home", "continue", "error", "genome", "records", "looked", "choices"}

func loadTemplates() (map[string]*pageTemplate, error) {
	out := map[string]*pageTemplate{}
	for _, n := range pageNames {
		t, err := template.New("layout.html").Funcs(template.FuncMap{"date": fmtDate, "datetime": fmtDateTime,
			"mul100": func(f float64) float64 { return 100 * f }, "findingNote": findingNote,
			"num":  func(f *float64) string { return strconv.FormatFloat(*f, 'g', 6, 64) },
			"pair": func(p *page, a []Access) accessRows { return accessRows{P: p, A: a} }}).
			ParseFS(files, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("portal: template %s: %w", n, err)
		}
		out[n] = &pageTemplate{t: t}
	}
	return out, nil
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format(time.DateOnly)
}

func fmtDateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// accessRows are rows of the "who looked" table with their page.
type accessRows struct {
	P *page
	A []Access
}

// page is what every template gets.
type page struct {
	Lang     string
	cat      map[string]string
	LoggedIn bool
	Name     string // the logged-in person's name
	Self     string // their isikukood
	CSRF     string
	Path     string // this page's path, for the language links
	Whose    []Whom
	Current  *Whom // whose data the page shows
	Active   string
	Message  string // catalogue key of an error or notice
	Data     any
}

// T returns the message of key in the page's language; a key missing from
// the catalogue shows as itself (a test keeps the catalogue complete).
func (p *page) T(key string) string {
	if s, ok := p.cat[key]; ok {
		return s
	}
	return key
}

// Tf formats the message of key with args.
func (p *page) Tf(key string, args ...any) string { return fmt.Sprintf(p.T(key), args...) }

func newPage(r *http.Request, ss *session) *page {
	lang := pageLanguage(r)
	p := &page{Lang: lang, cat: catalogue[lang], Path: r.URL.Path}
	if ss != nil {
		p.LoggedIn, p.Self, p.CSRF = true, ss.caller.Isikukood, ss.csrf
		p.Name = ss.profile.Given + " " + ss.profile.Family
	}
	return p
}

// render writes page name; msg, when a string, is a catalogue key shown as
// the page's message.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page, msg any) {
	if k, ok := msg.(string); ok {
		pg.Message = k
	}
	if q := r.URL.Query().Get("lang"); q != "" && catalogue[q] != nil {
		setCookie(w, langCookie, q, 365*24*3600, http.SameSiteStrictMode)
	}
	var b bytes.Buffer
	if err := p.pages[name].t.Execute(&b, pg); err != nil {
		p.s.Logger().Error("portal: template", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", pg.Lang)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func serveCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("templates/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write(b)
}
