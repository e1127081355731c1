package main

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"strconv"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrSize is the width and height of a QR code image, in pixels.
const qrSize = 256

// qrPNG encodes text as a QR code (error correction M: 15% of the symbol
// may be damaged) in a PNG of qrSize pixels.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: QR code: %w", err)
	}
	scaled, err := barcode.Scale(code, qrSize, qrSize)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, scaled); err != nil {
		return nil, fmt.Errorf("urlshortener: QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// qr answers a PNG QR code of the link's short URL; the link must be live.
func (a *app) qr(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Stats(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	img, err := qrPNG(a.shortURL(st.Link.Code))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	h.Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(img)
	return nil
}
