// Package clientip finds the address of the client behind a request: the
// peer's, unless the peer is a reverse proxy the operator trusts
// (--trusted-proxies), in which case the address that proxy says it
// received the request from.
//
// Only X-Forwarded-For is read, the header every common proxy appends to
// (Caddy, nginx's $proxy_add_x_forwarded_for, HAProxy's forwardfor,
// Traefik, cloud load balancers). RFC 7239's Forwarded is not: a proxy
// that sets only Forwarded passes a client's own X-Forwarded-For through
// untouched, so reading both would let that client choose its address.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the peers whose X-Forwarded-For is believed. The zero value
// trusts none: every request's client is its peer.
type Proxies []netip.Prefix

// Parse reads a comma-separated list of IP addresses and CIDR prefixes,
// such as "10.0.0.0/8, 192.0.2.7, fd00::/8". Empty entries are skipped;
// the error names the first entry that is neither.
func Parse(s string) (Proxies, error) {
	var ps Proxies
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("entry %q is %s", entry, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// parseEntry reads one address (a prefix of its full length) or prefix.
func parseEntry(entry string) (netip.Prefix, error) {
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return p, fmt.Errorf("not a CIDR prefix (e.g. 10.0.0.0/8)")
		}
		if p.Addr().Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			if p.Bits() < 96 {
				return p, fmt.Errorf("an IPv4-mapped prefix shorter than /96")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR prefix (e.g. 192.0.2.7 or 10.0.0.0/8)")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trusts reports whether a is one of the proxies.
func (ps Proxies) trusts(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client that made r: the peer's, unless the
// peer is a trusted proxy; then X-Forwarded-For is read from the right (each
// proxy appends the address it got the request from) and the first entry
// that is not itself a trusted proxy is the client. Entries further left
// were written by the client or by proxies the operator did not name, and
// are never believed. When every entry is trusted, the leftmost is the
// client; when an entry is not an address ("unknown", garbage), the
// trusted proxy that passed it on is the last address known to be true, and
// is returned.
//
// The answer is for logs: an address as text, or the peer's RemoteAddr as
// is when it is not host:port with an IP (a test's or a Unix socket's).
func (ps Proxies) ClientIP(r *http.Request) string {
	peer, ok := hostIP(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !ps.trusts(peer) {
		return peer.String()
	}
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 { // the proxy's own request, a health check say
		return peer.String()
	}
	// Several header lines are one list, in order (RFC 9110 §5.3).
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopIP(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		peer = a
		if !ps.trusts(a) {
			break
		}
	}
	return peer.String()
}

// hostIP reads the IP of a host:port, as RemoteAddr has it.
func hostIP(hostport string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// hopIP reads one X-Forwarded-For entry: an address, or an address with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711"), as some load balancers
// write it.
func hopIP(hop string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(hop); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
