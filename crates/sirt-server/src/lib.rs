//! The sirtplan web application backend: the only crate that speaks HTTP.
//!
//! | module | what |
//! |---|---|
//! | `lib` | [`ServerConfig`], [`Server::bind`] / [`Server::run`], [`serve`], [`run_blocking`]; [`app`], the router built from the route table ([`routes`]); security headers (the pages themselves are in `pages`) |
//! | [`auth`] | Argon2id password hashes, session tokens (SHA-256 stored), cookie `sirtplan_session` (HttpOnly, SameSite=Strict, Secure on TLS or `--secure-cookies`), [`SessionLimits`] (30 min idle, 12 h absolute), CSRF token in `X-CSRF-Token`, the per-route guard |
//! | `login` | `POST /api/login`: the rate limits (per username and address, per address, per account except from a known address; 429), the password check, the session; failed logins audited per (username, address, minute) by the housekeeping task; one's own password change |
//! | [`password_checks`] | Argon2id checks a few at a time in memory reserved once (503 when every slot stays busy) |
//! | [`client_address`] | the client's address: the peer, or the client a `--trusted-proxy` names in `X-Forwarded-For` |
//! | [`permissions`] | the permission table: action → roles |
//! | `api` | patients, cases with their timeline, follow-up visits and toxicities, plans (create, get, `PATCH` parameters with recomputation, check, approve, deliver, report, history), demo import, audit log |
//! | [`engine`] | parameters → case file → `sirt-workflow` plan → `sirt-report` JSON (no dosimetry here) |
//! | [`followup_input`] | follow-up input checked before it is stored: a visit's laboratory values as typed quantities with units, an adverse event's CTCAE v5.0 term from the list (422 naming the field); stored values read back, legacy rows included |
//! | [`error`] | JSON errors `{ "error": { "code", "message" } }` and the extractors that answer with them |
//! | `openapi` | the OpenAPI 3.1 document (`GET /api/openapi.json`) |
//! | `pages` | the application page `GET /` and its scripts and style at `/static/{file}` (from the binary), the plan report as PDF (Chromium), cohort Kaplan–Meier statistics (sirt-survival) |
//! | [`uploads`] | image uploads (`POST /api/patients/{id}/studies`: a zip of a DICOM folder, one DICOM file, NIfTI) checked with sirt-dicom / sirt-nifti, stored under the data folder, with their limits; the studies with their series |
//! | `accounts` | account management for admins (`GET`/`POST /api/users`, `PATCH /api/users/{id}`): role, name, password, disabled; the last admin kept; one's own language and password (`PATCH /api/account`, `POST /api/account/password`) |
//! | [`frozen`] | the record frozen at approval: the report rendered then (HTML, PDF with Chromium) with its SHA-256, checked when served, the approval hash (case file, parameters, image files, the device and rule files' bytes, settings, engine), `GET /api/plans/{id}/recompute-difference` |
//! | `signature` | electronic signatures of check and approve (password entered again, Argon2id; meaning, full name, role), acknowledgements of failed checks (`POST /api/plans/{id}/acknowledgements`), `GET /api/plans/{id}/signatures` |
//! | `delivery` | delivery, one session at a time (`POST /api/plans/{id}/deliver`, `GET /api/plans/{id}/deliveries`): each record checked against the plan and its approved result (422 naming the field), the records in force given to the engine as typed overrides for the result, the delivery addendum stored with each recording and the voxel part |
//! | `documents` | documents of a case: list, download (checked against their SHA-256), the plan report stored in its case (HTML and PDF) |
//! | [`jobs`] | background computations: the voxel part of a plan as a job in the database's queue, keyed by its inputs' SHA-256, run by embedded workers (`serve --workers N`) or `sirtplan worker` ([`jobs::run_workers`]), its result in the data folder (`results/voxel/{key}/`) for every instance |
//! | [`workbench`] | planning from images: the case's planning draft (series per role, structures with volumes, registration state, measurements, prescription) and the plan made from it through `sirt_planning::case_builder` (`/api/cases/{id}/workbench...`) |
//! | [`pacs`] | the PACS connection through `sirt-pacs`: the site's nodes (`/api/pacs/nodes…`, admins; a password never answered), "Import from PACS" (search a node, retrieve series as a background job into a patient's studies through the upload's checks) |
//! | [`uncertainty`] | the plan's uncertainty (`GET /api/plans/{id}/uncertainty`: `sirt-uncertainty`'s Monte Carlo on the plan as it is) and the optimisation of a session's order (`POST /api/plans/{id}/optimise`), computed on demand, bounded, one at a time |
//! | [`admin`] | account checks and hashing shared by the CLI (`sirtplan admin create-user`) and `accounts` |
//!
//! ```no_run
//! let config = sirt_server::ServerConfig {
//!     database_url: "sqlite://sirtplan.db".into(),
//!     ..Default::default()
//! };
//! sirt_server::run_blocking(config, |addr| {
//!     let _ = addr; // e.g. tell the user where it listens
//! })
//! .unwrap();
//! ```

mod accounts;
pub mod admin;
pub mod answers;
mod api;
pub mod auth;
pub mod client_address;
mod delivery;
pub mod dimse;
mod documents;
pub mod engine;
pub mod error;
pub mod followup_input;
pub mod frozen;
pub mod identity;
pub mod jobs;
mod login;
pub mod openapi;
pub mod pacs;
mod pages;
pub mod password_checks;
pub mod permissions;
mod report;
mod signature;
pub mod uncertainty;
pub mod uploads;
mod volumes;
pub mod workbench;

pub use auth::SessionLimits;
pub use client_address::{Cidr, TrustedProxies};
pub use engine::{Engine, Parameters};
pub use error::ApiError;
pub use login::LoginLimit;
pub use openapi::OPENAPI_JSON;
pub use permissions::{Action, PERMISSIONS};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{MethodRouter, get, patch, post};
use sirt_store::{Store, User};
use std::net::SocketAddr;
use std::sync::Arc;
use thiserror::Error;

/// Largest request body: 2 MiB (issue 6: "e.g. 2 MB JSON"; a case file is a few kB, uploads
/// come later with their own limit).
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// Data folder when none is given: `sirtplan-data` in the working folder (uploaded images lie
/// in `patients/{patient_id}/studies/{study_id}/` under it).
pub const DEFAULT_DATA_DIR: &str = "sirtplan-data";

/// Port when none is given: 8080 (design choice: unprivileged, common for local web tools).
pub const DEFAULT_PORT: u16 = 8080;

/// How the server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Address to listen on; `127.0.0.1:8080` by default (loopback only).
    pub bind: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`; `sqlite://sirtplan.db` by default.
    pub database_url: String,
    /// Mark the session cookie `Secure` on every response (behind a TLS proxy that does not
    /// send `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// Login rate limit.
    pub login_limit: LoginLimit,
    /// Folder of the uploaded images (created at start); [`DEFAULT_DATA_DIR`] by default.
    pub data_dir: std::path::PathBuf,
    /// The site settings plans are made with (`serve --site FILE`); the defaults by default.
    pub settings: sirt_settings::SiteSettings,
    /// How long sessions last.
    pub session_limits: SessionLimits,
    /// The proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`); none by
    /// default.
    pub trusted_proxies: TrustedProxies,
    /// The audit chain's key (`serve --audit-key-file` or `SIRTPLAN_AUDIT_KEY`): audit rows
    /// carry an HMAC chained on the previous row's. `None`: rows carry no MAC (refused once the
    /// database's chain has begun).
    pub audit_key: Option<sirt_store::AuditKey>,
    /// Embedded workers of the job queue (`serve --workers N`): 1 by default, 0 for none.
    pub workers: usize,
    /// The DIMSE C-STORE receiver run by the server (`serve --dimse-port PORT`); none by
    /// default.
    pub dimse: Option<dimse::DimseConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            database_url: "sqlite://sirtplan.db".into(),
            secure_cookies: false,
            login_limit: LoginLimit::default(),
            data_dir: DEFAULT_DATA_DIR.into(),
            settings: sirt_settings::SiteSettings::default(),
            session_limits: SessionLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            audit_key: None,
            workers: 1,
            dimse: None,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] sirt_store::OpenError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// The embedded engine data failed to load.
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    /// The data folder could not be created.
    #[error("data folder {}: cannot create it: {source}", .path.display())]
    DataDir {
        /// The folder.
        path: std::path::PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The audit key is missing or is not the database's.
    #[error(transparent)]
    AuditKey(#[from] sirt_store::AuditChainError),
    /// The DIMSE receiver could not start.
    #[error(transparent)]
    Dimse(#[from] dimse::DimseError),
    /// Serving failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The database.
    pub store: Store,
    /// The plan engine.
    pub engine: Arc<Engine>,
    /// Always mark cookies `Secure`.
    pub secure_cookies: bool,
    /// Login rate limit.
    pub login_limit: LoginLimit,
    /// Folder of the uploaded images.
    pub data_dir: std::path::PathBuf,
    /// The embedded workers of the job queue ([`jobs::Jobs`]).
    pub jobs: jobs::Jobs,
    /// Password checks in flight per (username, address): the login rate limits count them
    /// with the recorded failures, so concurrent attempts cannot pass them (`login::login`).
    pub logins_in_flight: login::LoginsInFlight,
    /// The password checks, a few at a time in memory reserved once.
    pub password_checks: Arc<password_checks::PasswordChecks>,
    /// How long a session lasts without use and at most.
    pub session_limits: SessionLimits,
    /// The proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Uploads in flight per account, at most [`uploads::UPLOADS_PER_USER`] each (issue 15).
    pub uploads_in_flight: uploads::UploadsInFlight,
    /// The engine that makes results, as the approval hash and the frozen record name it
    /// ([`frozen::default_engine_id`]: this server's version and the planning engine's id).
    pub engine_id: String,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The folder of a patient's images in the data folder (`DATA/patients/{id}/`): uploads go
    /// there, and a case file's image paths are read relative to it.
    pub(crate) fn patient_folder(&self, patient_id: i64) -> std::path::PathBuf {
        self.data_dir.join("patients").join(patient_id.to_string())
    }

    /// State over a store, with the embedded engine, uploads in [`DEFAULT_DATA_DIR`].
    pub fn new(
        store: Store,
        secure_cookies: bool,
        login_limit: LoginLimit,
    ) -> Result<AppState, engine::EngineError> {
        AppState::with_data_dir(store, secure_cookies, login_limit, DEFAULT_DATA_DIR.into())
    }

    /// State over a store, with the embedded engine, uploads in `data_dir`.
    pub fn with_data_dir(
        store: Store,
        secure_cookies: bool,
        login_limit: LoginLimit,
        data_dir: std::path::PathBuf,
    ) -> Result<AppState, engine::EngineError> {
        AppState::with_site(
            store,
            secure_cookies,
            login_limit,
            data_dir,
            sirt_settings::SiteSettings::default(),
        )
    }

    /// State over a store, with the embedded engine and the site's settings, uploads in
    /// `data_dir`.
    pub fn with_site(
        store: Store,
        secure_cookies: bool,
        login_limit: LoginLimit,
        data_dir: std::path::PathBuf,
        settings: sirt_settings::SiteSettings,
    ) -> Result<AppState, engine::EngineError> {
        Ok(AppState(Arc::new(Inner {
            store,
            engine: Arc::new(Engine::with_settings(settings)?),
            secure_cookies,
            login_limit,
            data_dir,
            jobs: jobs::Jobs::default(),
            logins_in_flight: login::LoginsInFlight::default(),
            password_checks: Arc::default(),
            session_limits: SessionLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            uploads_in_flight: uploads::UploadsInFlight::default(),
            engine_id: frozen::default_engine_id(),
        })))
    }

    /// The same server (database, engine data, data folder, limits) under another engine id,
    /// as a new version of the server would be: what the frozen record and the recompute
    /// comparison are tested with. Its embedded workers are its own (started when needed).
    pub fn with_engine_id(&self, engine_id: impl Into<String>) -> AppState {
        self.rebuilt(
            engine_id.into(),
            self.session_limits,
            self.trusted_proxies.clone(),
        )
    }

    /// The same server with these session limits and trusted proxies (`serve
    /// --trusted-proxy`; tests shorten the session limits).
    pub fn with_access(
        &self,
        session_limits: SessionLimits,
        trusted_proxies: TrustedProxies,
    ) -> AppState {
        self.rebuilt(self.engine_id.clone(), session_limits, trusted_proxies)
    }

    /// The same server with `workers` embedded workers (`serve --workers N`; 0: the jobs are
    /// left to `sirtplan worker` processes).
    pub fn with_workers(&self, workers: usize) -> AppState {
        let mut s = self.rebuilt(
            self.engine_id.clone(),
            self.session_limits,
            self.trusted_proxies.clone(),
        );
        if let Some(inner) = Arc::get_mut(&mut s.0) {
            inner.jobs = jobs::Jobs::new(workers);
        }
        s
    }

    fn rebuilt(
        &self,
        engine_id: String,
        session_limits: SessionLimits,
        trusted_proxies: TrustedProxies,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store: self.store.clone(),
            engine: self.engine.clone(),
            secure_cookies: self.secure_cookies,
            login_limit: self.login_limit,
            data_dir: self.data_dir.clone(),
            jobs: jobs::Jobs::new(self.jobs.workers()),
            logins_in_flight: login::LoginsInFlight::default(),
            password_checks: Arc::clone(&self.password_checks),
            session_limits,
            trusted_proxies,
            // The same server: its uploads in flight count.
            uploads_in_flight: self.uploads_in_flight.clone(),
            engine_id,
        }))
    }
}

/// The signed-in user of a request (put there by the route's guard).
#[derive(Debug, Clone)]
pub struct Auth {
    /// The account.
    pub user: User,
    /// SHA-256 of the session token.
    pub session_hash: String,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the page, the OpenAPI document, login).
    Public,
    /// Any signed-in user (session, logout).
    Session,
    /// A signed-in user whose role may take the action.
    Action(Action),
}

/// One endpoint of the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method.
    pub method: &'static str,
    /// Path with `{id}` parameters.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

type Entry = (RouteInfo, MethodRouter<AppState>);

fn entry(method: Method, path: &'static str, access: Access, mr: MethodRouter<AppState>) -> Entry {
    let m = match method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        _ => "DELETE",
    };
    (
        RouteInfo {
            method: m,
            path,
            access,
        },
        mr,
    )
}

/// The route table: every endpoint with its access, and the handler. The router is built from
/// it and nothing else, so that [`routes`] is exactly what the router serves.
fn table() -> Vec<Entry> {
    [
        pages_and_session_routes(),
        patients_routes(),
        cases_routes(),
        workbench_routes(),
        plans_routes(),
        admin_routes(),
        pacs_routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The pages, the OpenAPI document and the session.
fn pages_and_session_routes() -> Vec<Entry> {
    use Access::{Public, Session};
    vec![
        entry(Method::GET, "/", Public, get(pages::index)),
        entry(
            Method::GET,
            "/static/{file}",
            Public,
            get(pages::static_file),
        ),
        entry(
            Method::GET,
            "/api/openapi.json",
            Public,
            get(openapi::document),
        ),
        entry(Method::POST, "/api/login", Public, post(login::login)),
        entry(Method::POST, "/api/logout", Session, post(auth::logout)),
        entry(Method::GET, "/api/session", Session, get(auth::session)),
        entry(
            Method::PATCH,
            "/api/account",
            Session,
            patch(accounts::patch_own_account),
        ),
        entry(
            Method::POST,
            "/api/account/password",
            Session,
            post(accounts::change_own_password),
        ),
        entry(
            Method::GET,
            "/api/i18n/{lang}",
            Public,
            get(pages::messages),
        ),
    ]
}

/// Patients, their cases and image studies; the demo imports.
fn patients_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(
            Method::GET,
            "/api/patients",
            a(ReadClinical),
            get(api::list_patients),
        ),
        entry(
            Method::POST,
            "/api/patients",
            a(CreatePatient),
            post(api::create_patient),
        ),
        entry(
            Method::GET,
            "/api/patients/{id}",
            a(ReadClinical),
            get(api::get_patient),
        ),
        entry(
            Method::PATCH,
            "/api/patients/{id}",
            a(CreatePatient),
            patch(identity::update_patient),
        ),
        entry(
            Method::POST,
            "/api/patients/{id}/cases",
            a(CreateCase),
            post(api::create_case),
        ),
        entry(
            Method::POST,
            "/api/patients/{id}/studies",
            a(UploadImages),
            post(uploads::upload_study),
        ),
        entry(
            Method::GET,
            "/api/patients/{id}/studies/{study_id}",
            a(ReadClinical),
            get(uploads::get_study),
        ),
        entry(
            Method::POST,
            "/api/demo/import",
            a(ImportDemo),
            post(api::demo_import),
        ),
        entry(
            Method::POST,
            "/api/demo/import-phantom",
            a(ImportDemo),
            post(volumes::import_phantom),
        ),
    ]
}

/// Cases with their follow-up and documents; the cohort statistics.
fn cases_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(
            Method::GET,
            "/api/cases/{id}",
            a(ReadClinical),
            get(api::get_case),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/followups",
            a(ReadClinical),
            get(api::list_follow_ups),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/followups",
            a(RecordFollowUp),
            post(api::add_follow_up),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/toxicities",
            a(ReadClinical),
            get(api::list_toxicities),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/toxicities",
            a(RecordFollowUp),
            post(api::add_toxicity),
        ),
        entry(
            Method::GET,
            "/api/cohort/demo-registry",
            a(ReadClinical),
            get(pages::demo_registry),
        ),
        entry(
            Method::POST,
            "/api/cohort/km",
            a(ReadClinical),
            post(pages::cohort_km),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/documents",
            a(ReadClinical),
            get(documents::list_documents),
        ),
        entry(
            Method::GET,
            "/api/documents/{id}",
            a(ReadClinical),
            get(documents::get_document),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/plans",
            a(CreatePlan),
            post(api::create_plan),
        ),
    ]
}

/// The planning pages' routes (`workbench`): the draft, structures and their editing session,
/// measurements, registration, the series' volumes and the plan made from the draft.
fn workbench_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(
            Method::GET,
            "/api/cases/{id}/workbench",
            a(ReadClinical),
            get(workbench::get_workbench),
        ),
        entry(
            Method::PUT,
            "/api/cases/{id}/workbench",
            a(CreatePlan),
            axum::routing::put(workbench::put_workbench),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/structures",
            a(ReadClinical),
            get(workbench::get_structures),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/structures/session",
            a(ReadClinical),
            get(workbench::structures_edit::get_session),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/structures/session",
            a(CreatePlan),
            post(workbench::structures_edit::open_session),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/structures/session/tools",
            a(CreatePlan),
            post(workbench::structures_edit::run_tool),
        ),
        entry(
            Method::PUT,
            "/api/cases/{id}/workbench/structures/session/slab",
            a(CreatePlan),
            axum::routing::put(workbench::structures_edit::put_slab).layer(DefaultBodyLimit::max(
                workbench::structures_edit::SLAB_LIMIT_BYTES,
            )),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/structures/session/undo",
            a(CreatePlan),
            post(workbench::structures_edit::undo),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/structures/session/redo",
            a(CreatePlan),
            post(workbench::structures_edit::redo),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/structures/session/mask",
            a(ReadClinical),
            get(workbench::structures_edit::get_mask),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/structures/session/save",
            a(CreatePlan),
            post(workbench::structures_edit::save),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/measurements",
            a(ReadClinical),
            get(workbench::get_measurements),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/plan",
            a(CreatePlan),
            post(workbench::post_plan),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/registration",
            a(ReadClinical),
            get(workbench::get_registration),
        ),
        entry(
            Method::POST,
            "/api/cases/{id}/workbench/registration",
            a(CreatePlan),
            post(workbench::post_registration),
        ),
        entry(
            Method::PUT,
            "/api/cases/{id}/workbench/registration",
            a(CreatePlan),
            axum::routing::put(workbench::put_registration),
        ),
        entry(
            Method::GET,
            "/api/cases/{id}/workbench/series/{series_id}/volume",
            a(ReadClinical),
            get(workbench::get_series_volume),
        ),
    ]
}

/// Plan versions, their workflow, reports, volumes and history.
fn plans_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(
            Method::GET,
            "/api/plans/{id}",
            a(ReadClinical),
            get(api::get_plan),
        ),
        entry(
            Method::PATCH,
            "/api/plans/{id}",
            a(EditPlan),
            patch(api::patch_plan),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/check",
            a(CheckPlan),
            post(api::check_plan),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/approve",
            a(ApprovePlan),
            post(api::approve_plan),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/acknowledgements",
            a(EditPlan),
            post(signature::acknowledge),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/signatures",
            a(ReadClinical),
            get(signature::signatures),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/recompute-difference",
            a(ReadClinical),
            get(frozen::recompute_difference),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/deliver",
            a(DeliverPlan),
            post(delivery::deliver_plan),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/deliveries",
            a(ReadClinical),
            get(delivery::get_deliveries),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/report.html",
            a(ReadClinical),
            get(report::report_html),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/report.pdf",
            a(ReadClinical),
            get(pages::report_pdf),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/report/delivery",
            a(ReadClinical),
            get(report::delivery_report_html),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/volumes",
            a(ReadClinical),
            get(volumes::volumes),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/volumes/{name}",
            a(ReadClinical),
            get(volumes::volume),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/history",
            a(ReadClinical),
            get(api::history),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/documents/report",
            a(StoreDocument),
            post(documents::store_report),
        ),
        entry(
            Method::GET,
            "/api/plans/{id}/uncertainty",
            a(AnalysePlan),
            get(uncertainty::get_uncertainty),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/optimise",
            a(AnalysePlan),
            post(uncertainty::optimise::post_optimise),
        ),
    ]
}

/// The audit log and the accounts.
fn admin_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(Method::GET, "/api/audit", a(ReadAudit), get(api::audit)),
        entry(
            Method::GET,
            "/api/users",
            a(ManageAccounts),
            get(accounts::list_users),
        ),
        entry(
            Method::POST,
            "/api/users",
            a(ManageAccounts),
            post(accounts::create_user),
        ),
        entry(
            Method::PATCH,
            "/api/users/{id}",
            a(ManageAccounts),
            patch(accounts::patch_user),
        ),
    ]
}

/// The PACS connection (`pacs`): the site's nodes (admins), their names, search and retrieve
/// into a patient's studies.
fn pacs_routes() -> Vec<Entry> {
    use Action::*;
    let a = Access::Action;
    vec![
        entry(
            Method::GET,
            "/api/pacs/nodes",
            a(ManagePacs),
            get(pacs::nodes::list_nodes),
        ),
        entry(
            Method::POST,
            "/api/pacs/nodes",
            a(ManagePacs),
            post(pacs::nodes::create_node),
        ),
        entry(
            Method::PATCH,
            "/api/pacs/nodes/{id}",
            a(ManagePacs),
            patch(pacs::nodes::patch_node),
        ),
        entry(
            Method::DELETE,
            "/api/pacs/nodes/{id}",
            a(ManagePacs),
            axum::routing::delete(pacs::nodes::delete_node),
        ),
        entry(
            Method::POST,
            "/api/pacs/nodes/{id}/test",
            a(ManagePacs),
            post(pacs::nodes::test_node),
        ),
        entry(
            Method::GET,
            "/api/pacs/sources",
            a(ReadClinical),
            get(pacs::nodes::sources),
        ),
        entry(
            Method::GET,
            "/api/patients/{id}/pacs/studies",
            a(ImportFromPacs),
            get(pacs::retrieve::search),
        ),
        entry(
            Method::POST,
            "/api/patients/{id}/pacs/retrievals",
            a(ImportFromPacs),
            post(pacs::retrieve::start),
        ),
        entry(
            Method::GET,
            "/api/pacs/retrievals/{id}",
            a(ReadClinical),
            get(pacs::retrieve::status),
        ),
        entry(
            Method::POST,
            "/api/plans/{id}/pacs/send",
            a(SendToPacs),
            post(pacs::send::send),
        ),
    ]
}

/// Every endpoint the router serves.
pub fn routes() -> Vec<RouteInfo> {
    table().into_iter().map(|(r, _)| r).collect()
}

/// The application over a state: routes, guards, body limit, security headers, JSON 404/405.
pub fn app(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (info, mr) in table() {
        let mr = match info.access {
            Access::Public => mr,
            Access::Session => {
                mr.route_layer(from_fn_with_state((state.clone(), None), auth::guard))
            }
            Access::Action(action) => mr.route_layer(from_fn_with_state(
                (state.clone(), Some(action)),
                auth::guard,
            )),
        };
        router = router.route(info.path, mr);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(from_fn(security_headers))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint: see /api/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this endpoint: see /api/openapi.json",
    )
}

async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(api::HTML_CSP));
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// A bound server: the database open and migrated, the address taken.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    store: Store,
    state: AppState,
}

impl Server {
    /// Opens the database (applying migrations) and binds the address.
    pub async fn bind(config: &ServerConfig) -> Result<Server, ServeError> {
        uploads::prepare_data_dir(&config.data_dir).map_err(|source| ServeError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store = Store::open(&config.database_url).await?;
        let store = match &config.audit_key {
            Some(key) => store.with_audit_key(key.clone()),
            None => store,
        };
        if let Err(e) = store.check_audit_key().await {
            store.close().await;
            return Err(e.into());
        }
        let state = AppState::with_site(
            store.clone(),
            config.secure_cookies,
            config.login_limit,
            config.data_dir.clone(),
            config.settings.clone(),
        )?
        .with_access(config.session_limits, config.trusted_proxies.clone())
        .with_workers(config.workers);
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.bind,
                source,
            })?;
        if let Some(d) = &config.dimse {
            dimse::start(&state, d)?;
        }
        Ok(Server {
            listener,
            router: app(state.clone()),
            store,
            state,
        })
    }

    /// The address listened on (the port chosen when 0 was asked).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until Ctrl-C (SIGINT) or SIGTERM, then writes the failed logins not yet audited
    /// and closes the database. Once a minute meanwhile: the failed logins of the minutes past
    /// are audited, and ended sessions and old login attempts removed
    /// ([`login::housekeeping`]).
    pub async fn run(self) -> Result<(), ServeError> {
        let Server {
            listener,
            router,
            store,
            state,
        } = self;
        let housekeeping = tokio::spawn(login::housekeeping(state.clone()));
        // The embedded workers take the jobs queued before this start too.
        jobs::ensure_workers(&state);
        // PACS retrieves queued before this start (or left by a server that stopped) too.
        pacs::retrieve::resume(&state);
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        housekeeping.abort();
        // Best effort at exit: the attempts stay recorded and are audited at the next start.
        let _ = login::audit_failed_logins_now(&state).await;
        store.close().await;
        Ok(served?)
    }
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Opens the database, binds and serves until stopped.
pub async fn serve(config: ServerConfig) -> Result<(), ServeError> {
    Server::bind(&config).await?.run().await
}

/// [`serve`] on its own runtime, calling `ready` with the address once listening (for the CLI).
pub fn run_blocking(
    config: ServerConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let server = Server::bind(&config).await?;
        ready(server.local_addr()?);
        server.run().await
    })
}
