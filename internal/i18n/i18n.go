// Package i18n holds the message catalogues of the user interface (German
// first, then English and Polish) and picks a locale for each request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Locales lists the supported locales; the first is the default.
var Locales = []string{"de", "en", "pl"}

// Catalogues are split by area (locales/<area>.<locale>.json, e.g.
// citizen.de.json) so that each part of the interface owns its file.
//
//go:embed locales/*.json
var files embed.FS

// Catalog holds every message in every locale.
type Catalog struct {
	msgs map[string]map[string]string // locale -> key -> text
}

// Load reads the embedded catalogues and checks that every locale has
// every key of the default locale, so a missing translation fails at
// start-up (and in tests), not in front of a citizen.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Locales {
		c.msgs[l] = map[string]string{}
	}
	entries, err := files.ReadDir("locales")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		parts := strings.Split(strings.TrimSuffix(name, ".json"), ".")
		if len(parts) != 2 || c.msgs[parts[1]] == nil {
			return nil, fmt.Errorf("i18n: %s: name must be <area>.<locale>.json with a locale of %v", name, Locales)
		}
		data, err := files.ReadFile("locales/" + name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, v := range m {
			if _, dup := c.msgs[parts[1]][k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is defined twice", name, k)
			}
			c.msgs[parts[1]][k] = v
		}
	}
	for _, l := range Locales {
		for key := range c.msgs[l] {
			for _, other := range Locales {
				if _, ok := c.msgs[other][key]; !ok {
					return nil, fmt.Errorf("i18n: locale %s lacks %q (present in %s)", other, key, l)
				}
			}
		}
	}
	return c, nil
}

// T returns the message key in locale, formatted with args. An unknown key
// is returned as is, so it shows up in tests and screenshots.
func (c *Catalog) T(locale, key string, args ...any) string {
	m, ok := c.msgs[locale]
	if !ok {
		m = c.msgs[Locales[0]]
	}
	s, ok := m[key]
	if !ok {
		if s, ok = c.msgs[Locales[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists in the default locale.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Locales[0]][key]
	return ok
}

// Negotiate picks the locale: an explicit choice (a "lang" query value or
// cookie) if supported, else the best match of an Accept-Language header,
// else German.
func Negotiate(choice, acceptLanguage string) string {
	if l := supported(choice); l != "" {
		return l
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.Index(tag, ";"); i >= 0 {
			var v float64
			if _, err := fmt.Sscanf(strings.TrimSpace(tag[i+1:]), "q=%g", &v); err == nil {
				q = v
			}
			tag = strings.TrimSpace(tag[:i])
		}
		if l := supported(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	if best != "" {
		return best
	}
	return Locales[0]
}

func supported(tag string) string {
	tag = strings.ToLower(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	for _, l := range Locales {
		if tag == l {
			return l
		}
	}
	return ""
}
