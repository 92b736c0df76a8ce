//! The OpenAPI 3.1 document of the API, served at `GET /api/openapi.json`.
//!
//! It is made by [`generate`] from three sources, so that it cannot drift from the code:
//! - the route table ([`crate::routes`]): the paths and methods, each operation's permission
//!   (`x-sirtplan-permission`) and its security (session cookie; the CSRF token on every change);
//! - the Rust types of the answers and request bodies ([`crate::answers`] and the stored rows of
//!   `sirt-store`), whose JSON Schemas `schemars` derives from the same definitions `serde`
//!   serialises: every `components.schemas` entry;
//! - `openapi_prose.json` beside this file: the words (summaries, descriptions, query parameters,
//!   response descriptions), where a body is named by its Rust type (`{"x-rust-type": "Plan"}`).
//!
//! `openapi.json` beside this file is the generated document as served; a test fails when it
//! differs from [`generate`]'s output (`SIRTPLAN_UPDATE_OPENAPI=1 cargo test -p sirt-server
//! --lib openapi` writes it anew). The front end's types are generated from it (crates/sirt-server/e2e).

use crate::answers as a;
use crate::{Access, RouteInfo};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};
use thiserror::Error;

/// The OpenAPI document as served (generated; see the module documentation).
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// The words of the document, keyed by `"METHOD /path"`.
const PROSE: &str = include_str!("openapi_prose.json");

/// `GET /api/openapi.json`.
pub(crate) async fn document() -> Response {
    let mut r = OPENAPI_JSON.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Why the document could not be made (a fault of the code or of `openapi_prose.json`).
#[derive(Debug, Error)]
pub enum OpenApiError {
    /// `openapi_prose.json` is not JSON.
    #[error("openapi_prose.json")]
    Prose(#[source] serde_json::Error),
    /// A route of the router has no operation in `openapi_prose.json`, or the reverse.
    #[error("openapi_prose.json: {0}")]
    Operations(String),
    /// A body names a Rust type the generator does not know.
    #[error("openapi_prose.json: `x-rust-type` {0} is not a type of the API")]
    UnknownType(String),
    /// Two types give different schemas under one name.
    #[error("two schemas named {0}")]
    SchemaClash(String),
}

/// Whether a body is sent by the server (serialised) or read by it (deserialised).
#[derive(Clone, Copy)]
enum Direction {
    Answer,
    Request,
}

/// The schema of the API type named `name` (its Rust name), as a reference into the
/// generator's definitions.
fn schema_of(name: &str, g: &mut SchemaGenerator) -> Option<Schema> {
    fn s<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
        g.subschema_for::<T>()
    }
    let f: fn(&mut SchemaGenerator) -> Schema = match name {
        "Error" => s::<a::Error>,
        "Session" => s::<a::Session>,
        "OwnAccountChange" => s::<a::OwnAccountChange>,
        "PasswordChange" => s::<a::PasswordChange>,
        "Messages" => s::<a::Messages>,
        "Login" => s::<a::Login>,
        "PatientList" => s::<a::PatientList>,
        "Patient" => s::<sirt_store::Patient>,
        "NewPatient" => s::<sirt_store::NewPatient>,
        "PatientChange" => s::<sirt_store::PatientChange>,
        "PatientDetail" => s::<a::PatientDetail>,
        "Case" => s::<sirt_store::Case>,
        "NewCaseBody" => s::<a::NewCaseBody>,
        "UploadedStudy" => s::<a::UploadedStudy>,
        "StudyView" => s::<a::StudyView>,
        "ImportedDemo" => s::<a::ImportedDemo>,
        "ImportedPhantom" => s::<a::ImportedPhantom>,
        "CaseDetail" => s::<a::CaseDetail>,
        "PlanView" => s::<a::PlanView>,
        "NewPlanBody" => s::<a::NewPlanBody>,
        "PatchBody" => s::<a::PatchBody>,
        "StepBody" => s::<a::StepBody>,
        "AcknowledgeBody" => s::<a::AcknowledgeBody>,
        "Acknowledgement" => s::<sirt_store::Acknowledgement>,
        "PlanSignatures" => s::<a::PlanSignatures>,
        "RecomputeDifference" => s::<a::RecomputeDifference>,
        "DeliverBody" => s::<a::DeliverBody>,
        "DeliveryView" => s::<a::DeliveryView>,
        "History" => s::<a::History>,
        "AuditPage" => s::<a::AuditPage>,
        "FollowUpList" => s::<a::FollowUpList>,
        "FollowUpView" => s::<a::FollowUpView>,
        "FollowUpBody" => s::<a::FollowUpBody>,
        "ToxicityList" => s::<a::ToxicityList>,
        "Toxicity" => s::<sirt_store::Toxicity>,
        "ToxicityBody" => s::<a::ToxicityBody>,
        "DemoRegistry" => s::<a::DemoRegistry>,
        "KmBody" => s::<a::KmBody>,
        "KmAnswer" => s::<a::KmAnswer>,
        "Volumes" => s::<a::Volumes>,
        "JobAnswer" => s::<crate::jobs::JobAnswer>,
        "AccountList" => s::<a::AccountList>,
        "AccountView" => s::<a::AccountView>,
        "NewUserBody" => s::<crate::accounts::NewUserBody>,
        "UserPatch" => s::<crate::accounts::UserPatch>,
        "DocumentList" => s::<a::DocumentList>,
        "StoredReport" => s::<a::StoredReport>,
        "Workbench" => s::<crate::workbench::Workbench>,
        "WorkbenchSave" => s::<crate::workbench::WorkbenchSave>,
        "WorkbenchPlanBody" => s::<crate::workbench::WorkbenchPlanBody>,
        "WorkbenchStructures" => s::<crate::workbench::WorkbenchStructures>,
        "WorkbenchMeasurements" => s::<crate::workbench::WorkbenchMeasurements>,
        "RegistrationRun" => s::<crate::workbench::RegistrationRun>,
        "RegistrationResult" => s::<crate::workbench::RegistrationResult>,
        "RegistrationSave" => s::<crate::workbench::RegistrationSave>,
        "SavedRegistrations" => s::<crate::workbench::SavedRegistrations>,
        "StructureSession" => s::<crate::workbench::structures_edit::StructureSession>,
        "SessionOpen" => s::<crate::workbench::structures_edit::SessionOpen>,
        "StructureTool" => s::<crate::workbench::structures_edit::StructureTool>,
        "SessionSave" => s::<crate::workbench::structures_edit::SessionSave>,
        "StructuresSaved" => s::<crate::workbench::structures_edit::StructuresSaved>,
        "PacsNodeList" => s::<crate::pacs::PacsNodeList>,
        "PacsNodeView" => s::<crate::pacs::PacsNodeView>,
        "NewPacsNodeBody" => s::<crate::pacs::NewPacsNodeBody>,
        "PacsNodeChange" => s::<crate::pacs::PacsNodeChange>,
        "PacsSources" => s::<crate::pacs::PacsSources>,
        "PacsTest" => s::<crate::pacs::PacsTest>,
        "PacsSearch" => s::<crate::pacs::PacsSearch>,
        "RetrievalBody" => s::<crate::pacs::RetrievalBody>,
        "PacsRetrieval" => s::<crate::pacs::PacsRetrieval>,
        "SendBody" => s::<crate::pacs::SendBody>,
        "PacsSend" => s::<crate::pacs::PacsSend>,
        "PlanUncertainty" => s::<crate::uncertainty::PlanUncertainty>,
        "OptimiseBody" => s::<crate::uncertainty::optimise::OptimiseBody>,
        "PlanOptimisation" => s::<crate::uncertainty::optimise::PlanOptimisation>,
        _ => return None,
    };
    Some(f(g))
}

/// A generator whose references point into `components.schemas`.
fn generator(direction: Direction) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    match direction {
        Direction::Answer => settings.for_serialize(),
        Direction::Request => settings.for_deserialize(),
    }
    .into_generator()
}

/// Replaces every `{"x-rust-type": T}` in `v` by the schema of `T`.
fn fill_types(v: &mut Value, g: &mut SchemaGenerator) -> Result<(), OpenApiError> {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(name)) = m.get("x-rust-type") {
                let schema =
                    schema_of(name, g).ok_or_else(|| OpenApiError::UnknownType(name.clone()))?;
                *v = schema.to_value();
                return Ok(());
            }
            for x in m.values_mut() {
                fill_types(x, g)?;
            }
        }
        Value::Array(items) => {
            for x in items {
                fill_types(x, g)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The permission label and security requirement of a route: none for public routes; the
/// session cookie, and on every change (POST, PUT, PATCH, DELETE; login is public) the CSRF
/// token too.
fn access_fields(route: &RouteInfo) -> (Value, Value) {
    let permission = match route.access {
        Access::Public => json!("public"),
        Access::Session => json!("session"),
        Access::Action(action) => serde_json::to_value(action).unwrap_or(Value::Null),
    };
    let security = match route.access {
        Access::Public => json!([]),
        _ if route.method == "GET" => json!([{ "sessionCookie": [] }]),
        _ => json!([{ "sessionCookie": [], "csrfToken": [] }]),
    };
    (permission, security)
}

/// One operation of the document: its words with the bodies' schemas and its access.
fn operation(
    route: &RouteInfo,
    prose: &Value,
    answers: &mut SchemaGenerator,
    requests: &mut SchemaGenerator,
) -> Result<Value, OpenApiError> {
    let key = format!("{} {}", route.method, route.path);
    let mut op = prose
        .get(&key)
        .cloned()
        .ok_or_else(|| OpenApiError::Operations(format!("no operation `{key}` of the router")))?;
    let Value::Object(fields) = &mut op else {
        return Err(OpenApiError::Operations(format!(
            "`{key}` is not an object"
        )));
    };
    if let Some(body) = fields.get_mut("requestBody") {
        fill_types(body, requests)?;
    }
    if let Some(responses) = fields.get_mut("responses") {
        fill_types(responses, answers)?;
    }
    let (permission, security) = access_fields(route);
    fields.insert("x-sirtplan-permission".into(), permission);
    fields.insert("security".into(), security);
    Ok(op)
}

/// The definitions of both generators in one map; a name with two different schemas is a fault.
fn components(
    answers: &mut SchemaGenerator,
    requests: &mut SchemaGenerator,
) -> Result<Map<String, Value>, OpenApiError> {
    let mut all = answers.take_definitions(true);
    for (name, schema) in requests.take_definitions(true) {
        match all.get(&name) {
            Some(existing) if existing != &schema => return Err(OpenApiError::SchemaClash(name)),
            Some(_) => {}
            None => {
                all.insert(name, schema);
            }
        }
    }
    Ok(all)
}

/// The OpenAPI document of the router's routes (see the module documentation).
pub fn generate() -> Result<Value, OpenApiError> {
    let prose: Value = serde_json::from_str(PROSE).map_err(OpenApiError::Prose)?;
    let operations = &prose["operations"];
    let routes = crate::routes();
    if let Some(Value::Object(ops)) = Some(operations) {
        for key in ops.keys() {
            if !routes
                .iter()
                .any(|r| format!("{} {}", r.method, r.path) == *key)
            {
                return Err(OpenApiError::Operations(format!(
                    "operation `{key}` is not a route of the router"
                )));
            }
        }
    }
    let (mut answers, mut requests) = (generator(Direction::Answer), generator(Direction::Request));
    let mut paths = Map::new();
    for route in &routes {
        let op = operation(route, operations, &mut answers, &mut requests)?;
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.to_lowercase(), op);
        }
    }
    let schemas = components(&mut answers, &mut requests)?;
    Ok(json!({
        "openapi": prose["openapi"],
        "info": prose["info"],
        "servers": prose["servers"],
        "tags": prose["tags"],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": prose["securitySchemes"],
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The served document is the generated one; `SIRTPLAN_UPDATE_OPENAPI=1` writes it anew.
    #[test]
    fn the_served_document_is_the_generated_one() {
        let generated = generate().unwrap();
        let text = format!("{}\n", serde_json::to_string_pretty(&generated).unwrap());
        if std::env::var_os("SIRTPLAN_UPDATE_OPENAPI").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/openapi.json");
            std::fs::write(path, &text).unwrap();
            return;
        }
        assert!(
            text == OPENAPI_JSON,
            "src/openapi.json differs from the generated document: run \
             SIRTPLAN_UPDATE_OPENAPI=1 cargo test -p sirt-server --lib openapi"
        );
    }

    /// Every body of an operation names a schema of `components.schemas`.
    #[test]
    fn every_reference_resolves() {
        let doc = generate().unwrap();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "no schema {name}");
        }
        assert!(schemas.contains_key("Plan") && schemas.contains_key("Error"));
    }
}
