//! The PACS nodes a site configures (issue 17, "Web app"): create, list, change, delete, each
//! with its audit row, and the audit rows of exchanges with a node (a plan sent, series
//! retrieved). A node's password is stored (the server must send it) but never leaves this
//! module except through [`PacsNode::password`]: its `Debug` hides it, and its audit rows say
//! only whether one is set.

use crate::audit::{Change, record};
use crate::{Store, StoreError, check_len, check_not_blank, is_unique_violation, limits, now};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How a node is reached, as stored.
#[derive(Clone, PartialEq)]
pub enum PacsAddress {
    /// DICOMweb.
    DicomWeb {
        /// The root URL (no credentials in it).
        url: String,
        /// HTTP Basic user name.
        username: Option<String>,
        /// HTTP Basic password (never shown).
        password: Option<String>,
    },
    /// DIMSE.
    Dimse {
        /// The node's AE title.
        called_aet: String,
        /// Host name or address.
        host: String,
        /// TCP port (1–65535).
        port: i64,
        /// Our AE title.
        calling_aet: String,
    },
}

impl std::fmt::Debug for PacsAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.public_json().to_string())
    }
}

impl PacsAddress {
    /// `dicomweb` or `dimse`.
    pub fn protocol(&self) -> &'static str {
        match self {
            PacsAddress::DicomWeb { .. } => "dicomweb",
            PacsAddress::Dimse { .. } => "dimse",
        }
    }

    /// Whether a password is set.
    pub fn password_set(&self) -> bool {
        matches!(
            self,
            PacsAddress::DicomWeb {
                password: Some(_),
                ..
            }
        )
    }

    /// The address as audited and shown: everything but the password, and whether one is set.
    pub fn public_json(&self) -> Value {
        match self {
            PacsAddress::DicomWeb { url, username, .. } => json!({
                "protocol": "dicomweb", "url": url, "username": username,
                "password_set": self.password_set(),
            }),
            PacsAddress::Dimse {
                called_aet,
                host,
                port,
                calling_aet,
            } => json!({
                "protocol": "dimse", "called_aet": called_aet, "host": host, "port": port,
                "calling_aet": calling_aet,
            }),
        }
    }
}

/// A node to store (new, or the whole of a changed one).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPacsNode {
    /// Name (unique).
    pub name: String,
    /// How it is reached.
    pub address: PacsAddress,
    /// Connect timeout, seconds.
    pub connect_timeout_s: f64,
    /// Request timeout, seconds.
    pub request_timeout_s: f64,
    /// Transfer timeout, seconds.
    pub transfer_timeout_s: f64,
}

/// A node as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PacsNode {
    /// Key.
    pub id: i64,
    /// Its settings.
    pub node: NewPacsNode,
    /// When it was added.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

impl PacsNode {
    /// The password, for the client that sends it (never for an answer).
    pub fn password(&self) -> Option<&str> {
        match &self.node.address {
            PacsAddress::DicomWeb { password, .. } => password.as_deref(),
            PacsAddress::Dimse { .. } => None,
        }
    }
}

/// The audit record of a node: no password.
fn node_json(id: i64, n: &NewPacsNode) -> Value {
    json!({
        "id": id, "name": n.name, "address": n.address.public_json(),
        "connect_timeout_s": n.connect_timeout_s, "request_timeout_s": n.request_timeout_s,
        "transfer_timeout_s": n.transfer_timeout_s,
    })
}

const NODE_COLUMNS: &str = "id, name, protocol, url, username, password, called_aet, host, \
     port, calling_aet, connect_timeout_s, request_timeout_s, transfer_timeout_s, created_at, \
     updated_at";

fn node_from(r: &AnyRow) -> Result<PacsNode, StoreError> {
    let protocol: String = r.try_get("protocol")?;
    let address = if protocol == "dicomweb" {
        PacsAddress::DicomWeb {
            url: r.try_get("url")?,
            username: r.try_get("username")?,
            password: r.try_get("password")?,
        }
    } else {
        PacsAddress::Dimse {
            called_aet: r.try_get("called_aet")?,
            host: r.try_get("host")?,
            port: r.try_get("port")?,
            calling_aet: r.try_get("calling_aet")?,
        }
    };
    Ok(PacsNode {
        id: r.try_get("id")?,
        node: NewPacsNode {
            name: r.try_get("name")?,
            address,
            connect_timeout_s: r.try_get("connect_timeout_s")?,
            request_timeout_s: r.try_get("request_timeout_s")?,
            transfer_timeout_s: r.try_get("transfer_timeout_s")?,
        },
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The stored form's own checks (the server checks the protocol's rules first: URL, AE titles,
/// port, through `sirt-pacs`): a name, texts within their limits, a port and timeouts in
/// range.
fn check_node(n: &NewPacsNode) -> Result<(), StoreError> {
    check_not_blank("name", &n.name)?;
    check_len("name", &n.name, limits::SHORT)?;
    match &n.address {
        PacsAddress::DicomWeb {
            url,
            username,
            password,
        } => {
            check_not_blank("url", url)?;
            check_len("url", url, limits::DESCRIPTION)?;
            check_len(
                "username",
                username.as_deref().unwrap_or(""),
                limits::SHORT * 2,
            )?;
            check_len(
                "password",
                password.as_deref().unwrap_or(""),
                limits::SHORT * 2,
            )?;
        }
        PacsAddress::Dimse {
            called_aet,
            host,
            port,
            calling_aet,
        } => {
            check_not_blank("called_aet", called_aet)?;
            check_len("called_aet", called_aet, limits::SHORT)?;
            check_not_blank("host", host)?;
            check_len("host", host, limits::SHORT * 3)?;
            check_not_blank("calling_aet", calling_aet)?;
            check_len("calling_aet", calling_aet, limits::SHORT)?;
            if !(1..=65_535).contains(port) {
                return Err(StoreError::Invalid {
                    field: "port",
                    expected: "a TCP port from 1 to 65535".into(),
                    found: port.to_string(),
                });
            }
        }
    }
    for (field, v) in [
        ("connect_timeout_s", n.connect_timeout_s),
        ("request_timeout_s", n.request_timeout_s),
        ("transfer_timeout_s", n.transfer_timeout_s),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(StoreError::Invalid {
                field,
                expected: "a positive number of seconds".into(),
                found: v.to_string(),
            });
        }
    }
    Ok(())
}

/// The columns of a node in their order after `name`: protocol, url, username, password,
/// called_aet, host, port, calling_aet.
type AddressColumns<'a> = (
    &'static str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
    Option<&'a str>,
);

fn address_columns(a: &PacsAddress) -> AddressColumns<'_> {
    match a {
        PacsAddress::DicomWeb {
            url,
            username,
            password,
        } => (
            "dicomweb",
            Some(url),
            username.as_deref(),
            password.as_deref(),
            None,
            None,
            None,
            None,
        ),
        PacsAddress::Dimse {
            called_aet,
            host,
            port,
            calling_aet,
        } => (
            "dimse",
            None,
            None,
            None,
            Some(called_aet),
            Some(host),
            Some(*port),
            Some(calling_aet),
        ),
    }
}

fn duplicate(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                entity: "PACS node",
                field: "name",
                value: name.to_owned(),
            }
        } else {
            e.into()
        }
    }
}

/// An exchange with a node to audit (no other change comes with it).
#[derive(Debug, Clone, PartialEq)]
pub struct PacsExchange {
    /// `pacs.send`, `pacs.retrieve` or `pacs.receive` (objects a sender stored with the DIMSE
    /// receiver).
    pub action: &'static str,
    /// The record it concerns: `plan` (sent) or `patient` (retrieved or received into).
    pub entity: &'static str,
    /// Its key.
    pub entity_id: String,
    /// What happened: the node (id and name), the SOP Instance or Series UIDs, the outcome.
    pub details: Value,
}

/// The exchanges that may be audited here.
const EXCHANGE_ACTIONS: &[&str] = &["pacs.send", "pacs.retrieve", "pacs.receive"];

impl Store {
    /// Every PACS node, by name.
    pub async fn pacs_nodes(&self) -> Result<Vec<PacsNode>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLUMNS} FROM pacs_nodes ORDER BY name, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(node_from).collect()
    }

    /// One node.
    pub async fn pacs_node(&self, id: i64) -> Result<PacsNode, StoreError> {
        let sql = format!("SELECT {NODE_COLUMNS} FROM pacs_nodes WHERE id = $1");
        node_from(&self.row_by_id(&sql, "PACS node", id).await?)
    }

    /// Adds a node (audited `pacs_node.create`, without its password).
    pub async fn create_pacs_node(
        &self,
        actor: &crate::Actor,
        n: &NewPacsNode,
    ) -> Result<PacsNode, StoreError> {
        check_node(n)?;
        let at = now();
        let c = address_columns(&n.address);
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO pacs_nodes (name, protocol, url, username, password, called_aet, host, \
             port, calling_aet, connect_timeout_s, request_timeout_s, transfer_timeout_s, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
             RETURNING {NODE_COLUMNS}"
        ))
        .bind(&n.name)
        .bind(c.0)
        .bind(c.1)
        .bind(c.2)
        .bind(c.3)
        .bind(c.4)
        .bind(c.5)
        .bind(c.6)
        .bind(c.7)
        .bind(n.connect_timeout_s)
        .bind(n.request_timeout_s)
        .bind(n.transfer_timeout_s)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate(&n.name))?;
        let node = node_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "pacs_node.create",
                entity: "pacs_node",
                entity_id: node.id.to_string(),
                before: None,
                after: Some(node_json(node.id, &node.node)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Replaces a node's settings (audited `pacs_node.update`, before and after, without the
    /// password: whether one is set, and `password_changed`).
    pub async fn update_pacs_node(
        &self,
        actor: &crate::Actor,
        id: i64,
        n: &NewPacsNode,
    ) -> Result<PacsNode, StoreError> {
        check_node(n)?;
        let at = now();
        let c = address_columns(&n.address);
        let mut tx = self.write().await?;
        let before = sqlx::query(&format!(
            "SELECT {NODE_COLUMNS} FROM pacs_nodes WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "PACS node",
            id: id.to_string(),
        })?;
        let before = node_from(&before)?;
        let row = sqlx::query(&format!(
            "UPDATE pacs_nodes SET name = $1, protocol = $2, url = $3, username = $4, \
             password = $5, called_aet = $6, host = $7, port = $8, calling_aet = $9, \
             connect_timeout_s = $10, request_timeout_s = $11, transfer_timeout_s = $12, \
             updated_at = $13 WHERE id = $14 RETURNING {NODE_COLUMNS}"
        ))
        .bind(&n.name)
        .bind(c.0)
        .bind(c.1)
        .bind(c.2)
        .bind(c.3)
        .bind(c.4)
        .bind(c.5)
        .bind(c.6)
        .bind(c.7)
        .bind(n.connect_timeout_s)
        .bind(n.request_timeout_s)
        .bind(n.transfer_timeout_s)
        .bind(&at)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate(&n.name))?;
        let node = node_from(&row)?;
        let mut after = node_json(id, &node.node);
        after["password_changed"] = Value::Bool(before.password() != node.password());
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "pacs_node.update",
                entity: "pacs_node",
                entity_id: id.to_string(),
                before: Some(node_json(id, &before.node)),
                after: Some(after),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Removes a node (audited `pacs_node.delete` with what it was, without its password).
    pub async fn delete_pacs_node(&self, actor: &crate::Actor, id: i64) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.write().await?;
        let before = sqlx::query(&format!(
            "SELECT {NODE_COLUMNS} FROM pacs_nodes WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "PACS node",
            id: id.to_string(),
        })?;
        let before = node_from(&before)?;
        sqlx::query("DELETE FROM pacs_nodes WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "pacs_node.delete",
                entity: "pacs_node",
                entity_id: id.to_string(),
                before: Some(node_json(id, &before.node)),
                after: None,
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audits an exchange with a node (a plan's objects sent, series retrieved): who, when, and
    /// what [`PacsExchange::details`] says.
    pub async fn audit_pacs_exchange(
        &self,
        actor: &crate::Actor,
        exchange: &PacsExchange,
    ) -> Result<(), StoreError> {
        if !EXCHANGE_ACTIONS.contains(&exchange.action) {
            return Err(StoreError::Invalid {
                field: "action",
                expected: format!("one of {}", EXCHANGE_ACTIONS.join(", ")),
                found: exchange.action.to_owned(),
            });
        }
        let at = now();
        let mut tx = self.write().await?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: exchange.action,
                entity: exchange.entity,
                entity_id: exchange.entity_id.clone(),
                before: None,
                after: Some(exchange.details.clone()),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
