package shortener

import "errors"

// The errors of configuration and misuse.
var (
	// ErrInvalidConfig is wrapped by the error of a constructor given
	// arguments or a Config it cannot honour; the detail says which.
	ErrInvalidConfig = errors.New("shortener: invalid configuration")
	// ErrNotInitialized is wrapped by the errors of a value that was not
	// made by its constructor (a zero value or a nil pointer), and is what
	// such a value's methods without an error result panic with. The error
	// names the type: "shortener: Counter used without NewCounter".
	ErrNotInitialized = errors.New("shortener: used without its constructor")
)

// notInitialized is the error of a value used without its constructor: it
// names the type, and wraps ErrNotInitialized.
type notInitialized string

func (e notInitialized) Error() string {
	return "shortener: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

// The errors of zero values, made once so that returning one allocates
// nothing.
var (
	errCounterZero     error = notInitialized("Counter")
	errFeistelZero     error = notInitialized("Feistel")
	errRandomZero      error = notInitialized("Random")
	errTimeOrderedZero error = notInitialized("TimeOrdered")
	errIssuerZero      error = notInitialized("Issuer")
	errURLZero         error = notInitialized("URLValidator")
	errAliasesZero     error = notInitialized("Aliases")
)

// refusal is a sentinel error that also belongs to a class: errors.Is
// matches it and its class ([ErrInvalidCode], [ErrInvalidURL],
// [ErrInvalidAlias]), so a caller can test for "any bad URL" or for one
// cause.
type refusal struct {
	msg   string
	class error
}

func (r *refusal) Error() string { return r.msg }

// Is reports whether target is r's class; identity with r itself is what
// errors.Is checks first.
func (r *refusal) Is(target error) bool { return target == r.class }

func newRefusal(class error, msg string) error { return &refusal{msg: msg, class: class} }
