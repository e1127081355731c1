// Package problem writes RFC 9457 problem details: the JSON body every HTTP
// error of this module's middleware and services carries by default.
//
// A problem response has the media type application/problem+json and an
// object with the members of RFC 9457 §3.1: "type" (a URI naming the kind
// of problem; "about:blank" when the status code says it all), "title" (a
// short summary that does not change between occurrences), "status" (the
// HTTP status code), "detail" (this occurrence, for a person) and
// "instance" (the request it concerns). Headers the response needs
// (Retry-After, WWW-Authenticate, …) are set by the caller before [Write].
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentType is the media type of a problem document (RFC 9457 §3).
const ContentType = "application/problem+json"

// Details is an RFC 9457 problem document.
type Details struct {
	// Type is a URI reference naming the problem type; empty is written
	// as "about:blank", whose title is the status code's reason phrase.
	Type string `json:"type"`
	// Title summarises the problem type; empty means the status code's
	// reason phrase.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence to a person. It is optional.
	Detail string `json:"detail,omitempty"`
	// Instance names this occurrence, usually the request path. Optional.
	Instance string `json:"instance,omitempty"`
}

// Write sends d as the response: the status code, the problem media type,
// and the JSON body. Empty Type and Title are filled as RFC 9457 §4.2.1
// describes for "about:blank".
func Write(w http.ResponseWriter, d Details) {
	if d.Type == "" {
		d.Type = "about:blank"
	}
	if d.Title == "" {
		d.Title = http.StatusText(d.Status)
	}
	body, err := json.Marshal(d)
	if err != nil { // only strings and an int: cannot happen
		body = []byte(`{"type":"about:blank","status":` + strconv.Itoa(d.Status) + `}`)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(d.Status)
	_, _ = w.Write(append(body, '\n'))
}

// Status writes the problem of an HTTP status with an optional detail and
// the request's path as its instance.
func Status(w http.ResponseWriter, r *http.Request, status int, detail string) {
	d := Details{Status: status, Detail: detail}
	if r != nil && r.URL != nil {
		d.Instance = r.URL.Path
	}
	Write(w, d)
}
