package media

import (
	"bytes"
	"encoding/binary"
	"image"
)

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG file, or 1
// when there is none or the EXIF data is malformed. Only the orientation
// is read; everything else in EXIF is dropped by re-encoding anyway.
//
// The walk stops at the first scan (SOS): Exif must come before it, and
// the entropy-coded data after it is not segmented by lengths.
func jpegOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	i := 2
	for i+2 <= len(data) {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte before a marker
			i++
			continue
		}
		i += 2
		switch {
		case marker == 0xd8, marker == 0x01, marker >= 0xd0 && marker <= 0xd7:
			continue // markers without a length
		case marker == 0xd9, marker == 0xda: // EOI, SOS
			return 1
		}
		if i+2 > len(data) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i:])) // includes its own two bytes
		if n < 2 || i+n > len(data) {
			return 1
		}
		seg := data[i+2 : i+n]
		// APP1 also carries XMP ("http://ns.adobe.com/xap/1.0/\x00");
		// only the Exif one has the orientation.
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 (Orientation) from IFD0 of a TIFF
// structure, the payload of an Exif segment. Both byte orders occur in
// practice ("II" from most Android phones, "MM" from Apple and many
// cameras). Every offset is the file's claim and is checked against the
// length before use; offsets are compared as uint64 so that a huge
// uint32 cannot wrap around on a 32-bit int.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 1
	}
	count := uint64(bo.Uint16(t[ifd:]))
	for k := uint64(0); k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if n != 1 {
			return 1
		}
		var v uint32
		switch typ {
		case 3: // SHORT, as the standard says
			v = uint32(bo.Uint16(t[e+8:]))
		case 4: // LONG, written by a few tools
			v = bo.Uint32(t[e+8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// orient returns m turned so that it displays upright, given the EXIF
// orientation o (1–8). The EXIF values describe how the stored rows and
// columns relate to the visual top and left:
//
//	1 as stored           5 transposed (mirrored across the main diagonal)
//	2 mirrored left–right 6 rotated 90° clockwise
//	3 rotated 180°        7 transversed (mirrored across the anti-diagonal)
//	4 mirrored top–bottom 8 rotated 90° counter-clockwise
//
// m has its origin at (0, 0), as scale returns it.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			si := sy*m.Stride + sx*4
			di := y*d.Stride + x*4
			copy(d.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return d
}
