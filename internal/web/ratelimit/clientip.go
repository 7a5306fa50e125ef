package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address to rate-limit r by. It is r.RemoteAddr,
// unless that peer is one of trustedProxies: then X-Forwarded-For is
// walked from the right, past the trusted hops, and the first address not
// in trustedProxies is the client. Entries further left were written by
// the client itself and are ignored, and so is the whole header when the
// peer is not trusted, so a client cannot choose its own key.
//
// IPv6 addresses become their /64 ("2001:db8:1:2::/64"): one host
// usually has a whole /64 and could otherwise rotate addresses to get a
// fresh bucket for every request. IPv4-mapped IPv6 addresses count as
// IPv4. When RemoteAddr is not an IP address (a Unix socket), it is
// returned unchanged.
func ClientIP(r *http.Request, trustedProxies []netip.Prefix) string {
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !trusted(peer, trustedProxies) {
		return normalize(peer)
	}
	// Every entry examined below was appended by a trusted proxy: the
	// rightmost by the peer, each further one by the hop to its right,
	// which we trusted before moving on.
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseAddr(strings.TrimSpace(hops[i]))
		if !ok {
			// A trusted proxy wrote garbage: fall back to that
			// proxy rather than guess.
			break
		}
		client = hop
		if !trusted(hop, trustedProxies) {
			break
		}
	}
	return normalize(client)
}

// parseAddr parses an IP address with or without a port, as found in
// RemoteAddr and (from some proxies) in X-Forwarded-For.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// normalize returns a as the rate limit key: IPv4 as is, IPv6 as its /64.
func normalize(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address without zone
	return p.String()
}
