// Package shortener is the encoding service of a URL shortener: base62
// codes, the generators behind them, and the validation that decides what
// may be shortened.
package shortener
