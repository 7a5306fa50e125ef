package ratelimit

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name   string
		remote string
		xff    []string // header lines
		want   string
	}{
		{"direct IPv4", "203.0.113.7:51234", nil, "203.0.113.7"},
		{"untrusted peer spoofs XFF", "203.0.113.7:51234", []string{"198.51.100.1"}, "203.0.113.7"},
		{"untrusted peer spoofs trusted XFF", "203.0.113.7:51234", []string{"10.0.0.1"}, "203.0.113.7"},
		{"trusted proxy", "10.0.0.2:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client prepends a fake hop", "10.0.0.2:443", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "10.0.0.2:443", []string{"1.2.3.4, 198.51.100.1, 10.1.1.1"}, "198.51.100.1"},
		{"several header lines", "10.0.0.2:443", []string{"1.2.3.4", "198.51.100.1,10.1.1.1"}, "198.51.100.1"},
		{"trusted peer without XFF", "10.0.0.2:443", nil, "10.0.0.2"},
		{"only trusted hops", "10.0.0.2:443", []string{"10.9.9.9, 10.1.1.1"}, "10.9.9.9"},
		{"garbage from a trusted hop", "10.0.0.2:443", []string{"198.51.100.1, bogus, 10.1.1.1"}, "10.1.1.1"},
		{"empty XFF", "10.0.0.2:443", []string{""}, "10.0.0.2"},
		{"XFF entry with port", "10.0.0.2:443", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"IPv6 peer to /64", "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", nil, "2001:db8:1:2::/64"},
		{"IPv6 client behind IPv6 proxy", "[fd00::1]:443", []string{"2001:db8:1:2::99"}, "2001:db8:1:2::/64"},
		{"IPv6 zone dropped", "[fe80::1%eth0]:443", nil, "fe80::/64"},
		{"IPv4-mapped IPv6 peer", "[::ffff:203.0.113.7]:443", nil, "203.0.113.7"},
		{"trusted IPv4-mapped peer", "[::ffff:10.0.0.2]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"RemoteAddr without port", "203.0.113.7", nil, "203.0.113.7"},
		{"Unix socket", "@", []string{"198.51.100.1"}, "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, proxies); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientIPIPv6RotationSharesKey(t *testing.T) {
	a := httptest.NewRequest("POST", "/", nil)
	a.RemoteAddr = "[2001:db8:1:2::1]:1000"
	b := httptest.NewRequest("POST", "/", nil)
	b.RemoteAddr = "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1000"
	c := httptest.NewRequest("POST", "/", nil)
	c.RemoteAddr = "[2001:db8:1:3::1]:1000"
	ka, kb, kc := ClientIP(a, nil), ClientIP(b, nil), ClientIP(c, nil)
	if ka != kb || ka == kc {
		t.Errorf("keys %q, %q, %q: want the first two equal and the third different", ka, kb, kc)
	}
}
