package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var screenshot = flag.Bool("screenshot", false,
	"write a screenshot of the web page to docs/urlshortener.png (TestBrowser)")

// screenshotPath is where -screenshot writes, from this package's folder.
const screenshotPath = "../../docs/urlshortener.png"

// targetHost is the name the browser resolves to the loopback target
// server: an intranet name, which -allow-private-hosts admits (loopback
// addresses stay refused whatever the flags say).
const targetHost = "target.internal"

// chromium returns the path of the Chromium binary, skipping the test
// without one on a developer's machine and failing it under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on the PATH (Debian: apt-get install chromium); under CI=true that is a failure")
	}
	t.Skip("no Chromium on the PATH (Debian: apt-get install chromium); the browser test needs one")
	return ""
}

// browser starts a headless Chromium for the test and returns its tab's
// context; the browser is stopped at cleanup. Every console message and
// exception of the pages goes to messages.
func browser(t *testing.T, width, height int) (ctx context.Context, messages func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP "+targetHost+" 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)

	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "starting Chromium")
	console := chromedp.Console(ctx)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, m.String())
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		wg.Wait()
	})
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// see runs action in the browser, failing the test on an error.
func see[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	require.NoError(t, err, what)
	return v
}

func act(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...), what)
}

// contrastJS returns the lowest contrast ratio (WCAG 2) between the
// colour of any visible text and the first opaque background behind it.
const contrastJS = `(() => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c;
    }
    return [255, 255, 255];
  };
  let worst = 21;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
  }
  return worst;
})()`

// TestBrowser drives the page in a real browser: shorten a URL through
// the form, read the short URL and the QR code from the result, see a
// refusal's detail, open the link's page, follow the short link to the
// target and see the click counted.
func TestBrowser(t *testing.T) {
	ctx, messages := browser(t, 1000, 1100)

	hits := make(chan string, 16)
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.RequestURI()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>The target</title><p>You reached the target.</p>")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	target.Listener = ln
	target.Start()
	t.Cleanup(target.Close)
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	targetURL := "http://" + targetHost + ":" + port + "/landing?from=browser"

	in := start(t, options{}, "-allow-private-hosts", "-create-rate", "0")

	act(t, ctx, "opening the page", chromedp.Navigate(in.base+"/"), chromedp.WaitVisible(chromedp.ID("url")))
	assert.Equal(t, "Shorten a link · urlshortener", see(t, ctx, "title", chromedp.Title()))
	act(t, ctx, "filling the form",
		chromedp.SendKeys(chromedp.ID("url"), targetURL),
		chromedp.SendKeys(chromedp.ID("alias"), "from-browser"),
		chromedp.SetValue(chromedp.ID("expires_in"), "24h"),
		chromedp.Click(chromedp.CSS("#shorten button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("result")),
	)
	short := see(t, ctx, "the short URL", chromedp.Value(chromedp.ID("short")))
	assert.Equal(t, in.m.BaseURL()+"/from-browser", short)
	width := see(t, ctx, "the QR code loading", chromedp.Poll[int](
		`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth`,
		chromedp.WithPollingTimeout(10*time.Second)))
	assert.Equal(t, qrSize, width, "the QR image loaded")
	assert.Equal(t, "result-title", see(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.id`)),
		"focus moves to the result")
	assert.True(t, see(t, ctx, "message hidden", chromedp.Evaluate[bool](`document.getElementById("message").hidden`)))

	// The copy button puts the short URL on the clipboard.
	act(t, ctx, "copying", chromedp.Click(chromedp.CSS("#result button.copy")))
	copied := see(t, ctx, "the copy's status", chromedp.Poll[string](
		`document.querySelector("#result .copied").textContent`, chromedp.WithPollingTimeout(5*time.Second)))
	assert.Equal(t, "Copied.", copied)
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"},
		Setting:    cdpbrowser.PermissionSettingGranted, Origin: in.base,
	})
	require.NoError(t, err, "letting the test read the clipboard")
	assert.Equal(t, short, see(t, ctx, "the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)))

	// Sending the same alias again: the problem's detail, as text.
	act(t, ctx, "sending again", chromedp.Click(chromedp.CSS("#shorten button[type=submit]")), chromedp.WaitVisible(chromedp.ID("message")))
	assert.Equal(t, "the code is taken: it names a link, or did once",
		see(t, ctx, "the refusal", chromedp.TextContent(chromedp.ID("message"))))

	if *screenshot {
		act(t, ctx, "clearing the refusal", chromedp.Evaluate[chromedp.Void](`document.getElementById("message").hidden = true`))
		png := see(t, ctx, "the screenshot", chromedp.FullScreenshot(100))
		require.NoError(t, os.MkdirAll(filepath.Dir(screenshotPath), 0o755))
		require.NoError(t, os.WriteFile(screenshotPath, png, 0o644))
		t.Logf("wrote %s (%d bytes)", screenshotPath, len(png))
	}

	// The link's page, reached from the result.
	act(t, ctx, "opening the link's page", chromedp.Click(chromedp.ID("details")), chromedp.WaitVisible(chromedp.ID("clicks")))
	assert.Equal(t, "0", see(t, ctx, "clicks before", chromedp.TextContent(chromedp.ID("clicks"))))
	assert.Equal(t, targetURL, see(t, ctx, "the target", chromedp.TextContent(chromedp.ID("target"))))
	assert.Contains(t, see(t, ctx, "the expiry", chromedp.TextContent(chromedp.ID("expires"))), "UTC")
	width = see(t, ctx, "the QR code on the link's page", chromedp.Poll[int](
		`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth`,
		chromedp.WithPollingTimeout(10*time.Second)))
	assert.Equal(t, qrSize, width)

	// Following the short link reaches the target, and the click counts.
	act(t, ctx, "following the short link", chromedp.Navigate(short))
	assert.Equal(t, "/landing?from=browser", wait(t, hits, "the target's request"))
	assert.Equal(t, "The target", see(t, ctx, "the target's title", chromedp.Title()))
	act(t, ctx, "back to the link's page", chromedp.Navigate(in.base+"/links/from-browser"), chromedp.WaitVisible(chromedp.ID("clicks")))
	assert.Equal(t, "1", see(t, ctx, "clicks after", chromedp.TextContent(chromedp.ID("clicks"))))
	require.Equal(t, http.StatusFound, in.get("/from-browser").status, "a click from another client")
	act(t, ctx, "reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("clicks")))
	assert.Equal(t, "2", see(t, ctx, "clicks after a reload", chromedp.TextContent(chromedp.ID("clicks"))))

	// Text contrast, WCAG's ratio of relative luminances: at least 4.5.
	worst := see(t, ctx, "the contrast", chromedp.Evaluate[float64](contrastJS))
	assert.GreaterOrEqual(t, worst, 4.5, "the lowest contrast of any text on the link's page")

	// On a phone's width nothing needs a horizontal scroll.
	act(t, ctx, "a phone's viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile), chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("clicks")))
	assert.True(t, see(t, ctx, "the width", chromedp.Evaluate[bool](
		`document.documentElement.scrollWidth <= document.documentElement.clientWidth`)), "no horizontal scroll at 360 px")

	for _, m := range messages() {
		if m == "error: Failed to load resource: the server responded with a status of 409 (Conflict)" {
			continue // the refusal above
		}
		assert.NotContains(t, strings.ToLower(m), "content security policy", "the policy refused something")
		assert.False(t, strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "error"), "console: %s", m)
	}
}

// TestBrowserWithToken: with auth on, the page asks for a token, sends
// the one pasted as the bearer token, and stores it nowhere: no cookie,
// no Web Storage, gone after a reload.
func TestBrowserWithToken(t *testing.T) {
	ctx, messages := browser(t, 800, 900)
	secret := strings.Repeat("b", 32)
	in := start(t, options{env: map[string]string{EnvJWTSecret: secret}}, "-create-rate", "0")
	token, err := signToken([]byte(secret), time.Now(), time.Hour, writeScope)
	require.NoError(t, err)
	bad, err := signToken([]byte(secret), time.Now(), time.Hour, "links:read")
	require.NoError(t, err)

	act(t, ctx, "opening the page", chromedp.Navigate(in.base+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	assert.Contains(t, see(t, ctx, "the notice", chromedp.TextContent(chromedp.CSS(".notice"))), "urlshortener -print-token")

	act(t, ctx, "a token without the scope",
		chromedp.SendKeys(chromedp.ID("url"), "https://example.com/with-token"),
		chromedp.SendKeys(chromedp.ID("token"), bad),
		chromedp.Click(chromedp.CSS("#shorten button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("message")))
	assert.Equal(t, "The bearer token does not grant every scope this resource requires.",
		see(t, ctx, "the refusal", chromedp.TextContent(chromedp.ID("message"))))

	act(t, ctx, "the right token",
		chromedp.SetValue(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS("#shorten button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("result")))
	assert.True(t, see(t, ctx, "the refusal gone", chromedp.Evaluate[bool](`document.getElementById("message").hidden`)))
	short := see(t, ctx, "the short URL", chromedp.Value(chromedp.ID("short")))
	require.True(t, strings.HasPrefix(short, in.m.BaseURL()+"/"), short)
	assert.Equal(t, "https://example.com/with-token",
		in.get("/api/v1/links/" + strings.TrimPrefix(short, in.m.BaseURL()+"/")).json(t)["url"])

	stored := see(t, ctx, "what the page stored", chromedp.Evaluate[string](
		`document.cookie + "|" + localStorage.length + "|" + sessionStorage.length`))
	assert.Equal(t, "|0|0", stored, "no cookie, no Web Storage")
	act(t, ctx, "reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("token")))
	assert.Empty(t, see(t, ctx, "the token after a reload", chromedp.Value(chromedp.ID("token"))))

	for _, m := range messages() {
		if m == "error: Failed to load resource: the server responded with a status of 403 (Forbidden)" {
			continue // the refusal above
		}
		assert.NotContains(t, strings.ToLower(m), "content security policy", "the policy refused something")
		assert.False(t, strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "error"), "console: %s", m)
	}
}
