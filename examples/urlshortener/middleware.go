package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/backendkit/backendkit/internal/problem"
	"github.com/backendkit/backendkit/ratelimit"
)

// statusWriter remembers the status a handler sent, for the log and the
// metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// routeOf names the route r matched, for labels that stay few: the
// ServeMux pattern, which routing set on r.
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

// observe logs every request (method, route, status, duration, client) and
// counts it in the metrics. It passes r itself on, so that the ServeMux's
// routing sets r.Pattern where observe reads it afterwards.
func (a *app) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		route := routeOf(r)
		a.metrics.observe(route, r.Method, sw.code(), d)
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.code()),
			slog.Duration("duration", d), slog.String("client", ratelimit.ClientIP(r, a.cfg.TrustedProxies)))
	})
}

// recoverPanics turns a panic in a handler into a logged 500; the process
// lives on. http.ErrAbortHandler keeps its meaning: the connection is cut.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			log.Error("panic in handler", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			problem.Status(w, r, http.StatusInternalServerError, "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}

// problemRoutes answers the requests no route matches (404) or matches
// with another method (405, with Allow) with problem documents, as every
// other error; everything else goes to mux, which routes r in place.
func problemRoutes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: make(http.Header)}
		h.ServeHTTP(probe, r)
		switch probe.status {
		case http.StatusNotFound:
			problem.Status(w, r, http.StatusNotFound, "no route or link here")
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", probe.header.Get("Allow"))
			problem.Status(w, r, http.StatusMethodNotAllowed, "the route does not take this method")
		default: // the ServeMux's redirect to a cleaned path
			h.ServeHTTP(w, r)
		}
	})
}

// headerProbe records what the ServeMux's own not-found, method and
// redirect handlers would send, without sending it.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }

func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *headerProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
