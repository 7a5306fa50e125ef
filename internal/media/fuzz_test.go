package media

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"os"
	"testing"

	"github.com/rathaus/rathaus"
)

// FuzzProcess feeds Process arbitrary bytes. Whatever comes in, Process
// must not panic, must return a JPEG within the limits on success, and
// must return a user error (invalid or too large) otherwise: an internal
// error would become a 500 and a log alarm for what is only a bad upload.
//
// The seed corpus is in testdata/fuzz/FuzzProcess (small valid and broken
// files of every format) plus the inputs added below.
func FuzzProcess(f *testing.F) {
	small := quadrants(24, 16)
	jpg := encodeJPEG(f, small)
	f.Add(jpg)
	f.Add(withSegments(jpg, segment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 6)...))))
	f.Add(encodePNG(f, small))
	f.Add(encodeGIF(f, small))
	if webp, err := os.ReadFile("testdata/gopher-doc.1bpp.lossless.webp"); err == nil {
		f.Add(webp)
	}
	for _, b := range bombs(f) {
		f.Add(b.data)
	}
	f.Add([]byte("%PDF-1.4\n"))

	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxEdge: 64, Quality: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Process(bytes.NewReader(data), lim)
		if err != nil {
			if k := rathaus.KindOf(err); k != rathaus.KindInvalid && k != rathaus.KindTooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if img.ContentType != "image/jpeg" {
			t.Errorf("ContentType = %q", img.ContentType)
		}
		if img.Width < 1 || img.Height < 1 || img.Width > lim.MaxEdge || img.Height > lim.MaxEdge {
			t.Errorf("size %d×%d outside 1…%d", img.Width, img.Height, lim.MaxEdge)
		}
		m, err := jpeg.Decode(bytes.NewReader(img.Data))
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if b := m.Bounds(); b.Dx() != img.Width || b.Dy() != img.Height {
			t.Errorf("decoded size %v, Image says %d×%d", b, img.Width, img.Height)
		}
	})
}
