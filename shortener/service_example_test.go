package shortener_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

func ExampleService() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC) }
	s, err := shortener.NewService(newExampleStore(now), shortener.ServiceConfig{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(ctx)

	l, err := s.Shorten(ctx, shortener.ShortenRequest{URL: "HTTPS://Example.com/docs", Alias: "guide", ExpiresIn: 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Code, l.URL, "until", l.ExpiresAt.Format(time.DateTime))

	to, err := s.Resolve(ctx, "guide")
	fmt.Println("redirect to", to.URL, err)

	_, err = s.Resolve(ctx, "nothing")
	fmt.Println(errors.Is(err, shortener.ErrNotFound))

	_, err = s.Shorten(ctx, shortener.ShortenRequest{URL: "javascript:alert(1)"})
	fmt.Println(errors.Is(err, shortener.ErrInvalidURL))

	_ = s.Delete(ctx, "guide")
	_, err = s.Resolve(ctx, "guide")
	fmt.Println(errors.Is(err, shortener.ErrGone))
	// Output:
	// guide https://example.com/docs until 2026-05-02 09:30:00
	// redirect to https://example.com/docs <nil>
	// true
	// true
	// true
}
