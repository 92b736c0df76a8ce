//! The DIMSE receiver of the store (issue 17: "a C-STORE receiver, files land in the store and
//! appear under their patient in the web app"): `sirtplan serve --dimse-port PORT` runs it
//! inside the web server, `sirtplan receive --database URL --data DIR` alone beside servers on
//! the same database and data folder; both through [`start`].
//!
//! - **Which patient.** Each object is put to [`IdentityCheck`] before it is written: its
//!   Patient ID (0010,0020) must be the MRN of a patient of the store, and its Patient's Name
//!   and Birth Date must agree with that patient's record ([`identity_agrees`]). Otherwise it is
//!   refused with "Refused: Not Authorized" (0124H, PS3.7 Annex C) and nothing of it is kept.
//!   No patient is ever created from DICOM, and nothing waits in an unmatched list: a SIRT
//!   clinic registers the patient when the referral comes, before any image is sent, so an
//!   unknown MRN is an image sent to the wrong place (or before registration: sent again once
//!   the patient exists); creating patients from DICOM would multiply a patient on an MRN typo
//!   and keep health data of people who are not patients here.
//! - **The upload's path.** When the association is released, its objects are stored through
//!   the upload's own reading and checks (`uploads::Retrieved`, as "Import from PACS"), one
//!   study of the patient per DICOM study, so that the planning workbench offers their series
//!   for its roles like uploaded ones. A series already stored for the patient (same Series
//!   Instance UID) is not stored twice.
//! - **A partial association** (aborted, timed out) is discarded whole by the receiver: nothing
//!   of it is stored ([`sirt_pacs::dimse::Storage::Batches`]).
//! - **Audit.** Each study stored: `study.upload` by the actor `DIMSE <calling AE> from
//!   <address>`, and `pacs.receive` with the calling AE title, the address, the series and the
//!   outcome; a study refused after release, and objects refused for a patient's identity, a
//!   `pacs.receive` row with the outcome `refused` and why.
//! - **Told.** Every event and outcome goes to the caller's [`Reporter`] (the command line
//!   prints them); this module prints nothing.

use crate::AppState;
use crate::uploads::Retrieved;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde_json::json;
use sirt_pacs::dimse::message::{self, STATUS_NOT_AUTHORIZED, STATUS_OUT_OF_RESOURCES};
use sirt_pacs::dimse::{
    BatchLimits, ObjectCheck, Origin, Receiver, ReceiverConfig, ReceiverEvent, Refusal, Storage,
};
use sirt_pacs::{AeTitle, PacsError, Timeouts};
use sirt_store::{Actor, PacsExchange, Patient, Store};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use thiserror::Error;

/// The most one association may bring: the objects and bytes of one upload's zip
/// ([`crate::uploads::ZIP_MAX_ENTRIES`], [`crate::uploads::ZIP_MAX_UNCOMPRESSED_BYTES`]), the
/// same bound on the disk one sender may fill.
pub const ASSOCIATION_LIMITS: BatchLimits = BatchLimits {
    instances: crate::uploads::ZIP_MAX_ENTRIES,
    bytes: crate::uploads::ZIP_MAX_UNCOMPRESSED_BYTES,
};

/// The receiver's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DimseConfig {
    /// Our AE title: associations calling another are rejected.
    pub aet: AeTitle,
    /// The address listened on, `HOST:PORT` (`[::1]:11112` for IPv6).
    pub address: String,
    /// Associations served at once.
    pub max_associations: usize,
    /// The request timeout bounds each wait for the sender's next PDU.
    pub timeouts: Timeouts,
    /// Told of everything the receiver does.
    pub reporter: Reporter,
}

/// What the receiver tells its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Listening.
    Listening {
        /// Our AE title.
        aet: String,
        /// The address listened on.
        address: SocketAddr,
    },
    /// An event of the receiver itself (association, echo, object refused, release, failure;
    /// not each object accepted, which is not yet stored).
    Event(ReceiverEvent),
    /// A study stored under a patient.
    Stored {
        /// The sender's AE title.
        calling: String,
        /// The sender's address.
        peer: SocketAddr,
        /// The patient's key.
        patient_id: i64,
        /// The study stored.
        study_id: i64,
        /// Its series.
        series: usize,
        /// Its instances.
        instances: usize,
    },
    /// Received objects not stored after the association was released.
    NotStored {
        /// The sender's AE title.
        calling: String,
        /// The sender's address.
        peer: SocketAddr,
        /// The patient, when one was found.
        patient_id: Option<i64>,
        /// Why.
        reason: String,
    },
}

/// The caller's sink of [`Received`] (the command line prints each).
#[derive(Clone)]
pub struct Reporter(pub Arc<dyn Fn(Received) + Send + Sync>);

impl Reporter {
    /// A reporter that drops everything.
    pub fn none() -> Reporter {
        Reporter(Arc::new(|_| {}))
    }

    fn tell(&self, r: Received) {
        (self.0)(r);
    }
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reporter")
    }
}

impl PartialEq for Reporter {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Why the receiver could not start.
#[derive(Debug, Error)]
pub enum DimseError {
    /// The staging folder could not be made in the data folder.
    #[error("data folder {}: cannot create the receiver's staging folder: {source}", .path.display())]
    Staging {
        /// The folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The address could not be bound.
    #[error("DIMSE receiver: {0}")]
    Bind(#[source] PacsError),
}

/// Starts the receiver on `state`'s store and data folder; its threads run until the process
/// ends. Must be called within a Tokio runtime (the checks and the storing run on it).
pub fn start(state: &AppState, config: &DimseConfig) -> Result<SocketAddr, DimseError> {
    let handle = tokio::runtime::Handle::current();
    let out = staging_folder(&state.data_dir)?;
    let check = Arc::new(IdentityCheck {
        store: state.store.clone(),
        handle: handle.clone(),
        refused: Mutex::new(BTreeMap::new()),
    });
    let receiver = Receiver::bind(
        &config.address,
        ReceiverConfig {
            aet: config.aet.clone(),
            out,
            timeouts: config.timeouts,
            max_associations: config.max_associations.max(1),
            storage: Storage::Batches {
                check: check.clone(),
                limits: ASSOCIATION_LIMITS,
            },
        },
    )
    .map_err(DimseError::Bind)?;
    let address = receiver.local_addr().map_err(DimseError::Bind)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || receiver.serve(&tx));
    let reporter = config.reporter.clone();
    reporter.tell(Received::Listening {
        aet: config.aet.to_string(),
        address,
    });
    let state = state.clone();
    std::thread::spawn(move || {
        for event in rx {
            on_event(&state, &check, &reporter, &handle, event);
        }
    });
    Ok(address)
}

/// A folder of this receiver's own under the data folder's `tmp/` (named as the upload's
/// staging folders, so that one left by a stopped process is removed a day later by
/// `uploads::prepare_data_dir`).
fn staging_folder(data_dir: &Path) -> Result<PathBuf, DimseError> {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    let dir = data_dir.join("tmp").join(format!(
        "upload-dimse-{}-{}",
        std::process::id(),
        hex::encode(b)
    ));
    std::fs::create_dir_all(&dir).map_err(|source| DimseError::Staging {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// One event: an association's end starts the storing of what it brought; every event is told.
fn on_event(
    state: &AppState,
    check: &Arc<IdentityCheck>,
    reporter: &Reporter,
    handle: &tokio::runtime::Handle,
    event: ReceiverEvent,
) {
    let ReceiverEvent::Ended {
        peer,
        calling,
        folder,
        ..
    } = &event
    else {
        // An object accepted lies in the staging folder, not yet in the store: what is told is
        // the study stored once the association is released, not each object.
        if !matches!(event, ReceiverEvent::Stored { .. }) {
            reporter.tell(Received::Event(event));
        }
        return;
    };
    let refused = check.take_refused(*peer);
    let sender = SenderOf {
        calling: calling.clone(),
        peer: *peer,
    };
    let (state, reporter, folder) = (state.clone(), reporter.clone(), folder.clone());
    drop(handle.spawn(async move {
        audit_refusals(&state, &sender, refused).await;
        if let Some(folder) = folder {
            store_batch(&state, &sender, &reporter, &folder).await;
            let _ = std::fs::remove_dir_all(&folder);
        }
    }));
}

/// The sender of an association.
#[derive(Clone, Debug)]
struct SenderOf {
    calling: String,
    peer: SocketAddr,
}

impl SenderOf {
    /// Who the audit log names: the calling AE title and the address.
    fn actor(&self) -> Actor {
        Actor::system(&format!("DIMSE {} from {}", self.calling, self.peer))
    }
}

/// Objects of a patient refused for their identity in one association.
#[derive(Debug, Default)]
struct IdentityRefusals {
    reason: String,
    series_uids: Vec<String>,
    instances: usize,
}

/// The check of each received object: its patient is one of the store's and agrees.
struct IdentityCheck {
    store: Store,
    handle: tokio::runtime::Handle,
    /// Per association (the sender's address): per patient, the objects refused for their
    /// identity, audited once the association ends.
    refused: Mutex<BTreeMap<SocketAddr, BTreeMap<i64, IdentityRefusals>>>,
}

impl IdentityCheck {
    fn take_refused(&self, peer: SocketAddr) -> BTreeMap<i64, IdentityRefusals> {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&peer)
            .unwrap_or_default()
    }

    fn note(&self, peer: SocketAddr, patient_id: i64, series_uid: String, reason: &str) {
        let mut all = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        let r = all.entry(peer).or_default().entry(patient_id).or_default();
        if r.reason.is_empty() {
            reason.clone_into(&mut r.reason);
        }
        if !r.series_uids.contains(&series_uid) {
            r.series_uids.push(series_uid);
        }
        r.instances += 1;
    }
}

impl ObjectCheck for IdentityCheck {
    fn check(&self, from: Origin<'_>, object: &InMemDicomObject) -> Result<(), Refusal> {
        let text = |tag| message::text_of(object, tag).filter(|v| !v.trim().is_empty());
        let refuse = |reason: String| Refusal {
            status: STATUS_NOT_AUTHORIZED,
            reason,
        };
        let mrn = text(tags::PATIENT_ID)
            .ok_or_else(|| refuse("no Patient ID (0010,0020) in the object".into()))?;
        let mrn = mrn.trim();
        let patient = self
            .handle
            .block_on(self.store.patient_by_mrn(mrn))
            .map_err(|_| Refusal {
                status: STATUS_OUT_OF_RESOURCES,
                reason: "the store cannot be read now; send again later".into(),
            })?
            .ok_or_else(|| refuse(format!("no patient with Patient ID {mrn} here")))?;
        let name = text(tags::PATIENT_NAME);
        let birth = text(tags::PATIENT_BIRTH_DATE);
        identity_agrees(&patient, name.as_deref(), birth.as_deref()).map_err(|reason| {
            let series = text(tags::SERIES_INSTANCE_UID).unwrap_or_default();
            self.note(from.peer, patient.id, series, &reason);
            refuse(reason)
        })
    }
}

/// Whether an object's Patient's Name (`FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX`, PS3.5 §6.2.1) and
/// Birth Date (`YYYYMMDD`) agree with the record of the patient its Patient ID matched. Two
/// identifiers (The Joint Commission, National Patient Safety Goal NPSG.01.01.01: "use at
/// least two patient identifiers"): besides the MRN, at least one of the name and the birth
/// date must be there and agree, and none may disagree. The name agrees when every word of
/// the family name and the first word of the given name (when there is one) are words of the
/// record's name, case aside; the birth date when it is the record's. The refusal says which
/// differs (never the values: the reason goes to the sender and the logs).
pub fn identity_agrees(
    patient: &Patient,
    name: Option<&str>,
    birth: Option<&str>,
) -> Result<(), String> {
    let mut confirmed = false;
    if let Some(name) = name.filter(|n| !name_words(n, NameParts::FamilyAndFirstGiven).is_empty()) {
        let record = name_words(&patient.name, NameParts::All);
        let wanted = name_words(name, NameParts::FamilyAndFirstGiven);
        if !wanted.iter().all(|w| record.contains(w)) {
            return Err(format!(
                "Patient's Name differs from the record of patient {}",
                patient.mrn
            ));
        }
        confirmed = true;
    }
    if let Some(birth) = birth {
        let iso = iso_date(birth).ok_or_else(|| {
            format!(
                "Patient's Birth Date is not a date YYYYMMDD (patient {})",
                patient.mrn
            )
        })?;
        match patient.birth_date.as_deref() {
            Some(d) if d == iso => confirmed = true,
            Some(_) => {
                return Err(format!(
                    "Patient's Birth Date differs from the record of patient {}",
                    patient.mrn
                ));
            }
            None => {}
        }
    }
    if confirmed {
        Ok(())
    } else {
        Err(format!(
            "no Patient's Name or Birth Date confirms patient {}",
            patient.mrn
        ))
    }
}

/// Which words of a name are wanted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameParts {
    /// Every word (a record's name, written any way).
    All,
    /// The family name's words and the given name's first (a DICOM PN).
    FamilyAndFirstGiven,
}

/// The lower-case words of a name: letters and digits, split at anything else.
fn name_words(name: &str, parts: NameParts) -> Vec<String> {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    match parts {
        NameParts::All => words(name),
        NameParts::FamilyAndFirstGiven => {
            // The alphabetic group only (before `=`, PS3.5 §6.2.1.2).
            let alphabetic = name.split('=').next().unwrap_or_default();
            let mut components = alphabetic.split('^');
            let mut out = words(components.next().unwrap_or_default());
            if out.is_empty() {
                return out;
            }
            out.extend(
                words(components.next().unwrap_or_default())
                    .into_iter()
                    .take(1),
            );
            out
        }
    }
}

/// `YYYYMMDD` → `YYYY-MM-DD` when it is a calendar date.
fn iso_date(dicom: &str) -> Option<String> {
    let d = dicom.trim();
    if d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
    iso.parse::<jiff::civil::Date>().ok().map(|_| iso)
}

/// Audits the objects refused for their patient's identity in one association: one
/// `pacs.receive` row per patient.
async fn audit_refusals(
    state: &AppState,
    sender: &SenderOf,
    refused: BTreeMap<i64, IdentityRefusals>,
) {
    for (patient_id, r) in refused {
        let exchange = receive_exchange(
            sender,
            patient_id,
            json!({
                "series_uids": r.series_uids, "instances": r.instances,
                "outcome": "refused", "error": r.reason,
            }),
        );
        let _ = state
            .store
            .audit_pacs_exchange(&sender.actor(), &exchange)
            .await;
    }
}

/// A `pacs.receive` audit row of a patient: the calling AE title and address, and `details`.
fn receive_exchange(
    sender: &SenderOf,
    patient_id: i64,
    details: serde_json::Value,
) -> PacsExchange {
    let mut all = json!({ "calling_aet": sender.calling, "peer": sender.peer.to_string() });
    if let (Some(a), serde_json::Value::Object(d)) = (all.as_object_mut(), details) {
        a.extend(d);
    }
    PacsExchange {
        action: "pacs.receive",
        entity: "patient",
        entity_id: patient_id.to_string(),
        details: all,
    }
}

/// The files of one DICOM study of a released association.
#[derive(Debug)]
struct ReceivedStudy {
    mrn: String,
    study_uid: String,
    description: Option<String>,
    /// Series Instance UID → its files.
    series: BTreeMap<String, Vec<PathBuf>>,
}

/// Stores what a released association brought, one study at a time.
async fn store_batch(state: &AppState, sender: &SenderOf, reporter: &Reporter, folder: &Path) {
    let dir = folder.to_owned();
    let Ok(report) = tokio::task::spawn_blocking(move || sirt_dicom::scan(&dir)).await else {
        return;
    };
    for s in &report.skipped {
        reporter.tell(Received::NotStored {
            calling: sender.calling.clone(),
            peer: sender.peer,
            patient_id: None,
            reason: format!("a received object cannot be read: {}", s.reason),
        });
    }
    for study in report.studies {
        let received = ReceivedStudy {
            mrn: study.patient_id.clone().unwrap_or_default(),
            study_uid: study.study_instance_uid.clone(),
            description: study.description.clone(),
            series: study
                .series
                .into_iter()
                .map(|s| (s.series_instance_uid, s.files))
                .collect(),
        };
        let told = match store_study(state, sender, received).await {
            Ok(stored) => stored,
            Err(not) => not,
        };
        reporter.tell(told);
    }
}

/// Stores one received study under its patient (the series not yet stored for it).
async fn store_study(
    state: &AppState,
    sender: &SenderOf,
    study: ReceivedStudy,
) -> Result<Received, Received> {
    let not_stored = |patient_id: Option<i64>, reason: String| Received::NotStored {
        calling: sender.calling.clone(),
        peer: sender.peer,
        patient_id,
        reason,
    };
    let patient = state
        .store
        .patient_by_mrn(study.mrn.trim())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            not_stored(
                None,
                format!(
                    "study {}: its patient is no longer in the store",
                    study.study_uid
                ),
            )
        })?;
    let (fresh, repeated) = new_series(state, patient.id, study.series).await;
    if fresh.is_empty() {
        return Err(not_stored(
            Some(patient.id),
            format!(
                "study {}: its series {} are already stored for patient {}",
                study.study_uid,
                repeated.join(", "),
                patient.mrn
            ),
        ));
    }
    let series_uids: Vec<String> = fresh.keys().cloned().collect();
    let instances: usize = fresh.values().map(Vec::len).sum();
    let outcome = place_study(state, sender, &patient, &study.description, fresh).await;
    let details = match &outcome {
        Ok(study_id) => json!({
            "study_uid": study.study_uid, "series_uids": series_uids, "instances": instances,
            "already_stored": repeated, "study_id": study_id, "outcome": "stored",
        }),
        Err(e) => json!({
            "study_uid": study.study_uid, "series_uids": series_uids, "instances": instances,
            "outcome": "refused", "error": e,
        }),
    };
    let exchange = receive_exchange(sender, patient.id, details);
    // The study's own audit row (`study.upload`) was written with it; this one adds the
    // exchange.
    let _ = state
        .store
        .audit_pacs_exchange(&sender.actor(), &exchange)
        .await;
    match outcome {
        Ok(study_id) => Ok(Received::Stored {
            calling: sender.calling.clone(),
            peer: sender.peer,
            patient_id: patient.id,
            study_id,
            series: series_uids.len(),
            instances,
        }),
        Err(e) => Err(not_stored(
            Some(patient.id),
            format!("study {}: {e}", study.study_uid),
        )),
    }
}

/// The series not yet stored for the patient, and the UIDs of those that are.
async fn new_series(
    state: &AppState,
    patient_id: i64,
    series: BTreeMap<String, Vec<PathBuf>>,
) -> (BTreeMap<String, Vec<PathBuf>>, Vec<String>) {
    let stored: Vec<String> = state
        .store
        .series_of_patient(patient_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.series_instance_uid)
        .collect();
    let (repeated, fresh): (BTreeMap<_, _>, BTreeMap<_, _>) = series
        .into_iter()
        .partition(|(uid, _)| stored.contains(uid));
    (fresh, repeated.into_keys().collect())
}

/// Moves the files into an upload staging folder and stores them through the upload's checks
/// as a study of the patient: its id, or why not.
async fn place_study(
    state: &AppState,
    sender: &SenderOf,
    patient: &Patient,
    description: &Option<String>,
    series: BTreeMap<String, Vec<PathBuf>>,
) -> Result<i64, String> {
    let retrieved = Retrieved::new(state).map_err(|e| e.message.clone())?;
    let raw = retrieved.folder();
    for (uid, files) in &series {
        let dest = raw.join(uid);
        std::fs::create_dir_all(&dest).map_err(|e| format!("cannot stage the files: {e}"))?;
        for f in files {
            let name = f.file_name().map(ToOwned::to_owned).unwrap_or_default();
            std::fs::rename(f, dest.join(name))
                .map_err(|e| format!("cannot stage the files: {e}"))?;
        }
    }
    let described = format!(
        "{} (DICOM from «{}»)",
        description.as_deref().unwrap_or("study"),
        sender.calling
    );
    retrieved
        .store(state, &sender.actor(), patient.id, &described)
        .await
        .map(|s| s.study.study.id)
        .map_err(|e| e.message)
}

/// Runs the receiver alone (`sirtplan receive --database URL --data DIR`) on the servers'
/// database and data folder until Ctrl-C or SIGTERM; `ready` is called once listening.
pub fn run_blocking(
    config: StandaloneConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), StandaloneError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        crate::uploads::prepare_data_dir(&config.data_dir).map_err(|source| {
            StandaloneError::DataDir {
                path: config.data_dir.clone(),
                source,
            }
        })?;
        let store = sirt_store::Store::open(&config.database_url).await?;
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
            false,
            crate::LoginLimit::default(),
            config.data_dir.clone(),
            config.settings.clone(),
        )?
        .with_workers(0);
        let address = start(&state, &config.dimse)?;
        ready(address);
        crate::shutdown_signal().await;
        store.close().await;
        Ok(())
    })
}

/// The receiver alone: the servers' database, data folder, audit key and site settings.
#[derive(Clone, Debug)]
pub struct StandaloneConfig {
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// The servers' data folder.
    pub data_dir: PathBuf,
    /// The servers' audit key (needed once the database's audit chain has begun).
    pub audit_key: Option<sirt_store::AuditKey>,
    /// The servers' site settings.
    pub settings: sirt_settings::SiteSettings,
    /// The receiver.
    pub dimse: DimseConfig,
}

/// Why the receiver alone could not start.
#[derive(Debug, Error)]
pub enum StandaloneError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] sirt_store::OpenError),
    /// The audit key is missing or is not the database's.
    #[error(transparent)]
    AuditKey(#[from] sirt_store::AuditChainError),
    /// The data folder could not be created.
    #[error("data folder {}: cannot create it: {source}", .path.display())]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The embedded engine data failed to load.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// The receiver could not start.
    #[error(transparent)]
    Receiver(#[from] DimseError),
    /// The runtime could not start.
    #[error("receiver: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn patient(name: &str, birth: Option<&str>) -> Patient {
        Patient {
            id: 1,
            mrn: "MRN-1".into(),
            name: name.into(),
            birth_date: birth.map(str::to_owned),
            sex: None,
            pseudonym: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn the_name_and_birth_date_must_agree_with_the_record() {
        let p = patient("Jane Mary Doe", Some("1961-04-02"));
        // Family and first given name among the record's words; case and order aside.
        identity_agrees(&p, Some("DOE^JANE^M"), None).unwrap();
        identity_agrees(&p, Some("Doe^Jane"), Some("19610402")).unwrap();
        identity_agrees(&p, Some("DOE"), None).unwrap();
        identity_agrees(&p, None, Some("19610402")).unwrap();
        // A hyphenated family name: each of its words.
        let h = patient("Ann Smith-Jones", None);
        identity_agrees(&h, Some("SMITH-JONES^ANN"), None).unwrap();
        assert!(identity_agrees(&h, Some("SMITH^ANN"), None).is_ok());
        assert!(identity_agrees(&h, Some("JONES^BOB"), None).is_err());
        // Another person under the same MRN.
        let e = identity_agrees(&p, Some("ROE^RICHARD"), Some("19610402")).unwrap_err();
        assert!(e.starts_with("Patient's Name differs"), "{e}");
        let e = identity_agrees(&p, Some("DOE^JANE"), Some("19610403")).unwrap_err();
        assert!(e.starts_with("Patient's Birth Date differs"), "{e}");
        let e = identity_agrees(&p, Some("DOE^JANE"), Some("1961-04-02")).unwrap_err();
        assert!(e.contains("not a date YYYYMMDD"), "{e}");
        // A second identifier is required: none given, or only one the record lacks.
        let e = identity_agrees(&p, None, None).unwrap_err();
        assert!(e.starts_with("no Patient's Name or Birth Date"), "{e}");
        let no_birth = patient("Jane Doe", None);
        assert!(identity_agrees(&no_birth, None, Some("19610402")).is_err());
        // An empty name (`^`) is no name.
        assert!(identity_agrees(&p, Some("^"), None).is_err());
        // The alphabetic group only.
        identity_agrees(&p, Some("DOE^JANE=ドウ^ジェーン"), None).unwrap();
    }

    #[test]
    fn refusal_reasons_name_the_field_not_the_values() {
        let p = patient("Jane Doe", Some("1961-04-02"));
        let e = identity_agrees(&p, Some("ROE^RICHARD"), None).unwrap_err();
        assert!(!e.contains("ROE") && !e.contains("Jane"), "{e}");
    }
}
