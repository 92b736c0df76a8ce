//! PACS nodes (a DICOMweb service or a DIMSE application entity) and the timeouts of every
//! exchange with them.

use std::fmt;
use std::time::Duration;

/// A node description that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The URL is not `http://HOST[:PORT]/PATH`.
    #[error("DICOMweb URL {url}: {reason}")]
    Url {
        /// The URL as given, credentials removed.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Not `AET@HOST:PORT`.
    #[error("DIMSE node {given:?}: expected AET@HOST:PORT, {reason}")]
    Dimse {
        /// The text as given.
        given: String,
        /// What is wrong.
        reason: String,
    },
    /// Not a valid application entity title.
    #[error("AE title {given:?}: {reason}")]
    AeTitle {
        /// The text as given.
        given: String,
        /// What is wrong.
        reason: String,
    },
}

/// The longest AE title: 16 characters (PS3.5 §6.2, VR AE).
pub const AE_TITLE_MAX: usize = 16;

/// An application entity title: 1 to 16 characters of the default repertoire without
/// backslash or control characters, not only spaces (PS3.5 §6.2, VR AE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AeTitle(String);

impl AeTitle {
    /// Checks `s` (leading and trailing spaces are not significant, PS3.5 §6.2).
    pub fn new(s: &str) -> Result<Self, NodeError> {
        let t = s.trim();
        let fail = |reason: &str| NodeError::AeTitle {
            given: s.to_owned(),
            reason: reason.to_owned(),
        };
        if t.is_empty() {
            return Err(fail("empty (1 to 16 characters)"));
        }
        if t.len() > AE_TITLE_MAX {
            return Err(fail("longer than 16 characters"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '\\')
        {
            return Err(fail(
                "only ASCII letters, digits, spaces and punctuation other than \\ are allowed",
            ));
        }
        Ok(Self(t.to_owned()))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AeTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Our calling AE title when none is given: the example (`--aet SIRTPLAN`).
pub const DEFAULT_CALLING_AET: &str = "SIRTPLAN";

/// Credentials of a DICOMweb service. Never shown: `Debug` prints `Credentials(hidden)`.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP Basic authentication (RFC 7617).
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// An OAuth 2 bearer token (RFC 6750).
    Bearer(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(hidden)")
    }
}

impl Credentials {
    /// The `Authorization` header's value.
    pub(crate) fn header_value(&self) -> String {
        use base64::Engine as _;
        match self {
            Credentials::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            Credentials::Bearer(token) => format!("Bearer {token}"),
        }
    }
}

/// The port of `http://` URLs without one (RFC 9110 §4.2.1).
pub const HTTP_DEFAULT_PORT: u16 = 80;

/// A DICOMweb service: `http://HOST[:PORT]/PATH` (the root under which `/studies` is), with
/// optional credentials kept apart from the URL that errors and `Display` show.
#[derive(Clone, Debug)]
pub struct WebNode {
    host: String,
    port: u16,
    /// The root path without its trailing slash (may be empty).
    root: String,
    credentials: Option<Credentials>,
}

impl WebNode {
    /// Reads `http://[USER:PASSWORD@]HOST[:PORT]/PATH`. User and password may be
    /// percent-encoded. `https://` is refused: this build has no TLS (docs/pacs.md, "Limits").
    pub fn parse(url: &str) -> Result<Self, NodeError> {
        let fail = |reason: &str| NodeError::Url {
            url: redact_url(url),
            reason: reason.to_owned(),
        };
        let rest = if let Some(r) = url.strip_prefix("http://") {
            r
        } else if url.starts_with("https://") {
            return Err(fail(
                "https is not supported by this build (no TLS): reach the service through a local TLS proxy, or over http on the hospital network",
            ));
        } else {
            return Err(fail("expected a URL starting with http://"));
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| fail("bad HOST[:PORT]"))?;
        let port = port.unwrap_or(HTTP_DEFAULT_PORT);
        if path.contains(['?', '#']) {
            return Err(fail("the URL must not have a query or fragment"));
        }
        let credentials = match userinfo {
            None => None,
            Some(u) => {
                let (user, password) = u.split_once(':').unwrap_or((u, ""));
                Some(Credentials::Basic {
                    user: percent_decode(user).ok_or_else(|| fail("bad percent-encoding"))?,
                    password: percent_decode(password)
                        .ok_or_else(|| fail("bad percent-encoding"))?,
                })
            }
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            root: path.trim_end_matches('/').to_owned(),
            credentials,
        })
    }

    /// The same service with these credentials.
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// The host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The root path (no trailing slash).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }
}

impl fmt::Display for WebNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "http://[{}]:{}{}", self.host, self.port, self.root)
        } else {
            write!(f, "http://{}:{}{}", self.host, self.port, self.root)
        }
    }
}

/// A DIMSE application entity: the called AE title, host and port, and our calling AE title.
#[derive(Clone, Debug)]
pub struct DimseNode {
    /// The node's AE title (called).
    pub called: AeTitle,
    /// The host.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// Our AE title (calling).
    pub calling: AeTitle,
}

impl DimseNode {
    /// Reads `AET@HOST:PORT`; `calling` is our AE title.
    pub fn parse(s: &str, calling: AeTitle) -> Result<Self, NodeError> {
        let fail = |reason: &str| NodeError::Dimse {
            given: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (aet, hostport) = s.rsplit_once('@').ok_or_else(|| fail("no @"))?;
        let called = AeTitle::new(aet)?;
        let (host, port) = split_host_port(hostport).ok_or_else(|| fail("bad HOST:PORT"))?;
        let port = port.ok_or_else(|| fail("no port"))?;
        Ok(Self {
            called,
            host: host.to_owned(),
            port,
            calling,
        })
    }

    /// `HOST:PORT` for connecting.
    pub(crate) fn socket_address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for DimseNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.called, self.socket_address())
    }
}

/// A PACS node.
#[derive(Clone, Debug)]
pub enum Node {
    /// DICOMweb.
    Web(WebNode),
    /// DIMSE.
    Dimse(DimseNode),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Web(w) => w.fmt(f),
            Node::Dimse(d) => d.fmt(f),
        }
    }
}

/// Longest wait for a TCP connection: 10 s, Orthanc's default `DicomScuTimeout` (Orthanc
/// Book, configuration file). Design choice: a node on the hospital network connects in
/// milliseconds; a node that is down is then reported within seconds, never a hang.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for an answer, or for the next bytes of one: 60 s, Orthanc's default
/// `HttpTimeout` (Orthanc Book, configuration file). Design choice: long enough for a PACS that
/// fetches a study from slow storage before it answers; a silent node is an error after it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest whole transfer (a retrieve or a store): 30 min. Design choice: a 4 GB study takes
/// about 5 min on a 100 Mbit/s network; six times that bounds a transfer that trickles without
/// ever stopping.
pub const DEFAULT_TRANSFER_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The timeouts of every exchange with a node (settings: `--connect-timeout`,
/// `--request-timeout`, `--transfer-timeout` on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest wait for the TCP connection (and the DICOM association's acceptance).
    pub connect: Duration,
    /// Longest wait for an answer or for the next part of one.
    pub request: Duration,
    /// Longest whole transfer.
    pub transfer: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: DEFAULT_CONNECT_TIMEOUT,
            request: DEFAULT_REQUEST_TIMEOUT,
            transfer: DEFAULT_TRANSFER_TIMEOUT,
        }
    }
}

/// `HOST[:PORT]` or `[V6]:PORT` → host and port.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return None,
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() || host.contains(['/', '@', ' ']) {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
        None => None,
    };
    Some((host, port))
}

/// `%XX` decoding of URL user information (RFC 3986 §2.1).
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = (bytes.next()? as char).to_digit(16)?;
            let lo = (bytes.next()? as char).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// The URL with any user information replaced by `***`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, hostport)) => format!("{scheme}://***@{hostport}{}", &rest[end..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_shown() {
        let n = WebNode::parse("http://alice:s%3Fcret@pacs.example:8042/dicom-web/").unwrap();
        assert_eq!(n.to_string(), "http://pacs.example:8042/dicom-web");
        assert!(!format!("{n:?}").contains("cret"));
        assert_eq!(
            n.credentials(),
            Some(&Credentials::Basic {
                user: "alice".into(),
                password: "s?cret".into()
            })
        );
        // RFC 7617 §2's example: Aladdin / open sesame.
        let c = Credentials::Basic {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        };
        assert_eq!(c.header_value(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let e = WebNode::parse("ftp://bob:hunter2@x/")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        let e = WebNode::parse("https://bob:hunter2@x/")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2") && e.contains("https"), "{e}");
    }

    #[test]
    fn dimse_node_and_ae_titles() {
        let calling = AeTitle::new("SIRTPLAN").unwrap();
        let n = DimseNode::parse("ORTHANC@127.0.0.1:4242", calling.clone()).unwrap();
        assert_eq!(
            (n.called.as_str(), n.host.as_str(), n.port),
            ("ORTHANC", "127.0.0.1", 4242)
        );
        assert_eq!(n.to_string(), "ORTHANC@127.0.0.1:4242");
        let v6 = DimseNode::parse("PACS@[::1]:104", calling.clone()).unwrap();
        assert_eq!(v6.socket_address(), "[::1]:104");
        for bad in [
            "ORTHANC",
            "ORTHANC@host",
            "@h:1",
            "A@h:0",
            "A@h:70000",
            "A@:4",
        ] {
            assert!(DimseNode::parse(bad, calling.clone()).is_err(), "{bad}");
        }
        assert!(AeTitle::new("SEVENTEEN_CHARS_X").is_err());
        assert!(AeTitle::new("A\\B").is_err());
        assert!(AeTitle::new("   ").is_err());
        assert_eq!(
            AeTitle::new(" SIXTEEN_CHARS_XX ").unwrap().as_str(),
            "SIXTEEN_CHARS_XX"
        );
    }
}
