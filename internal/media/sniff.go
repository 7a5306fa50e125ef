package media

import (
	"bytes"
	"unicode/utf8"
)

// format is what the first bytes of an upload say it is. codec is nil for
// formats that Process refuses; name is shown to the user either way.
type format struct {
	name  string
	codec *codec
}

// sniff identifies data by its magic bytes, never by the file name or the
// Content-Type that the client sent, since both are the client's claim.
// It knows the refused formats that people actually upload (HEIC from
// iPhones, PDF scans, TIFF, BMP, SVG) so that the error can name them.
func sniff(data []byte) format {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case len(data) == 0:
		return format{name: "leer (0 Bytes)"}
	case has(0, "\xff\xd8\xff"):
		return format{"JPEG", codecJPEG}
	case has(0, "\x89PNG\r\n\x1a\n"):
		return format{"PNG", codecPNG}
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return format{"GIF", codecGIF}
	case has(0, "RIFF") && has(8, "WEBP"):
		return format{"WebP", codecWebP}
	case has(4, "ftyp"):
		return format{name: isoBrand(data)}
	case has(0, "%PDF-"):
		return format{name: "PDF"}
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return format{name: "TIFF"}
	case has(0, "BM"):
		return format{name: "BMP"}
	case has(0, "\x00\x00\x01\x00"):
		return format{name: "ICO"}
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"):
		return format{name: "JPEG XL"}
	case has(0, "8BPS"):
		return format{name: "PSD"}
	case has(0, "PK\x03\x04"):
		return format{name: "ZIP"}
	case has(0, "\x1f\x8b"):
		return format{name: "GZIP"}
	case has(0, "\x7fELF"), has(0, "MZ"):
		return format{name: "Programmdatei"}
	}
	if isText(data) {
		head := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), 1024)], []byte("\xef\xbb\xbf")), " \t\r\n"))
		switch {
		case bytes.Contains(head, []byte("<svg")):
			return format{name: "SVG"}
		case bytes.HasPrefix(head, []byte("<!doctype html")), bytes.HasPrefix(head, []byte("<html")):
			return format{name: "HTML"}
		case bytes.HasPrefix(head, []byte("<?xml")):
			return format{name: "XML"}
		}
		return format{name: "Text"}
	}
	return format{name: "unbekannt"}
}

// isoBrand names an ISO base media file (the "ftyp" box) by its major
// brand: HEIC/HEIF and AVIF are photos, the rest is video.
func isoBrand(data []byte) string {
	if len(data) < 12 {
		return "ISO-BMFF"
	}
	switch string(data[8:12]) {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
		return "HEIC/HEIF"
	case "avif", "avis":
		return "AVIF"
	case "qt  ":
		return "QuickTime-Video"
	}
	return "MP4-Video"
}

// isText reports whether the first KiB of data is UTF-8 without control
// characters other than white space.
func isText(data []byte) bool {
	head := data[:min(len(data), 1024)]
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size <= 1 {
			// A rune cut off by the 1 KiB window is still text.
			return !utf8.FullRune(head) && len(data) > 1024
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7f {
			return false
		}
		head = head[size:]
	}
	return true
}
