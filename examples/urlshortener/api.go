package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/backendkit/backendkit/shortener"
)

// Media types of request bodies.
const (
	jsonType       = "application/json"
	mergePatchType = "application/merge-patch+json"
)

// defaultRecent is the number of links GET /api/v1/links lists when the
// request does not say.
const defaultRecent = 20

// appConfig is what the HTTP layer is built from.
type appConfig struct {
	cfg      Config
	log      *slog.Logger
	svc      *shortener.Service
	backend  *backend
	redis    *redisConn
	baseURL  string
	verifier *jwtdemo.Verifier
	now      func() time.Time
	inner    func(http.Handler) http.Handler
}

// app is the HTTP layer: handlers over the Service, and the middleware
// around them.
type app struct {
	appConfig
	metrics *metrics
	// writeLimit and readLimit are the rate limits of the write
	// endpoints and of redirects and reads; auth requires a token on the
	// write endpoints when a secret is configured.
	writeLimit, readLimit, auth func(http.Handler) http.Handler
	// crossOrigin refuses writes a browser sends from another site.
	crossOrigin func(http.Handler) http.Handler
	pages       *pages
	closers     []func()
}

func newApp(ac appConfig) (*app, error) {
	a := &app{appConfig: ac}
	a.metrics = newMetrics(ac.svc, ac.backend)
	var err error
	if a.writeLimit, err = a.limit("create", ac.cfg.CreateRate, time.Minute, ac.cfg.CreateBurst); err != nil {
		a.close()
		return nil, err
	}
	if a.readLimit, err = a.limit("redirect", ac.cfg.RedirectRate, time.Second, ac.cfg.RedirectBurst); err != nil {
		a.close()
		return nil, err
	}
	if a.crossOrigin, err = a.newCrossOrigin(); err != nil {
		a.close()
		return nil, err
	}
	if a.pages, err = parsePages(); err != nil {
		a.close()
		return nil, err
	}
	a.auth = func(h http.Handler) http.Handler { return h }
	if ac.verifier != nil {
		if a.auth, err = jwtdemo.Middleware(jwtdemo.MiddlewareConfig{
			Verifier: ac.verifier, Scopes: []string{writeScope},
		}); err != nil {
			a.close()
			return nil, fmt.Errorf("urlshortener: %w", err)
		}
	}
	return a, nil
}

func (a *app) close() error {
	for _, c := range a.closers {
		c()
	}
	a.closers = nil
	return nil
}

// handler is every route and the middleware around them, in one place.
// Outermost first: the request log and metrics, panic recovery, problem
// responses for unrouted requests, then per route the page's headers and
// error pages (page routes), the cross-origin check (writes), the rate
// limit and, on writes, the bearer token.
func (a *app) handler() http.Handler {
	writes := func(h handlerFunc) http.Handler { return a.crossOrigin(a.writeLimit(a.auth(a.serve(h)))) }
	reads := func(h handlerFunc) http.Handler { return a.readLimit(a.serve(h)) }
	page := func(h http.Handler) http.Handler { return pageHeaders(a.pageErrors(h)) }

	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/links", writes(a.create))
	mux.Handle("GET /api/v1/links", reads(a.recent))
	mux.Handle("GET /api/v1/links/{code}", reads(a.stats))
	mux.Handle("GET /api/v1/links/{code}/qr", reads(a.qr))
	mux.Handle("PUT /api/v1/links/{code}", writes(a.replace))
	mux.Handle("PATCH /api/v1/links/{code}", writes(a.patch))
	mux.Handle("DELETE /api/v1/links/{code}", writes(a.remove))
	mux.Handle("GET /{code}", reads(a.redirect))
	mux.Handle("GET /{$}", page(reads(a.home)))
	mux.Handle("GET /links/{code}", page(reads(a.linkPage)))
	mux.Handle("POST /links", page(a.crossOrigin(a.writeLimit(a.formBody(a.auth(a.serve(a.formCreate)))))))
	mux.Handle("GET /static/{file}", page(reads(a.static)))
	mux.Handle("GET /healthz", a.serve(a.healthz))
	mux.Handle("GET /readyz", a.serve(a.readyz))
	mux.Handle("GET /metrics", a.metrics.handler())
	routes := problemRoutes(mux)
	if a.inner != nil {
		routes = a.inner(routes)
	}
	return a.observe(recoverPanics(a.log, routes))
}

// handlerFunc is a handler that returns its error for writeError to send.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *app) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// linkJSON is a link as the API shows it.
type linkJSON struct {
	Code      string     `json:"code"`
	ShortURL  string     `json:"short_url"`
	URL       string     `json:"url"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	Clicks    *int64     `json:"clicks,omitempty"`
}

func (a *app) shortURL(code string) string {
	return a.baseURL + "/" + url.PathEscape(code)
}

func (a *app) view(l shortener.Link) linkJSON {
	v := linkJSON{Code: l.Code, ShortURL: a.shortURL(l.Code), URL: l.URL, CreatedAt: l.CreatedAt.UTC()}
	if !l.ExpiresAt.IsZero() {
		t := l.ExpiresAt.UTC()
		v.ExpiresAt = &t
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("urlshortener: encoding the response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
	return nil
}

// createRequest is the body of POST /api/v1/links.
type createRequest struct {
	URL       *string `json:"url"`
	Alias     string  `json:"alias"`
	ExpiresIn *string `json:"expires_in"`
}

// replaceRequest is the body of PUT /api/v1/links/{code}: every field;
// a missing expires_in means the link never expires.
type replaceRequest struct {
	URL       *string `json:"url"`
	ExpiresIn *string `json:"expires_in"`
}

func (a *app) create(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := decodeJSON(w, r, jsonType, &req); err != nil {
		return err
	}
	if req.URL == nil {
		return badRequest("url is required")
	}
	exp, err := parseExpiresIn(req.ExpiresIn)
	if err != nil {
		return err
	}
	link, err := a.svc.Shorten(r.Context(), shortener.ShortenRequest{URL: *req.URL, Alias: req.Alias, ExpiresIn: exp})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/links/"+url.PathEscape(link.Code))
	return writeJSON(w, http.StatusCreated, a.view(link))
}

func (a *app) replace(w http.ResponseWriter, r *http.Request) error {
	var req replaceRequest
	if err := decodeJSON(w, r, jsonType, &req); err != nil {
		return err
	}
	if req.URL == nil {
		return badRequest("url is required: PUT replaces every field")
	}
	exp, err := parseExpiresIn(req.ExpiresIn)
	if err != nil {
		return err
	}
	link, err := a.svc.Update(r.Context(), r.PathValue("code"), shortener.Update{URL: *req.URL, ExpiresIn: exp})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.view(link))
}

// patch applies an RFC 7396 merge patch: "url" replaces the target,
// "expires_in" a duration from now or null to remove the expiry; members
// not sent are left as they are.
func (a *app) patch(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := decodeJSON(w, r, mergePatchType, &raw); err != nil {
		return err
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return badRequest("a merge patch of a link must be a JSON object")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return badRequest("the merge patch is not a JSON object")
	}
	var p shortener.Patch
	for name, v := range members {
		null := string(v) == "null"
		switch name {
		case "url":
			if null {
				return badRequest("url cannot be removed")
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return badRequest("url must be a string")
			}
			p.URL = &s
		case "expires_in":
			if null {
				p.ClearExpiry = true
				continue
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return badRequest("expires_in must be a string such as \"24h\", or null")
			}
			d, err := parseExpiresIn(&s)
			if err != nil {
				return err
			}
			p.ExpiresIn = &d
		default:
			return badRequest("a link's merge patch may hold only url and expires_in")
		}
	}
	link, err := a.svc.Patch(r.Context(), r.PathValue("code"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.view(link))
}

func (a *app) remove(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.Delete(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *app) stats(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Stats(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	v := a.view(st.Link)
	v.Clicks = &st.Clicks
	return writeJSON(w, http.StatusOK, v)
}

func (a *app) recent(w http.ResponseWriter, r *http.Request) error {
	n := defaultRecent
	if s := r.URL.Query().Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > shortener.MaxRecent {
			return badRequest("limit must be a number from 1 to %d", shortener.MaxRecent)
		}
		n = v
	}
	links, err := a.svc.Recent(r.Context(), n)
	if err != nil {
		return err
	}
	out := make([]linkJSON, len(links))
	for i, l := range links {
		out[i] = a.view(l)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"links": out})
}

// redirect is the hot path: the cache, then the database, and a click
// counted in memory.
func (a *app) redirect(w http.ResponseWriter, r *http.Request) error {
	a.metrics.lookups.Add(1)
	link, err := a.svc.Resolve(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Location", link.URL)
	if !a.cfg.Permanent {
		h.Set("Cache-Control", "private, max-age=0")
		w.WriteHeader(http.StatusFound)
		return nil
	}
	h.Set("Cache-Control", "max-age="+strconv.FormatInt(permanentMaxAge(link, a.now(), a.cfg.PermanentMaxAge), 10))
	w.WriteHeader(http.StatusMovedPermanently)
	return nil
}

// permanentMaxAge is how long, in whole seconds, a client may keep a 301
// for link: at most limit, and never past the link's expiry (rounded
// down, so a cached redirect never outlives the link).
func permanentMaxAge(link shortener.Link, now time.Time, limit time.Duration) int64 {
	age := limit
	if !link.ExpiresAt.IsZero() {
		if left := link.ExpiresAt.Sub(now); left < age {
			age = left
		}
	}
	if age < 0 {
		return 0
	}
	return int64(age / time.Second)
}

func (a *app) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout bounds each dependency's answer to /readyz.
const readyTimeout = time.Second

// readyz answers 200 when the databases and Redis answer a ping, 503 with
// the first that did not.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := []struct {
		name string
		ping func(ctx context.Context) error
	}{
		{"database", a.backend.ping},
		{"redis", a.redis.ping},
	}
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.ping(ctx)
		cancel()
		if err != nil {
			a.log.Warn("not ready", "dependency", c.name, "err", err)
			return &requestError{status: http.StatusServiceUnavailable, detail: "the " + c.name + " did not answer"}
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// decodeJSON reads one JSON value of the media type want from r's body,
// at most maxBodyBytes long, into v.
func decodeJSON(w http.ResponseWriter, r *http.Request, want string, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return &requestError{status: http.StatusUnsupportedMediaType,
			detail: "the body must be " + want, accept: want}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// jsonError explains a decoding error without repeating the body.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body is truncated JSON")
	case errors.As(err, &syntax):
		return badRequest("the body is not JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("the body must be a JSON object")
		}
		return badRequest("%s must be a %s", typ.Field, typ.Type)
	}
	return badRequest("the body has a field this endpoint does not take")
}

// parseExpiresIn reads expires_in: absent means never, otherwise a
// positive Go duration ("24h", "90m").
func parseExpiresIn(s *string) (time.Duration, error) {
	if s == nil {
		return 0, nil
	}
	d, err := time.ParseDuration(*s)
	if err != nil || d <= 0 {
		return 0, badRequest("expires_in must be a positive Go duration such as \"24h\"")
	}
	return d, nil
}
