//! The PACS connection (issue 17): a node is reached over DICOMweb (`web`: QIDO-RS search,
//! WADO-RS retrieve streamed to files, STOW-RS store) or DIMSE (`dimse`: C-ECHO, C-FIND, C-GET
//! and C-STORE as a user; C-ECHO and C-STORE as a provider, the receiver).
//!
//! Every network wait is bounded by the node's [`Timeouts`]; every error names the node (never
//! its credentials), what was expected and what was found. A retrieve writes its files under
//! temporary names and moves them in place only when the whole transfer is complete
//! ([`files::PullFolder`]). A site's configured nodes (the web application's PACS page) are
//! checked field by field and used through one client of either protocol ([`site`]). Nothing
//! here prints: the receiver reports what it does as
//! [`dimse::ReceiverEvent`]s.

pub mod dimse;
mod error;
pub mod files;
mod lengths;
mod node;
mod query;
pub mod site;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod transfer;
pub mod web;

pub use error::PacsError;
pub use node::{
    AeTitle, Credentials, DEFAULT_CALLING_AET, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TRANSFER_TIMEOUT, DimseNode, Node, NodeError, Timeouts, WebNode,
};
pub use query::{DateRange, Query, SeriesHit, StudyHit};
pub use transfer::{Outgoing, Progress, PullSelector, PushOutcome, Refused};
