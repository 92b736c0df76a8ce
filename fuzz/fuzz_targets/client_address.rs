//! The client address of a request (`serve --trusted-proxy`): the text as a `--trusted-proxy`
//! value (`Cidr::from_str`, then `Display` and `contains`), and as `X-Forwarded-For` header
//! lines read by `TrustedProxies::client` behind a trusted proxy and from an untrusted peer
//! (whose header is never believed).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_server::client_address::{Cidr, FORWARDED_FOR, TrustedProxies};
use std::net::IpAddr;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let peer: IpAddr = [10, 0, 0, 1].into();
    if let Ok(c) = text.parse::<Cidr>() {
        let again: Cidr = c.to_string().parse().expect("a network prints as it reads");
        assert_eq!(again, c);
        let _ = c.contains(peer);
    }
    let proxies = TrustedProxies::new(vec![
        "10.0.0.0/8".parse().expect("network"),
        "fd00::/8".parse().expect("network"),
    ]);
    let mut headers = http::HeaderMap::new();
    for line in text.split('\n') {
        if let Ok(v) = http::HeaderValue::from_str(line) {
            headers.append(FORWARDED_FOR, v);
        }
    }
    let client = proxies.client(peer, &headers);
    if headers.is_empty() {
        assert_eq!(client, peer, "no header: the peer");
    }
    // From a peer that is not trusted the header is never believed.
    let outsider: IpAddr = [203, 0, 113, 1].into();
    assert_eq!(proxies.client(outsider, &headers), outsider);
});
