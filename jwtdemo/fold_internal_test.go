package jwtdemo

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode"
)

// foldProbe has a field for every name the verifier reads, so that
// encoding/json itself says which field a member name lands in.
type foldProbe struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Exp   string `json:"exp"`
	Nbf   string `json:"nbf"`
	Iat   string `json:"iat"`
	Jti   string `json:"jti"`
	Scope string `json:"scope"`
	Alg   string `json:"alg"`
	Kid   string `json:"kid"`
	Typ   string `json:"typ"`
	Crit  string `json:"crit"`
}

// TestJSONFoldsAgreesWithEncodingJSON spells each name the verifier reads
// in every combination of, letter by letter, the letter in both cases,
// the two runes that fold onto s and k, and runes that look like letters
// without folding onto them (dotless i, dotted I, sharp s, fullwidth
// letters), and checks that jsonFolds says a spelling reads as the name
// exactly when encoding/json puts it in that name's field.
func TestJSONFoldsAgreesWithEncodingJSON(t *testing.T) {
	fields := reflect.TypeFor[foldProbe]()
	for i := range fields.NumField() {
		want := fields.Field(i).Tag.Get("json")
		spellings := []string{""}
		for _, c := range want {
			alts := []string{string(c), string(unicode.ToUpper(c)), "\u017f", "\u212a", "\u0131", "\u0130", "\u00df", string(c + 0xFEE0)}
			var next []string
			for _, p := range spellings {
				for _, a := range alts {
					next = append(next, p+a)
				}
			}
			spellings = next
		}
		for _, name := range spellings {
			var p foldProbe
			b, err := json.Marshal(map[string]string{name: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			landed := reflect.ValueOf(p).Field(i).String() == "x"
			if got := name == want || jsonFolds(name, want); got != landed {
				t.Fatalf("%q onto %s: jsonFolds says %v, encoding/json %v", name, want, got, landed)
			}
		}
	}
}

// TestOnlyTwoRunesFoldOntoASCII checks, over every rune, the fact
// jsonFolds rests on: the only runes outside ASCII whose simple-fold orbit
// holds an ASCII letter are U+017F and U+212A.
func TestOnlyTwoRunesFoldOntoASCII(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && r != '\u017f' && r != '\u212a' {
				t.Fatalf("%U folds onto %q", r, f)
			}
		}
	}
}

// FuzzClaimsAgainstEncodingJSON: whatever claims the verifier's reader
// accepts, encoding/json, decoding the same payload into a struct that
// embeds Claims as a caller's type does, accepts too and reads exactly the
// same registered claims. This is what makes VerifyAs and Claims.Decode
// return the claims that were validated.
func FuzzClaimsAgainstEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"iss":"i","sub":"s","aud":"a","exp":1700000000,"nbf":1,"iat":0,"jti":"j","scope":"a b"}`,
		`{"sub":"alice","Sub":"admin","exp":1}`, `{"ISS":"x","exp":1}`, `{"EXP":2,"exp":1}`,
		`{"Aud":["x"],"aud":"y","exp":1}`, `{"Scope":"admin","exp":1}`, `{"\u017fub":"x","exp":1}`,
		`{"\u0053ub":"x","exp":1}`, `{"s\u0075b":"x","exp":1}`, "{\"i\u017f\u017f\":\"x\",\"exp\":1}",
		`{"aud":[],"exp":1.5}`, `{"aud":["a","b"],"exp":1e9,"role":"r","Role":"s"}`,
		`{"sub":"a\"b\u00e9\ud800","exp":1}`, `{"sub":"x","exp":1,"sub_":"y","subject":"z"}`,
		`{ "exp" : 1 , "scope" : "" }`, `{"scope":["a","b"],"exp":1}`,
	} {
		f.Add(s)
	}
	type callerClaims struct {
		Claims
		Role string `json:"role"`
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ours Claims
		var one [1]string
		if _, err := parseClaims(s, &ours, &one); err != nil {
			return
		}
		var theirs callerClaims
		if err := json.Unmarshal([]byte(s), &theirs); err != nil {
			t.Fatalf("%q: accepted here, encoding/json refuses it: %v", s, err)
		}
		ours.raw = ""
		if !reflect.DeepEqual(ours, theirs.Claims) {
			t.Fatalf("%q: validated %+v, encoding/json reads %+v", s, ours, theirs.Claims)
		}
	})
}
