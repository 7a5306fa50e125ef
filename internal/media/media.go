// Package media takes in the photos that citizens attach to reports
// (Open311 multipart "media" uploads) and turns each into a safe, small
// JPEG.
//
// Nothing a citizen uploads is stored as sent. Every image is decoded to
// pixels and encoded anew, which drops everything that is not a pixel:
// EXIF (with its GPS position, camera serial and time), XMP, ICC profiles,
// comments and anything appended to the file. The EXIF orientation is
// applied to the pixels first, so that the stripped image still stands
// upright.
//
// Hostile input is expected. Process reads at most Limits.MaxBytes+1
// bytes, asks the decoder for the dimensions before it decodes, and
// refuses images with more than Limits.MaxPixels pixels, so that a
// decompression bomb (a few hundred bytes that claim 100000×100000
// pixels) is refused before anything big is allocated. Decoder panics are
// recovered and reported as invalid input.
//
// Peak memory of one call is dominated by the decoded source image, which
// is bounded by MaxPixels times the bytes per pixel of the decoder's
// representation: about 1.5 B/px for a baseline 4:2:0 JPEG, 4 B/px for
// an 8-bit RGBA PNG, 8 B/px for a 16-bit PNG and up to about 20 B/px for
// a progressive 4-component JPEG, whose decoder keeps all DCT
// coefficients. At the default 40 megapixels that is 60 MB for a typical
// phone photo and up to about 800 MB in the worst case; the scaling
// steps add little (see scale). The web layer should therefore bound how
// many uploads are processed at the same time.
package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/rathaus/rathaus"
)

// field is the input field that media errors name; it is the Open311
// multipart field that carries the photo.
const field = "media"

// Limits bounds what Process accepts and produces. A zero field means the
// value from DefaultLimits.
type Limits struct {
	MaxBytes  int64 // size of the upload in bytes
	MaxPixels int   // width×height of the decoded image
	MaxEdge   int   // longest edge of the output in pixels; larger images are scaled down
	Quality   int   // JPEG quality of the output, 1–100
}

// DefaultLimits returns the limits for citizen photos: 10 MiB, 40
// megapixels (a current phone camera takes 12–50), a longest edge of 2048
// pixels (enough to see a pothole, small enough to store thousands) and
// JPEG quality 85.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:  10 << 20,
		MaxPixels: 40_000_000,
		MaxEdge:   2048,
		Quality:   85,
	}
}

// withDefaults fills zero fields from DefaultLimits and rejects values
// that can only be a programming error.
func (l Limits) withDefaults() (Limits, error) {
	d := DefaultLimits()
	if l.MaxBytes == 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels == 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxEdge == 0 {
		l.MaxEdge = d.MaxEdge
	}
	if l.Quality == 0 {
		l.Quality = d.Quality
	}
	if l.MaxBytes < 0 || l.MaxPixels < 0 || l.MaxEdge < 0 || l.Quality < 1 || l.Quality > 100 {
		return l, fmt.Errorf("media: bad limits %+v", l)
	}
	return l, nil
}

// Image is a processed photo, ready to store.
type Image struct {
	Data        []byte
	ContentType string // always "image/jpeg"
	Width       int
	Height      int
}

// Process reads one uploaded image from r and returns it oriented,
// scaled to lim.MaxEdge, stripped of all metadata and encoded as JPEG.
// Transparent areas become white. Errors a user should see are
// rathaus.KindTooLarge (more than lim.MaxBytes) or rathaus.KindInvalid
// (not a supported image, broken, or too many pixels).
func Process(r io.Reader, lim Limits) (Image, error) {
	lim, err := lim.withDefaults()
	if err != nil {
		return Image{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return Image{}, fmt.Errorf("media: read upload: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return Image{}, rathaus.TooLargef(field, "Die Datei ist größer als %s erlaubt.", formatBytes(lim.MaxBytes))
	}

	f := sniff(data)
	if f.codec == nil {
		return Image{}, rathaus.Invalidf(field, "Dateityp %s wird nicht unterstützt; erlaubt sind JPEG, PNG, GIF und WebP.", f.name)
	}

	// The dimensions first: DecodeConfig reads only the header, so a
	// bomb is refused before its pixels are allocated. The format's own
	// DecodeConfig is called rather than image.DecodeConfig so that the
	// result does not depend on which decoders some other package has
	// registered.
	cfg, err := decodeConfig(f, data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(cfg.Width, cfg.Height, lim.MaxPixels); err != nil {
		return Image{}, err
	}

	if f.name == "JPEG" {
		if n := jpegScans(data, maxJPEGScans); n > maxJPEGScans {
			return Image{}, rathaus.Invalidf(field, "Die JPEG-Datei hat mehr als %d Scans; so viele enthält kein Foto.", maxJPEGScans)
		}
	}

	src, err := decode(f, data)
	if err != nil {
		return Image{}, err
	}
	// The header was checked, not the pixels: refuse a decoder result
	// that disagrees with it. Only a GIF frame may be smaller than its
	// logical screen (the GIF decoder refuses frames outside it).
	if b := src.Bounds(); b.Empty() || f.name != "GIF" && (b.Dx() != cfg.Width || b.Dy() != cfg.Height) {
		return Image{}, rathaus.Invalidf(field, "Die %s-Datei ist beschädigt (Bildgröße %d×%d passt nicht zum Kopf %d×%d).",
			f.name, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	if f.name == "GIF" {
		src = gifCanvas(src, cfg)
	}

	orientation := 1
	if f.name == "JPEG" {
		orientation = jpegOrientation(data)
	}

	dst := scale(src, lim.MaxEdge)
	dst = orient(dst, orientation)

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: lim.Quality}); err != nil {
		return Image{}, fmt.Errorf("media: encode jpeg: %w", err)
	}
	b := dst.Bounds()
	return Image{Data: buf.Bytes(), ContentType: "image/jpeg", Width: b.Dx(), Height: b.Dy()}, nil
}

// checkSize refuses empty images and images over the pixel limit. The
// product is taken in 64 bits so that 100000×100000 cannot overflow on
// any platform.
func checkSize(w, h, maxPixels int) error {
	if w <= 0 || h <= 0 {
		return rathaus.Invalidf(field, "Das Bild hat eine ungültige Größe von %d×%d Pixeln.", w, h)
	}
	if int64(w)*int64(h) > int64(maxPixels) {
		return rathaus.Invalidf(field, "Das Bild hat %d×%d Pixel, erlaubt sind höchstens %s Megapixel (image is %d×%d pixels, the limit is %s megapixels).",
			w, h, megapixels(maxPixels), w, h, megapixels(maxPixels))
	}
	return nil
}

// codec is the pair of functions that decode one format.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var (
	codecJPEG = &codec{jpeg.DecodeConfig, jpeg.Decode}
	codecPNG  = &codec{png.DecodeConfig, png.Decode}
	// gif.Decode returns the first frame only; animations are reduced
	// to it.
	codecGIF  = &codec{gif.DecodeConfig, gif.Decode}
	codecWebP = &codec{webp.DecodeConfig, webp.Decode}
)

// decodeConfig and decode run the decoders with a recover: the decoders
// are not hardened against every hostile input, and a panic in one
// upload must not take down the server.
func decodeConfig(f format, data []byte) (cfg image.Config, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = rathaus.Invalidf(field, "Die %s-Datei ist beschädigt (%v).", f.name, p)
		}
	}()
	cfg, err = f.codec.config(bytes.NewReader(data))
	if err != nil {
		return cfg, rathaus.Invalidf(field, "Die %s-Datei ist beschädigt oder unvollständig (%v).", f.name, err)
	}
	return cfg, nil
}

func decode(f format, data []byte) (m image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, rathaus.Invalidf(field, "Die %s-Datei ist beschädigt (%v).", f.name, p)
		}
	}()
	m, err = f.codec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, rathaus.Invalidf(field, "Die %s-Datei ist beschädigt oder unvollständig (%v).", f.name, err)
	}
	return m, nil
}

// gifCanvas puts the first frame of a GIF on its logical screen: a frame
// may cover only part of the screen, and the uncovered part is
// transparent (and so becomes white). The screen was checked against
// MaxPixels, and decode checked that the frame is no larger.
func gifCanvas(frame image.Image, cfg image.Config) image.Image {
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if frame.Bounds() == screen {
		return frame
	}
	c := image.NewNRGBA(screen)
	draw.Draw(c, frame.Bounds().Intersect(screen), frame, frame.Bounds().Min, draw.Src)
	return c
}

// scale draws src onto a white RGBA canvas whose longest edge is at most
// maxEdge, keeping the aspect ratio.
//
// It shrinks in two steps, like a mipmap: first by the largest whole
// factor k with a box filter (each output pixel the exact average of a
// k×k block), then by the remaining factor, which is below 2, with
// ApproxBiLinear.
//
// Why not CatmullRom for everything: x/image/draw's kernel scalers
// allocate a float64 buffer of source height × output width × 32 bytes,
// about 200 MB for a 12 MP photo and 360 MB at the 40 MP limit, five
// times the decoded image, per upload; with CatmullRom BenchmarkProcess
// (a 6 MP photo) took 670 ms and 159 MB per photo, with this scheme 300
// ms and 27 MB, most of it decoding and encoding. Why not ApproxBiLinear
// alone: it reads only the 2×2 nearest source pixels, so when it shrinks
// by 2 or more it skips pixels and aliases (moiré on a fence, jagged text
// on a sign; see TestProcessDoesNotAlias). After the box step it never shrinks by 2 or more, which is where
// bilinear sampling is good enough for a photo of a pothole, and the box
// step needs only a buffer of k source rows.
func scale(src image.Image, maxEdge int) *image.RGBA {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), maxEdge)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// White first, then the image over it: transparent pixels end up
	// white, which is what a browser shows on a white page.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
		return dst
	}
	if k := min(sb.Dx()/w, sb.Dy()/h); k >= 2 {
		src = boxShrink(src, k)
		sb = src.Bounds()
	}
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	return dst
}

// boxShrink returns src shrunk by the factor k, each output pixel the
// average of a k×k block of premultiplied source pixels (blocks at the
// right and bottom edge may be smaller). Averaging premultiplied values
// keeps transparent pixels from tinting their neighbours. It converts k
// source rows at a time, so it needs no copy of the whole source.
func boxShrink(src image.Image, k int) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	band := image.NewRGBA(image.Rect(0, 0, w, k))
	sums := make([]uint64, ow*4)
	for oy := range oh {
		rows := min(k, h-oy*k)
		draw.Draw(band, image.Rect(0, 0, w, rows), src, image.Pt(sb.Min.X, sb.Min.Y+oy*k), draw.Src)
		clear(sums)
		for y := range rows {
			row := band.Pix[y*band.Stride : y*band.Stride+w*4]
			for ox := range ow {
				s := sums[ox*4 : ox*4+4 : ox*4+4]
				block := row[ox*k*4 : min(ox*k+k, w)*4]
				for i := 0; i+3 < len(block); i += 4 {
					s[0] += uint64(block[i])
					s[1] += uint64(block[i+1])
					s[2] += uint64(block[i+2])
					s[3] += uint64(block[i+3])
				}
			}
		}
		o := out.Pix[oy*out.Stride:]
		for ox := range ow {
			n := uint64(min(k, w-ox*k) * rows)
			for c := range 4 {
				o[ox*4+c] = uint8((sums[ox*4+c] + n/2) / n)
			}
		}
	}
	return out
}

// fit returns w×h scaled so that the longer edge is at most maxEdge,
// rounding the shorter edge to the nearest pixel and never below 1.
func fit(w, h, maxEdge int) (int, int) {
	if w <= maxEdge && h <= maxEdge {
		return w, h
	}
	shrink := func(short, long int) int {
		s := int((int64(short)*int64(maxEdge)*2 + int64(long)) / (2 * int64(long)))
		return max(s, 1)
	}
	if w >= h {
		return maxEdge, shrink(h, w)
	}
	return shrink(w, h), maxEdge
}

func megapixels(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprint(n / 1_000_000)
	}
	return fmt.Sprintf("%.1f", float64(n)/1e6)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d Bytes", n)
}
