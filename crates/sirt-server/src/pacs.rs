//! The PACS connection of the web application (issue 17, "Web app"): a thin adapter over
//! `sirt_pacs` (node settings checked field by field, one client of either protocol) and the
//! store (nodes and their audit rows).
//!
//! | module | what |
//! |---|---|
//! | `nodes` | the site's PACS nodes for admins (`/api/pacs/nodes…`: list, add, change, remove, test); the names for everyone else (`GET /api/pacs/sources`); a password is never answered, only whether one is set |
//! | `send` | "Send to PACS" (`POST /api/plans/{id}/pacs/send`): an approved plan's RT Dose, SEG, RT Struct and report (Encapsulated PDF), each refused object with its reason, the send audited |
//! | `retrieve` | "Import from PACS" (`/api/patients/{id}/pacs/…`): search a node, retrieve the series picked as a background job with its progress in the job table, stored through the upload's own checks as a study of the patient |
//!
//! Every exchange with a node is bounded by the node's timeouts; a failure is answered 502
//! (`pacs_unreachable`, `pacs_error`) or 504 (`pacs_timeout`) with the node's name and address
//! (never its credentials) and what went wrong.

pub(crate) mod nodes;
pub(crate) mod retrieve;
pub(crate) mod send;

use crate::error::ApiError;
use axum::http::StatusCode;
use sirt_pacs::PacsError;
use sirt_pacs::site::{Address, CheckedNode, NodeClient, NodeSettings};
use sirt_store::{PacsAddress, PacsNode};

pub use nodes::{
    NewPacsNodeBody, PacsNodeChange, PacsNodeList, PacsNodeView, PacsSources, PacsTest,
};
pub use retrieve::{PacsRetrieval, PacsSearch, RetrievalBody};
pub use send::{PacsSend, SendBody};

/// The settings of a stored node, as `sirt_pacs` checks them.
pub(crate) fn settings_of(n: &PacsNode) -> NodeSettings {
    let address = match &n.node.address {
        PacsAddress::DicomWeb {
            url,
            username,
            password,
        } => Address::DicomWeb {
            url: url.clone(),
            username: username.clone(),
            password: password.clone(),
        },
        PacsAddress::Dimse {
            called_aet,
            host,
            port,
            calling_aet,
        } => Address::Dimse {
            called_aet: called_aet.clone(),
            host: host.clone(),
            port: *port,
            calling_aet: calling_aet.clone(),
        },
    };
    NodeSettings {
        name: n.node.name.clone(),
        address,
        connect_timeout_s: n.node.connect_timeout_s,
        request_timeout_s: n.node.request_timeout_s,
        transfer_timeout_s: n.node.transfer_timeout_s,
    }
}

/// A client of a stored node (its settings checked again: a node stored by an older version
/// that this one refuses is named).
pub(crate) fn client_of(n: &PacsNode) -> Result<(NodeClient, CheckedNode), ApiError> {
    let checked = settings_of(n).check().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_pacs_node",
            format!(
                "PACS node «{}»: {e}; an administrator must correct it on the PACS page",
                n.node.name
            ),
        )
    })?;
    Ok((NodeClient::new(checked.clone()), checked))
}

/// An error and its causes, in words (the system's reason of a refused connection).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// A failed exchange with node `name` as the API answers it.
pub(crate) fn pacs_failure(name: &str, e: &PacsError) -> ApiError {
    let message = format!("PACS node «{name}»: {}", with_causes(e));
    match e {
        PacsError::ConnectTimeout { .. }
        | PacsError::RequestTimeout { .. }
        | PacsError::TransferTimeout { .. } => {
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, "pacs_timeout", message)
        }
        PacsError::Connect { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "pacs_unreachable", message)
        }
        PacsError::Request(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
        PacsError::Io { .. } | PacsError::Stopped { .. } => ApiError::internal(),
        _ => ApiError::new(StatusCode::BAD_GATEWAY, "pacs_error", message),
    }
}
