//! The client's address: the peer of the connection, or, when the peer is a proxy the site
//! trusts (`serve --trusted-proxy CIDR`), the address that proxy says it forwards for in
//! `X-Forwarded-For`. The login rate limits and the audit log key on it.
//!
//! The header is read from the right: each proxy appends the address it received the request
//! from, so the rightmost entry was written by the nearest proxy, the one before it by the
//! proxy before, and so on. The client is the rightmost entry that is not itself a trusted
//! proxy; entries to its left were written by the client and are not believed (MDN,
//! "X-Forwarded-For: Security and privacy concerns", "selecting an IP address"; OWASP ASVS
//! 4.0.3 V2.2.1 asks that rate limits cannot be sidestepped).

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// Header a proxy names the client in.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// Most `X-Forwarded-For` entries read (design choice: a chain of proxies is a few hops; a
/// header of thousands of entries is not walked).
pub const MAX_FORWARDED_HOPS: usize = 16;

/// A network in CIDR notation: `10.0.0.0/8`, `192.0.2.7` (one address), `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a `--trusted-proxy` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "trusted proxy: expected an address or a network such as 10.0.0.0/8 or fd00::/8, found `{found}`: {why}"
)]
pub struct CidrError {
    /// The text given.
    pub found: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = |why| CidrError {
            found: s.chars().take(80).collect(),
            why,
        };
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| err("not an IP address"))?;
        let max = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix =
            match prefix {
                None => max,
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                    err("the prefix length is not 0 to 32 (IPv4) or 0 to 128 (IPv6)")
                })?,
            };
        if masked(network, prefix) != network {
            return Err(err(
                "address bits are set beyond the prefix (write the network's first address)",
            ));
        }
        Ok(Cidr { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// `a` with the bits past `prefix` cleared.
fn masked(a: IpAddr, prefix: u8) -> IpAddr {
    match a {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & mask).into())
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it is.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

impl Cidr {
    /// Whether `a` lies in this network.
    pub fn contains(&self, a: IpAddr) -> bool {
        let a = canonical(a);
        a.is_ipv4() == self.network.is_ipv4() && masked(a, self.prefix) == self.network
    }
}

/// The proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Proxies in these networks.
    pub fn new(networks: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(networks)
    }

    /// Whether `a` is a trusted proxy.
    pub fn trusts(&self, a: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(a))
    }

    /// The networks, as given.
    pub fn networks(&self) -> &[Cidr] {
        &self.0
    }

    /// The client of a request that came from `peer` with `headers`: `peer` unless it is a
    /// trusted proxy; then the rightmost `X-Forwarded-For` entry that is not a trusted proxy.
    /// When the header is missing, empty or holds an entry that is not an address before a
    /// client is found, the last trusted hop is the client (the request is counted against
    /// the proxy, never against an address the header made up).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let entries: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in entries.iter().rev().take(MAX_FORWARDED_HOPS) {
            let Some(a) = parse_entry(entry) else {
                return client;
            };
            client = a;
            if !self.trusts(a) {
                return a;
            }
        }
        client
    }
}

/// Prefix of the IPv6 network a client is counted by: /64 (RFC 4291 §2.5.1 and RFC 7421: a
/// subnet is a /64, and one host may use any of its 2^64 addresses, so counting per /128 would
/// give an attacker as many addresses as it likes).
pub const IPV6_CLIENT_PREFIX: u8 = 64;

/// The text a client is counted and audited under: an IPv4 address as it is
/// (`203.0.113.5`), an IPv6 address by its /64 network (`2001:db8:1:2::/64`).
pub fn limit_key(client: IpAddr) -> String {
    match canonical(client) {
        IpAddr::V4(v4) => v4.to_string(),
        v6 => format!("{}/{IPV6_CLIENT_PREFIX}", masked(v6, IPV6_CLIENT_PREFIX)),
    }
}

/// One `X-Forwarded-For` entry: an address, an IPv4 address with a port, or a bracketed IPv6
/// address with or without a port.
fn parse_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(canonical(a));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<IpAddr>().ok().map(canonical);
    }
    s.parse::<std::net::SocketAddrV4>()
        .ok()
        .map(|sa| IpAddr::V4(*sa.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|s| s.parse().unwrap()).collect())
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain_what_the_prefix_says() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.255.1.2")));
        assert!(!c.contains(ip("11.0.0.1")));
        // An IPv4-mapped IPv6 peer (a dual-stack listener) is its IPv4 address.
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(one.to_string(), "192.0.2.7/32");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("2001:db8::1")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.1/8",
            "proxy",
            "10.0.0.0/",
            "::/129",
            "",
        ] {
            let e = bad.parse::<Cidr>().unwrap_err();
            assert!(e.to_string().contains(&format!("`{bad}`")), "{e}");
        }
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let p = proxies(&["127.0.0.1/32"]);
        let h = xff(&["203.0.113.5"]);
        // From the proxy: the client it names.
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
        // From anyone else: the peer, whatever the header says.
        assert_eq!(p.client(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        // No proxy configured: the peer.
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &h),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let p = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        // The client wrote "1.2.3.4" itself; the proxies appended the rest.
        let h = xff(&["1.2.3.4, 203.0.113.5, 10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
        // Several header lines are one list, in order.
        let h = xff(&["1.2.3.4", "203.0.113.5", "10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
        // Ports and brackets as some proxies write them.
        let h = xff(&["[2001:db8::7]:4711"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("2001:db8::7"));
        let h = xff(&["203.0.113.5:4711"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
    }

    #[test]
    fn a_missing_or_broken_header_counts_against_the_last_trusted_hop() {
        let p = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert_eq!(
            p.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        let h = xff(&["203.0.113.5, not-an-address, 10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("10.0.0.2"));
        let h = xff(&[""]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        // Only trusted hops: the leftmost of them.
        let h = xff(&["10.0.0.9, 10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("10.0.0.9"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(limit_key(ip("203.0.113.5")), "203.0.113.5");
        assert_eq!(limit_key(ip("::ffff:203.0.113.5")), "203.0.113.5");
        let a = limit_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(
            limit_key(ip("2001:db8:1:2::1")),
            a,
            "one host's other address"
        );
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), a, "the next subnet");
    }

    #[test]
    fn a_long_header_is_read_for_a_few_hops_only() {
        let p = proxies(&["10.0.0.0/8"]);
        let long = vec!["10.0.0.1"; 10_000].join(",");
        let h = xff(&[&format!("203.0.113.5,{long}")]);
        // The client is beyond the hops read: the last trusted hop read stands for it.
        assert_eq!(p.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }
}
