package shortener_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/backendkit/backendkit/shortener"
)

func ExampleEncode() {
	fmt.Println(shortener.Encode(0), shortener.Encode(61), shortener.Encode(62), shortener.Encode(1<<64-1))
	v, err := shortener.Decode("LygHa16AHYF")
	fmt.Println(v, err)
	_, err = shortener.Decode("007")
	fmt.Println(errors.Is(err, shortener.ErrNonCanonical))
	// Output:
	// 0 z 10 LygHa16AHYF
	// 18446744073709551615 <nil>
	// true
}

// A counter whose blocks come from a shared source, obfuscated so that
// consecutive links get unrelated seven-character codes; the Issuer skips
// codes the store already holds.
func ExampleIssuer() {
	ctx := context.Background()
	obf, err := shortener.NewFeistel([]byte("keep this key with the secrets"), shortener.FeistelConfig{Domain: 3_521_614_606_208}) // 62^7
	if err != nil {
		panic(err)
	}
	// The floor is one more than the highest id the store has issued.
	counter, err := shortener.NewCounter(shortener.NewMemorySource(0), 1000, shortener.CounterConfig{Floor: 0, Obfuscator: obf})
	if err != nil {
		panic(err)
	}
	taken := map[string]bool{} // the store
	issuer, err := shortener.NewIssuer(counter, func(_ context.Context, code string) (bool, error) {
		return taken[code], nil
	}, shortener.IssuerConfig{})
	if err != nil {
		panic(err)
	}
	for range 3 {
		code, err := issuer.Issue(ctx)
		if err != nil {
			panic(err)
		}
		taken[code] = true
		fmt.Println(len(code) <= 7)
	}
	// Output:
	// true
	// true
	// true
}

func ExampleURLValidator_Validate() {
	v, err := shortener.NewURLValidator(shortener.URLConfig{OwnHosts: []string{"sho.rt"}})
	if err != nil {
		panic(err)
	}
	for _, raw := range []string{
		"HTTPS://Bücher.Example./Katalog?q=1",
		"http://0x7f.1/admin",
		"javascript:alert(1)",
		"https://sho.rt/abc",
	} {
		out, err := v.Validate(raw)
		fmt.Printf("%q %v\n", out, err)
	}
	// Output:
	// "https://xn--bcher-kva.example/Katalog?q=1" <nil>
	// "" shortener: host is a loopback, link-local, unspecified, reserved or metadata address: 127.0.0.1
	// "" shortener: scheme is not http or https
	// "" shortener: URL points at the service itself: sho.rt
}

func ExampleAliases_Validate() {
	a, err := shortener.NewAliases(shortener.AliasConfig{Reserved: []string{"pricing"}})
	if err != nil {
		panic(err)
	}
	for _, alias := range []string{"launch-2026", "Admin", "go", "a/b", "Pricing"} {
		fmt.Println(alias, a.Validate(alias))
	}
	// Output:
	// launch-2026 <nil>
	// Admin shortener: alias is a reserved word
	// go shortener: alias length out of range: 2 bytes, want 3 to 64
	// a/b shortener: alias character outside [A-Za-z0-9_-]: byte 1
	// Pricing shortener: alias is a reserved word
}
