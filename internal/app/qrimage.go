package app

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// The QR code pictures are made by skip2/go-qrcode, which does the QR
// encoding (ISO/IEC 18004) into a bitmap of modules with the quiet zone
// around it; the PNG and the SVG are drawn here from that bitmap.

// qrLevel is the error correction the codes get: medium (15%) holds up to
// a printed code's scuffs while keeping a URL's code small.
const qrLevel = qrcode.Medium

// qrBitmap is content's QR code, true for a dark module, quiet zone
// included.
func qrBitmap(content string) ([][]bool, error) {
	q, err := qrcode.New(content, qrLevel)
	if err != nil {
		return nil, fmt.Errorf("QR code of %q: %w", content, err)
	}
	return q.Bitmap(), nil
}

// QRPNG is content as a QR code in a size×size PNG. Each module is a
// whole number of pixels, the code centred in the quiet zone the bitmap
// has and whatever margin is left, since modules of uneven widths (what
// scaling to an arbitrary size gives) make small codes hard to read. A
// size below the code's modules is grown to fit them.
func QRPNG(content string, size int) ([]byte, error) {
	bitmap, err := qrBitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bitmap)
	size = max(size, n)
	scale := size / n
	offset := (size - n*scale) / 2
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range bitmap {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := offset + y*scale; py < offset+(y+1)*scale; py++ {
				for px := offset + x*scale; px < offset+(x+1)*scale; px++ {
					img.SetColorIndex(px, py, 1)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// QRSVG is content as a QR code in an SVG size pixels wide: a viewBox of
// one unit per module (the quiet zone included) and one path of the dark
// modules, each row's runs drawn as one rectangle, so that it scales
// without blur.
func QRSVG(content string, size int) ([]byte, error) {
	bitmap, err := qrBitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bitmap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+"\n"+
		`<rect width="%d" height="%d" fill="#fff"/>`+"\n"+`<path fill="#000" d="`, size, size, n, n, n, n)
	for y, row := range bitmap {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes(), nil
}
