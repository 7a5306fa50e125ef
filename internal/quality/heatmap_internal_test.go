package quality

import (
	"fmt"
	"testing"

	"github.com/rathaus/rathaus/internal/store"
)

func TestClassesUpTo(t *testing.T) {
	tests := []struct {
		top  int64
		want string
	}{
		{1, "[{1 1}]"},
		{3, "[{1 1} {2 2} {3 3}]"},
		{6, "[{1 2} {3 3} {4 4} {5 5} {6 6}]"},
		{32, "[{1 2} {3 4} {5 8} {9 16} {17 32}]"},
		{100, "[{1 3} {4 7} {8 16} {17 40} {41 100}]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(classesUpTo(tt.top)); got != tt.want {
			t.Errorf("classesUpTo(%d) = %s, want %s", tt.top, got, tt.want)
		}
	}
}

func TestStreetOf(t *testing.T) {
	tests := []struct{ address, want string }{
		{"Lindenstraße 2", "Lindenstraße"},
		{"Lindenstraße 12a, 49074 Osnabrück", "Lindenstraße"},
		{"Am Wall 3-5", "Am Wall"},
		{"Hauptstr. 7 / 9", "Hauptstr."},
		{"Theodor-Heuss-Platz (Hauptbahnhof)", "Theodor-Heuss-Platz (Hauptbahnhof)"},
		{"Straße des 17. Juni", "Straße des 17. Juni"},
		{"12", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := streetOf(tt.address); got != tt.want {
			t.Errorf("streetOf(%q) = %q, want %q", tt.address, got, tt.want)
		}
	}
}

func TestMainStreet(t *testing.T) {
	// Two house numbers of one street outweigh the single most frequent address.
	got := mainStreet([]store.AddressCount{{Address: "Markt 1", Count: 3}, {Address: "Lindenstraße 2", Count: 2}, {Address: "Lindenstraße 4", Count: 2}, {Address: "7", Count: 9}})
	if got != "Lindenstraße" {
		t.Errorf("mainStreet = %q, want Lindenstraße", got)
	}
}
