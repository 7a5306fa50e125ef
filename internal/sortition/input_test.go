package sortition

import (
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

func TestReadQuotasFormats(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"feature,value", "feature,value,min,max,min_flex\ngender,f,1,2,0\ngender,m,1,3,0\nage,young,0,2,0\n"},
		{"category,name", "category,name,min,max\ngender,f,1,2\ngender,m,1,3\nage,young,0,2\n"},
		{"category,feature", "category,feature,min,max\ngender,f,1,2\ngender,m,1,3\nage,young,0,2"},
		{"semicolon with BOM", "\xef\xbb\xbffeature;value;min;max\r\ngender;f;1;2\r\ngender;m;1;3\r\nage;young;0;2\r\n;;;\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cats, err := ReadQuotas(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(cats) != 2 || cats[0].Name != "gender" || len(cats[0].Values) != 2 || cats[1].Name != "age" {
				t.Fatalf("categories = %+v", cats)
			}
			if v := cats[0].Values[1]; v.Name != "m" || v.Min != 1 || v.Max != 3 {
				t.Errorf("gender=m = %+v, want m 1–3", v)
			}
		})
	}
}

func TestReadQuotasErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a,b,c\n1,2,3\n", "Kopfzeile"},
		{"feature,value,min,max\ngender,f,3,1\n", "Minimum 3 größer als Maximum 1"},
		{"feature,value,min,max\ngender,f,x,1\n", "ganze Zahlen"},
		{"feature,value,min,max\ngender,f,1,1\ngender,F,1,1\n", "doppelt"},
	}
	for _, tt := range tests {
		_, err := ReadQuotas(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Errorf("ReadQuotas(%q) = %v, want invalid containing %q", tt.in, err, tt.want)
		}
	}
}

var twoCats = []Category{
	{Name: "Geschlecht", Values: []Value{{"weiblich", 0, 5}, {"männlich", 0, 5}}},
	{Name: "Alter", Values: []Value{{"jung", 0, 5}, {"alt", 0, 5}}},
}

func TestReadPeopleEncodingsAndIDs(t *testing.T) {
	utf := "name;Geschlecht;Alter;email\nAnna;weiblich;jung;a@x\nBernd;männlich;alt;b@x\n"
	// Windows-1252: ä is 0xE4.
	cp := strings.ReplaceAll(utf, "ä", "\xe4")
	tests := []struct {
		name, in, idCol string
		wantIDs         []string
	}{
		{"utf8 row numbers", utf, "", []string{"1", "2"}},
		{"windows-1252", cp, "", []string{"1", "2"}},
		{"bom and id column", "\xef\xbb\xbf" + strings.Replace(utf, "name", "ID", 1), "", []string{"Anna", "Bernd"}},
		{"configured id column", strings.ReplaceAll(utf, ";", ","), "email", []string{"a@x", "b@x"}},
		{"quoted cells", "name,Geschlecht,Alter\n\"Anna, B.\",\"weiblich\",jung\n", "name", []string{"Anna, B."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := ReadPeople(strings.NewReader(tt.in), twoCats, tt.idCol)
			if err != nil {
				t.Fatal(err)
			}
			if len(pool.People) != len(tt.wantIDs) {
				t.Fatalf("%d people, want %d", len(pool.People), len(tt.wantIDs))
			}
			for i, id := range tt.wantIDs {
				if pool.People[i].ID != id {
					t.Errorf("person %d id %q, want %q", i, pool.People[i].ID, id)
				}
			}
			if len(tt.wantIDs) == 2 && (pool.People[1].Values[0] != 1 || pool.People[1].Values[1] != 1) {
				t.Errorf("Bernd's values = %v, want [1 1] (männlich, alt)", pool.People[1].Values)
			}
		})
	}
}

func TestReadPeopleErrors(t *testing.T) {
	tests := []struct{ name, in, idCol, want string }{
		{"unknown value", "id,Geschlecht,Alter\n1,divers,jung\n", "", `Wert "divers" in Spalte "Geschlecht" fehlt in den Quoten`},
		{"duplicate id", "id,Geschlecht,Alter\n7,weiblich,jung\n7,männlich,alt\n", "", `Kennung "7" doppelt (schon in Zeile 2)`},
		{"empty cell", "id,Geschlecht,Alter\n1,,jung\n", "", `Zelle in Spalte "Geschlecht" ist leer`},
		{"short row", "id,Geschlecht,Alter\n1,weiblich\n", "", `Zelle in Spalte "Alter" ist leer`},
		{"missing column", "id,Geschlecht\n1,weiblich\n", "", `Spalte "Alter" aus den Quoten fehlt`},
		{"missing id column", "id,Geschlecht,Alter\n1,weiblich,jung\n", "nr", `Spalte "nr" für die Kennung fehlt`},
		{"empty id", "id,Geschlecht,Alter\n,weiblich,jung\n", "", "Kennung (Spalte \"id\") ist leer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPeople(strings.NewReader(tt.in), twoCats, tt.idCol)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Errorf("kind = %v, want invalid", rathaus.KindOf(err))
			}
		})
	}
}

func TestNewInstanceInfeasibleQuotas(t *testing.T) {
	people := func(vals ...[]int) []Person {
		var ps []Person
		for i, v := range vals {
			ps = append(ps, Person{ID: string(rune('a' + i)), Values: v})
		}
		return ps
	}
	cats := func(fMin, fMax, mMin, mMax int) []Category {
		return []Category{{Name: "g", Values: []Value{{"f", fMin, fMax}, {"m", mMin, mMax}}}}
	}
	pool := people([]int{0}, []int{1}, []int{1}, []int{1})
	tests := []struct {
		name  string
		cats  []Category
		seats int
		want  string
	}{
		{"not enough people with a value", cats(2, 3, 0, 3), 3, "Quote g=f: Minimum 2, aber nur 1 Personen mit diesem Wert im Pool (1 fehlen)"},
		{"minimums exceed seats", cats(1, 1, 3, 3), 3, "Die Minima ergeben zusammen 4, mehr als die 3 Sitze (1 zu viel)"},
		{"maximums below seats", cats(0, 1, 0, 1), 3, "Höchstens 2 Sitze belegbar"},
		{"more seats than people", cats(0, 4, 0, 4), 5, "5 Sitze, aber nur 4 Personen im Pool (1 fehlen)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewInstance(tt.cats, pool, tt.seats)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
