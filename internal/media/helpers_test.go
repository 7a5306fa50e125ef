package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

var (
	red    = color.RGBA{255, 0, 0, 255}
	green  = color.RGBA{0, 255, 0, 255}
	blue   = color.RGBA{0, 0, 255, 255}
	yellow = color.RGBA{255, 255, 0, 255}
	white  = color.RGBA{255, 255, 255, 255}
)

// quadrants returns a w×h image whose quarters are red (top left), green
// (top right), blue (bottom left) and yellow (bottom right), so that any
// rotation or mirroring shows in where the colours end up.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = yellow
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// photo returns a w×h image with smooth gradients and fine detail, closer
// to what a camera produces than a flat colour (which JPEG compresses to
// almost nothing and decodes unrealistically fast).
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := m.PixOffset(x, y)
			m.Pix[i+0] = uint8(x * 255 / w)
			m.Pix[i+1] = uint8(y * 255 / h)
			m.Pix[i+2] = uint8((x*7 + y*13) ^ (x * y >> 5))
			m.Pix[i+3] = 255
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exifTIFF builds the TIFF payload of an Exif segment by hand: IFD0 with
// Orientation and a pointer to a GPS IFD holding latitude 52°31'12.34" N
// (Berlin) and the map datum "WGS-84", the way a phone writes it.
func exifTIFF(bo binary.AppendByteOrder, orientation uint16) []byte {
	var t []byte
	if bo == binary.LittleEndian {
		t = append(t, "II"...)
	} else {
		t = append(t, "MM"...)
	}
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8) // IFD0 right after the header
	entry := func(tag, typ uint16, count uint32, value []byte) {
		t = bo.AppendUint16(t, tag)
		t = bo.AppendUint16(t, typ)
		t = bo.AppendUint32(t, count)
		t = append(t, value...)
	}
	u16 := func(v uint16) []byte { return append(bo.AppendUint16(nil, v), 0, 0) }
	u32 := func(v uint32) []byte { return bo.AppendUint32(nil, v) }

	const gpsIFD = 8 + 2 + 2*12 + 4              // 38
	const latData = gpsIFD + 2 + 3*12 + 4        // 80
	const datumData = latData + 3*8              // 104
	t = bo.AppendUint16(t, 2)                    // IFD0 entries
	entry(0x0112, 3, 1, u16(orientation))        // Orientation, SHORT
	entry(0x8825, 4, 1, u32(gpsIFD))             // GPSInfo IFD pointer, LONG
	t = bo.AppendUint32(t, 0)                    // no IFD1
	t = bo.AppendUint16(t, 3)                    // GPS IFD entries
	entry(0x0001, 2, 2, []byte("N\x00\x00\x00")) // GPSLatitudeRef, ASCII
	entry(0x0002, 5, 3, u32(latData))            // GPSLatitude, 3 RATIONAL
	entry(0x0012, 2, 7, u32(datumData))          // GPSMapDatum, ASCII
	t = bo.AppendUint32(t, 0)
	for _, r := range [][2]uint32{{52, 1}, {31, 1}, {1234, 100}} {
		t = bo.AppendUint32(t, r[0])
		t = bo.AppendUint32(t, r[1])
	}
	t = append(t, "WGS-84\x00"...)
	return t
}

// segment returns a JPEG marker segment with its length.
func segment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker}
	s = binary.BigEndian.AppendUint16(s, uint16(len(payload)+2))
	return append(s, payload...)
}

// withSegments inserts segments right after the SOI marker of a JPEG.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// pngChunk returns a PNG chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// insertPNGChunk puts a chunk right after IHDR (8 bytes signature, 25
// bytes IHDR chunk).
func insertPNGChunk(p []byte, chunk []byte) []byte {
	out := append([]byte{}, p[:33]...)
	out = append(out, chunk...)
	return append(out, p[33:]...)
}

// near reports whether two colours differ by at most tol in every
// channel; JPEG is lossy, so exact comparisons would test the encoder.
func near(a, b color.Color, tol int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool {
		v := int(x>>8) - int(y>>8)
		return -tol <= v && v <= tol
	}
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}

func decodeJPEG(t testing.TB, data []byte) image.Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output does not decode as JPEG: %v", err)
	}
	return m
}
