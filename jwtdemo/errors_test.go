package jwtdemo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backendkit/backendkit/jwtdemo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorsQuoteTokenTextTruncated: an error quotes what the token chose
// (kid, alg, issuer, audience) only in part, so a token cannot write
// kilobytes of its own text into every log line that reports it.
func TestErrorsQuoteTokenTextTruncated(t *testing.T) {
	long := strings.Repeat("é", 1000)
	v := claimsVerifier(t, func(c *jwtdemo.VerifierConfig) { c.Issuer = "me"; c.Audience = "api" })
	exp := `"exp":` + sec(time.Hour)
	many := `"` + strings.Repeat(strings.Repeat("é", 50)+`","`, 30) + `x"`
	for name, tok := range map[string]string{
		"kid":      forge(secret, `{"alg":"HS256","kid":"`+long+`"}`, validPayload),
		"alg":      forge(secret, `{"alg":"`+long+`"}`, validPayload),
		"issuer":   forge(secret, `{"alg":"HS256"}`, `{`+exp+`,"iss":"`+long+`"}`),
		"audience": forge(secret, `{"alg":"HS256"}`, `{`+exp+`,"iss":"me","aud":[`+many+`]}`),
	} {
		_, err := v.VerifyAt(tok, t0)
		require.Error(t, err, name)
		assert.Less(t, len(err.Error()), 400, "%s: %.200s", name, err)
		assert.NotContains(t, err.Error(), "\\x", "%s: cut inside a rune", name)
	}
}
