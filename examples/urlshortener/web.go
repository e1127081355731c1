package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/backendkit/backendkit/internal/problem"
	"github.com/backendkit/backendkit/shortener"
)

// webFiles are the page's templates and the files under /static/.
//
//go:embed web
var webFiles embed.FS

// formType is the media type of the page's form when it is sent without
// JavaScript.
const formType = "application/x-www-form-urlencoded"

// Headers of every page, static file and form answer. The policy allows
// only this origin's scripts, styles, images (the QR code) and fetches,
// never inline code, and no framing.
const (
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
	referrerPolicy = "no-referrer"
)

// expiries are the choices of the form's expiry field: a Go duration for
// expires_in, empty for never.
var expiries = []struct{ Value, Label string }{
	{"", "Never"},
	{"1h", "In an hour"},
	{"24h", "In a day"},
	{"168h", "In a week"},
	{"720h", "In 30 days"},
}

// pages are the parsed templates, one set per page.
type pages struct {
	home, link, failure *template.Template
	static              fs.FS
}

func parsePages() (*pages, error) {
	funcs := template.FuncMap{
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04:05 UTC") },
	}
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(webFiles, "web/layout.html", "web/"+name)
		if err != nil {
			return nil, fmt.Errorf("urlshortener: the page templates: %w", err)
		}
		return t, nil
	}
	var p pages
	var err error
	if p.home, err = parse("home.html"); err != nil {
		return nil, err
	}
	if p.link, err = parse("link.html"); err != nil {
		return nil, err
	}
	if p.failure, err = parse("error.html"); err != nil {
		return nil, err
	}
	if p.static, err = fs.Sub(webFiles, "web/static"); err != nil {
		return nil, fmt.Errorf("urlshortener: the static files: %w", err)
	}
	return &p, nil
}

// pageData is what every page's template reads.
type pageData struct {
	Title string
	// Auth says that writes need a bearer token.
	Auth bool
	// Status and Message are a refusal to show, as text.
	Status  int
	Message string
	// Form is what the form shows: the values sent last, after a refusal.
	Form     formValues
	Expiries []expiryChoice
	// Link is the link of the link page.
	Link *linkView
	// Created says the link page follows the form that created the link.
	Created bool
}

type formValues struct{ URL, Alias, ExpiresIn string }

type expiryChoice struct {
	Value, Label string
	Selected     bool
}

// linkView is a link as its page shows it.
type linkView struct {
	Code, ShortURL, URL, QR string
	CreatedAt, ExpiresAt    time.Time
	Clicks                  int64
}

func (a *app) homeData(status int, message string, f formValues) pageData {
	d := pageData{Title: "Shorten a link", Auth: a.verifier != nil, Status: status, Message: message, Form: f}
	for _, e := range expiries {
		d.Expiries = append(d.Expiries, expiryChoice{Value: e.Value, Label: e.Label, Selected: e.Value == f.ExpiresIn})
	}
	return d
}

// render writes the page t of data with status; a template that fails
// midway has written part of the page, so it is buffered first.
func (a *app) render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, data pageData) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		a.log.Error("rendering a page", "path", r.URL.Path, "err", err)
		problem.Status(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// home is GET /: the form.
func (a *app) home(w http.ResponseWriter, r *http.Request) error {
	a.render(w, r, a.pages.home, http.StatusOK, a.homeData(0, "", formValues{}))
	return nil
}

// linkPage is GET /links/{code}: the link's target, times and clicks,
// its short URL and QR code.
func (a *app) linkPage(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Stats(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	l := st.Link
	v := &linkView{Code: l.Code, ShortURL: a.shortURL(l.Code), URL: l.URL,
		QR: "/api/v1/links/" + url.PathEscape(l.Code) + "/qr", CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, Clicks: st.Clicks}
	a.render(w, r, a.pages.link, http.StatusOK, pageData{
		Title: "Link " + l.Code, Auth: a.verifier != nil, Link: v, Created: r.URL.Query().Get("created") == "1",
	})
	return nil
}

// static serves the page's script and style sheet.
func (a *app) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	b, err := fs.ReadFile(a.pages.static, name)
	if err != nil {
		return &requestError{status: http.StatusNotFound, detail: "no such file"}
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "public, max-age=300")
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	return nil
}

// formBody reads the form of POST /links (what the page sends without
// JavaScript), at most maxBodyBytes, and moves its token field into the
// Authorization header for the auth middleware.
func (a *app) formBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != formType {
			a.writeError(w, r, &requestError{status: http.StatusUnsupportedMediaType, detail: "the body must be " + formType, accept: formType})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseForm(); err != nil {
			a.writeError(w, r, jsonError(err))
			return
		}
		if tok := r.PostForm.Get("token"); tok != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		next.ServeHTTP(w, r)
	})
}

// formCreate is POST /links: the form's create, answered by a redirect to
// the new link's page (303, so a reload does not post again).
func (a *app) formCreate(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	if f.Get("url") == "" {
		return badRequest("enter the URL to shorten")
	}
	var expiresIn *string
	if s := f.Get("expires_in"); s != "" {
		expiresIn = &s
	}
	exp, err := parseExpiresIn(expiresIn)
	if err != nil {
		return err
	}
	link, err := a.svc.Shorten(r.Context(), shortener.ShortenRequest{URL: f.Get("url"), Alias: f.Get("alias"), ExpiresIn: exp})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/links/"+url.PathEscape(link.Code)+"?created=1", http.StatusSeeOther)
	return nil
}

// pageHeaders sets the security headers of the page's responses.
func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", referrerPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// pageErrors shows the problem responses of next (from the handler, the
// rate limit or the token check) as pages: the form with the problem's
// detail after a POST, an error page otherwise. The detail is shown as
// text; the JSON body is never.
func (a *app) pageErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &problemCatcher{ResponseWriter: w}
		next.ServeHTTP(pw, r)
		if !pw.caught {
			return
		}
		var p problem.Details
		if err := json.Unmarshal(pw.body.Bytes(), &p); err != nil || p.Detail == "" {
			p.Detail = http.StatusText(pw.status)
		}
		if r.Method == http.MethodPost {
			f := formValues{}
			if r.PostForm != nil {
				f = formValues{URL: r.PostForm.Get("url"), Alias: r.PostForm.Get("alias"), ExpiresIn: r.PostForm.Get("expires_in")}
			}
			a.render(w, r, a.pages.home, pw.status, a.homeData(pw.status, p.Detail, f))
			return
		}
		a.render(w, r, a.pages.failure, pw.status, pageData{
			Title: http.StatusText(pw.status), Auth: a.verifier != nil, Status: pw.status, Message: p.Detail,
		})
	})
}

// maxProblemBytes bounds the problem body a problemCatcher keeps.
const maxProblemBytes = 4 << 10

// problemCatcher holds back a problem response (status 400 and above with
// the problem media type) for pageErrors; anything else passes through.
type problemCatcher struct {
	http.ResponseWriter
	caught bool
	status int
	body   bytes.Buffer
}

func (w *problemCatcher) WriteHeader(code int) {
	if code >= 400 && w.Header().Get("Content-Type") == problem.ContentType {
		w.caught, w.status = true, code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *problemCatcher) Write(b []byte) (int, error) {
	if w.caught {
		if room := maxProblemBytes - w.body.Len(); room > 0 {
			w.body.Write(b[:min(len(b), room)])
		}
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *problemCatcher) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newCrossOrigin refuses writes a browser sends from another site: the
// browser's Sec-Fetch-Site, or else its Origin against the Host, must
// say same origin. Requests with neither header (curl, API clients) pass.
// The origin of -base-url is trusted too, for proxies that rewrite Host.
func (a *app) newCrossOrigin() (func(http.Handler) http.Handler, error) {
	c := http.NewCrossOriginProtection()
	if a.cfg.BaseURL != "" {
		u, err := url.Parse(a.cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("urlshortener: -base-url: %w", err)
		}
		if err := c.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("urlshortener: -base-url: %w", err)
		}
	}
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem.Status(w, r, http.StatusForbidden, "a write from another site's page is refused: use this service's own page")
	}))
	return c.Handler, nil
}
