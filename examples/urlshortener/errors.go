package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/backendkit/backendkit/internal/problem"
	"github.com/backendkit/backendkit/shortener"
)

// requestError is a request the handlers refuse before the Service sees
// it: a malformed body (400) or the wrong media type (415).
type requestError struct {
	status int
	detail string
	// accept names the media type that would have been accepted, for
	// Accept-Post or Accept-Patch on a 415.
	accept string
}

func (e *requestError) Error() string { return "urlshortener: " + e.detail }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...)}
}

// errShuttingDown answers requests that arrive while the Service closes.
var errShuttingDown = errors.New("urlshortener: shutting down")

// classify maps an error of a handler to its status and the detail a
// client may read. Details of 4xx answers are the refusals' own messages,
// which never repeat the refused input; 5xx answers get a fixed sentence
// and the error goes to the log.
func classify(err error) (status int, detail string) {
	var re *requestError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &re):
		return re.status, re.detail
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is longer than %d bytes", tooLarge.Limit)
	case errors.Is(err, shortener.ErrInvalidURL), errors.Is(err, shortener.ErrInvalidAlias),
		errors.Is(err, shortener.ErrInvalidLink):
		return http.StatusBadRequest, strings.TrimPrefix(err.Error(), "shortener: ")
	case errors.Is(err, shortener.ErrCodeTaken):
		return http.StatusConflict, "the code is taken: it names a link, or did once"
	case errors.Is(err, shortener.ErrNotFound):
		return http.StatusNotFound, "no link has this code"
	case errors.Is(err, shortener.ErrGone):
		return http.StatusGone, "the link expired or was deleted"
	case errors.Is(err, shortener.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, "the database did not answer; retry later"
	case errors.Is(err, shortener.ErrCacheUnavailable):
		return http.StatusServiceUnavailable, "the cache (Redis) did not answer; retry later"
	case errors.Is(err, shortener.ErrClosed), errors.Is(err, errShuttingDown):
		return http.StatusServiceUnavailable, "the service is shutting down"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "the request took too long"
	}
	return http.StatusInternalServerError, "internal error"
}

// writeError sends err as an RFC 9457 problem response.
func (a *app) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := classify(err)
	h := w.Header()
	switch {
	case status >= 500:
		if errors.Is(err, shortener.ErrStoreUnavailable) {
			a.metrics.storeErrors.Inc()
		}
		a.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		if status == http.StatusServiceUnavailable {
			h.Set("Retry-After", "1")
		}
	case status == http.StatusUnsupportedMediaType:
		var re *requestError
		if errors.As(err, &re) && re.accept != "" {
			switch r.Method {
			case http.MethodPatch:
				h.Set("Accept-Patch", re.accept)
			case http.MethodPost:
				h.Set("Accept-Post", re.accept)
			}
		}
	}
	problem.Write(w, problem.Details{Status: status, Detail: detail, Instance: r.URL.Path})
}
