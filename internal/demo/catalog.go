package demo

import (
	"strconv"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
)

// The demo town borrows the map of central Osnabrück; every name in it is
// invented. Rings are listed as (lat, lon) and closed by geo.AreaFromRings.
var (
	// boundary is a rough outline of the inner districts, drawn so that it
	// is clearly not a rectangle (the demo's map should show a real shape).
	boundary = []geo.Point{
		{Lat: 52.3180, Lon: 8.0350}, // Pye
		{Lat: 52.3140, Lon: 8.0700}, // Haste
		{Lat: 52.3020, Lon: 8.0980}, // Dodesheide
		{Lat: 52.2850, Lon: 8.1170}, // Schinkel-Ost
		{Lat: 52.2700, Lon: 8.1080},
		{Lat: 52.2620, Lon: 8.1120}, // Voxtrup
		{Lat: 52.2430, Lon: 8.0950},
		{Lat: 52.2360, Lon: 8.0620}, // Nahne
		{Lat: 52.2320, Lon: 8.0350},
		{Lat: 52.2400, Lon: 8.0100}, // Sutthausen
		{Lat: 52.2520, Lon: 7.9900},
		{Lat: 52.2680, Lon: 7.9750}, // Atter
		{Lat: 52.2870, Lon: 7.9820},
		{Lat: 52.3000, Lon: 7.9980}, // Eversburg
		{Lat: 52.3130, Lon: 8.0120},
	}
	// innenstadt is the old town and the station quarter, where the
	// Ordnungsamt patrols and therefore takes graffiti and wild waste.
	innenstadt = []geo.Point{
		{Lat: 52.2800, Lon: 8.0360},
		{Lat: 52.2840, Lon: 8.0420},
		{Lat: 52.2835, Lon: 8.0520},
		{Lat: 52.2790, Lon: 8.0600},
		{Lat: 52.2745, Lon: 8.0660},
		{Lat: 52.2700, Lon: 8.0620},
		{Lat: 52.2690, Lon: 8.0520},
		{Lat: 52.2705, Lon: 8.0420},
		{Lat: 52.2740, Lon: 8.0350},
	}
)

// polygonJSON encodes a ring as a GeoJSON Polygon (the admin pages show a
// Polygon as drawn; geo.Area.GeoJSON would write a MultiPolygon).
func polygonJSON(ring []geo.Point) []byte {
	buf := []byte(`{"type":"Polygon","coordinates":[[`)
	for i, p := range append(ring[:len(ring):len(ring)], ring[0]) {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		buf = strconv.AppendFloat(buf, p.Lon, 'f', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'f', -1, 64)
		buf = append(buf, ']')
	}
	return append(buf, "]]}"...)
}

// hotSpot is a place where reports pile up; Sigma is the spread in degrees
// of latitude (about 110 m per 0.001).
type hotSpot struct {
	Name    string
	Address string
	At      geo.Point
	Sigma   float64
}

var hotSpots = map[string]hotSpot{
	"bahnhof":     {"bahnhof", "Theodor-Heuss-Platz (Hauptbahnhof)", geo.Point{Lat: 52.2726, Lon: 8.0616}, 0.0014},
	"altstadt":    {"altstadt", "Markt (Altstadt)", geo.Point{Lat: 52.2772, Lon: 8.0432}, 0.0013},
	"neumarkt":    {"neumarkt", "Neumarkt", geo.Point{Lat: 52.2738, Lon: 8.0468}, 0.0009},
	"rosenplatz":  {"rosenplatz", "Rosenplatz", geo.Point{Lat: 52.2681, Lon: 8.0561}, 0.0012},
	"schlossgart": {"schlossgart", "Schlossgarten", geo.Point{Lat: 52.2713, Lon: 8.0433}, 0.0010},
	"buergerpark": {"buergerpark", "Bürgerpark", geo.Point{Lat: 52.2862, Lon: 8.0505}, 0.0013},
	"hasepark":    {"hasepark", "Hasepark", geo.Point{Lat: 52.2905, Lon: 8.0440}, 0.0012},
}

// department is one Fachbereich of the demo town.
type department struct {
	Code, Name, Email string
}

var departments = []department{
	{"STRA", "Straßenbau und Verkehr", "strassenbau@musterstadt.example"},
	{"GRUEN", "Grünflächen und Friedhöfe", "gruenflaechen@musterstadt.example"},
	{"ABF", "Abfallwirtschaft und Stadtreinigung", "stadtreinigung@musterstadt.example"},
	{"ORD", "Ordnungsamt", "ordnungsamt@musterstadt.example"},
	{"LICHT", "Stadtbeleuchtung", "stadtbeleuchtung@musterstadt.example"},
}

// staff is one demo login. Passwords are public on purpose: they are
// printed by `rathaus demo` and used by the browser tests.
type staff struct {
	Email, Name, Password string
	Role                  rathaus.Role
	Dept                  string // department code, "" = none
}

var staffList = []staff{
	{"admin@musterstadt.example", "Sabine Krüger", "demo-admin-2026", rathaus.RoleAdmin, ""},
	{"lead@musterstadt.example", "Thomas Meyer", "demo-lead-2026", rathaus.RoleLead, "STRA"},
	{"caseworker@musterstadt.example", "Jonas Becker", "demo-caseworker-2026", rathaus.RoleCaseworker, "STRA"},
	{"caseworker.gruen@musterstadt.example", "Lena Hoffmann", "demo-caseworker-2026", rathaus.RoleCaseworker, "GRUEN"},
	{"caseworker.abfall@musterstadt.example", "Murat Yılmaz", "demo-caseworker-2026", rathaus.RoleCaseworker, "ABF"},
	{"caseworker.ordnung@musterstadt.example", "Katharina Schulz", "demo-caseworker-2026", rathaus.RoleCaseworker, "ORD"},
	{"caseworker.licht@musterstadt.example", "Piotr Nowak", "demo-caseworker-2026", rathaus.RoleCaseworker, "LICHT"},
	{"viewer@musterstadt.example", "Erika Wagner", "demo-viewer-2026", rathaus.RoleViewer, ""},
}

// routingRule sends a service's reports inside an area to a department.
type routingRule struct {
	Service string
	Area    []geo.Point
	Dept    string
}

// Everything not matched here goes to the service's default department.
var routingRules = []routingRule{
	{"graffiti", innenstadt, "ORD"},
	{"wilder_muell", innenstadt, "ORD"},
}

// forwardTo is a department a request may be handed on to, and why.
type forwardTo struct {
	Dept, Reason string
}

// serviceDef is a catalogue entry plus what the simulation needs to
// invent plausible reports of it.
type serviceDef struct {
	Code, Group, Name, Description, Keywords string
	Dept                                     string // default department code
	ResponseHours, ResolutionHours           int
	Attributes                               []rathaus.Attribute

	Weight float64     // relative frequency over a year
	Season [12]float64 // factor per month, January first
	// Spots are the hot spots this kind of report clusters around, and
	// SpotShare the fraction of reports that do.
	Spots     []string
	SpotShare float64
	Describe  func(r *rng, attrs map[string][]string) string
	Answers   func(r *rng) map[string][]string
	Forward   []forwardTo // first one that is not the current department
	Replies   []string    // public replies while the work is under way
	Fixed     []string    // closing messages when the problem is solved
}

var (
	flat   = [12]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	winter = [12]float64{2.2, 2.2, 1.8, 1.3, 0.8, 0.6, 0.5, 0.5, 0.6, 0.8, 1.1, 1.6}
	summer = [12]float64{0.3, 0.3, 0.5, 1.0, 1.8, 2.2, 2.2, 2.0, 1.5, 0.9, 0.4, 0.3}
	dark   = [12]float64{1.6, 1.4, 1.1, 0.8, 0.6, 0.5, 0.5, 0.6, 0.9, 1.3, 1.6, 1.7}
	warm   = [12]float64{0.8, 0.8, 0.9, 1.0, 1.2, 1.3, 1.4, 1.4, 1.2, 1.0, 0.8, 0.9}
	leaves = [12]float64{1.2, 1.0, 0.9, 0.7, 0.7, 1.0, 1.1, 0.9, 0.9, 1.6, 1.7, 1.3}
	storms = [12]float64{1.6, 1.7, 1.3, 0.8, 0.7, 0.9, 1.0, 0.9, 0.8, 1.3, 1.4, 1.3}
)

func attr(order int, code, datatype string, required bool, desc string, values ...string) rathaus.Attribute {
	a := rathaus.Attribute{Code: code, Datatype: datatype, Required: required, Variable: true, Description: desc, Order: order}
	for i := 0; i+1 < len(values); i += 2 {
		a.Values = append(a.Values, rathaus.AttributeValue{Key: values[i], Name: values[i+1]})
	}
	return a
}

const (
	single = rathaus.TypeSingleValueList
	multi  = rathaus.TypeMultiValueList
)

var cityCenter = []string{"bahnhof", "altstadt", "neumarkt", "rosenplatz"}
var parks = []string{"schlossgart", "buergerpark", "hasepark"}

var services = []serviceDef{
	{
		Code: "schlagloch", Group: "Straße & Verkehr", Name: "Schlagloch / Fahrbahnschaden",
		Description: "Schlaglöcher, Risse und abgesackte Stellen in Fahrbahn, Radweg oder Parkplatz.",
		Keywords:    "Loch, Straße, Asphalt, Fahrbahn, Riss, Radweg, Straßenschaden", Dept: "STRA",
		ResponseHours: 16, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "depth", rathaus.TypeNumber, true, "Tiefe in cm"),
			attr(2, "surface", single, false, "Wo genau?", "fahrbahn", "Fahrbahn", "radweg", "Radweg", "parkplatz", "Parkplatz"),
		},
		Weight: 18, Season: winter, Spots: cityCenter, SpotShare: 0.1,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"depth": {strconv.Itoa(r.between(3, 25))}}
			if r.chance(0.7) {
				a["surface"] = []string{r.weighted([]string{"fahrbahn", "radweg", "parkplatz"}, []float64{6, 3, 1})}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			where := map[string]string{"fahrbahn": "auf der Fahrbahn", "radweg": "im Radweg", "parkplatz": "auf dem Parkplatz", "": "{auf der Straße|am Fahrbahnrand|in der Kurve}"}[first(a["surface"])]
			return r.expand("{Großes|Tiefes|Gefährliches|Ziemlich tiefes} Schlagloch " + where + ", etwa " + first(a["depth"]) + " cm tief. " +
				"{Radfahrer müssen auf die Straße ausweichen.|Bei Regen steht Wasser drin und man sieht es nicht.|Autos fahren ständig hinein, es knallt jedes Mal.|Es wird seit dem Frost immer größer.|Ich bin mit dem Fahrrad fast gestürzt.|}")
		},
		Forward: []forwardTo{{"GRUEN", "Aufbruch durch Baumwurzeln, bitte Grünflächen einbeziehen."}, {"ORD", "Schaden durch Baustelle eines Versorgers, Aufgrabungsgenehmigung prüfen."}},
		Replies: []string{"Der Schaden ist aufgenommen. Unsere Kolonne verfüllt das Loch provisorisch in den nächsten Tagen.",
			"Vielen Dank. Die Stelle wurde gesichert, die Reparatur ist beauftragt.",
			"Die Stelle ist begutachtet. Wegen der Witterung können wir zunächst nur kalt verfüllen, die endgültige Reparatur folgt."},
		Fixed: []string{"Das Schlagloch wurde verfüllt. Vielen Dank für Ihre Meldung!",
			"Die Fahrbahn wurde an dieser Stelle ausgebessert.",
			"Der Schaden ist behoben: Die Stelle wurde mit Heißasphalt geschlossen."},
	},
	{
		Code: "gehweg", Group: "Straße & Verkehr", Name: "Gehweg beschädigt",
		Description: "Lose oder angehobene Platten, Wurzelaufbrüche, beschädigte Bordsteine: Stolperfallen auf Gehwegen.",
		Keywords:    "Gehweg, Bürgersteig, Platte, Stolperfalle, Bordstein, Pflaster", Dept: "STRA",
		ResponseHours: 24, ResolutionHours: 160,
		Attributes: []rathaus.Attribute{
			attr(1, "damage", single, true, "Art des Schadens", "platten", "Platten lose oder angehoben", "wurzel", "Wurzelaufbruch", "kante", "Bordstein beschädigt", "absenkung", "Absenkung"),
		},
		Weight: 6, Season: flat, Spots: cityCenter, SpotShare: 0.15,
		Answers: func(r *rng) map[string][]string {
			return map[string][]string{"damage": {r.pick("platten", "platten", "wurzel", "kante", "absenkung")}}
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := map[string]string{
				"platten":   "{Mehrere Gehwegplatten sind lose|Eine Platte steht mehrere Zentimeter hoch|Die Pflastersteine wackeln}",
				"wurzel":    "{Baumwurzeln haben den Gehweg angehoben|Der Gehweg ist durch Wurzeln aufgebrochen}",
				"kante":     "{Der Bordstein ist abgebrochen|Die Bordsteinkante ist weggebrochen}",
				"absenkung": "{Der Gehweg ist abgesackt|Im Gehweg ist eine Mulde entstanden}",
			}[first(a["damage"])]
			return r.expand(s + ". {Ältere Menschen stolpern hier leicht.|Mit Rollator oder Kinderwagen kommt man kaum vorbei.|Das ist eine echte Stolperfalle, besonders im Dunkeln.|}")
		},
		Forward: []forwardTo{{"GRUEN", "Wurzelaufbruch durch Straßenbaum, Wurzelbehandlung nötig."}, {"ORD", "Schaden durch private Baustelle, Verursacher ermitteln."}},
		Replies: []string{"Die Stelle wurde besichtigt und abgesperrt. Die Reparatur ist beauftragt.",
			"Vielen Dank. Wir haben die Stolperstelle provisorisch gesichert."},
		Fixed: []string{"Die Gehwegplatten wurden neu verlegt.", "Der Gehweg ist repariert. Danke für den Hinweis!"},
	},
	{
		Code: "verkehrszeichen", Group: "Straße & Verkehr", Name: "Verkehrszeichen beschädigt oder fehlt",
		Description: "Umgefahrene, verdrehte, fehlende oder unlesbare Verkehrsschilder.",
		Keywords:    "Schild, Verkehrsschild, Verkehrszeichen, Stoppschild, umgefahren", Dept: "STRA",
		ResponseHours: 16, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "sign_state", single, true, "Zustand", "umgefahren", "umgefahren", "verdreht", "verdreht", "fehlt", "fehlt", "unlesbar", "verschmutzt oder unlesbar"),
		},
		Weight: 6, Season: flat, Spots: cityCenter, SpotShare: 0.15,
		Answers: func(r *rng) map[string][]string {
			return map[string][]string{"sign_state": {r.pick("umgefahren", "verdreht", "verdreht", "fehlt", "unlesbar")}}
		},
		Describe: func(r *rng, a map[string][]string) string {
			sign := r.pick("Das Stoppschild", "Das Vorfahrtsschild", "Das Schild „Tempo 30“", "Das Einbahnstraßenschild", "Das Halteverbotsschild", "Ein Verkehrsschild")
			s := map[string]string{
				"umgefahren": " wurde umgefahren und liegt {auf dem Gehweg|im Grünstreifen|neben dem Mast}.",
				"verdreht":   " ist verdreht und zeigt {in die falsche Richtung|zur Seite}.",
				"fehlt":      " fehlt, nur der Mast steht noch.",
				"unlesbar":   " ist {so verschmutzt|so zugewachsen|mit Aufklebern beklebt}, dass man es nicht mehr erkennt.",
			}[first(a["sign_state"])]
			return r.expand(sign + s + " {Autofahrer übersehen die Regel.|Gerade an dieser Kreuzung ist das gefährlich.|}")
		},
		Forward: []forwardTo{{"GRUEN", "Schild durch Hecke verdeckt, Rückschnitt nötig."}, {"ORD", "Verdacht auf Unfallflucht, bitte aufnehmen."}},
		Replies: []string{"Das Schild ist aufgenommen, die Verkehrssicherung wird informiert.", "Ein Ersatzschild ist bestellt."},
		Fixed:   []string{"Das Verkehrszeichen wurde wieder aufgestellt.", "Das Schild wurde ersetzt bzw. gereinigt."},
	},
	{
		Code: "ampel", Group: "Straße & Verkehr", Name: "Ampel gestört",
		Description: "Ausgefallene oder gestörte Lichtsignalanlagen und defekte Anforderungstaster.",
		Keywords:    "Ampel, Lichtsignal, Signalanlage, Fußgängerampel, Taster", Dept: "STRA",
		ResponseHours: 8, ResolutionHours: 40,
		Attributes: []rathaus.Attribute{
			attr(1, "fault", single, true, "Störung", "aus", "ganz aus", "gelb", "blinkt gelb", "lampe", "einzelne Lampe defekt", "taster", "Taster defekt"),
			attr(2, "direction", rathaus.TypeString, false, "Kreuzung bzw. Fahrtrichtung"),
		},
		Weight: 3, Season: flat, Spots: cityCenter, SpotShare: 0.3,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"fault": {r.pick("aus", "gelb", "lampe", "lampe", "taster", "taster")}}
			if r.chance(0.4) {
				a["direction"] = []string{r.pick("stadteinwärts", "stadtauswärts", "Fußgängerüberweg", "Linksabbieger")}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := map[string]string{
				"aus":    "Die Ampel ist {komplett ausgefallen|seit heute früh dunkel}.",
				"gelb":   "Die Ampel blinkt {nur noch gelb|seit Stunden gelb}.",
				"lampe":  "{Das Rotlicht|Das Grünlicht für Fußgänger|Eine Lampe} ist ausgefallen.",
				"taster": "Der Taster für Fußgänger {reagiert nicht|ist abgebrochen}, es wird nie grün.",
			}[first(a["fault"])]
			return r.expand(s + " {Bitte schnell reparieren, hier ist viel Verkehr.|Kinder auf dem Schulweg queren hier.|}")
		},
		Forward: []forwardTo{{"LICHT", "Störung der Stromversorgung, bitte Beleuchtung prüfen."}},
		Replies: []string{"Die Störung ist an die Signalbaufirma gemeldet.", "Ein Techniker ist beauftragt."},
		Fixed:   []string{"Die Ampel funktioniert wieder.", "Die Störung ist behoben."},
	},
	{
		Code: "gully", Group: "Straße & Verkehr", Name: "Gully verstopft",
		Description: "Verstopfte oder beschädigte Straßenabläufe, Wasser steht auf der Straße.",
		Keywords:    "Gully, Abfluss, Straßenablauf, Überschwemmung, Wasser, Kanal", Dept: "STRA",
		ResponseHours: 16, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "flooding", single, false, "Steht Wasser auf der Straße?", "ja", "ja", "nein", "nein"),
		},
		Weight: 4, Season: leaves, Spots: cityCenter, SpotShare: 0.1,
		Answers: func(r *rng) map[string][]string {
			if r.chance(0.6) {
				return map[string][]string{"flooding": {r.pick("ja", "nein")}}
			}
			return map[string][]string{}
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := "{Der Gully ist mit Laub verstopft|Der Straßenablauf ist komplett zu|Das Gitter vom Gully ist lose}."
			if first(a["flooding"]) == "ja" {
				s += " {Bei Regen steht die Straße unter Wasser.|Das Wasser läuft bis auf den Gehweg.}"
			}
			return r.expand(s)
		},
		Forward: []forwardTo{{"ABF", "Laubansammlung, bitte Kehrmaschine einsetzen."}},
		Replies: []string{"Die Kanalreinigung ist beauftragt."},
		Fixed:   []string{"Der Straßenablauf wurde gereinigt.", "Der Gully ist frei, das Gitter wurde befestigt."},
	},
	{
		Code: "strassenbeleuchtung", Group: "Beleuchtung", Name: "Straßenbeleuchtung defekt",
		Description: "Ausgefallene, flackernde oder tagsüber brennende Straßenlaternen. Bitte die Mastnummer angeben.",
		Keywords:    "Laterne, Straßenlaterne, Licht, Beleuchtung, dunkel, Mast", Dept: "LICHT",
		ResponseHours: 16, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "mast_number", rathaus.TypeString, true, "Mastnummer (Schild am Mast)"),
			attr(2, "fault", single, true, "Fehlerbild", "aus", "Leuchte aus", "flackert", "Leuchte flackert", "tagsueber_an", "brennt tagsüber"),
		},
		Weight: 12, Season: dark, Spots: cityCenter, SpotShare: 0.1,
		Answers: func(r *rng) map[string][]string {
			return map[string][]string{
				"mast_number": {strconv.Itoa(r.between(1000, 9999)) + "-" + strconv.Itoa(r.between(1, 40))},
				"fault":       {r.weighted([]string{"aus", "flackert", "tagsueber_an"}, []float64{6, 3, 1})},
			}
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := map[string]string{
				"aus":          "{Die Laterne ist aus|Die Straßenlaterne brennt nicht mehr|Zwei Laternen hintereinander sind dunkel}.",
				"flackert":     "{Die Laterne flackert die ganze Nacht|Die Straßenlampe geht ständig an und aus}.",
				"tagsueber_an": "Die Laterne brennt {auch tagsüber|den ganzen Tag}.",
			}[first(a["fault"])]
			return r.expand(s + " {Der Weg ist abends stockdunkel.|Hier gehen viele Schulkinder entlang.|Man fühlt sich hier nachts unsicher.|}")
		},
		Forward: []forwardTo{{"STRA", "Mast nach Unfall beschädigt, Standsicherheit prüfen."}, {"GRUEN", "Leuchte durch Baumkrone verdeckt, Rückschnitt nötig."}},
		Replies: []string{"Die Störung ist an den Wartungsdienst weitergegeben.", "Ein Ersatzteil ist bestellt; die Reparatur folgt nach Lieferung."},
		Fixed:   []string{"Das Leuchtmittel wurde getauscht, die Laterne brennt wieder.", "Die Leuchte ist repariert.", "Der Dämmerungsschalter wurde ersetzt."},
	},
	{
		Code: "gruenschnitt", Group: "Grün", Name: "Grünschnitt / Sichtbehinderung",
		Description: "Hecken, Sträucher oder Äste, die Wege versperren oder die Sicht im Verkehr behindern.",
		Keywords:    "Hecke, Strauch, zugewachsen, Rückschnitt, Sicht, Grünschnitt, Äste", Dept: "GRUEN",
		ResponseHours: 24, ResolutionHours: 160,
		Attributes: []rathaus.Attribute{
			attr(1, "urgent", single, false, "Verkehr gefährdet?", "ja", "ja, Sicht oder Weg versperrt", "nein", "nein"),
		},
		Weight: 9, Season: summer, Spots: parks, SpotShare: 0.3,
		Answers: func(r *rng) map[string][]string {
			if r.chance(0.5) {
				return map[string][]string{"urgent": {r.pick("ja", "nein", "nein")}}
			}
			return map[string][]string{}
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := r.expand("{Die Hecke ragt weit in den Gehweg|Die Sträucher wachsen über den Radweg|Äste hängen tief über den Weg|Brennnesseln und Brombeeren wuchern über den Weg}.")
			if first(a["urgent"]) == "ja" {
				s += r.expand(" {An der Einmündung sieht man den Querverkehr nicht mehr.|Man muss auf die Fahrbahn ausweichen.}")
			}
			return s
		},
		Forward: []forwardTo{{"ORD", "Bewuchs von Privatgrundstück, Eigentümer zum Rückschnitt auffordern."}},
		Replies: []string{"Der Rückschnitt ist für unsere Kolonne eingeplant.", "Die Fläche ist in die Pflegerunde der nächsten Woche aufgenommen."},
		Fixed:   []string{"Der Rückschnitt ist erledigt.", "Die Hecke wurde zurückgeschnitten, der Weg ist wieder frei."},
	},
	{
		Code: "baum", Group: "Grün", Name: "Baum beschädigt / Astbruch",
		Description: "Abgebrochene Äste, umgestürzte oder beschädigte Bäume an Straßen und in Grünanlagen.",
		Keywords:    "Baum, Ast, Astbruch, Sturm, umgestürzt, Baumschaden", Dept: "GRUEN",
		ResponseHours: 8, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "danger", single, true, "Besteht akute Gefahr?", "ja", "ja", "nein", "nein", "unklar", "weiß nicht"),
			attr(2, "tree_number", rathaus.TypeString, false, "Baumnummer (Plakette am Stamm)"),
		},
		Weight: 6, Season: storms, Spots: parks, SpotShare: 0.35,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"danger": {r.pick("ja", "nein", "nein", "unklar")}}
			if r.chance(0.25) {
				a["tree_number"] = []string{"B-" + strconv.Itoa(r.between(100, 9999))}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			s := r.expand("{Ein großer Ast ist abgebrochen und hängt im Baum|Nach dem Sturm liegt ein dicker Ast auf dem Weg|Der Baum neigt sich bedenklich zur Straße|Am Stamm ist die Rinde großflächig beschädigt|Ein junger Baum wurde abgeknickt}.")
			if first(a["danger"]) == "ja" {
				s += r.expand(" {Darunter gehen ständig Leute durch.|Bitte dringend sichern!}")
			}
			return s
		},
		Forward: []forwardTo{{"STRA", "Baum steht auf Straßengrundstück, Verkehrssicherung durch Straßenbau."}, {"ORD", "Baum auf Privatgrundstück, Eigentümer informieren."}},
		Replies: []string{"Ein Baumkontrolleur sieht sich den Baum an.", "Die Gefahrenstelle ist abgesperrt, die Baumpflege ist beauftragt."},
		Fixed:   []string{"Der Baum wurde begutachtet und gesichert.", "Die Baumpflege ist erledigt, die Gefahr beseitigt.", "Der beschädigte Baum wurde gefällt; eine Nachpflanzung ist vorgesehen."},
	},
	{
		Code: "spielplatz", Group: "Grün", Name: "Spielplatz: Gerät defekt oder verschmutzt",
		Description: "Defekte Spielgeräte, Glasscherben oder Verunreinigungen auf Spielplätzen.",
		Keywords:    "Spielplatz, Schaukel, Rutsche, Sandkasten, Scherben, Spielgerät", Dept: "GRUEN",
		ResponseHours: 16, ResolutionHours: 80,
		Attributes: []rathaus.Attribute{
			attr(1, "device", single, true, "Betroffen", "schaukel", "Schaukel", "rutsche", "Rutsche", "klettergeruest", "Klettergerüst", "sandkasten", "Sandkasten", "bank", "Bank oder Zaun", "sonstiges", "Sonstiges"),
			attr(2, "playground", rathaus.TypeString, false, "Name des Spielplatzes"),
		},
		Weight: 4, Season: warm, Spots: parks, SpotShare: 0.4,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"device": {r.pick("schaukel", "rutsche", "klettergeruest", "sandkasten", "sandkasten", "bank", "sonstiges")}}
			if r.chance(0.5) {
				a["playground"] = []string{r.pick("Spielplatz am Teich", "Abenteuerspielplatz", "Spielplatz Lindenstraße", "Wasserspielplatz", "Spielplatz im Park")}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			return r.expand(map[string]string{
				"schaukel":       "{Die Kette der Schaukel ist gerissen|Ein Schaukelsitz fehlt|Die Schaukel ist abgesperrt, aber seit Wochen passiert nichts}.",
				"rutsche":        "{Die Rutsche hat einen Riss mit scharfen Kanten|An der Rutsche fehlt eine Sprosse}.",
				"klettergeruest": "{Am Klettergerüst ist ein Brett lose|Das Netz am Klettergerüst ist kaputt}.",
				"sandkasten":     "{Im Sandkasten liegen Glasscherben|Im Sand liegen Spritzen|Der Sandkasten ist voller Hundekot}.",
				"bank":           "{Die Bank am Spielplatz ist zerbrochen|Im Zaun ist ein Loch, Kinder laufen auf die Straße}.",
				"sonstiges":      "{Der Mülleimer am Spielplatz quillt über|Das Tor schließt nicht mehr}.",
			}[first(a["device"])] + " {Bitte schnell beheben, hier spielen jeden Tag Kinder.|}")
		},
		Forward: []forwardTo{{"ABF", "Reine Verunreinigung, Reinigung durch Stadtreinigung."}, {"ORD", "Vandalismus, bitte Anzeige prüfen."}},
		Replies: []string{"Das Gerät ist vorsorglich gesperrt. Das Ersatzteil ist bestellt.", "Die Spielplatzkontrolle ist informiert."},
		Fixed:   []string{"Erledigt: Der Mangel am Spielplatz ist behoben.", "Die Spielplatzkontrolle hat den Mangel beseitigt."},
	},
	{
		Code: "wilder_muell", Group: "Sauberkeit", Name: "Wilder Müll",
		Description: "Illegal abgestellter Müll: Sperrmüll, Säcke, Elektrogeräte, Bauschutt, Reifen.",
		Keywords:    "Müll, Sperrmüll, Abfall, illegal, abgestellt, Dreck, Müllsack", Dept: "ABF",
		ResponseHours: 16, ResolutionHours: 56,
		Attributes: []rathaus.Attribute{
			attr(1, "waste_type", multi, true, "Was liegt dort?", "sperrmuell", "Sperrmüll oder Möbel", "hausmuell", "Hausmüll oder Säcke", "elektro", "Elektrogeräte",
				"gruenabfall", "Grünabfall", "bauschutt", "Bauschutt", "reifen", "Altreifen", "sonstiges", "Sonstiges"),
			attr(2, "amount", single, false, "Menge", "klein", "passt in einen Müllsack", "mittel", "etwa eine Kofferraumladung", "gross", "mehr als eine Kofferraumladung"),
		},
		Weight: 16, Season: warm, Spots: cityCenter, SpotShare: 0.4,
		Answers: func(r *rng) map[string][]string {
			types := []string{r.weighted([]string{"sperrmuell", "hausmuell", "elektro", "gruenabfall", "bauschutt", "reifen", "sonstiges"}, []float64{5, 5, 2, 2, 1, 1, 1})}
			if r.chance(0.3) {
				if t := r.pick("hausmuell", "sperrmuell", "elektro"); t != types[0] {
					types = append(types, t)
				}
			}
			a := map[string][]string{"waste_type": types}
			if r.chance(0.6) {
				a["amount"] = []string{r.pick("klein", "mittel", "mittel", "gross")}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			what := map[string]string{
				"sperrmuell":  "{ein altes Sofa|einen Kleiderschrank in Einzelteilen|mehrere Matratzen|Sperrmüll}",
				"hausmuell":   "{mehrere gelbe Säcke|volle Müllsäcke|Hausmüll in Tüten}",
				"elektro":     "{einen alten Kühlschrank|einen Fernseher|eine Waschmaschine}",
				"gruenabfall": "{Grünschnitt|Rasenschnitt und Äste}",
				"bauschutt":   "{Bauschutt|Fliesen und Gipsplatten}",
				"reifen":      "{vier Altreifen|mehrere Autoreifen}",
				"sonstiges":   "{allerlei Gerümpel|Kartons und Plastikmüll}",
			}[a["waste_type"][0]]
			return r.expand("{Hier|Am Straßenrand|Neben den Containern|Im Gebüsch} hat jemand " + what + " {abgestellt|abgeladen|entsorgt}. " +
				"{Das liegt schon seit Tagen dort.|Es zieht Ratten an.|Es wird jeden Tag mehr.|}")
		},
		Forward: []forwardTo{{"ABF", "Verursacher nicht ermittelbar, bitte Beseitigung durch die Stadtreinigung."}, {"ORD", "Hinweise auf den Verursacher im Müll gefunden, Bußgeldverfahren prüfen."}},
		Replies: []string{"Die Abholung ist für die nächste Tour eingeplant.", "Wir prüfen, ob sich ein Verursacher ermitteln lässt; danach wird geräumt."},
		Fixed:   []string{"Der Müll wurde abgeholt.", "Die Ablagerung wurde beseitigt. Vielen Dank!", "Geräumt; gegen den ermittelten Verursacher läuft ein Bußgeldverfahren."},
	},
	{
		Code: "papierkorb", Group: "Sauberkeit", Name: "Papierkorb voll oder defekt",
		Description: "Überfüllte, beschädigte oder fehlende öffentliche Papierkörbe.",
		Keywords:    "Papierkorb, Mülleimer, Abfalleimer, voll, überfüllt", Dept: "ABF",
		ResponseHours: 16, ResolutionHours: 40,
		Attributes: []rathaus.Attribute{
			attr(1, "issue", single, true, "Problem", "voll", "überfüllt", "defekt", "beschädigt", "fehlt", "fehlt"),
		},
		Weight: 6, Season: warm, Spots: append(cityCenter[:len(cityCenter):len(cityCenter)], parks...), SpotShare: 0.6,
		Answers: func(r *rng) map[string][]string {
			return map[string][]string{"issue": {r.weighted([]string{"voll", "defekt", "fehlt"}, []float64{6, 3, 1})}}
		},
		Describe: func(r *rng, a map[string][]string) string {
			return r.expand(map[string]string{
				"voll":   "Der Papierkorb {quillt über|ist seit Tagen voll}, {der Müll fliegt herum|Krähen ziehen alles heraus}.",
				"defekt": "Der Papierkorb {ist abgebrochen|hat keinen Boden mehr|wurde angezündet}.",
				"fehlt":  "Hier stand früher ein Papierkorb, jetzt fehlt er. {Der Müll landet auf dem Boden.|}",
			}[first(a["issue"])])
		},
		Replies: []string{"Die Leerung ist veranlasst."},
		Fixed:   []string{"Erledigt, der Papierkorb ist wieder in Ordnung.", "Der Papierkorb wurde geleert bzw. ersetzt."},
	},
	{
		Code: "containerstandort", Group: "Sauberkeit", Name: "Wertstoffcontainer voll oder verschmutzt",
		Description: "Volle oder beschädigte Glas-, Papier- und Altkleidercontainer, Müll neben den Containern.",
		Keywords:    "Glascontainer, Altglas, Container, Altkleider, Wertstoff, Beistellung", Dept: "ABF",
		ResponseHours: 16, ResolutionHours: 40,
		Attributes: []rathaus.Attribute{
			attr(1, "container_type", multi, false, "Welche Container?", "glas", "Altglas", "papier", "Altpapier", "altkleider", "Altkleider"),
			attr(2, "issue", single, true, "Problem", "voll", "Container voll", "beistellung", "Müll neben den Containern", "defekt", "Container beschädigt"),
		},
		Weight: 4, Season: [12]float64{1.9, 1.1, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0, 0.9, 0.9, 1.0, 1.4}, Spots: cityCenter, SpotShare: 0.2,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"issue": {r.pick("voll", "voll", "beistellung", "beistellung", "defekt")}}
			if r.chance(0.7) {
				a["container_type"] = []string{r.pick("glas", "glas", "papier", "altkleider")}
				if r.chance(0.2) && a["container_type"][0] != "papier" {
					a["container_type"] = append(a["container_type"], "papier")
				}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			return r.expand(map[string]string{
				"voll":        "Die Container sind {randvoll|übervoll}, {Flaschen stehen schon daneben|man bekommt nichts mehr hinein}.",
				"beistellung": "Neben den Containern {stapeln sich Kartons und Tüten|liegen Glasscherben und Müllsäcke}.",
				"defekt":      "{Die Klappe des Containers ist abgebrochen|Der Container ist umgekippt}.",
			}[first(a["issue"])])
		},
		Forward: []forwardTo{{"ORD", "Wiederholte Ablagerungen, Kontrollen am Standort erbeten."}},
		Replies: []string{"Die Leerung ist beim Entsorger angefordert."},
		Fixed:   []string{"Erledigt: Der Standort ist wieder in Ordnung.", "Der Entsorger hat den Standort bearbeitet."},
	},
	{
		Code: "graffiti", Group: "Sauberkeit", Name: "Graffiti",
		Description: "Schmierereien an öffentlichen Gebäuden, Brücken und Stromkästen. Beleidigende Inhalte entfernen wir vorrangig.",
		Keywords:    "Graffiti, Schmiererei, Sprayer, Tag, Wand, beschmiert", Dept: "ABF",
		ResponseHours: 24, ResolutionHours: 160,
		Attributes: []rathaus.Attribute{
			attr(1, "offensive", single, true, "Beleidigend, rassistisch oder verfassungsfeindlich?", "ja", "ja", "nein", "nein"),
			attr(2, "surface", single, false, "Untergrund", "wand", "Hauswand oder Mauer", "bruecke", "Brücke oder Unterführung", "verteiler", "Stromkasten", "schild", "Schild oder Mast"),
		},
		Weight: 7, Season: flat, Spots: cityCenter, SpotShare: 0.55,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"offensive": {r.weighted([]string{"ja", "nein"}, []float64{1, 6})}}
			if r.chance(0.6) {
				a["surface"] = []string{r.pick("wand", "wand", "bruecke", "verteiler", "schild")}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			where := map[string]string{"wand": "an der Mauer", "bruecke": "in der Unterführung", "verteiler": "am Stromkasten", "schild": "auf dem Schild", "": "{an einer Hauswand|an der Mauer|am Brückenpfeiler}"}[first(a["surface"])]
			s := "{Neue Schmierereien|Großflächiges Graffiti|Frische Tags} " + where + "."
			if first(a["offensive"]) == "ja" {
				s += " {Der Inhalt ist beleidigend.|Es ist ein verfassungsfeindliches Symbol dabei, bitte schnell entfernen.}"
			}
			return r.expand(s)
		},
		Forward: []forwardTo{{"ORD", "Beleidigender Inhalt, Anzeige und Beweissicherung vor der Reinigung."}, {"ABF", "Beweise gesichert, bitte Reinigung durch die Stadtreinigung."}},
		Replies: []string{"Die Fläche ist für die Graffitientfernung vorgemerkt.", "Wir haben Fotos zur Beweissicherung gemacht; die Reinigung folgt."},
		Fixed:   []string{"Das Graffiti wurde entfernt.", "Die Fläche wurde gereinigt bzw. überstrichen."},
	},
	{
		Code: "autowrack", Group: "Ordnung", Name: "Schrottfahrzeug / Fahrradwrack",
		Description: "Abgemeldete, verlassene Fahrzeuge und Fahrradwracks im öffentlichen Raum.",
		Keywords:    "Autowrack, Schrottauto, Fahrradleiche, abgemeldet, verlassen, Fahrrad", Dept: "ORD",
		ResponseHours: 24, ResolutionHours: 160,
		Attributes: []rathaus.Attribute{
			attr(1, "vehicle", single, true, "Fahrzeug", "auto", "Auto", "fahrrad", "Fahrrad", "anhaenger", "Anhänger", "motorrad", "Motorrad oder Roller"),
			attr(2, "since", rathaus.TypeString, false, "Seit wann steht es dort?"),
		},
		Weight: 3, Season: flat, Spots: []string{"bahnhof"}, SpotShare: 0.35,
		Answers: func(r *rng) map[string][]string {
			a := map[string][]string{"vehicle": {r.weighted([]string{"fahrrad", "auto", "anhaenger", "motorrad"}, []float64{6, 2, 1, 1})}}
			if r.chance(0.5) {
				a["since"] = []string{r.pick("seit etwa zwei Wochen", "seit mehreren Monaten", "seit dem Frühjahr", "schon ewig")}
			}
			return a
		},
		Describe: func(r *rng, a map[string][]string) string {
			return r.expand(map[string]string{
				"fahrrad":   "{Ein Fahrrad ohne Räder|Ein verrostetes Fahrrad ohne Sattel|Mehrere Fahrradwracks} {am Fahrradständer|am Geländer|an der Laterne}.",
				"auto":      "{Ein Auto ohne Kennzeichen|Ein Auto mit platten Reifen und eingeschlagener Scheibe} steht hier {seit Wochen|dauerhaft}.",
				"anhaenger": "Ein {Anhänger|Bootsanhänger} ohne Kennzeichen blockiert {Parkplätze|den Seitenstreifen}.",
				"motorrad":  "Ein {ausgeschlachteter Roller|Motorroller ohne Versicherungskennzeichen} liegt hier.",
			}[first(a["vehicle"])])
		},
		Forward: []forwardTo{{"ABF", "Fahrzeug nach Fristablauf zur Entsorgung freigegeben."}},
		Replies: []string{"Das Fahrzeug wurde mit einer Frist zur Entfernung markiert.", "Wir ermitteln den Halter."},
		Fixed:   []string{"Das Fahrzeug wurde entfernt.", "Nach Ablauf der Frist wurde das Fahrzeug entfernt.", "Der Halter hat das Fahrzeug entfernt."},
	},
	{
		Code: "sonstiges", Group: "Ordnung", Name: "Sonstiger Mangel im öffentlichen Raum",
		Description: "Alles, was in keine andere Kategorie passt. Wir leiten die Meldung an die zuständige Stelle weiter.",
		Keywords:    "Sonstiges, Mangel, Problem, Gefahrenstelle, Hinweis", Dept: "ORD",
		ResponseHours: 24, ResolutionHours: 120,
		Weight: 4, Season: flat, Spots: cityCenter, SpotShare: 0.2,
		Answers: func(r *rng) map[string][]string { return map[string][]string{} },
		Describe: func(r *rng, a map[string][]string) string {
			return r.expand(r.pick(
				"{Eine Parkbank ist zerbrochen.|Die Bank an der Bushaltestelle ist beschmiert und kaputt.}",
				"Ein Poller ist umgefahren und liegt auf dem Gehweg.",
				"{Am Brunnen läuft seit Tagen Wasser aus.|Der Trinkbrunnen funktioniert nicht.}",
				"Ein Kanaldeckel klappert laut, wenn Autos darüberfahren.",
				"Auf dem Gehweg liegt {ein totes Tier|eine tote Taube}.",
				"Der Zaun am Fußweg ist umgefallen.",
			))
		},
		Forward: []forwardTo{{"STRA", "Betrifft die Straßenausstattung, bitte übernehmen."}, {"ABF", "Reinigungsfall, bitte Stadtreinigung."}},
		Replies: []string{"Wir haben die Meldung an die zuständige Stelle gegeben.", "Ein Mitarbeiter sieht sich die Stelle an."},
		Fixed:   []string{"Der Mangel wurde behoben.", "Erledigt. Vielen Dank für den Hinweis!"},
	},
}

// first returns the first value or "".
func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
