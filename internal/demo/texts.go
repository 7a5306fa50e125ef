package demo

import (
	"math"
	"math/rand/v2"
	"strings"
)

// rng is a seeded random source with the helpers the text templates use.
type rng struct{ *rand.Rand }

func newRNG(seed uint64) *rng {
	return &rng{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// pick returns one of the choices, uniformly.
func (r *rng) pick(choices ...string) string { return choices[r.IntN(len(choices))] }

// weighted returns one of the choices with the given relative weights.
func (r *rng) weighted(choices []string, weights []float64) string {
	return choices[r.weightedIndex(weights)]
}

func (r *rng) weightedIndex(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// logNormal returns exp(N(ln median, sigma)): a positive factor around
// median with a long right tail, the usual shape of handling times.
func (r *rng) logNormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// expand replaces every "{a|b|c}" by one of its alternatives (an empty
// alternative drops the part) and tidies the spaces that leaves behind.
// Alternatives do not nest.
func (r *rng) expand(tmpl string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:open])
		alts := strings.Split(tmpl[open+1:open+end], "|")
		b.WriteString(alts[r.IntN(len(alts))])
		tmpl = tmpl[open+end+1:]
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Closing messages for the resolutions other than fixed.
var (
	// notResponsible holds closing messages by service group; "" is the
	// fallback for the other groups.
	notResponsible = map[string][]string{
		"Straße & Verkehr": {
			"Es handelt sich um eine Landesstraße; zuständig ist die Landesbehörde für Straßenbau und Verkehr. Ihre Meldung ist weitergeleitet.",
			"Die Stelle liegt auf Bahngelände. Wir haben Ihre Meldung an die Deutsche Bahn weitergegeben.",
			"Die Fläche ist eine Privatstraße. Wir haben den Eigentümer informiert.",
		},
		"Beleuchtung": {
			"Die Leuchte gehört zu einem Privatgelände. Wir haben den Eigentümer informiert.",
			"Die Beleuchtung an dieser Stelle betreiben die Stadtwerke. Ihre Meldung ist weitergeleitet.",
		},
		"": {
			"Die Stelle liegt auf Bahngelände. Wir haben Ihre Meldung an die Deutsche Bahn weitergegeben.",
			"Die Stelle liegt auf einem Privatgrundstück. Wir haben den Eigentümer informiert.",
			"Die Fläche gehört einer Wohnungsbaugesellschaft, die wir informiert haben.",
		},
	}
	rejected = []string{
		"Die Meldung beschreibt keinen Mangel im öffentlichen Raum. Bitte wenden Sie sich an das Bürgerbüro.",
		"Aus der Meldung geht leider nicht hervor, wo und was zu tun ist. Bitte melden Sie sich gern erneut mit genauerer Angabe.",
	}
	noActionNeeded = []string{
		"Bei der Überprüfung vor Ort konnten wir keinen Mangel feststellen.",
		"Der Mangel war bei unserer Kontrolle bereits behoben.",
		"Die Stelle wurde geprüft; die Verkehrssicherheit ist gegeben, eine Maßnahme ist nicht erforderlich.",
	}
	reopenReasons = []string{
		"Das Problem ist leider nicht behoben, es sieht aus wie vorher.",
		"Es ist schon wieder da.",
		"Die Reparatur hat nur ein paar Tage gehalten.",
		"Ich war heute dort: Es hat sich nichts getan.",
	}
	refixed = []string{
		"Wir haben nachgebessert. Danke für Ihre Rückmeldung!",
		"Die Stelle wurde erneut bearbeitet und ist jetzt in Ordnung.",
	}
	waitingQuestions = []string{
		"Können Sie den Ort genauer beschreiben (Hausnummer oder markanter Punkt)? Wir finden die Stelle nicht.",
		"Haben Sie ein Foto? Vor Ort konnten wir den Mangel nicht eindeutig zuordnen.",
	}
	notes = []string{
		"Auftrag an den Bauhof erteilt.",
		"Fremdfirma beauftragt, Termin in Abstimmung.",
		"Vor-Ort-Kontrolle eingeplant.",
		"Material bestellt, Lieferzeit ca. eine Woche.",
		"Mit der Kolonne telefonisch abgestimmt.",
	}
	firstNames = []string{"Anna", "Peter", "Monika", "Jürgen", "Fatma", "Stefan", "Claudia", "Heinz", "Sandra", "Ahmet", "Ursula", "Michael", "Agnieszka", "Klaus"}
	lastNames  = []string{"Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Özdemir", "Kowalski"}
)
