package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

func TestProcessOrientation(t *testing.T) {
	const w, h = 128, 64
	src := encodeJPEG(t, quadrants(w, h))
	// Where the stored quarters (R G / B Y) show up after each EXIF
	// orientation, as [top left, top right, bottom left, bottom right].
	tests := []struct {
		orientation uint16
		want        [4]color.RGBA
	}{
		{1, [4]color.RGBA{red, green, blue, yellow}},
		{2, [4]color.RGBA{green, red, yellow, blue}},
		{3, [4]color.RGBA{yellow, blue, green, red}},
		{4, [4]color.RGBA{blue, yellow, red, green}},
		{5, [4]color.RGBA{red, blue, green, yellow}},
		{6, [4]color.RGBA{blue, red, yellow, green}},
		{7, [4]color.RGBA{yellow, green, blue, red}},
		{8, [4]color.RGBA{green, yellow, red, blue}},
	}
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v/%d", bo, tt.orientation), func(t *testing.T) {
				exif := segment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(bo, tt.orientation)...))
				got, err := Process(bytes.NewReader(withSegments(src, exif)), DefaultLimits())
				if err != nil {
					t.Fatal(err)
				}
				wantW, wantH := w, h
				if tt.orientation >= 5 {
					wantW, wantH = h, w
				}
				if got.Width != wantW || got.Height != wantH {
					t.Fatalf("size = %d×%d, want %d×%d", got.Width, got.Height, wantW, wantH)
				}
				m := decodeJPEG(t, got.Data)
				if b := m.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
					t.Fatalf("decoded size = %v, want %d×%d", b, wantW, wantH)
				}
				// Sample the middle of each quarter.
				pts := [4]image.Point{{wantW / 4, wantH / 4}, {3 * wantW / 4, wantH / 4}, {wantW / 4, 3 * wantH / 4}, {3 * wantW / 4, 3 * wantH / 4}}
				for i, p := range pts {
					if c := m.At(p.X, p.Y); !near(c, tt.want[i], 40) {
						t.Errorf("pixel %v = %v, want %v", p, c, tt.want[i])
					}
				}
			})
		}
	}
}

func TestProcessStripsMetadata(t *testing.T) {
	exif := segment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(binary.BigEndian, 6)...))
	xmp := segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Musterstraße 1</x:xmpmeta>"))
	comment := segment(0xfe, []byte("Kamera-Seriennummer 4711"))
	jpg := withSegments(encodeJPEG(t, quadrants(64, 32)), exif, xmp, comment)
	text := pngChunk("tEXt", []byte("Comment\x00Kamera-Seriennummer 4711"))
	pngWithText := insertPNGChunk(encodePNG(t, quadrants(64, 32)), text)

	// Everything that must not survive, in the forms it takes in a file.
	secrets := [][]byte{
		[]byte("Exif"), []byte("\xff\xe1"), []byte("MM\x00*"), []byte("II*\x00"),
		[]byte("WGS-84"), []byte("Musterstraße"), []byte("xmpmeta"), []byte("4711"),
	}
	tests := []struct {
		name     string
		in       []byte
		mustHave [][]byte // what the input carries, so the test cannot pass vacuously
	}{
		{"jpeg with exif, gps, xmp and comment", jpg, [][]byte{[]byte("Exif"), []byte("WGS-84"), []byte("xmpmeta"), []byte("4711")}},
		{"png with text chunk", pngWithText, [][]byte{[]byte("4711")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.mustHave {
				if !bytes.Contains(tt.in, s) {
					t.Fatalf("test input lacks %q", s)
				}
			}
			got, err := Process(bytes.NewReader(tt.in), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got.ContentType != "image/jpeg" {
				t.Errorf("ContentType = %q, want image/jpeg", got.ContentType)
			}
			for _, s := range secrets {
				if bytes.Contains(got.Data, s) {
					t.Errorf("output contains %q", s)
				}
			}
			decodeJPEG(t, got.Data)
		})
	}
}

// bombs are tiny files whose headers claim enormous images.
func bombs(t testing.TB) []struct {
	name string
	data []byte
	dims string
} {
	// PNG: a valid IHDR (8-bit RGBA) claiming 100000×100000, with its CRC.
	ihdr := binary.BigEndian.AppendUint32(nil, 100000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	pngBomb := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	pngBomb = append(pngBomb, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	pngBomb = append(pngBomb, pngChunk("IEND", nil)...)

	// JPEG: a real 16×16 JPEG whose SOF0 is patched to 65500×65500.
	jpgBomb := encodeJPEG(t, quadrants(16, 16))
	sof := bytes.Index(jpgBomb, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(jpgBomb[sof+5:], 65500) // height
	binary.BigEndian.PutUint16(jpgBomb[sof+7:], 65500) // width

	// GIF: a 1×1 frame on a 65535×65535 logical screen.
	gifBomb := encodeGIF(t, image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.Black, color.White}))
	binary.LittleEndian.PutUint16(gifBomb[6:], 65535)
	binary.LittleEndian.PutUint16(gifBomb[8:], 65535)

	// WebP: an extended (VP8X) header with a 16384×16384 canvas.
	vp8x := []byte{0, 0, 0, 0}
	vp8x = append(vp8x, 0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00) // width-1, height-1 = 16383, 24 bits each
	webpBomb := []byte("RIFF\x00\x00\x00\x00WEBPVP8X")
	webpBomb = binary.LittleEndian.AppendUint32(webpBomb, uint32(len(vp8x)))
	webpBomb = append(webpBomb, vp8x...)
	binary.LittleEndian.PutUint32(webpBomb[4:], uint32(len(webpBomb)-8))

	return []struct {
		name string
		data []byte
		dims string
	}{
		{"png 100000×100000", pngBomb, "100000×100000"},
		{"jpeg 65500×65500", jpgBomb, "65500×65500"},
		{"gif 65535×65535", gifBomb, "65535×65535"},
		{"webp 16384×16384", webpBomb, "16384×16384"},
	}
}

func TestProcessRefusesBombs(t *testing.T) {
	for _, tt := range bombs(t) {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Process(bytes.NewReader(tt.data), DefaultLimits())
			runtime.ReadMemStats(&after)
			if rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Fatalf("err = %v (kind %v), want kind invalid", err, rathaus.KindOf(err))
			}
			if msg := err.Error(); !strings.Contains(msg, tt.dims) || !strings.Contains(msg, "40 Megapixel") {
				t.Errorf("message %q does not name %s and the 40 megapixel limit", msg, tt.dims)
			}
			// A decode would allocate gigabytes; the header check a few KiB.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", alloc)
			}
		})
	}
}

func TestProcessRefusesNonImages(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // the type the message must name
	}{
		{"text", "Die Straßenlaterne in der Hauptstraße ist kaputt.\n", "Text"},
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"},
		{"avif", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"},
		{"svg", "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "SVG"},
		{"html", "<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"},
		{"tiff", "II*\x00\x08\x00\x00\x00\x00\x00", "TIFF"},
		{"bmp", "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "BMP"},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", "ZIP"},
		{"empty", "", "leer"},
		{"binary noise", "\x00\x01\x02\x03\xfe\xfd", "unbekannt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(strings.NewReader(tt.data), DefaultLimits())
			if rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Fatalf("err = %v (kind %v), want kind invalid", err, rathaus.KindOf(err))
			}
			e, _ := rathaus.AsError(err)
			if e.Field != "media" {
				t.Errorf("field = %q, want media", e.Field)
			}
			if !strings.Contains(e.Msg, tt.want) {
				t.Errorf("message %q does not name %q", e.Msg, tt.want)
			}
		})
	}
}

func TestProcessRefusesBrokenImages(t *testing.T) {
	jpg := encodeJPEG(t, photo(64, 48))
	pngData := encodePNG(t, photo(64, 48))
	gifData := encodeGIF(t, quadrants(64, 48))
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg cut in half", jpg[:len(jpg)/2], "JPEG"},
		{"jpeg header only", jpg[:20], "JPEG"},
		{"jpeg magic only", []byte{0xff, 0xd8, 0xff}, "JPEG"},
		{"png cut in half", pngData[:len(pngData)/2], "PNG"},
		{"png signature only", pngData[:8], "PNG"},
		{"png with bad IHDR crc", append(append([]byte{}, pngData[:29]...), 0, 0, 0, 0), "PNG"},
		{"gif cut in half", gifData[:len(gifData)/2], "GIF"},
		{"webp header only", []byte("RIFF\x04\x00\x00\x00WEBP"), "WebP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tt.data), DefaultLimits())
			if rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Fatalf("err = %v (kind %v), want kind invalid", err, rathaus.KindOf(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q does not name %s", err, tt.want)
			}
		})
	}
}

// countingReader is an endless stream that counts what was read from it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestProcessSizeLimit(t *testing.T) {
	jpg := encodeJPEG(t, photo(32, 32))
	n := int64(len(jpg))
	tests := []struct {
		name     string
		maxBytes int64
		want     rathaus.Kind
	}{
		{"exactly at the limit", n, rathaus.KindInternal}, // KindInternal: no error
		{"one byte over", n - 1, rathaus.KindTooLarge},
		{"far over", n / 4, rathaus.KindTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := DefaultLimits()
			lim.MaxBytes = tt.maxBytes
			got, err := Process(bytes.NewReader(jpg), lim)
			if tt.want == rathaus.KindInternal {
				if err != nil {
					t.Fatal(err)
				}
				if got.Width != 32 || got.Height != 32 {
					t.Errorf("size = %d×%d, want 32×32", got.Width, got.Height)
				}
				return
			}
			if k := rathaus.KindOf(err); k != tt.want {
				t.Fatalf("err = %v (kind %v), want kind %v", err, k, tt.want)
			}
		})
	}

	t.Run("reads no more than MaxBytes+1", func(t *testing.T) {
		lim := DefaultLimits()
		lim.MaxBytes = 1 << 20
		r := &countingReader{}
		_, err := Process(r, lim)
		if rathaus.KindOf(err) != rathaus.KindTooLarge {
			t.Fatalf("err = %v, want kind too large", err)
		}
		if !strings.Contains(err.Error(), "1 MiB") {
			t.Errorf("message %q does not name the 1 MiB limit", err)
		}
		// io.ReadAll asks for more than it gets; LimitReader caps each
		// call, so the stream sees exactly the limit plus one.
		if r.n != lim.MaxBytes+1 {
			t.Errorf("read %d bytes, want %d", r.n, lim.MaxBytes+1)
		}
	})
}

func TestProcessPixelLimit(t *testing.T) {
	jpg := encodeJPEG(t, photo(100, 50)) // 5000 pixels
	tests := []struct {
		maxPixels int
		ok        bool
	}{
		{5000, true},
		{4999, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.maxPixels), func(t *testing.T) {
			lim := DefaultLimits()
			lim.MaxPixels = tt.maxPixels
			_, err := Process(bytes.NewReader(jpg), lim)
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok {
				if rathaus.KindOf(err) != rathaus.KindInvalid || !strings.Contains(err.Error(), "100×50") {
					t.Fatalf("err = %v, want kind invalid naming 100×50", err)
				}
			}
		})
	}
}

func TestProcessScales(t *testing.T) {
	// Left half red, right half blue, so that the test also sees that
	// the picture was scaled, not cropped.
	halves := func(w, h int) image.Image {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c := red
				if x >= w/2 {
					c = blue
				}
				m.SetRGBA(x, y, c)
			}
		}
		return m
	}
	tests := []struct {
		name         string
		w, h         int
		maxEdge      int
		wantW, wantH int
	}{
		{"4000×3000 landscape", 4000, 3000, 2048, 2048, 1536},
		{"3000×4000 portrait", 3000, 4000, 2048, 1536, 2048},
		{"small image untouched", 300, 200, 2048, 300, 200},
		{"exactly the limit", 256, 100, 256, 256, 100},
		{"one pixel over", 257, 100, 256, 256, 100},
		{"thin strip keeps 1 pixel", 3000, 1, 256, 256, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := DefaultLimits()
			lim.MaxEdge = tt.maxEdge
			got, err := Process(bytes.NewReader(encodeJPEG(t, halves(tt.w, tt.h))), lim)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != tt.wantW || got.Height != tt.wantH {
				t.Fatalf("size = %d×%d, want %d×%d", got.Width, got.Height, tt.wantW, tt.wantH)
			}
			m := decodeJPEG(t, got.Data)
			if b := m.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Fatalf("decoded size = %v, want %d×%d", b, tt.wantW, tt.wantH)
			}
			y := tt.wantH / 2
			if c := m.At(tt.wantW/8, y); !near(c, red, 40) {
				t.Errorf("left pixel = %v, want red", c)
			}
			if c := m.At(tt.wantW*7/8, y); !near(c, blue, 40) {
				t.Errorf("right pixel = %v, want blue", c)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct{ w, h, max, wantW, wantH int }{
		{4000, 3000, 2048, 2048, 1536},
		{3000, 2000, 2048, 2048, 1365}, // 1365.33
		{2000, 3001, 2048, 1365, 2048}, // 1364.88 rounds up
		{2048, 2048, 2048, 2048, 2048},
		{10, 10, 2048, 10, 10},
		{100000, 1, 2048, 2048, 1},
	}
	for _, tt := range tests {
		if w, h := fit(tt.w, tt.h, tt.max); w != tt.wantW || h != tt.wantH {
			t.Errorf("fit(%d, %d, %d) = %d, %d, want %d, %d", tt.w, tt.h, tt.max, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestProcessFlattensTransparency(t *testing.T) {
	// Left half fully transparent (black with alpha 0, so that ignoring
	// alpha would show black), right half opaque blue, and a half
	// transparent red square in the top right corner.
	m := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			switch {
			case x >= 48 && y < 16:
				m.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 128})
			case x >= 32:
				m.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 255})
			}
		}
	}
	for _, enc := range []struct {
		name string
		data []byte
	}{
		{"png", encodePNG(t, m)},
	} {
		t.Run(enc.name, func(t *testing.T) {
			got, err := Process(bytes.NewReader(enc.data), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			out := decodeJPEG(t, got.Data)
			tests := []struct {
				p    image.Point
				want color.Color
			}{
				{image.Pt(8, 32), white},
				{image.Pt(40, 40), blue},
				{image.Pt(56, 8), color.RGBA{255, 127, 127, 255}}, // red at 50 % over white
			}
			for _, tt := range tests {
				if c := out.At(tt.p.X, tt.p.Y); !near(c, tt.want, 12) {
					t.Errorf("pixel %v = %v, want %v", tt.p, c, tt.want)
				}
			}
		})
	}
}

func TestProcessGIFFirstFrameOnScreen(t *testing.T) {
	pal := color.Palette{color.Transparent, red, green}
	frame := func(r image.Rectangle, idx uint8) *image.Paletted {
		p := image.NewPaletted(r, pal)
		for i := range p.Pix {
			p.Pix[i] = idx
		}
		return p
	}
	// A 40×20 screen; the first frame covers only a red square at
	// (10,5)-(20,15), the second frame (green, everywhere) must be ignored.
	g := &gif.GIF{
		Image:  []*image.Paletted{frame(image.Rect(10, 5, 20, 15), 1), frame(image.Rect(0, 0, 40, 20), 2)},
		Delay:  []int{10, 10},
		Config: image.Config{Width: 40, Height: 20, ColorModel: pal},
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	got, err := Process(&b, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != 40 || got.Height != 20 {
		t.Fatalf("size = %d×%d, want the 40×20 screen", got.Width, got.Height)
	}
	out := decodeJPEG(t, got.Data)
	if c := out.At(15, 10); !near(c, red, 40) {
		t.Errorf("frame pixel = %v, want red", c)
	}
	if c := out.At(36, 3); !near(c, white, 12) { // another 16×16 JPEG block than the red
		t.Errorf("pixel outside the frame = %v, want white", c)
	}
}

func TestProcessWebP(t *testing.T) {
	// Sample files from golang.org/x/image/testdata (BSD licence, see
	// testdata/README).
	tests := []struct {
		file         string
		wantW, wantH int
	}{
		{"blue-purple-pink.lossy.webp", 150, 100},
		{"gopher-doc.1bpp.lossless.webp", 75, 100},
		{"yellow_rose.lossy-with-alpha.webp", 400, 301},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Process(bytes.NewReader(data), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != tt.wantW || got.Height != tt.wantH {
				t.Errorf("size = %d×%d, want %d×%d", got.Width, got.Height, tt.wantW, tt.wantH)
			}
			if b := decodeJPEG(t, got.Data).Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Errorf("decoded size = %v", b)
			}
		})
	}
}

func TestDecoderPanicIsInvalid(t *testing.T) {
	boom := func(io.Reader) (image.Image, error) { panic("index out of range") }
	boomConfig := func(io.Reader) (image.Config, error) { panic("index out of range") }
	f := format{name: "PNG", codec: &codec{config: boomConfig, decode: boom}}
	if _, err := decodeConfig(f, nil); rathaus.KindOf(err) != rathaus.KindInvalid || !strings.Contains(err.Error(), "PNG") {
		t.Errorf("decodeConfig: err = %v, want kind invalid naming PNG", err)
	}
	m, err := decode(f, nil)
	if rathaus.KindOf(err) != rathaus.KindInvalid || m != nil {
		t.Errorf("decode: m, err = %v, %v, want nil and kind invalid", m, err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	d := DefaultLimits()
	if d != (Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxEdge: 2048, Quality: 85}) {
		t.Errorf("DefaultLimits() = %+v", d)
	}
	got, err := Limits{MaxEdge: 100}.withDefaults()
	if err != nil || got != (Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxEdge: 100, Quality: 85}) {
		t.Errorf("withDefaults() = %+v, %v", got, err)
	}
	for _, bad := range []Limits{{MaxBytes: -1}, {Quality: 101}, {MaxEdge: -5}, {MaxPixels: -1}} {
		if _, err := Process(bytes.NewReader(encodePNG(t, photo(4, 4))), bad); err == nil || rathaus.KindOf(err) != rathaus.KindInternal {
			t.Errorf("Process with %+v: err = %v, want an internal error", bad, err)
		}
	}
}

// TestBombHeadersAreValid guards the hand-made bombs themselves: the
// format's DecodeConfig must read the claimed size, or TestProcessRefusesBombs would pass for the
// wrong reason (a CRC error, say).
func TestBombHeadersAreValid(t *testing.T) {
	for _, tt := range bombs(t) {
		f := sniff(tt.data)
		cfg, err := f.codec.config(bytes.NewReader(tt.data))
		if err != nil {
			t.Errorf("%s: DecodeConfig: %v", tt.name, err)
			continue
		}
		if got := fmt.Sprintf("%d×%d", cfg.Width, cfg.Height); got != tt.dims {
			t.Errorf("%s: DecodeConfig size = %s, want %s", tt.name, got, tt.dims)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	data := encodeJPEG(b, photo(3000, 2000))
	lim := DefaultLimits()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), lim); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBoxShrink(t *testing.T) {
	// 5×3 pixels, red channel numbered, shrunk by 2: blocks of 2×2, 1×2
	// at the right edge, 2×1 at the bottom, 1×1 in the corner.
	//
	//	 10  20 |  30  40 |  50
	//	 60  70 |  80  90 | 100
	//	--------+---------+----
	//	110 120 | 130 140 | 150
	m := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range 15 {
		m.SetRGBA(i%5, i/5, color.RGBA{uint8(10 * (i + 1)), 0, 0, 255})
	}
	got := boxShrink(m, 2)
	want := [][]uint8{
		{40, 60, 75},    // (10+20+60+70)/4, (30+40+80+90)/4, (50+100)/2
		{115, 135, 150}, // (110+120)/2, (130+140)/2, 150
	}
	if b := got.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Fatalf("size = %v, want 3×2", b)
	}
	for y, row := range want {
		for x, v := range row {
			if c := got.RGBAAt(x, y); c.R != v || c.A != 255 {
				t.Errorf("pixel (%d,%d) = %v, want R=%d A=255", x, y, c, v)
			}
		}
	}

	// Premultiplied averaging: a transparent pixel next to an opaque red
	// one gives half-transparent red, not dark red.
	tr := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	tr.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 0})
	tr.SetNRGBA(1, 0, color.NRGBA{255, 0, 0, 255})
	if c := color.NRGBAModel.Convert(boxShrink(tr, 2).At(0, 0)).(color.NRGBA); c.R < 250 || c.A != 128 {
		t.Errorf("transparent+red = %v, want NRGBA red at alpha 128", c)
	}
}

func TestProcessDoesNotAlias(t *testing.T) {
	// A one-pixel checkerboard has no detail that survives shrinking by
	// three: the honest result is grey (3×3 blocks hold 4 or 5 white
	// pixels, so 113 or 142). A scaler that only samples returns black
	// and white instead: bilinear at factor 3 lands exactly on source
	// pixel centres.
	m := image.NewGray(image.Rect(0, 0, 768, 576))
	for y := range 576 {
		for x := range 768 {
			if (x+y)%2 == 0 {
				m.Pix[y*m.Stride+x] = 255
			}
		}
	}
	lim := DefaultLimits()
	lim.MaxEdge = 256
	got, err := Process(bytes.NewReader(encodePNG(t, m)), lim)
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != 256 || got.Height != 192 {
		t.Fatalf("size = %d×%d, want 256×192", got.Width, got.Height)
	}
	out := decodeJPEG(t, got.Data)
	grey := color.RGBA{128, 128, 128, 255}
	for _, p := range []image.Point{{0, 0}, {128, 96}, {255, 191}, {17, 133}} {
		if c := out.At(p.X, p.Y); !near(c, grey, 24) {
			t.Errorf("pixel %v = %v, want grey 128±24", p, c)
		}
	}
}

func TestProcessRefusesManyScans(t *testing.T) {
	jpg := encodeJPEG(t, photo(64, 48))
	sos := bytes.Index(jpg, []byte{0xff, 0xda})
	eoi := len(jpg) - 2
	if sos < 0 || !bytes.Equal(jpg[eoi:], []byte{0xff, 0xd9}) {
		t.Fatal("unexpected JPEG layout")
	}
	// withScans repeats the one scan (SOS header and entropy data) n
	// times; only the marker structure matters for the count.
	withScans := func(n int) []byte {
		out := append([]byte{}, jpg[:sos]...)
		for range n {
			out = append(out, jpg[sos:eoi]...)
		}
		return append(out, 0xff, 0xd9)
	}
	if got := jpegScans(jpg, maxJPEGScans); got != 1 {
		t.Errorf("jpegScans(baseline) = %d, want 1", got)
	}
	if got := jpegScans(withScans(7), maxJPEGScans); got != 7 {
		t.Errorf("jpegScans(7 scans) = %d, want 7", got)
	}
	if got := jpegScans(withScans(150), maxJPEGScans); got != maxJPEGScans+1 {
		t.Errorf("jpegScans(150 scans) = %d, want to stop at %d", got, maxJPEGScans+1)
	}
	_, err := Process(bytes.NewReader(withScans(maxJPEGScans+1)), DefaultLimits())
	if rathaus.KindOf(err) != rathaus.KindInvalid || !strings.Contains(err.Error(), "Scans") {
		t.Errorf("%d scans: err = %v, want kind invalid about scans", maxJPEGScans+1, err)
	}
	_, err = Process(bytes.NewReader(withScans(maxJPEGScans)), DefaultLimits())
	if err != nil && strings.Contains(err.Error(), "Scans") {
		t.Errorf("%d scans refused by the scan limit: %v", maxJPEGScans, err)
	}
}
