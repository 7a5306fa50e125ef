package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

func TestTIFFOrientation(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	// patch returns a copy of the LE test TIFF with b written at off.
	patch := func(off int, b ...byte) []byte {
		t := exifTIFF(le, 6)
		copy(t[off:], b)
		return t
	}
	// IFD0 starts at 8: count (2 bytes), then the Orientation entry:
	// tag at 10, type at 12, count at 14, value at 18.
	tests := []struct {
		name string
		tiff []byte
		want int
	}{
		{"little endian", exifTIFF(le, 6), 6},
		{"big endian", exifTIFF(be, 8), 8},
		{"every value", exifTIFF(be, 3), 3},
		{"orientation 0 is invalid", exifTIFF(le, 0), 1},
		{"orientation 9 is invalid", exifTIFF(le, 9), 1},
		{"LONG type accepted", patch(12, 4, 0, 1, 0, 0, 0, 6, 0, 0, 0), 6},
		{"ASCII type refused", patch(12, 2, 0), 1},
		{"count 2 refused", patch(14, 2), 1},
		{"empty", nil, 1},
		{"header only", []byte("II*\x00"), 1},
		{"bad byte order", append([]byte("XX"), exifTIFF(le, 6)[2:]...), 1},
		{"bad magic", patch(2, 43), 1},
		{"IFD offset past end", patch(4, 0xf0, 0, 0, 0), 1},
		{"IFD offset 2^32-1", patch(4, 0xff, 0xff, 0xff, 0xff), 1},
		{"IFD offset at last byte", patch(4, 110, 0, 0, 0), 1},
		{"entry count larger than data", append(patch(8, 0xff, 0xff)[:8], 0xff, 0xff, 0x12, 0x01), 1},
		{"truncated inside the entry", exifTIFF(le, 6)[:20], 1},
		{"orientation not in IFD0", patch(10, 0x13, 0x01), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tiffOrientation(tt.tiff); got != tt.want {
				t.Errorf("tiffOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestJPEGOrientation(t *testing.T) {
	exif := func(o uint16) []byte {
		return segment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(binary.BigEndian, o)...))
	}
	xmp := segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>"))
	jfif := segment(0xe0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))
	soi := []byte{0xff, 0xd8}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"exif first", cat(soi, exif(6)), 6},
		{"after JFIF and XMP", cat(soi, jfif, xmp, exif(8)), 8},
		{"fill bytes before a marker", cat(soi, []byte{0xff, 0xff, 0xff}, exif(3)[1:]), 3},
		{"only the first exif counts", cat(soi, exif(5), exif(7)), 5},
		{"exif after SOS is ignored", cat(soi, segment(0xda, []byte{1, 2, 3}), exif(6)), 1},
		{"exif after EOI is ignored", cat(soi, []byte{0xff, 0xd9}, exif(6)), 1},
		{"no exif", cat(soi, jfif), 1},
		{"not a jpeg", cat([]byte("GIF89a"), exif(6)), 1},
		{"empty", nil, 1},
		{"segment length past end", cat(soi, []byte{0xff, 0xe1, 0xff, 0xff}, []byte("Exif\x00\x00II")), 1},
		{"segment length below 2", cat(soi, []byte{0xff, 0xe1, 0x00, 0x01}, exif(6)), 1},
		{"garbage between segments", cat(soi, jfif, []byte{0x00}, exif(6)), 1},
		{"length cut off", cat(soi, []byte{0xff, 0xe1, 0x00}), 1},
		{"exif header without tiff", cat(soi, segment(0xe1, []byte("Exif\x00\x00"))), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Errorf("jpegOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestOrientExact checks orient pixel by pixel on a 3×2 image whose
// pixels are numbered 1–6 in reading order:
//
//	1 2 3
//	4 5 6
func TestOrientExact(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		m.SetRGBA(i%3, i/3, color.RGBA{uint8(i + 1), 0, 0, 255})
	}
	tests := []struct {
		o    int
		want [][]uint8 // rows of the result
	}{
		{1, [][]uint8{{1, 2, 3}, {4, 5, 6}}},
		{2, [][]uint8{{3, 2, 1}, {6, 5, 4}}},
		{3, [][]uint8{{6, 5, 4}, {3, 2, 1}}},
		{4, [][]uint8{{4, 5, 6}, {1, 2, 3}}},
		{5, [][]uint8{{1, 4}, {2, 5}, {3, 6}}},
		{6, [][]uint8{{4, 1}, {5, 2}, {6, 3}}},
		{7, [][]uint8{{6, 3}, {5, 2}, {4, 1}}},
		{8, [][]uint8{{3, 6}, {2, 5}, {1, 4}}},
		{0, [][]uint8{{1, 2, 3}, {4, 5, 6}}}, // invalid values leave the image alone
		{9, [][]uint8{{1, 2, 3}, {4, 5, 6}}},
	}
	for _, tt := range tests {
		got := orient(m, tt.o)
		b := got.Bounds()
		if b.Dx() != len(tt.want[0]) || b.Dy() != len(tt.want) {
			t.Errorf("orient(%d): size %v, want %d×%d", tt.o, b, len(tt.want[0]), len(tt.want))
			continue
		}
		for y, row := range tt.want {
			for x, v := range row {
				if c := got.RGBAAt(x, y); c.R != v || c.A != 255 {
					t.Errorf("orient(%d): pixel (%d,%d) = %d, want %d", tt.o, x, y, c.R, v)
				}
			}
		}
	}
}
