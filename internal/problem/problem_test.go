package problem_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backendkit/backendkit/internal/problem"
)

func TestStatusWritesAProblemDocument(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/api/v1/links/abc?x=<y>", nil)
	problem.Status(rec, r, http.StatusTooManyRequests, `limit "default" reached <now>`)

	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, map[string]any{
		"type":     "about:blank",
		"title":    "Too Many Requests",
		"status":   float64(429),
		"detail":   `limit "default" reached <now>`,
		"instance": "/api/v1/links/abc",
	}, got)
	assert.NotContains(t, rec.Body.String(), "<now>", "HTML-significant characters are escaped")
	assert.Equal(t, rec.Header().Get("Content-Length"), itoa(rec.Body.Len()))
}

func TestWriteKeepsGivenTypeAndTitle(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Details{Type: "https://example.com/probs/alias-taken", Title: "Alias taken", Status: http.StatusConflict})
	var got problem.Details
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, problem.Details{Type: "https://example.com/probs/alias-taken", Title: "Alias taken", Status: 409}, got)
	assert.NotContains(t, rec.Body.String(), "detail", "empty optional members are left out")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
