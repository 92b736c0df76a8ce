//! The errors of the PACS connection: each names the node as displayed (URL without its
//! credentials, or `AET@HOST:PORT`), what was expected and what was found.

use std::path::PathBuf;
use std::time::Duration;

/// A failed exchange with a PACS node, or a file that could not be sent or written.
#[derive(Debug, thiserror::Error)]
pub enum PacsError {
    /// The TCP connection could not be made (refused, unreachable, name unknown).
    #[error("cannot connect to {node}")]
    Connect {
        /// The node, as displayed.
        node: String,
        /// The socket's error.
        #[source]
        source: std::io::Error,
    },
    /// No answer to the connection within the connect timeout.
    #[error("{node} did not accept a connection within {} s (connect timeout)", .after.as_secs_f64())]
    ConnectTimeout {
        /// The node, as displayed.
        node: String,
        /// The connect timeout.
        after: Duration,
    },
    /// No answer (or no progress) within the request timeout.
    #[error("{node} did not answer {what} within {} s (request timeout)", .after.as_secs_f64())]
    RequestTimeout {
        /// The node, as displayed.
        node: String,
        /// The request.
        what: String,
        /// The request timeout.
        after: Duration,
    },
    /// The whole transfer took longer than the transfer timeout.
    #[error("{what} from {node} was not complete within {} s (transfer timeout)", .after.as_secs_f64())]
    TransferTimeout {
        /// The node, as displayed.
        node: String,
        /// The transfer.
        what: String,
        /// The transfer timeout.
        after: Duration,
    },
    /// The HTTP exchange failed (connection closed, not HTTP).
    #[error("{what} with {node} failed: not a valid HTTP exchange")]
    Http {
        /// The node, as displayed.
        node: String,
        /// The request.
        what: String,
        /// hyper's error.
        #[source]
        source: hyper::Error,
    },
    /// The node answered with an HTTP error status.
    #[error("{node} answered {what} with HTTP {status}{}{}", reason_phrase(*.status), if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    HttpStatus {
        /// The node, as displayed.
        node: String,
        /// The request.
        what: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the answer's body (text only).
        body: String,
    },
    /// The node answered something that is not what the protocol says.
    #[error("{node} answered {what} with {found}; expected {expected}")]
    Garbage {
        /// The node, as displayed.
        node: String,
        /// The request.
        what: String,
        /// What the protocol says.
        expected: String,
        /// What came.
        found: String,
    },
    /// The DICOM association could not be made or broke.
    #[error("DICOM association with {node} failed ({what})")]
    Association {
        /// The node, as displayed.
        node: String,
        /// The step.
        what: String,
        /// dicom-ul's error (boxed: it is large).
        #[source]
        source: Box<dicom_ul::association::Error>,
    },
    /// The node accepted none of the presentation contexts that an operation needs.
    #[error("{node} accepted no presentation context for {what}")]
    NoContext {
        /// The node, as displayed.
        node: String,
        /// The operation and its SOP class.
        what: String,
    },
    /// A DIMSE response with a failure status.
    #[error("{node} answered {what} with DIMSE status {status:#06X} ({meaning}){}", .comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    DimseStatus {
        /// The node, as displayed.
        node: String,
        /// The operation.
        what: String,
        /// The DIMSE status (PS3.7 Annex C).
        status: u16,
        /// The status class in words.
        meaning: &'static str,
        /// The Error Comment (0000,0902), if sent.
        comment: Option<String>,
    },
    /// A file to send or written by a retrieve is not usable DICOM.
    #[error("{}: not a DICOM file that can be sent ({reason})", .path.display())]
    NotDicom {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {what}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The query or request itself is not valid (before anything is sent).
    #[error("{0}")]
    Request(String),
    /// The task that ran the exchange stopped before it ended (it panicked or was cancelled):
    /// a fault of this program, not of the node or the request.
    #[error("the exchange with {node} stopped before it ended: {message}")]
    Stopped {
        /// The node, as shown.
        node: String,
        /// What the runtime said.
        message: String,
    },
}

/// ` (Reason Phrase)` of an HTTP status (RFC 9110 §15), or nothing for an unknown code.
fn reason_phrase(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default()
}
