//! The site's PACS nodes (admins: action `manage_pacs`): list, add, change, remove, test; the
//! node names for the import and send dialogs (everyone). Each node is checked by
//! `sirt_pacs::site` before it is stored (422 naming the field); the store audits each change
//! without the password. A password is never answered: `password_set` says whether there is one.

use super::{client_of, pacs_failure, settings_of};
use crate::error::{ApiError, ApiJson, PathId};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sirt_store::{NewPacsNode, PacsAddress, PacsNode};

type ApiResult = Result<Response, ApiError>;

/// A PACS node as answered: never its password.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsNodeView {
    /// Key.
    pub id: i64,
    /// The name people choose it by.
    pub name: String,
    /// `dicomweb` or `dimse`.
    pub protocol: String,
    /// DICOMweb root URL.
    pub url: Option<String>,
    /// DICOMweb HTTP Basic user name.
    pub username: Option<String>,
    /// Whether a DICOMweb password is set (the password itself is never answered).
    pub password_set: bool,
    /// DIMSE: the node's AE title.
    pub called_aet: Option<String>,
    /// DIMSE: host.
    pub host: Option<String>,
    /// DIMSE: TCP port.
    pub port: Option<i64>,
    /// DIMSE: our AE title.
    pub calling_aet: Option<String>,
    /// Longest wait for the connection, seconds.
    pub connect_timeout_s: f64,
    /// Longest wait for an answer or its next part, seconds.
    pub request_timeout_s: f64,
    /// Longest whole transfer, seconds.
    pub transfer_timeout_s: f64,
    /// The node as shown in messages: URL (without credentials) or `AET@HOST:PORT`.
    pub shown: String,
    /// When it was added.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

/// `GET /api/pacs/nodes`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsNodeList {
    /// Every node, by name.
    pub nodes: Vec<PacsNodeView>,
}

/// A node's name and protocol, for choosing it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsSource {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `dicomweb` or `dimse`.
    pub protocol: String,
}

/// `GET /api/pacs/sources`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsSources {
    /// Every node, by name.
    pub nodes: Vec<PacsSource>,
}

/// `POST /api/pacs/nodes/{id}/test`: the node answered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsTest {
    /// The node's name.
    pub name: String,
    /// The node as shown.
    pub shown: String,
    /// `C-ECHO` or `QIDO-RS`.
    pub exchange: String,
    /// How long the exchange took, milliseconds.
    pub elapsed_ms: u64,
}

/// The default timeouts of a new node: those of `sirt_pacs` (docs/pacs.md, "Timeouts").
fn default_connect() -> f64 {
    sirt_pacs::DEFAULT_CONNECT_TIMEOUT.as_secs_f64()
}
fn default_request() -> f64 {
    sirt_pacs::DEFAULT_REQUEST_TIMEOUT.as_secs_f64()
}
fn default_transfer() -> f64 {
    sirt_pacs::DEFAULT_TRANSFER_TIMEOUT.as_secs_f64()
}

/// `POST /api/pacs/nodes` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPacsNodeBody {
    /// Name (unique).
    pub name: String,
    /// `dicomweb` or `dimse`.
    pub protocol: String,
    /// DICOMweb: `http://HOST[:PORT]/ROOT` (no credentials in it).
    #[serde(default)]
    pub url: Option<String>,
    /// DICOMweb: HTTP Basic user name.
    #[serde(default)]
    pub username: Option<String>,
    /// DICOMweb: HTTP Basic password.
    #[serde(default)]
    pub password: Option<String>,
    /// DIMSE: the node's AE title.
    #[serde(default)]
    pub called_aet: Option<String>,
    /// DIMSE: host.
    #[serde(default)]
    pub host: Option<String>,
    /// DIMSE: TCP port.
    #[serde(default)]
    pub port: Option<i64>,
    /// DIMSE: our AE title (`SIRTPLAN` when left out).
    #[serde(default)]
    pub calling_aet: Option<String>,
    /// Seconds (10 when left out).
    #[serde(default = "default_connect")]
    pub connect_timeout_s: f64,
    /// Seconds (60 when left out).
    #[serde(default = "default_request")]
    pub request_timeout_s: f64,
    /// Seconds (1800 when left out).
    #[serde(default = "default_transfer")]
    pub transfer_timeout_s: f64,
}

/// `PATCH /api/pacs/nodes/{id}` body: the fields to change (a protocol change needs that
/// protocol's fields).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PacsNodeChange {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `dicomweb` or `dimse`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// DICOMweb URL.
    #[serde(default)]
    pub url: Option<String>,
    /// DICOMweb user name (empty: none).
    #[serde(default)]
    pub username: Option<String>,
    /// A new DICOMweb password (left out: kept).
    #[serde(default)]
    pub password: Option<String>,
    /// Remove the DICOMweb password.
    #[serde(default)]
    pub clear_password: Option<bool>,
    /// DIMSE: the node's AE title.
    #[serde(default)]
    pub called_aet: Option<String>,
    /// DIMSE: host.
    #[serde(default)]
    pub host: Option<String>,
    /// DIMSE: TCP port.
    #[serde(default)]
    pub port: Option<i64>,
    /// DIMSE: our AE title.
    #[serde(default)]
    pub calling_aet: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub connect_timeout_s: Option<f64>,
    /// Seconds.
    #[serde(default)]
    pub request_timeout_s: Option<f64>,
    /// Seconds.
    #[serde(default)]
    pub transfer_timeout_s: Option<f64>,
}

fn view(n: &PacsNode) -> PacsNodeView {
    let shown = settings_of(n)
        .check()
        .map(|c| c.node.to_string())
        .unwrap_or_default();
    let mut v = PacsNodeView {
        id: n.id,
        name: n.node.name.clone(),
        protocol: n.node.address.protocol().to_owned(),
        url: None,
        username: None,
        password_set: n.node.address.password_set(),
        called_aet: None,
        host: None,
        port: None,
        calling_aet: None,
        connect_timeout_s: n.node.connect_timeout_s,
        request_timeout_s: n.node.request_timeout_s,
        transfer_timeout_s: n.node.transfer_timeout_s,
        shown,
        created_at: n.created_at.clone(),
        updated_at: n.updated_at.clone(),
    };
    match &n.node.address {
        PacsAddress::DicomWeb { url, username, .. } => {
            v.url = Some(url.clone());
            v.username.clone_from(username);
        }
        PacsAddress::Dimse {
            called_aet,
            host,
            port,
            calling_aet,
        } => {
            v.called_aet = Some(called_aet.clone());
            v.host = Some(host.clone());
            v.port = Some(*port);
            v.calling_aet = Some(calling_aet.clone());
        }
    }
    v
}

/// A node's field the protocol needs, or 422 naming it.
fn needed<T: Clone>(field: &str, protocol: &str, v: &Option<T>) -> Result<T, ApiError> {
    v.clone().ok_or_else(|| {
        ApiError::invalid(format!(
            "field `{field}`: expected a value for a {protocol} node, found none"
        ))
    })
}

/// The node a body describes, checked by `sirt_pacs` (422 naming the field).
fn checked(body: &NewPacsNodeBody) -> Result<NewPacsNode, ApiError> {
    let address = match body.protocol.as_str() {
        "dicomweb" => PacsAddress::DicomWeb {
            url: needed("url", "dicomweb", &body.url)?.trim().to_owned(),
            username: body.username.clone().filter(|u| !u.is_empty()),
            password: body.password.clone().filter(|p| !p.is_empty()),
        },
        "dimse" => PacsAddress::Dimse {
            called_aet: needed("called_aet", "dimse", &body.called_aet)?
                .trim()
                .to_owned(),
            host: needed("host", "dimse", &body.host)?.trim().to_owned(),
            port: needed("port", "dimse", &body.port)?,
            calling_aet: body
                .calling_aet
                .clone()
                .unwrap_or_else(|| sirt_pacs::DEFAULT_CALLING_AET.to_owned())
                .trim()
                .to_owned(),
        },
        other => {
            return Err(ApiError::invalid(format!(
                "field `protocol`: expected `dicomweb` or `dimse`, found `{}`",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    let node = NewPacsNode {
        name: body.name.trim().to_owned(),
        address,
        connect_timeout_s: body.connect_timeout_s,
        request_timeout_s: body.request_timeout_s,
        transfer_timeout_s: body.transfer_timeout_s,
    };
    let probe = PacsNode {
        id: 0,
        node: node.clone(),
        created_at: String::new(),
        updated_at: String::new(),
    };
    settings_of(&probe)
        .check()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(node)
}

/// `GET /api/pacs/nodes`.
pub(crate) async fn list_nodes(State(state): State<AppState>) -> ApiResult {
    let nodes = state.store.pacs_nodes().await?;
    Ok(Json(PacsNodeList {
        nodes: nodes.iter().map(view).collect(),
    })
    .into_response())
}

/// `GET /api/pacs/sources`: the nodes' names, for the import and send dialogs.
pub(crate) async fn sources(State(state): State<AppState>) -> ApiResult {
    let nodes = state.store.pacs_nodes().await?;
    Ok(Json(PacsSources {
        nodes: nodes
            .iter()
            .map(|n| PacsSource {
                id: n.id,
                name: n.node.name.clone(),
                protocol: n.node.address.protocol().to_owned(),
            })
            .collect(),
    })
    .into_response())
}

/// `POST /api/pacs/nodes`.
pub(crate) async fn create_node(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    ApiJson(body): ApiJson<NewPacsNodeBody>,
) -> ApiResult {
    let node = checked(&body)?;
    let n = state.store.create_pacs_node(&auth.actor(), &node).await?;
    let mut r = (StatusCode::CREATED, Json(view(&n))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/pacs/nodes/{}", n.id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// The stored node with a change applied, as a full body (the password kept unless replaced
/// or cleared).
fn merged(n: &PacsNode, c: PacsNodeChange) -> NewPacsNodeBody {
    let mut b = NewPacsNodeBody {
        name: n.node.name.clone(),
        protocol: n.node.address.protocol().to_owned(),
        url: None,
        username: None,
        password: n.password().map(str::to_owned),
        called_aet: None,
        host: None,
        port: None,
        calling_aet: None,
        connect_timeout_s: n.node.connect_timeout_s,
        request_timeout_s: n.node.request_timeout_s,
        transfer_timeout_s: n.node.transfer_timeout_s,
    };
    match &n.node.address {
        PacsAddress::DicomWeb { url, username, .. } => {
            b.url = Some(url.clone());
            b.username.clone_from(username);
        }
        PacsAddress::Dimse {
            called_aet,
            host,
            port,
            calling_aet,
        } => {
            b.called_aet = Some(called_aet.clone());
            b.host = Some(host.clone());
            b.port = Some(*port);
            b.calling_aet = Some(calling_aet.clone());
        }
    }
    let set = |to: &mut Option<String>, v: Option<String>| {
        if v.is_some() {
            *to = v;
        }
    };
    if let Some(name) = c.name {
        b.name = name;
    }
    if let Some(p) = c.protocol {
        b.protocol = p;
    }
    set(&mut b.url, c.url);
    set(&mut b.username, c.username);
    set(&mut b.password, c.password);
    if c.clear_password == Some(true) {
        b.password = None;
    }
    set(&mut b.called_aet, c.called_aet);
    set(&mut b.host, c.host);
    if c.port.is_some() {
        b.port = c.port;
    }
    set(&mut b.calling_aet, c.calling_aet);
    b.connect_timeout_s = c.connect_timeout_s.unwrap_or(b.connect_timeout_s);
    b.request_timeout_s = c.request_timeout_s.unwrap_or(b.request_timeout_s);
    b.transfer_timeout_s = c.transfer_timeout_s.unwrap_or(b.transfer_timeout_s);
    b
}

/// Refuses a change of a DICOMweb node's URL that would keep its stored password: the password
/// would be sent to the new address (by the next test, search or retrieve) without whoever
/// changes the URL knowing it. The password is given again, or cleared, with the new URL.
fn keeps_password_at_its_address(n: &PacsNode, c: &PacsNodeChange) -> Result<(), ApiError> {
    let moved = match (&n.node.address, &c.url) {
        (PacsAddress::DicomWeb { url, .. }, Some(new)) => new.trim() != url.as_str(),
        (PacsAddress::Dimse { .. }, Some(_)) => true,
        _ => false,
    };
    if moved && n.password().is_some() && c.password.is_none() && c.clear_password != Some(true) {
        return Err(ApiError::invalid(
            "`password`: the node's URL changes and it has a stored password: give the password again (or `clear_password`: true) with the new URL; a stored password is never sent to another address".to_owned(),
        ));
    }
    Ok(())
}

/// `PATCH /api/pacs/nodes/{id}`: the fields given change; the password is kept unless a new
/// one is given or `clear_password` is true.
pub(crate) async fn patch_node(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(change): ApiJson<PacsNodeChange>,
) -> ApiResult {
    let before = state.store.pacs_node(id).await?;
    keeps_password_at_its_address(&before, &change)?;
    let node = checked(&merged(&before, change))?;
    let n = state
        .store
        .update_pacs_node(&auth.actor(), id, &node)
        .await?;
    Ok(Json(view(&n)).into_response())
}

/// `DELETE /api/pacs/nodes/{id}`.
pub(crate) async fn delete_node(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
) -> ApiResult {
    state.store.delete_pacs_node(&auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/pacs/nodes/{id}/test`: C-ECHO, or a QIDO-RS search of one study; 502 / 504
/// naming the node and what went wrong.
pub(crate) async fn test_node(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let n = state.store.pacs_node(id).await?;
    let (client, checked) = client_of(&n)?;
    let exchange = match checked.node {
        sirt_pacs::Node::Web(_) => "QIDO-RS",
        sirt_pacs::Node::Dimse(_) => "C-ECHO",
    };
    let started = std::time::Instant::now();
    client
        .echo()
        .await
        .map_err(|e| pacs_failure(&n.node.name, &e))?;
    Ok(Json(PacsTest {
        name: n.node.name.clone(),
        shown: client.shown(),
        exchange: exchange.to_owned(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
    .into_response())
}
