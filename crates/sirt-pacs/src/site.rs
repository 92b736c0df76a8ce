//! PACS nodes as a site configures them (the web application's PACS page): the settings an
//! administrator enters, checked field by field into a usable [`Node`] and its [`Timeouts`];
//! and [`NodeClient`], one client for either protocol whose every call can run on any
//! thread of an asynchronous server (DIMSE and the DICOMweb streams run on a blocking thread).
//!
//! A password is never part of an error: [`FieldError`] names the field and what was wrong with
//! it, never the value of a password.

use crate::dimse::DimseClient;
use crate::transfer::{Outgoing, Progress, PullSelector, PushOutcome};
use crate::web::WebClient;
use crate::{AeTitle, Credentials, DimseNode, Node, NodeError, PacsError, Query, StudyHit};
use crate::{Timeouts, WebNode};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The longest node name: 100 characters (design choice: a label such as "Radiology PACS
/// (Orthanc, building B)" fits; the store's short-text limit).
pub const NAME_MAX: usize = 100;

/// The longest user name or password of HTTP Basic authentication: 200 characters (design
/// choice: far above any real account or generated password; bounds what is stored).
pub const CREDENTIAL_MAX: usize = 200;

/// The longest host name: 253 characters (RFC 1035 §2.3.4, a domain name's text form).
pub const HOST_MAX: usize = 253;

/// The longest DICOMweb URL: 2 000 characters (design choice: the longest URL every browser
/// and server accepts, RFC 9110 §4.1 recommends at least 8 000 for requests; a root URL is
/// far shorter).
pub const URL_MAX: usize = 2_000;

/// The longest connect timeout: 300 s (design choice: a node that has not accepted a TCP
/// connection in five minutes is down; a longer setting only hides it).
pub const CONNECT_TIMEOUT_MAX: Duration = Duration::from_secs(300);

/// The longest request timeout: 3 600 s (design choice: a PACS fetching a study from tape
/// answers within the hour; beyond it a request is hung).
pub const REQUEST_TIMEOUT_MAX: Duration = Duration::from_secs(3_600);

/// The longest transfer timeout: 86 400 s (design choice: a day bounds any retrieve or store).
pub const TRANSFER_TIMEOUT_MAX: Duration = Duration::from_secs(86_400);

/// A setting that cannot be used: the field, what was expected, what was found (never a
/// password's value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: expected {expected}, found {found}")]
pub struct FieldError {
    /// The field's name as the API spells it (`url`, `port`, `called_aet`…).
    pub field: &'static str,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

fn field_error(field: &'static str, expected: &str, found: impl Into<String>) -> FieldError {
    FieldError {
        field,
        expected: expected.to_owned(),
        found: found.into(),
    }
}

/// How a node is reached, as entered.
#[derive(Clone, PartialEq)]
pub enum Address {
    /// A DICOMweb service.
    DicomWeb {
        /// `http://HOST[:PORT]/ROOT`, without credentials.
        url: String,
        /// HTTP Basic user name, if the service asks for one.
        username: Option<String>,
        /// HTTP Basic password (never shown).
        password: Option<String>,
    },
    /// A DIMSE application entity.
    Dimse {
        /// The node's AE title.
        called_aet: String,
        /// Its host name or address.
        host: String,
        /// Its TCP port, as entered (checked to be 1–65535).
        port: i64,
        /// Our AE title.
        calling_aet: String,
    },
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::DicomWeb {
                url,
                username,
                password,
            } => f
                .debug_struct("DicomWeb")
                .field("url", url)
                .field("username", username)
                .field("password_set", &password.is_some())
                .finish(),
            Address::Dimse {
                called_aet,
                host,
                port,
                calling_aet,
            } => f
                .debug_struct("Dimse")
                .field("called_aet", called_aet)
                .field("host", host)
                .field("port", port)
                .field("calling_aet", calling_aet)
                .finish(),
        }
    }
}

/// A node's settings as an administrator enters them.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSettings {
    /// The name people choose it by.
    pub name: String,
    /// How it is reached.
    pub address: Address,
    /// Longest wait for the connection, seconds.
    pub connect_timeout_s: f64,
    /// Longest wait for an answer or its next part, seconds.
    pub request_timeout_s: f64,
    /// Longest whole transfer, seconds.
    pub transfer_timeout_s: f64,
}

/// A node checked: what the clients need.
#[derive(Debug, Clone)]
pub struct CheckedNode {
    /// The node (credentials inside, never shown).
    pub node: Node,
    /// Its timeouts.
    pub timeouts: Timeouts,
}

impl NodeSettings {
    /// Checks every field (the first wrong one is named): the name, the URL (`http://`, no
    /// credentials in it: they have their own fields), the Basic credentials, the AE titles
    /// (PS3.5 §6.2), the host, the port (1–65535), the timeouts (positive, at most their
    /// maxima).
    pub fn check(&self) -> Result<CheckedNode, FieldError> {
        check_name(&self.name)?;
        let node = match &self.address {
            Address::DicomWeb {
                url,
                username,
                password,
            } => Node::Web(check_web(url, username.as_deref(), password.as_deref())?),
            Address::Dimse {
                called_aet,
                host,
                port,
                calling_aet,
            } => Node::Dimse(check_dimse(called_aet, host, *port, calling_aet)?),
        };
        let timeouts = Timeouts {
            connect: seconds(
                "connect_timeout_s",
                self.connect_timeout_s,
                CONNECT_TIMEOUT_MAX,
            )?,
            request: seconds(
                "request_timeout_s",
                self.request_timeout_s,
                REQUEST_TIMEOUT_MAX,
            )?,
            transfer: seconds(
                "transfer_timeout_s",
                self.transfer_timeout_s,
                TRANSFER_TIMEOUT_MAX,
            )?,
        };
        Ok(CheckedNode { node, timeouts })
    }
}

fn check_name(name: &str) -> Result<(), FieldError> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        return Err(field_error("name", "a name", "an empty text"));
    }
    if n > NAME_MAX {
        return Err(field_error(
            "name",
            &format!("at most {NAME_MAX} characters"),
            format!("{n}"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(field_error(
            "name",
            "a name without control characters",
            "a control character",
        ));
    }
    Ok(())
}

/// The URL's scheme as found (`ftp`), or the start of the text.
fn scheme_of(url: &str) -> String {
    match url.split_once("://") {
        Some((s, _)) => format!("the scheme `{}`", s.chars().take(20).collect::<String>()),
        None => format!("`{}`", url.chars().take(40).collect::<String>()),
    }
}

fn check_web(
    url: &str,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<WebNode, FieldError> {
    const EXPECTED: &str = "an http:// URL of the DICOMweb root (e.g. http://pacs:8042/dicom-web)";
    let url = url.trim();
    if url.chars().count() > URL_MAX {
        return Err(field_error(
            "url",
            &format!("at most {URL_MAX} characters"),
            "more",
        ));
    }
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(field_error("url", EXPECTED, scheme_of(url)));
    }
    let authority = url
        .split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') {
        return Err(field_error(
            "url",
            "a URL without user name or password (they have their own fields, kept out of answers and logs)",
            "credentials in the URL",
        ));
    }
    let node = WebNode::parse(url).map_err(|e| match e {
        NodeError::Url { reason, .. } => field_error("url", EXPECTED, reason),
        other => field_error("url", EXPECTED, other.to_string()),
    })?;
    let credentials = check_credentials(username, password)?;
    Ok(node.with_credentials(credentials))
}

fn check_credentials(
    username: Option<&str>,
    password: Option<&str>,
) -> Result<Option<Credentials>, FieldError> {
    let username = username.filter(|u| !u.is_empty());
    let Some(user) = username else {
        if password.is_some_and(|p| !p.is_empty()) {
            return Err(field_error(
                "username",
                "a user name with the password (HTTP Basic)",
                "none",
            ));
        }
        return Ok(None);
    };
    if user.chars().count() > CREDENTIAL_MAX {
        return Err(field_error(
            "username",
            &format!("at most {CREDENTIAL_MAX} characters"),
            "more",
        ));
    }
    if user.contains(':') || user.chars().any(char::is_control) {
        return Err(field_error(
            "username",
            "a user name without `:` or control characters (RFC 7617 §2)",
            "one of them",
        ));
    }
    let password = password.unwrap_or("");
    if password.chars().count() > CREDENTIAL_MAX {
        return Err(field_error(
            "password",
            &format!("at most {CREDENTIAL_MAX} characters"),
            "more",
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(field_error(
            "password",
            "a password without control characters (RFC 7617 §2)",
            "a control character",
        ));
    }
    Ok(Some(Credentials::Basic {
        user: user.to_owned(),
        password: password.to_owned(),
    }))
}

fn ae_title(field: &'static str, s: &str) -> Result<AeTitle, FieldError> {
    AeTitle::new(s).map_err(|e| match e {
        NodeError::AeTitle { given, reason } => field_error(
            field,
            "an AE title of 1 to 16 characters without backslash or control characters (PS3.5 §6.2)",
            format!("{given:?}: {reason}"),
        ),
        other => field_error(field, "an AE title", other.to_string()),
    })
}

fn check_dimse(
    called_aet: &str,
    host: &str,
    port: i64,
    calling_aet: &str,
) -> Result<DimseNode, FieldError> {
    let called = ae_title("called_aet", called_aet)?;
    let calling = ae_title("calling_aet", calling_aet)?;
    let host = host.trim();
    let bad_host = host.is_empty()
        || host.chars().count() > HOST_MAX
        || host.contains(['/', '@', ' ', '[', ']'])
        || host.chars().any(char::is_control);
    if bad_host {
        return Err(field_error(
            "host",
            "a host name or IP address (no spaces, `/`, `@` or brackets)",
            format!("`{}`", host.chars().take(60).collect::<String>()),
        ));
    }
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| field_error("port", "a TCP port from 1 to 65535", port.to_string()))?;
    Ok(DimseNode {
        called,
        host: host.to_owned(),
        port,
        calling,
    })
}

fn seconds(field: &'static str, s: f64, max: Duration) -> Result<Duration, FieldError> {
    if s.is_finite() && s > 0.0 && s <= max.as_secs_f64() {
        return Ok(Duration::from_secs_f64(s));
    }
    Err(field_error(
        field,
        &format!(
            "a number of seconds above 0 and at most {}",
            max.as_secs_f64()
        ),
        format!("{s}"),
    ))
}

/// One series to retrieve, with the number of instances the node's search listed (when it
/// said): a retrieve that brings fewer is partial and is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedSeries {
    /// Series Instance UID.
    pub series_uid: String,
    /// Number of Series Related Instances the search listed, when the node gave it.
    pub listed_instances: Option<u64>,
}

/// A client of a node of either protocol. Every call runs on a blocking thread (DIMSE is
/// synchronous; a DICOMweb stream writes files) and is bounded by the node's timeouts.
#[derive(Debug, Clone)]
pub struct NodeClient {
    node: Node,
    timeouts: Timeouts,
}

/// Progress reported from a blocking thread.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

impl NodeClient {
    /// A client of a checked node.
    pub fn new(checked: CheckedNode) -> Self {
        Self {
            node: checked.node,
            timeouts: checked.timeouts,
        }
    }

    /// The node as shown (URL without credentials, or `AET@HOST:PORT`).
    pub fn shown(&self) -> String {
        self.node.to_string()
    }

    /// Runs `f` with a client of the node on a blocking thread (DICOMweb on a runtime of its
    /// own there).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Client) -> Result<T, PacsError> + Send + 'static,
    ) -> Result<T, PacsError> {
        let client = match &self.node {
            Node::Web(w) => Client::Web(WebClient::new(w.clone(), self.timeouts)),
            Node::Dimse(d) => Client::Dimse(DimseClient::new(d.clone(), self.timeouts)),
        };
        let node = self.shown();
        tokio::task::spawn_blocking(move || f(client))
            .await
            .map_err(|e| PacsError::Stopped {
                node,
                message: e.to_string(),
            })?
    }

    /// C-ECHO, or a QIDO-RS search of one study.
    pub async fn echo(&self) -> Result<(), PacsError> {
        self.blocking(|c| match c {
            Client::Web(w) => on_runtime(w.echo()),
            Client::Dimse(d) => d.echo(),
        })
        .await
    }

    /// The studies matching `query`, each with its series.
    pub async fn find(&self, query: Query) -> Result<Vec<StudyHit>, PacsError> {
        self.blocking(move |c| match c {
            Client::Web(w) => on_runtime(w.find(&query)),
            Client::Dimse(d) => d.find(&query),
        })
        .await
    }

    /// Retrieves these series into `dest` (`dest/<Series Instance UID>/<SOP Instance
    /// UID>.dcm`), one after the other, `progress` told the instances and bytes so far. A
    /// series the node brings fewer instances of than its search listed is a partial retrieve:
    /// an error (what was written stays in `dest` for the caller to drop).
    pub async fn pull_series(
        &self,
        series: Vec<WantedSeries>,
        dest: PathBuf,
        progress: ProgressSink,
    ) -> Result<Vec<PathBuf>, PacsError> {
        let shown = self.shown();
        self.blocking(move |c| {
            let mut all = Vec::new();
            let mut before = Progress::default();
            for s in &series {
                let selector = PullSelector::Series(s.series_uid.clone());
                let base = before;
                let mut report = |p: Progress| {
                    progress(Progress {
                        instances: base.instances + p.instances,
                        bytes: base.bytes + p.bytes,
                    });
                };
                let files = match &c {
                    Client::Web(w) => on_runtime(w.pull(&selector, &dest, &mut report))?,
                    Client::Dimse(d) => d.pull(&selector, &dest, &mut report)?,
                };
                check_complete(&shown, s, &files, &dest)?;
                before.instances += files.len();
                before.bytes += files_size(&files);
                progress(before);
                all.extend(files);
            }
            Ok(all)
        })
        .await
    }

    /// Sends the files (STOW-RS or C-STORE); each refused instance is in the outcome with its
    /// reason.
    pub async fn push(&self, files: Vec<Outgoing>) -> Result<PushOutcome, PacsError> {
        self.blocking(move |c| match c {
            Client::Web(w) => on_runtime(w.push(&files, &mut |_| {})),
            Client::Dimse(d) => d.push(&files, &mut |_| {}),
        })
        .await
    }
}

/// The client of one call.
enum Client {
    Web(WebClient),
    Dimse(DimseClient),
}

/// Runs a DICOMweb future on a runtime of this (blocking) thread.
fn on_runtime<T>(
    f: impl std::future::Future<Output = Result<T, PacsError>>,
) -> Result<T, PacsError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| PacsError::Io {
            path: PathBuf::from("(runtime)"),
            what: "cannot start the network runtime",
            source,
        })?;
    rt.block_on(f)
}

fn files_size(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Refuses a series retrieved with fewer instances than the search listed, or retrieved into
/// another series' folder.
fn check_complete(
    node: &str,
    wanted: &WantedSeries,
    files: &[PathBuf],
    dest: &Path,
) -> Result<(), PacsError> {
    let mut per_series: BTreeMap<&Path, usize> = BTreeMap::new();
    for f in files {
        if let Some(p) = f.parent() {
            *per_series.entry(p).or_default() += 1;
        }
    }
    let folder = dest.join(&wanted.series_uid);
    let got = per_series.get(folder.as_path()).copied().unwrap_or(0);
    let listed = wanted.listed_instances.unwrap_or(0);
    if got == 0 || (got as u64) < listed || per_series.len() != 1 {
        return Err(PacsError::Garbage {
            node: node.to_owned(),
            what: format!("the retrieve of series {}", wanted.series_uid),
            expected: match wanted.listed_instances {
                Some(n) => format!("the {n} instance(s) its search listed"),
                None => "at least one instance of that series".to_owned(),
            },
            found: format!(
                "{got} instance(s) of it ({} file(s) in all); a partial retrieve is not used",
                files.len()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn web(url: &str, user: Option<&str>, password: Option<&str>) -> NodeSettings {
        NodeSettings {
            name: "PACS".into(),
            address: Address::DicomWeb {
                url: url.into(),
                username: user.map(Into::into),
                password: password.map(Into::into),
            },
            connect_timeout_s: 10.0,
            request_timeout_s: 60.0,
            transfer_timeout_s: 1800.0,
        }
    }

    fn dimse(called: &str, host: &str, port: i64, calling: &str) -> NodeSettings {
        NodeSettings {
            address: Address::Dimse {
                called_aet: called.into(),
                host: host.into(),
                port,
                calling_aet: calling.into(),
            },
            ..web("http://x/", None, None)
        }
    }

    fn field(s: &NodeSettings) -> &'static str {
        s.check().unwrap_err().field
    }

    #[test]
    fn good_nodes_are_taken() {
        let c = web(
            "http://pacs.example:8042/dicom-web/",
            Some("alice"),
            Some("s3cret"),
        )
        .check()
        .unwrap();
        assert_eq!(c.node.to_string(), "http://pacs.example:8042/dicom-web");
        assert_eq!(c.timeouts.request, Duration::from_secs(60));
        let d = dimse("ORTHANC", "10.0.0.5", 4242, "SIRTPLAN")
            .check()
            .unwrap();
        assert_eq!(d.node.to_string(), "ORTHANC@10.0.0.5:4242");
        // Port 65535 is the last one (RFC 793: 16 bits).
        assert!(dimse("A", "h", 65_535, "B").check().is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(field(&web("ftp://pacs/dicom-web", None, None)), "url");
        assert_eq!(field(&web("pacs:8042", None, None)), "url");
        assert_eq!(field(&web("http://u:p@pacs/", None, None)), "url");
        assert_eq!(field(&web("http://pacs/", None, Some("x"))), "username");
        assert_eq!(
            field(&web("http://pacs/", Some("a:b"), Some("x"))),
            "username"
        );
        assert_eq!(field(&dimse("ORTHANC", "h", 0, "SIRTPLAN")), "port");
        assert_eq!(field(&dimse("ORTHANC", "h", 65_536, "SIRTPLAN")), "port");
        assert_eq!(field(&dimse("ORTHANC", "h", -1, "SIRTPLAN")), "port");
        assert_eq!(
            field(&dimse("SEVENTEEN_CHARS_X", "h", 104, "S")),
            "called_aet"
        );
        assert_eq!(field(&dimse("A\\B", "h", 104, "S")), "called_aet");
        assert_eq!(field(&dimse("A", "h", 104, "")), "calling_aet");
        assert_eq!(field(&dimse("A", "a b", 104, "S")), "host");
        let mut t = dimse("A", "h", 104, "S");
        t.request_timeout_s = 0.0;
        assert_eq!(field(&t), "request_timeout_s");
        t.request_timeout_s = f64::NAN;
        assert_eq!(field(&t), "request_timeout_s");
        let mut n = dimse("A", "h", 104, "S");
        n.name = " ".into();
        assert_eq!(field(&n), "name");
    }

    #[test]
    fn a_password_is_never_in_an_error_or_debug() {
        let bad = web("http://pacs/", Some("u"), Some("hunter2\u{7}"));
        let e = bad.check().unwrap_err();
        assert_eq!(e.field, "password");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!format!("{bad:?}").contains("hunter2"));
        let ok = web("http://pacs/", Some("u"), Some("hunter2"))
            .check()
            .unwrap();
        assert!(!format!("{ok:?}").contains("hunter2"));
        assert!(!ok.node.to_string().contains("hunter2"));
    }

    #[test]
    fn a_partial_series_is_refused() {
        let dest = Path::new("/d");
        let w = WantedSeries {
            series_uid: "1.2".into(),
            listed_instances: Some(3),
        };
        let two = vec![dest.join("1.2/1.dcm"), dest.join("1.2/2.dcm")];
        let e = check_complete("N", &w, &two, dest).unwrap_err().to_string();
        assert!(e.contains("partial") && e.contains("3 instance"), "{e}");
        let three = [two.clone(), vec![dest.join("1.2/3.dcm")]].concat();
        assert!(check_complete("N", &w, &three, dest).is_ok());
        let other = vec![dest.join("9.9/1.dcm")];
        assert!(check_complete("N", &w, &other, dest).is_err());
    }
}
