//! "Import from PACS": search a node for a patient's studies and their series
//! (`GET /api/patients/{id}/pacs/studies`), then retrieve the series picked
//! (`POST /api/patients/{id}/pacs/retrievals`) as a background job: queued in the job table
//! (kind [`KIND`]), run by a task of the server that queued it (or of any instance that queues
//! another), its progress recorded with heartbeats and read by any instance
//! (`GET /api/pacs/retrievals/{id}`). The files go through the upload's own reading and checks
//! (`uploads::Retrieved`) and become a study of the patient whose series the planning
//! workbench offers for its roles. A series the node brings fewer instances of than its search
//! listed is a partial retrieve: refused, nothing stored. Each retrieve is audited
//! (`pacs.retrieve`: node, study, series, instances, outcome).

use super::{client_of, pacs_failure};
use crate::error::{ApiError, ApiJson, ApiQuery, PathId};
use crate::uploads::Retrieved;
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sirt_pacs::site::{ProgressSink, WantedSeries};
use sirt_pacs::{DateRange, Query, StudyHit};
use sirt_store::{Actor, Job, JobState, PacsExchange};
use sirt_units::Fraction;
use std::sync::{Arc, Mutex, PoisonError};

type ApiResult = Result<Response, ApiError>;

/// The job kind of a retrieve.
pub(crate) const KIND: &str = "pacs_retrieve";

/// Series one retrieve may ask for: 100 (design choice: a SIRT work-up has a handful; a
/// whole study of a PACS rarely has more than a few dozen series).
pub const MAX_SERIES: usize = 100;

/// `GET /api/patients/{id}/pacs/studies` query.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    /// The node's id.
    node: i64,
    /// Patient ID (the MRN in the PACS).
    #[serde(default)]
    patient_id: Option<String>,
    /// Patient's name, `FAMILY^GIVEN`, wild cards `*` and `?` allowed.
    #[serde(default)]
    name: Option<String>,
    /// Accession number.
    #[serde(default)]
    accession: Option<String>,
    /// A modality of the series wanted.
    #[serde(default)]
    modality: Option<String>,
    /// First study date, `YYYY-MM-DD`.
    #[serde(default)]
    date_from: Option<String>,
    /// Last study date, `YYYY-MM-DD`.
    #[serde(default)]
    date_to: Option<String>,
}

/// A study found on a node.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsStudy {
    /// Study Instance UID.
    pub study_uid: String,
    /// Patient ID.
    pub patient_id: Option<String>,
    /// Patient's name as the node gave it.
    pub patient_name: Option<String>,
    /// Study date, `YYYYMMDD`.
    pub study_date: Option<String>,
    /// Accession number.
    pub accession: Option<String>,
    /// Study description.
    pub description: Option<String>,
    /// Its series.
    pub series: Vec<PacsSeries>,
}

/// A series found on a node.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsSeries {
    /// Series Instance UID.
    pub series_uid: String,
    /// Modality.
    pub modality: Option<String>,
    /// Series number.
    pub number: Option<i64>,
    /// Series description.
    pub description: Option<String>,
    /// Number of instances, when the node says.
    pub instances: Option<u64>,
}

/// `GET /api/patients/{id}/pacs/studies`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsSearch {
    /// The node's name.
    pub node: String,
    /// The studies found, each with its series.
    pub studies: Vec<PacsStudy>,
}

fn study_answer(s: StudyHit) -> PacsStudy {
    PacsStudy {
        study_uid: s.study_uid,
        patient_id: s.patient_id,
        patient_name: s.patient_name,
        study_date: s.study_date,
        accession: s.accession,
        description: s.description,
        series: s
            .series
            .into_iter()
            .map(|x| PacsSeries {
                series_uid: x.series_uid,
                modality: x.modality,
                number: x.number,
                description: x.description,
                instances: x.instances,
            })
            .collect(),
    }
}

/// `YYYY-MM-DD` → `YYYYMMDD`, or 422 naming the query key.
fn dicom_date(key: &str, v: &str) -> Result<String, ApiError> {
    v.parse::<jiff::civil::Date>()
        .ok()
        .filter(|_| v.len() == 10)
        .map(|d| d.strftime("%Y%m%d").to_string())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "query `{key}`: expected a date YYYY-MM-DD, found `{}`",
                v.chars().take(40).collect::<String>()
            ))
        })
}

/// The earliest and latest dates of an open range (PS3.4 §C.2.2.2.5 allows open ranges; the
/// range is written closed with these so that both protocols read it alike): design choice,
/// before and after any study.
const EARLIEST: &str = "19000101";
const LATEST: &str = "99991231";

/// The search a query asks for: at least one key naming the patient or the study (a node is
/// never listed whole), the date range read, wild cards only in the name.
fn search_of(q: &SearchQuery) -> Result<Query, ApiError> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let from = q
        .date_from
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| dicom_date("date_from", v))
        .transpose()?;
    let to = q
        .date_to
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| dicom_date("date_to", v))
        .transpose()?;
    let date = match (from, to) {
        (None, None) => None,
        (f, t) => {
            let key = format!(
                "{}-{}",
                f.as_deref().unwrap_or(EARLIEST),
                t.as_deref().unwrap_or(LATEST)
            );
            Some(
                DateRange::parse(&key)
                    .map_err(|e| ApiError::invalid(format!("query `date_from`, `date_to`: {e}")))?,
            )
        }
    };
    let query = Query {
        patient_id: text(&q.patient_id),
        patient_name: text(&q.name),
        study_uid: None,
        accession: text(&q.accession),
        modality: text(&q.modality).map(|m| m.to_ascii_uppercase()),
        date,
    };
    if query.patient_id.is_none()
        && query.patient_name.is_none()
        && query.accession.is_none()
        && query.date.is_none()
    {
        return Err(ApiError::invalid(
            "query: expected at least one of `patient_id`, `name`, `accession`, `date_from`, `date_to`, found none (a whole PACS is not listed)",
        ));
    }
    query
        .check()
        .map_err(|e| ApiError::invalid(format!("query: {e}")))?;
    Ok(query)
}

/// `GET /api/patients/{id}/pacs/studies`: the node's studies matching the query, each with its
/// series (modality, description, number of instances).
pub(crate) async fn search(
    State(state): State<AppState>,
    PathId(patient_id): PathId,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult {
    state.store.patient(patient_id).await?;
    let query = search_of(&q)?;
    let node = state.store.pacs_node(q.node).await?;
    let (client, _) = client_of(&node)?;
    let studies = client
        .find(query)
        .await
        .map_err(|e| pacs_failure(&node.node.name, &e))?;
    Ok(Json(PacsSearch {
        node: node.node.name.clone(),
        studies: studies.into_iter().map(study_answer).collect(),
    })
    .into_response())
}

/// `POST /api/patients/{id}/pacs/retrievals` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrievalBody {
    /// The node's id.
    pub node_id: i64,
    /// The study the series belong to.
    pub study_uid: String,
    /// The series to retrieve (1 to 100).
    pub series_uids: Vec<String>,
}

/// What the retrieve job carries.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    patient_id: i64,
    node_id: i64,
    user_id: i64,
    study_uid: String,
    series_uids: Vec<String>,
    /// Makes each request its own job (the same series may be retrieved again).
    nonce: String,
}

/// What a done retrieve stored.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    study_id: i64,
    instances: usize,
}

/// A failure of a retrieve, as answered.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RetrievalError {
    /// The error code the request would have answered (`pacs_unreachable`, `pacs_timeout`,
    /// `pacs_error`, `other_patient`, `no_images`…).
    pub code: String,
    /// What went wrong, naming the node.
    pub message: String,
}

/// A retrieve's state (`POST /api/patients/{id}/pacs/retrievals`, 202;
/// `GET /api/pacs/retrievals/{id}`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsRetrieval {
    /// The job.
    pub job_id: i64,
    /// The patient the series go to.
    pub patient_id: i64,
    /// `queued`, `running`, `done` or `failed`.
    pub state: JobState,
    /// How far, 0 to 1 (instances retrieved / instances the search listed).
    pub progress: f64,
    /// `queued`, `claimed`, `searching`, `retrieving`, `storing`, `done`, `failed`.
    pub stage: String,
    /// Done: the study stored.
    pub study_id: Option<i64>,
    /// Done: the instances retrieved.
    pub instances: Option<usize>,
    /// Failed: why.
    pub error: Option<RetrievalError>,
}

fn retrieval_answer(job: &Job) -> Result<PacsRetrieval, ApiError> {
    let payload: Payload = serde_json::from_str(&job.payload).map_err(|_| ApiError::internal())?;
    let outcome = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str::<Outcome>(r).ok());
    let error = match job.state {
        JobState::Failed => Some(
            job.error
                .as_deref()
                .and_then(|e| serde_json::from_str::<RetrievalError>(e).ok())
                .unwrap_or(RetrievalError {
                    code: "internal".into(),
                    message: "the retrieve stopped (its server stopped); nothing was stored".into(),
                }),
        ),
        _ => None,
    };
    Ok(PacsRetrieval {
        job_id: job.id,
        patient_id: payload.patient_id,
        state: job.state,
        progress: job.progress.value(),
        stage: job.stage.clone(),
        study_id: outcome.as_ref().map(|o| o.study_id),
        instances: outcome.as_ref().map(|o| o.instances),
        error,
    })
}

/// Refuses a text that is not a DICOM UID (digits and dots, PS3.5 §9.1), naming the field.
fn check_uid(field: &str, v: &str) -> Result<(), ApiError> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.split('.')
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "field `{field}`: expected a DICOM UID (digits and dots, at most 64 characters), found `{}`",
        v.chars().take(70).collect::<String>()
    )))
}

/// `POST /api/patients/{id}/pacs/retrievals`: queues the retrieve; 202 with its state and
/// `Location` (`/api/pacs/retrievals/{job id}`).
pub(crate) async fn start(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(patient_id): PathId,
    ApiJson(body): ApiJson<RetrievalBody>,
) -> ApiResult {
    check_uid("study_uid", &body.study_uid)?;
    if body.series_uids.is_empty() || body.series_uids.len() > MAX_SERIES {
        return Err(ApiError::invalid(format!(
            "field `series_uids`: expected 1 to {MAX_SERIES} series, found {}",
            body.series_uids.len()
        )));
    }
    for (k, uid) in body.series_uids.iter().enumerate() {
        check_uid(&format!("series_uids[{k}]"), uid)?;
    }
    state.store.patient(patient_id).await?;
    let node = state.store.pacs_node(body.node_id).await?;
    client_of(&node)?;
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|_| ApiError::internal())?;
    let payload = serde_json::to_string(&Payload {
        patient_id,
        node_id: node.id,
        user_id: auth.user.id,
        study_uid: body.study_uid,
        series_uids: body.series_uids,
        nonce: hex::encode(nonce),
    })
    .map_err(|_| ApiError::internal())?;
    let key = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(payload.as_bytes()))
    };
    let (job, _) = state
        .store
        .enqueue_job(&sirt_store::NewJob {
            kind: KIND.into(),
            key,
            payload,
            max_attempts: 1,
        })
        .await?;
    drop(tokio::spawn(run_pending(state.clone())));
    let mut r = (StatusCode::ACCEPTED, Json(retrieval_answer(&job)?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/pacs/retrievals/{}", job.id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::jobs::RETRY_AFTER_S),
    );
    Ok(r)
}

/// `GET /api/pacs/retrievals/{id}`.
pub(crate) async fn status(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let job = state
        .store
        .job(id)
        .await
        .ok()
        .filter(|j| j.kind == KIND)
        .ok_or_else(|| ApiError::not_found(format!("PACS retrieve {id} not found")))?;
    Ok(Json(retrieval_answer(&job)?).into_response())
}

/// Runs the retrieves queued before this server started (and fails those whose server stopped
/// mid-way once their lease has passed).
pub(crate) fn resume(state: &AppState) {
    drop(tokio::spawn(run_pending(state.clone())));
}

/// Runs the queued retrieves until none is left (any instance's).
async fn run_pending(state: AppState) {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    let worker = format!("retrieve-{}-{}", std::process::id(), hex::encode(b));
    while let Ok(Some(job)) = state
        .store
        .claim_job(KIND, &worker, crate::jobs::LEASE)
        .await
    {
        run_one(&state, &worker, job).await;
    }
}

/// How far a retrieve is: its stage and fraction, read by the heartbeat.
type Shared = Arc<Mutex<(&'static str, Fraction)>>;

fn set(p: &Shared, stage: &'static str, f: Fraction) {
    *p.lock().unwrap_or_else(PoisonError::into_inner) = (stage, f);
}

/// One claimed retrieve with heartbeats, then its end recorded (and audited).
async fn run_one(state: &AppState, worker: &str, job: Job) {
    let progress: Shared = Arc::new(Mutex::new(("claimed", Fraction::ZERO)));
    let work = retrieve(state, &job, progress.clone());
    tokio::pin!(work);
    let mut beat = tokio::time::interval(crate::jobs::HEARTBEAT);
    let outcome = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = beat.tick() => {
                let (stage, done) = *progress.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = state.store.heartbeat_job(job.id, worker, done, stage, crate::jobs::LEASE).await;
            }
        }
    };
    match outcome {
        Ok(result) => {
            let _ = state.store.complete_job(job.id, worker, &result).await;
        }
        Err(e) => {
            let text = serde_json::to_string(&RetrievalError {
                code: e.code.to_owned(),
                message: e.message.clone(),
            })
            .unwrap_or_default();
            let _ = state.store.fail_job(job.id, worker, &text, false).await;
            audit_failure(state, &job, &e).await;
        }
    }
}

/// Audits a failed retrieve (who asked, the node, the series, why).
async fn audit_failure(state: &AppState, job: &Job, e: &ApiError) {
    let Ok(p) = serde_json::from_str::<Payload>(&job.payload) else {
        return;
    };
    let Ok(user) = state.store.user(p.user_id).await else {
        return;
    };
    let exchange = PacsExchange {
        action: "pacs.retrieve",
        entity: "patient",
        entity_id: p.patient_id.to_string(),
        details: json!({
            "node_id": p.node_id, "study_uid": p.study_uid, "series_uids": p.series_uids,
            "outcome": "failed", "error": e.message,
        }),
    };
    let _ = state
        .store
        .audit_pacs_exchange(&Actor::user(&user), &exchange)
        .await;
}

/// The series asked for, with the instances the node's search lists for each; 422 naming a
/// series the study does not hold.
fn wanted(study: &StudyHit, asked: &[String]) -> Result<Vec<WantedSeries>, ApiError> {
    asked
        .iter()
        .map(|uid| {
            study
                .series
                .iter()
                .find(|s| &s.series_uid == uid)
                .map(|s| WantedSeries {
                    series_uid: uid.clone(),
                    listed_instances: s.instances,
                })
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "series {uid}: not a series of study {} on the node",
                        study.study_uid
                    ))
                })
        })
        .collect()
}

/// Retrieves the series into a staging folder and stores them as a study of the patient; the
/// job's result (study id, instances).
async fn retrieve(state: &AppState, job: &Job, progress: Shared) -> Result<String, ApiError> {
    let p: Payload = serde_json::from_str(&job.payload).map_err(|_| ApiError::internal())?;
    let node = state.store.pacs_node(p.node_id).await?;
    let actor = Actor::user(&state.store.user(p.user_id).await?);
    let (client, _) = client_of(&node)?;
    let name = node.node.name.clone();
    set(&progress, "searching", Fraction::ZERO);
    let query = Query {
        study_uid: Some(p.study_uid.clone()),
        ..Query::default()
    };
    let studies = client
        .find(query)
        .await
        .map_err(|e| pacs_failure(&name, &e))?;
    let study = studies
        .into_iter()
        .find(|s| s.study_uid == p.study_uid)
        .ok_or_else(|| {
            ApiError::invalid(format!("PACS node «{name}» has no study {}", p.study_uid))
        })?;
    let series = wanted(&study, &p.series_uids)?;
    let listed: u64 = series.iter().filter_map(|s| s.listed_instances).sum();
    let retrieved = Retrieved::new(state)?;
    set(&progress, "retrieving", Fraction::ZERO);
    let shared = progress.clone();
    let sink: ProgressSink = Arc::new(move |done: sirt_pacs::Progress| {
        let f = if listed == 0 {
            0.0
        } else {
            (done.instances as f64 / listed as f64).min(1.0)
        };
        set(
            &shared,
            "retrieving",
            Fraction::new(f).unwrap_or(Fraction::ZERO),
        );
    });
    let files = client
        .pull_series(series, retrieved.folder(), sink)
        .await
        .map_err(|e| pacs_failure(&name, &e))?;
    set(&progress, "storing", Fraction::ONE);
    let description = format!(
        "{} (PACS «{name}»)",
        study.description.as_deref().unwrap_or("study")
    );
    let stored = retrieved
        .store(state, &actor, p.patient_id, &description)
        .await?;
    let study_id = stored.study.study.id;
    let exchange = PacsExchange {
        action: "pacs.retrieve",
        entity: "patient",
        entity_id: p.patient_id.to_string(),
        details: json!({
            "node_id": node.id, "node": name, "shown": client.shown(),
            "study_uid": p.study_uid, "series_uids": p.series_uids,
            "instances": files.len(), "study_id": study_id, "outcome": "stored",
        }),
    };
    state.store.audit_pacs_exchange(&actor, &exchange).await?;
    serde_json::to_string(&Outcome {
        study_id,
        instances: files.len(),
    })
    .map_err(|_| ApiError::internal())
}
