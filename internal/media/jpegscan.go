package media

import "encoding/binary"

// maxJPEGScans bounds the scans of a JPEG. A baseline JPEG has one scan;
// libjpeg's default progression has 10 and optimised progressive files
// rarely more than 20. Go's decoder visits every block of the image in
// every scan, even a scan that codes nothing (an "EOB run"), so a file of
// a few MB holding 100000 empty scans of a large image costs hours of CPU
// while staying under every byte and pixel limit (libjpeg-turbo's
// LJT-01-003; TurboJPEG and others cap the scans for the same reason).
const maxJPEGScans = 100

// jpegScans counts the SOS markers of a JPEG, stopping at EOI, at the
// first malformed segment (the decoder will refuse the file) or once the
// count passes limit. It is a linear walk over the bytes, without
// decoding.
func jpegScans(data []byte, limit int) int {
	scans := 0
	i := 2 // after SOI, which sniff has seen
	for i+2 <= len(data) && scans <= limit {
		if data[i] != 0xff {
			return scans
		}
		marker := data[i+1]
		if marker == 0xff {
			i++
			continue
		}
		i += 2
		switch {
		case marker == 0xd8, marker == 0x01, marker >= 0xd0 && marker <= 0xd7:
			continue
		case marker == 0xd9:
			return scans
		}
		if i+2 > len(data) {
			return scans
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return scans
		}
		i += n
		if marker != 0xda {
			continue
		}
		scans++
		// Skip the entropy-coded data: it ends at the first 0xff that
		// is followed by neither a stuffed 0x00 nor a restart marker.
		for i+1 < len(data) {
			if data[i] == 0xff {
				if next := data[i+1]; next != 0x00 && (next < 0xd0 || next > 0xd7) {
					break
				}
			}
			i++
		}
	}
	return scans
}
