//! One HTTP/1.1 exchange with a DICOMweb node over hyper's client connection, every wait
//! bounded: the connection by the connect timeout, the answer's head and each of its chunks by
//! the request timeout, the whole by the transfer deadline.

use crate::{PacsError, Timeouts, WebNode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The most bytes of an error answer's body kept for the message: enough for Orthanc's JSON
/// error (a few hundred bytes); design choice.
const ERROR_BODY_SHOWN: usize = 400;

/// An answer whose head has come; its body is read with [`Answer::chunk`].
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    body: Incoming,
    node: String,
    what: String,
    timeouts: Timeouts,
    deadline: Instant,
}

/// Runs `fut` within the request timeout and before the transfer deadline.
async fn bounded<T>(
    fut: impl Future<Output = T>,
    node: &str,
    what: &str,
    timeouts: &Timeouts,
    deadline: Instant,
) -> Result<T, PacsError> {
    let request_end = Instant::now() + timeouts.request;
    let end = request_end.min(deadline);
    match tokio::time::timeout_at(end, fut).await {
        Ok(v) => Ok(v),
        Err(_) if end == deadline && deadline < request_end => Err(PacsError::TransferTimeout {
            node: node.to_owned(),
            what: what.to_owned(),
            after: timeouts.transfer,
        }),
        Err(_) => Err(PacsError::RequestTimeout {
            node: node.to_owned(),
            what: what.to_owned(),
            after: timeouts.request,
        }),
    }
}

/// Sends `request` (origin-form URI: path and query) to `node`; returns once the answer's head
/// has come. `Host` and `Authorization` are added here.
pub(crate) async fn send(
    node: &WebNode,
    timeouts: &Timeouts,
    mut request: http::Request<Full<Bytes>>,
    what: &str,
) -> Result<Answer, PacsError> {
    let shown = node.to_string();
    let deadline = Instant::now() + timeouts.transfer;
    let stream = match tokio::time::timeout(
        timeouts.connect,
        TcpStream::connect((node.host(), node.port())),
    )
    .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(source)) => {
            return Err(PacsError::Connect {
                node: shown,
                source,
            });
        }
        Err(_) => {
            return Err(PacsError::ConnectTimeout {
                node: shown,
                after: timeouts.connect,
            });
        }
    };
    let http_err = |source| PacsError::Http {
        node: shown.clone(),
        what: what.to_owned(),
        source,
    };
    let (mut sender, conn) = bounded(
        hyper::client::conn::http1::handshake(TokioIo::new(stream)),
        &shown,
        what,
        timeouts,
        deadline,
    )
    .await?
    .map_err(http_err)?;
    // The connection is driven beside the request; it ends when the answer is dropped.
    tokio::spawn(conn);
    let host = if node.host().contains(':') {
        format!("[{}]:{}", node.host(), node.port())
    } else {
        format!("{}:{}", node.host(), node.port())
    };
    let headers = request.headers_mut();
    headers.insert(
        http::header::HOST,
        http::HeaderValue::from_str(&host)
            .map_err(|_| PacsError::Request(format!("host {host:?} is not a valid Host header")))?,
    );
    if let Some(c) = node.credentials() {
        let mut v = http::HeaderValue::from_str(&c.header_value()).map_err(|_| {
            PacsError::Request(format!(
                "the credentials of {shown} are not valid header text"
            ))
        })?;
        v.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, v);
    }
    let response = bounded(
        sender.send_request(request),
        &shown,
        what,
        timeouts,
        deadline,
    )
    .await?
    .map_err(http_err)?;
    let (parts, body) = response.into_parts();
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
        node: shown,
        what: what.to_owned(),
        timeouts: *timeouts,
        deadline,
    })
}

impl Answer {
    /// The next chunk of the body, `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, PacsError> {
        loop {
            let frame = bounded(
                self.body.frame(),
                &self.node,
                &self.what,
                &self.timeouts,
                self.deadline,
            )
            .await?;
            match frame {
                None => return Ok(None),
                Some(Err(source)) => {
                    return Err(PacsError::Http {
                        node: self.node.clone(),
                        what: self.what.clone(),
                        source,
                    });
                }
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }

    /// The whole body, at most `limit` bytes (more is an error naming the limit).
    pub(crate) async fn body(&mut self, limit: usize) -> Result<Vec<u8>, PacsError> {
        let mut out = Vec::new();
        while let Some(c) = self.chunk().await? {
            if out.len() + c.len() > limit {
                return Err(self.garbage(
                    &format!("an answer of at most {limit} bytes"),
                    "a longer answer",
                ));
            }
            out.extend_from_slice(&c);
        }
        Ok(out)
    }

    /// The answer's media type (`Content-Type` without parameters, lower case).
    pub(crate) fn content_type(&self) -> String {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }

    /// An error for an answer that is not what the protocol says.
    pub(crate) fn garbage(&self, expected: &str, found: &str) -> PacsError {
        PacsError::Garbage {
            node: self.node.clone(),
            what: self.what.clone(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        }
    }

    /// Refuses an error status, with the start of the answer's text.
    pub(crate) async fn require_success(&mut self) -> Result<(), PacsError> {
        if (200..300).contains(&self.status) {
            return Ok(());
        }
        let body = self.body(64 * ERROR_BODY_SHOWN).await.unwrap_or_default();
        Err(PacsError::HttpStatus {
            node: self.node.clone(),
            what: self.what.clone(),
            status: self.status,
            body: shown_text(&body),
        })
    }
}

/// The start of a body as one line of text (non-text bytes replaced).
pub(crate) fn shown_text(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_SHOWN)]);
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > ERROR_BODY_SHOWN {
        format!("{t}…")
    } else {
        t
    }
}

/// Characters of a query value sent as they are besides the unreserved ones: the wild cards
/// `*` and `?` and the PN component separator `^` (PS3.18 §8.3.4: a QIDO-RS matching value).
/// Orthanc 1.10's DICOMweb plugin does not percent-decode query values (measured here: Patient ID
/// `SIRT%2DPHANTOM-1` and Patient's Name `Phantom%5ESIRT` match nothing, the same values unencoded
/// match), so that a name search with a wild card must send them literally; `*` and `?` are
/// allowed in a query by RFC 3986 §3.4, `^` is accepted by hyper and by the servers tried.
const QUERY_LITERALS: &[u8] = b"*?^";

/// Percent-encodes a query value (RFC 3986 §2.1: everything but the unreserved characters and
/// [`QUERY_LITERALS`]).
pub(crate) fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || QUERY_LITERALS.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a path segment (RFC 3986 §2.1: everything but the unreserved characters).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
