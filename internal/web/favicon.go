package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"sync"
)

// The icon browsers ask for at /favicon.ico whatever the page links: the
// brand's orange rounded square with a white "v", as static/favicon.svg
// draws it for the pages that link it. It is drawn here rather than kept as
// a binary file so that one reads what it is.
const faviconSize = 32

// brandOrange is vipps.css's --brand.
var brandOrange = color.NRGBA{0xff, 0x5b, 0x24, 0xff}

// favicon is the ICO file: one 32×32 PNG image in an ICO container, which
// every browser reads.
var favicon = sync.OnceValue(func() []byte {
	var img bytes.Buffer
	if err := png.Encode(&img, faviconImage()); err != nil {
		panic(err) // encoding an in-memory RGBA image cannot fail
	}
	var ico bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), one image; then its ICONDIRENTRY:
	// width, height, colours, reserved, planes, bits per pixel, size,
	// offset of the image (after these 6+16 bytes).
	binary.Write(&ico, binary.LittleEndian, [3]uint16{0, 1, 1})
	ico.Write([]byte{faviconSize, faviconSize, 0, 0})
	binary.Write(&ico, binary.LittleEndian, [2]uint16{1, 32})
	binary.Write(&ico, binary.LittleEndian, [2]uint32{uint32(img.Len()), 6 + 16})
	ico.Write(img.Bytes())
	return ico.Bytes()
})

// faviconImage draws the icon, each pixel sampled 4×4 times so that the
// edges are smooth.
func faviconImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, faviconSize, faviconSize))
	const n = 4
	for y := range faviconSize {
		for x := range faviconSize {
			var inSquare, inV float64
			for sy := range n {
				for sx := range n {
					px, py := float64(x)+(float64(sx)+0.5)/n, float64(y)+(float64(sy)+0.5)/n
					if inRoundedSquare(px, py) {
						inSquare++
						if inStroke(px, py) {
							inV++
						}
					}
				}
			}
			a := inSquare / (n * n)
			white := inV / inSquare
			if inSquare == 0 {
				white = 0
			}
			mix := func(c uint8) uint8 { return uint8(math.Round(float64(c)*(1-white) + 255*white)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(brandOrange.R), mix(brandOrange.G), mix(brandOrange.B), uint8(math.Round(255 * a))})
		}
	}
	return img
}

// inRoundedSquare is the SVG's <rect rx="7">.
func inRoundedSquare(x, y float64) bool {
	const r = 7.0
	cx := math.Max(r, math.Min(faviconSize-r, x))
	cy := math.Max(r, math.Min(faviconSize-r, y))
	return math.Hypot(x-cx, y-cy) <= r
}

// inStroke is the SVG's path "M9 10l7 13 7-13", 3.5 wide with round ends.
func inStroke(x, y float64) bool {
	return segmentDistance(x, y, 9, 10, 16, 23) <= 1.75 || segmentDistance(x, y, 16, 23, 23, 10) <= 1.75
}

func segmentDistance(x, y, x1, y1, x2, y2 float64) float64 {
	dx, dy := x2-x1, y2-y1
	t := math.Max(0, math.Min(1, ((x-x1)*dx+(y-y1)*dy)/(dx*dx+dy*dy)))
	return math.Hypot(x-(x1+t*dx), y-(y1+t*dy))
}

// Favicon serves the icon at /favicon.ico, which browsers fetch for every
// site; browsers keep it a day.
func Favicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(favicon())
}
