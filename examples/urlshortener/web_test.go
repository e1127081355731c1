package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// page is an HTML response parsed.
type page struct {
	reply
	doc *html.Node
}

func parsePage(t *testing.T, rep reply) page {
	t.Helper()
	require.Equal(t, "text/html; charset=utf-8", rep.header.Get("Content-Type"), "body %s", rep.body)
	doc, err := html.Parse(strings.NewReader(string(rep.body)))
	require.NoError(t, err)
	return page{rep, doc}
}

func (in *instance) page(path string) page {
	in.t.Helper()
	return parsePage(in.t, in.get(path))
}

// all returns the elements for which match holds, in document order.
func (p page) all(match func(n *html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range p.doc.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	return out
}

func (p page) tag(name string) []*html.Node {
	return p.all(func(n *html.Node) bool { return n.Data == name })
}

// byID returns the element with id, failing the test without one.
func (p page) byID(t *testing.T, id string) *html.Node {
	t.Helper()
	got := p.all(func(n *html.Node) bool { return attr(n, "id") == id })
	require.Len(t, got, 1, "elements with id %q in %s", id, p.body)
	return got[0]
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// text is the text content of n, as a browser's textContent.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// postForm sends the page's form as a browser without JavaScript does,
// with extra headers.
func (in *instance) postForm(values url.Values, header map[string]string) reply {
	in.t.Helper()
	return in.do(req{method: http.MethodPost, path: "/links", ctype: "application/x-www-form-urlencoded",
		body: values.Encode(), header: header})
}

// requirePageHeaders checks the security headers every page response
// carries.
func requirePageHeaders(t *testing.T, rep reply, what string) {
	t.Helper()
	csp := rep.header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
		"frame-ancestors": "'none'", "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'",
	} {
		assert.Equal(t, want, directives[name], "%s: CSP %s in %q", what, name, csp)
	}
	assert.NotContains(t, csp, "unsafe", what)
	assert.Equal(t, "nosniff", rep.header.Get("X-Content-Type-Options"), what)
	assert.Equal(t, "no-referrer", rep.header.Get("Referrer-Policy"), what)
}

// TestPageHeaders: the pages, their files, error pages and the form's
// answers carry the security headers, and no page holds inline script or
// style for the policy to refuse.
func TestPageHeaders(t *testing.T) {
	in := start(t, options{})
	code := in.create(`{"url":"https://example.com/headers","alias":"headers"}`)

	for _, path := range []string{"/", "/links/" + code, "/links/nosuchcode", "/static/app.js", "/static/style.css"} {
		requirePageHeaders(t, in.get(path), path)
	}
	ok := in.postForm(url.Values{"url": {"https://example.com/form"}}, nil)
	require.Equal(t, http.StatusSeeOther, ok.status, "%s", ok.body)
	requirePageHeaders(t, ok, "the form's 303")
	requirePageHeaders(t, in.postForm(url.Values{"url": {"ftp://example.com/"}}, nil), "the form's 400")

	assert.Equal(t, "text/javascript; charset=utf-8", in.get("/static/app.js").header.Get("Content-Type"))
	assert.Equal(t, "text/css; charset=utf-8", in.get("/static/style.css").header.Get("Content-Type"))
	missing := in.get("/static/nosuchfile.js")
	require.Equal(t, http.StatusNotFound, missing.status)
	assert.Equal(t, "no such file", text(parsePage(t, missing).byID(t, "message")))
	assert.Empty(t, in.get("/api/v1/links/"+code).header.Get("Content-Security-Policy"), "the JSON API is not a page")

	for _, path := range []string{"/", "/links/" + code, "/links/nosuchcode"} {
		p := in.page(path)
		scripts := p.tag("script")
		require.Len(t, scripts, 1, path)
		assert.Equal(t, "/static/app.js", attr(scripts[0], "src"), path)
		assert.Empty(t, text(scripts[0]), path)
		assert.Empty(t, p.tag("style"), path)
		assert.Empty(t, p.all(func(n *html.Node) bool {
			if hasAttr(n, "style") {
				return true
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					return true
				}
			}
			return false
		}), "%s: no style or event-handler attributes", path)
		assert.NotEmpty(t, p.all(func(n *html.Node) bool {
			return n.Data == "meta" && attr(n, "name") == "viewport"
		}), "%s: a viewport for phones", path)
		assert.Equal(t, "en", attr(p.tag("html")[0], "lang"), path)
	}
}

// TestPageEscapesStoredValues stores a URL full of HTML and script (what
// the validator accepts of it) and checks that the link's page shows it
// exactly, as text and as the link's href, and that none of it became
// markup.
func TestPageEscapesStoredValues(t *testing.T) {
	in := start(t, options{})
	raw := `https://example.com/%3Cscript%3Ealert(1)%3C/script%3E/"'><img src=x onerror=alert(2)>` +
		`?q=&lt;script&gt;alert(3)&lt;/script&gt;&x="'><svg/onload=alert(4)>&amp;` +
		`#"'><b>bold</b>&lt;i&gt;`
	raw = strings.ReplaceAll(raw, " ", "%20") // the validator refuses white space
	rep := in.do(req{method: http.MethodPost, path: "/api/v1/links", ctype: "application/json",
		body: `{"url":` + jsonString(raw) + `,"alias":"x-script_alert-1"}`})
	require.Equal(t, http.StatusCreated, rep.status, "%s", rep.body)
	stored := rep.json(t)["url"].(string)
	require.Contains(t, stored, "&lt;script&gt;", "the query keeps its entity-like text")
	require.Contains(t, stored, "%3Cscript%3E")

	p := in.page("/links/x-script_alert-1")
	target := p.byID(t, "target")
	assert.Equal(t, stored, text(target), "the target shown as text, exactly")
	// html/template writes an href's parentheses percent-encoded: the
	// same URL.
	assert.Equal(t, unescape(t, stored), unescape(t, attr(target, "href")), "the target as the link's href")
	assert.Contains(t, string(p.body), html.EscapeString(stored), "& < > \" ' are written as references")
	assert.Equal(t, "x-script_alert-1", text(p.byID(t, "code")))
	assert.Len(t, p.tag("img"), 1, "only the QR code is an image")
	assert.Equal(t, "/api/v1/links/x-script_alert-1/qr", attr(p.tag("img")[0], "src"))
	assert.Empty(t, p.tag("svg"))
	assert.Empty(t, p.tag("b"))
	assert.Empty(t, p.tag("i"))
	assert.Len(t, p.tag("script"), 1)

	// A refused form shows what was sent back in its fields, as values.
	hostileURL := `https://example.com/"><script>alert(5)</script>`
	hostileAlias := `"><img src=x onerror=alert(6)>`
	back := in.postForm(url.Values{"url": {hostileURL}, "alias": {hostileAlias}}, nil)
	require.Equal(t, http.StatusBadRequest, back.status, "%s", back.body)
	p = parsePage(t, back)
	assert.Equal(t, hostileURL, attr(p.byID(t, "url"), "value"))
	assert.Equal(t, hostileAlias, attr(p.byID(t, "alias"), "value"))
	assert.Equal(t, "alias character outside [A-Za-z0-9_-]: byte 0", text(p.byID(t, "message")))
	assert.Len(t, p.tag("script"), 1)
	imgs := p.tag("img")
	require.Len(t, imgs, 1)
	assert.Equal(t, "qr", attr(imgs[0], "id"), "only the result's QR code is an image")
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.PathUnescape(s)
	require.NoError(t, err)
	return u
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestCrossSiteWritesRefused: a write a browser sends from another
// site's page is a 403, on the API and on the form, and stores nothing;
// the same origin, and clients that are not browsers, write.
func TestCrossSiteWritesRefused(t *testing.T) {
	in := start(t, options{}, "-create-rate", "0")
	host := strings.TrimPrefix(in.base, "http://")
	body := func(alias string) string { return `{"url":"https://example.com/x","alias":"` + alias + `"}` }
	api := func(alias string, h map[string]string) reply {
		return in.do(req{method: http.MethodPost, path: "/api/v1/links", ctype: "application/json", body: body(alias), header: h})
	}

	refused := map[string]map[string]string{
		"cross-site":                {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"same-site":                 {"Sec-Fetch-Site": "same-site", "Origin": "http://other." + host},
		"cross-site without Origin": {"Sec-Fetch-Site": "cross-site"},
		"old browser, other Origin": {"Origin": "https://evil.example"},
		"old browser, null Origin":  {"Origin": "null"},
	}
	for name, h := range refused {
		alias := "refused-" + strings.NewReplacer(" ", "-", ",", "").Replace(name)
		p := requireProblem(t, api(alias, h), http.StatusForbidden)
		assert.Contains(t, p["detail"], "another site", name)
		requireProblem(t, in.get("/api/v1/links/"+alias), http.StatusNotFound)

		form := in.postForm(url.Values{"url": {"https://example.com/x"}, "alias": {alias}}, h)
		require.Equal(t, http.StatusForbidden, form.status, "%s: %s", name, form.body)
		assert.Contains(t, text(parsePage(t, form).byID(t, "message")), "another site", name)
		requireProblem(t, in.get("/api/v1/links/"+alias), http.StatusNotFound)
	}

	code := in.create(body("victim"))
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
	requireProblem(t, in.do(req{method: http.MethodPatch, path: "/api/v1/links/" + code, ctype: mergePatchType,
		body: `{"url":"https://evil.example/"}`, header: cross}), http.StatusForbidden)
	requireProblem(t, in.do(req{method: http.MethodPut, path: "/api/v1/links/" + code, ctype: jsonType,
		body: `{"url":"https://evil.example/"}`, header: cross}), http.StatusForbidden)
	requireProblem(t, in.do(req{method: http.MethodDelete, path: "/api/v1/links/" + code, header: cross}), http.StatusForbidden)
	assert.Equal(t, "https://example.com/x", in.get("/api/v1/links/" + code).json(t)["url"], "unchanged")

	allowed := map[string]map[string]string{
		"same-origin":              {"Sec-Fetch-Site": "same-origin", "Origin": in.base},
		"typed by the user":        {"Sec-Fetch-Site": "none"},
		"old browser, same Origin": {"Origin": in.base},
		"not a browser":            nil,
	}
	for name, h := range allowed {
		alias := "allowed-" + strings.NewReplacer(" ", "-", ",", "").Replace(name)
		rep := api(alias, h)
		assert.Equal(t, http.StatusCreated, rep.status, "%s: %s", name, rep.body)
		form := in.postForm(url.Values{"url": {"https://example.com/x"}, "alias": {alias + "-form"}}, h)
		assert.Equal(t, http.StatusSeeOther, form.status, "%s: %s", name, form.body)
	}
	same := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": in.base}
	rep := in.do(req{method: http.MethodPatch, path: "/api/v1/links/" + code, ctype: mergePatchType,
		body: `{"url":"https://example.com/y"}`, header: same})
	assert.Equal(t, http.StatusOK, rep.status, "%s", rep.body)
}

// TestFormWithoutScript is the page in a browser without JavaScript: the
// form posts, the answer is a redirect to the link's page, and a refusal
// is the form again with the problem's detail.
func TestFormWithoutScript(t *testing.T) {
	clk := newClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	in := start(t, options{now: clk.Now}, "-create-rate", "0")

	rep := in.postForm(url.Values{"url": {"https://example.com/no-js"}, "alias": {"no-js"}, "expires_in": {"24h"}}, nil)
	require.Equal(t, http.StatusSeeOther, rep.status, "%s", rep.body)
	assert.Equal(t, "/links/no-js?created=1", rep.header.Get("Location"))

	p := in.page("/links/no-js?created=1")
	assert.Contains(t, string(p.body), "Your short link is ready.")
	assert.Equal(t, in.m.BaseURL()+"/no-js", text(p.byID(t, "short-link")))
	assert.Equal(t, "https://example.com/no-js", text(p.byID(t, "target")))
	assert.Equal(t, "2026-03-01T12:00:00Z", attr(p.byID(t, "created"), "datetime"))
	assert.Equal(t, "2 Mar 2026, 12:00:00 UTC", text(p.byID(t, "expires")))
	assert.Equal(t, "0", text(p.byID(t, "clicks")))
	assert.Equal(t, "/api/v1/links/no-js/qr", attr(p.byID(t, "qr"), "src"))
	assert.NotContains(t, string(in.page("/links/no-js").body), "is ready", "only after the form")

	for range 2 {
		require.Equal(t, http.StatusFound, in.get("/no-js").status)
	}
	assert.Equal(t, "2", text(in.page("/links/no-js").byID(t, "clicks")))

	// Refusals: the form again, its values kept, the detail as the
	// page's own message and the API's status.
	for _, c := range []struct {
		name   string
		values url.Values
		status int
		detail string
	}{
		{"no URL", url.Values{"alias": {"empty"}}, 400, "enter the URL to shorten"},
		{"bad scheme", url.Values{"url": {"javascript:alert(1)"}}, 400, "scheme is not http or https"},
		{"taken", url.Values{"url": {"https://example.com/"}, "alias": {"no-js"}}, 409, "the code is taken: it names a link, or did once"},
		{"reserved route", url.Values{"url": {"https://example.com/"}, "alias": {"links"}}, 400, "alias is a reserved word"},
		{"bad expiry", url.Values{"url": {"https://example.com/"}, "expires_in": {"-1h"}}, 400, `expires_in must be a positive Go duration such as "24h"`},
	} {
		rep := in.postForm(c.values, nil)
		require.Equal(t, c.status, rep.status, "%s: %s", c.name, rep.body)
		p := parsePage(t, rep)
		assert.Equal(t, c.detail, text(p.byID(t, "message")), c.name)
		assert.False(t, hasAttr(p.byID(t, "message"), "hidden"), c.name)
		assert.Equal(t, c.values.Get("url"), attr(p.byID(t, "url"), "value"), c.name)
		assert.NotContains(t, string(rep.body), `"status":`, "%s: no JSON body", c.name)
	}
	assert.True(t, hasAttr(in.page("/").byID(t, "message"), "hidden"), "no message before a refusal")

	// Another media type than the form's is a 415 page.
	rep = in.do(req{method: http.MethodPost, path: "/links", ctype: "application/json", body: `{"url":"https://example.com/"}`})
	require.Equal(t, http.StatusUnsupportedMediaType, rep.status)
	assert.Equal(t, "the body must be application/x-www-form-urlencoded", text(parsePage(t, rep).byID(t, "message")))

	// Gone and unknown links are error pages with the API's status.
	clk.Advance(25 * time.Hour)
	rep = in.get("/links/no-js")
	require.Equal(t, http.StatusGone, rep.status)
	assert.Equal(t, "the link expired or was deleted", text(parsePage(t, rep).byID(t, "message")))
	rep = in.get("/links/nosuchcode")
	require.Equal(t, http.StatusNotFound, rep.status)
	assert.Equal(t, "no link has this code", text(parsePage(t, rep).byID(t, "message")))
}

// TestPageWithAuth: with a secret the page says that writes need a token
// and how to get one, offers a token field, and the form's token is the
// bearer token; a refusal never shows the token back.
func TestPageWithAuth(t *testing.T) {
	secret := strings.Repeat("s", 32)
	in := start(t, options{env: map[string]string{EnvJWTSecret: secret}}, "-create-rate", "0")

	p := in.page("/")
	assert.Contains(t, text(p.doc), "urlshortener -print-token")
	assert.Contains(t, text(p.doc), "Creating links needs a token")
	tok := p.byID(t, "token")
	assert.Equal(t, "password", attr(tok, "type"))
	assert.Equal(t, "off", attr(tok, "autocomplete"))
	labels := p.all(func(n *html.Node) bool { return n.Data == "label" && attr(n, "for") == "token" })
	assert.Len(t, labels, 1, "the token field has a label")

	rep := in.postForm(url.Values{"url": {"https://example.com/"}}, nil)
	require.Equal(t, http.StatusUnauthorized, rep.status, "%s", rep.body)
	assert.Equal(t, "The request carries no bearer token.", text(parsePage(t, rep).byID(t, "message")))

	token, err := signToken([]byte(secret), time.Now(), time.Hour, writeScope)
	require.NoError(t, err)
	rep = in.postForm(url.Values{"url": {"https://example.com/"}, "alias": {"bad alias"}, "token": {token}}, nil)
	require.Equal(t, http.StatusBadRequest, rep.status, "%s", rep.body)
	assert.NotContains(t, string(rep.body), token, "the token is not written back")

	rep = in.postForm(url.Values{"url": {"https://example.com/"}, "alias": {"with-token"}, "token": {token}}, nil)
	require.Equal(t, http.StatusSeeOther, rep.status, "%s", rep.body)
	assert.Equal(t, "https://example.com/", text(in.page("/links/with-token").byID(t, "target")))

	// Open mode: no notice, no token field.
	open := start(t, options{}).page("/")
	assert.NotContains(t, text(open.doc), "-print-token")
	assert.Empty(t, open.all(func(n *html.Node) bool { return attr(n, "id") == "token" }))
}

// TestPageAccessible checks what a screen reader and a keyboard need of
// the form: every field has a label, the fields come in the order they
// are read, and nothing takes focus out of order.
func TestPageAccessible(t *testing.T) {
	in := start(t, options{env: map[string]string{EnvJWTSecret: strings.Repeat("s", 32)}})
	p := in.page("/")
	var order []string
	for _, n := range p.all(func(n *html.Node) bool {
		return (n.Data == "input" || n.Data == "select" || n.Data == "button") && attr(n, "type") != "hidden"
	}) {
		id := attr(n, "id")
		order = append(order, id+":"+n.Data)
		if n.Data != "button" {
			labels := p.all(func(l *html.Node) bool { return l.Data == "label" && attr(l, "for") == id })
			assert.Len(t, labels, 1, "a label for %q", id)
		}
		assert.False(t, hasAttr(n, "tabindex"), "%q keeps the document's focus order", id)
	}
	assert.Equal(t, []string{"url:input", "alias:input", "expires_in:select", "token:input", ":button", "short:input", ":button"}, order)
	assert.Equal(t, "alert", attr(p.byID(t, "message"), "role"), "refusals are announced")
	assert.Equal(t, "QR code of the short URL", attr(p.byID(t, "qr"), "alt"))
}
