//! Image uploads: a zip of a DICOM folder, one DICOM file, or a NIfTI file, checked with the
//! project's own readers (`sirt-dicom`, `sirt-nifti`) and stored under the data folder:
//! `patients/{patient_id}/studies/{study_id}/{series}` where a DICOM series folder is named by
//! modality and series number (`CT-2`, `NM-5`) and a NIfTI file keeps its name.
//!
//! Nothing is half-written. The body is streamed into a staging folder inside the data folder
//! (`tmp/upload-…`, the same file system, so that moving it is a rename); the zip is inflated
//! there with its limits counted while inflating; every file is read as DICOM; a file of another
//! patient refuses the whole upload; the series folders are made there. Only then does the
//! store's transaction write the study and series rows, rename the staged study folder into
//! place and write the audit row. If anything fails, the staging folder is removed, the rows
//! are rolled back and a folder already renamed into place is removed again.

use crate::answers::{SeriesView, SkippedFile, StudyLinks, StudyView, UploadedStudy};
use crate::error::{ApiError, ApiQuery};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sirt_imaging::SeriesContent;

use sirt_store::{NewSeries, NewStudy, Study, StudySeries};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufReader, BufWriter, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Largest upload body: 1 GiB (design choice: a whole-body CT of 1 000 slices of 512 × 512
/// 16-bit pixels is 0.5 GiB uncompressed; a zip of a typical SIRT work-up — CT, MAA SPECT,
/// Y-90 PET, structures — is well below). The rest of the API keeps
/// [`crate::BODY_LIMIT_BYTES`].
pub const UPLOAD_BODY_LIMIT_BYTES: u64 = 1 << 30;

/// Largest total of the uncompressed entries of a zip: 4 GiB, checked on the sizes its
/// central directory declares before anything is written and again on the bytes counted
/// while inflating (design choice: four times the body limit, room for any series that
/// compresses well; it bounds the disk one upload may fill whatever its size).
pub const ZIP_MAX_UNCOMPRESSED_BYTES: u64 = 4 << 30;

/// Most entries a zip may hold: 20 000 (design choice: a thin-slice CT has about 1 000 files; a
/// whole work-up a few thousand).
pub const ZIP_MAX_ENTRIES: usize = 20_000;

/// Largest ratio of inflated to compressed size: 200, for each entry and for the whole
/// archive (design choice: CT and PET slices compress 2–10 times; deflate cannot exceed about
/// 1 032 : 1, which a zip bomb of zeros reaches). For the archive, its entries may inflate in
/// all to at most this ratio times the archive's size as received plus one
/// [`ZIP_RATIO_GRACE_BYTES`] shared by all entries: David Fifield, "A better zip bomb"
/// (USENIX WOOT 2019) shows that limits per entry let many entries — or overlapping ones —
/// multiply the output, and that the defence is a limit on the archive's total output
/// against its input. Per entry, the same kind of check as Apache POI's `ZipSecureFile`
/// (minimum inflate ratio after a grace size).
pub const ZIP_MAX_RATIO: u64 = 200;

/// Bytes held to no ratio: 8 MiB for the whole archive, shared by all its entries, and for an
/// entry alone (design choice: small, highly compressible files — a mostly empty DICOM SEG, a
/// text file — are harmless; an allowance per entry is not, issue 15: 128 zero-filled entries
/// each just under 8 MiB, a 1 MB zip, wrote 864 MB before they were refused).
pub const ZIP_RATIO_GRACE_BYTES: u64 = 8 << 20;

/// Largest uncompressed NIfTI file: 1 GiB (design choice: as [`UPLOAD_BODY_LIMIT_BYTES`]; the
/// whole image is read into memory to check it).
pub const NIFTI_MAX_BYTES: u64 = 1 << 30;

/// Uploads processed at once: 2 (design choice: each may hold a large volume in memory while it
/// is checked; others wait their turn).
pub const UPLOAD_SLOTS: usize = 2;

/// Uploads of one account in flight at once: 1 (design choice: the web page sends one study
/// at a time; with [`UPLOAD_SLOTS`] at 2, one account cannot hold both slots and the disk
/// they may fill, issue 15). A second one is refused at once with 429, not queued.
pub const UPLOADS_PER_USER: usize = 1;

/// `Retry-After` of an upload refused because the account's previous one is in flight: 30 s
/// (design choice: a zip of a CT series over a hospital network takes tens of seconds).
pub const UPLOAD_BUSY_RETRY_AFTER_S: u64 = 30;

/// Staging folders older than a day are removed at start (left by a server that stopped
/// during an upload).
const STALE_STAGING_S: u64 = 24 * 3600;

/// Skipped files named in a refusal's message; the rest are counted.
const NAMES_IN_MESSAGE: usize = 10;

/// Modality of a NIfTI upload when none is given: `OT` (DICOM's "other").
const NIFTI_DEFAULT_MODALITY: &str = "OT";

/// Frame given to NIfTI images while they are checked (NIfTI has none).
const NIFTI_FRAME: &str = "nifti-scanner-space";

static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(UPLOAD_SLOTS);

/// The limits of one upload (the constants above by default; smaller in tests and fuzzing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request body, bytes ([`UPLOAD_BODY_LIMIT_BYTES`]).
    pub body_bytes: u64,
    /// All entries of a zip inflated, bytes ([`ZIP_MAX_UNCOMPRESSED_BYTES`]).
    pub zip_uncompressed_bytes: u64,
    /// Entries of a zip ([`ZIP_MAX_ENTRIES`]).
    pub zip_entries: usize,
    /// Largest inflated / compressed size of an entry and of the archive ([`ZIP_MAX_RATIO`]).
    pub zip_ratio: u64,
    /// Inflated bytes held to no ratio: once per archive, shared by its entries, and for an
    /// entry alone ([`ZIP_RATIO_GRACE_BYTES`]).
    pub zip_ratio_grace_bytes: u64,
    /// A NIfTI file inflated, bytes ([`NIFTI_MAX_BYTES`]).
    pub nifti_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: UPLOAD_BODY_LIMIT_BYTES,
            zip_uncompressed_bytes: ZIP_MAX_UNCOMPRESSED_BYTES,
            zip_entries: ZIP_MAX_ENTRIES,
            zip_ratio: ZIP_MAX_RATIO,
            zip_ratio_grace_bytes: ZIP_RATIO_GRACE_BYTES,
            nifti_bytes: NIFTI_MAX_BYTES,
        }
    }
}

/// The uploads in flight of each account (user id → count), at most [`UPLOADS_PER_USER`]
/// each; per server process, kept in [`crate::Inner`]. Clones share the count.
#[derive(Debug, Clone, Default)]
pub struct UploadsInFlight(Arc<Mutex<HashMap<i64, usize>>>);

/// A place of [`UploadsInFlight`], given back when dropped: when the upload ends, fails, or its
/// task is cancelled.
#[derive(Debug)]
pub struct UploadPlace {
    places: UploadsInFlight,
    user_id: i64,
}

impl UploadsInFlight {
    /// The map; a panic of another holder (none is expected: nothing in the locked parts
    /// panics) leaves the counts as they were, so the poison is ignored.
    fn counts(&self) -> MutexGuard<'_, HashMap<i64, usize>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one of the account's places, or `None` when it holds [`UPLOADS_PER_USER`].
    pub fn try_take(&self, user_id: i64) -> Option<UploadPlace> {
        let mut counts = self.counts();
        let n = counts.entry(user_id).or_insert(0);
        if *n >= UPLOADS_PER_USER {
            return None;
        }
        *n += 1;
        Some(UploadPlace {
            places: self.clone(),
            user_id,
        })
    }

    /// The account's uploads in flight.
    pub fn in_flight(&self, user_id: i64) -> usize {
        self.counts().get(&user_id).copied().unwrap_or(0)
    }
}

impl Drop for UploadPlace {
    fn drop(&mut self) {
        let mut counts = self.places.counts();
        if let Some(n) = counts.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

/// The refusal of an upload while the account's previous one is in flight: 429 with
/// `Retry-After`.
fn busy() -> ApiError {
    let mut e = err(
        StatusCode::TOO_MANY_REQUESTS,
        "upload_in_progress",
        format!(
            "an upload by this account is in progress: at most {UPLOADS_PER_USER} upload at a \
             time per account; send this one again when it has finished (retry in \
             {UPLOAD_BUSY_RETRY_AFTER_S} s)"
        ),
    );
    e.retry_after_s = Some(UPLOAD_BUSY_RETRY_AFTER_S);
    e
}

/// Creates the data folder (`patients/`, `tmp/`) and removes staging folders older than a day.
pub fn prepare_data_dir(dir: &Path) -> std::io::Result<()> {
    let created = !dir.exists();
    std::fs::create_dir_all(dir.join("patients"))?;
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    // Its two parts, and the folder itself when this made it, are the owner's only (0700),
    // whatever the process's umask: what lies inside (images, documents) cannot be reached by
    // other local users even when a library user's umask made the files themselves 0644 (the
    // `sirtplan` binary's umask 077 makes them 0600; issue 15, OWASP ASVS 4.0.3 V8.3.4). A
    // folder that was there before (`--data-dir /srv/sirtplan`) keeps the mode its owner gave.
    let mut private = vec![dir.join("patients"), tmp.clone()];
    if created {
        private.push(dir.to_path_buf());
    }
    for folder in &private {
        owner_only(folder)?;
    }
    for entry in std::fs::read_dir(&tmp)?.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > STALE_STAGING_S);
        if stale && entry.file_name().to_string_lossy().starts_with("upload-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

/// Mode 0700 on a folder (Unix; elsewhere nothing).
fn owner_only(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// What the body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Dicom,
    Nifti,
}

/// `POST /api/patients/{id}/studies` query.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    /// File name: required for NIfTI (`ct.nii.gz`), optional for one DICOM file.
    #[serde(default)]
    filename: Option<String>,
    /// Modality of a NIfTI image (`CT`, `NM`, `PT`, `MR`, `SEG`, ...).
    #[serde(default)]
    modality: Option<String>,
    /// Study description (instead of the DICOM Study Description or the NIfTI file name).
    #[serde(default)]
    description: Option<String>,
}

fn err(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    err(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn too_large(message: impl Into<String>) -> ApiError {
    err(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
}

/// A failure of the data folder: the server's side, nothing of the inside is told.
fn storage(_: std::io::Error) -> ApiError {
    ApiError::internal()
}

/// A name for messages: at most 200 characters, control characters as `?`.
fn shown(name: &str) -> String {
    name.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn kind_of(headers: &HeaderMap) -> Result<Kind, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| {
            s.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match ct.as_deref() {
        Some("application/zip" | "application/x-zip-compressed") => Ok(Kind::Zip),
        Some("application/dicom") => Ok(Kind::Dicom),
        Some("application/gzip" | "application/x-gzip" | "application/octet-stream") => {
            Ok(Kind::Nifti)
        }
        other => Err(err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "request body: expected Content-Type application/zip (a zip of a DICOM folder), \
                 application/dicom (one DICOM file), or application/gzip or \
                 application/octet-stream with ?filename=NAME.nii.gz or NAME.nii (NIfTI); found {}",
                other.map_or("none".to_owned(), shown)
            ),
        )),
    }
}

/// The NIfTI file name of the query: the last path component, ending in `.nii` or `.nii.gz`,
/// of letters, digits, `.`, `_` and `-` (others become `_`), at most 100 characters.
fn nifti_name(q: &UploadQuery) -> Result<String, ApiError> {
    let given = q.filename.as_deref().unwrap_or_default();
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let lower = base.to_ascii_lowercase();
    let ext_len = if lower.ends_with(".nii.gz") {
        7
    } else if lower.ends_with(".nii") {
        4
    } else {
        0
    };
    if ext_len == 0 || base.len() == ext_len || base.chars().count() > 100 {
        return Err(unprocessable(
            "invalid",
            format!(
                "query `filename`: expected a NIfTI file name ending in .nii or .nii.gz (at most \
                 100 characters), found `{}`",
                shown(given)
            ),
        ));
    }
    let name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(match name.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => name,
    })
}

/// The modality of a NIfTI upload: 1 to 16 capital letters or digits.
fn nifti_modality(q: &UploadQuery) -> Result<String, ApiError> {
    match &q.modality {
        None => Ok(NIFTI_DEFAULT_MODALITY.to_owned()),
        Some(m)
            if (1..=16).contains(&m.len())
                && m.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            Ok(m.clone())
        }
        Some(m) => Err(unprocessable(
            "invalid",
            format!(
                "query `modality`: expected a DICOM modality of capital letters and digits (CT, \
                 NM, PT, MR, SEG), found `{}`",
                shown(m)
            ),
        )),
    }
}

/// A staging folder inside the data folder, removed when dropped.
struct Staging {
    dir: PathBuf,
}

impl Staging {
    fn new(data_dir: &Path) -> Result<Staging, ApiError> {
        let mut b = [0u8; 12];
        getrandom::fill(&mut b).map_err(|_| ApiError::internal())?;
        let dir = data_dir
            .join("tmp")
            .join(format!("upload-{}", hex::encode(b)));
        std::fs::create_dir_all(&dir).map_err(storage)?;
        Ok(Staging { dir })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Streams the body into `dest`, refusing more than `limit` bytes.
async fn receive(mut body: Body, dest: PathBuf, limit: u64) -> Result<u64, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(16);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut f = BufWriter::new(std::fs::File::create_new(&dest)?);
        while let Some(chunk) = rx.blocking_recv() {
            f.write_all(&chunk)?;
        }
        f.flush()
    });
    let mut total: u64 = 0;
    let outcome = loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => break Ok(total),
            Some(Err(e)) => {
                break Err(ApiError::bad_request(format!(
                    "request body: the upload broke off after {total} bytes: {e}"
                )));
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    total += data.len() as u64;
                    if total > limit {
                        break Err(too_large(format!(
                            "request body: expected at most {limit} bytes for an upload, found more"
                        )));
                    }
                    if tx.send(data).await.is_err() {
                        break Err(ApiError::internal());
                    }
                }
            }
        }
    };
    drop(tx);
    let written = writer.await.map_err(|_| ApiError::internal())?;
    let total = outcome?;
    written.map_err(storage)?;
    Ok(total)
}

/// What the staging produced: the study folder, ready to be moved into place, and its rows.
#[derive(Debug)]
struct Prepared {
    study_dir: PathBuf,
    study: NewStudy,
    series: Vec<NewSeries>,
    skipped: Vec<SkippedFile>,
}

/// Inflates, reads and arranges the upload in the staging folder `dir` (`upload.bin` holds the
/// body). Blocking.
fn prepare(
    dir: &Path,
    kind: Kind,
    q: &UploadQuery,
    mrn: &str,
    limits: &Limits,
) -> Result<Prepared, ApiError> {
    let body = dir.join("upload.bin");
    let raw = dir.join("raw");
    std::fs::create_dir_all(&raw).map_err(storage)?;
    let mut prepared = match kind {
        Kind::Nifti => prepare_nifti(dir, &body, q, limits)?,
        Kind::Zip => {
            let extracted = extract_zip(&body, &raw, limits, &archive_label(q))?;
            std::fs::remove_file(&body).map_err(storage)?;
            prepare_dicom(dir, &raw, extracted, mrn)?
        }
        Kind::Dicom => {
            let name = q
                .filename
                .as_deref()
                .map(|f| shown(f.rsplit(['/', '\\']).next().unwrap_or_default()))
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "upload.dcm".to_owned());
            let dest = raw.join(format!("{:06}", 0));
            std::fs::rename(&body, &dest).map_err(storage)?;
            let extracted = Extracted {
                names: BTreeMap::from([(dest, name)]),
                skipped: Vec::new(),
            };
            prepare_dicom(dir, &raw, extracted, mrn)?
        }
    };
    if let Some(d) = &q.description {
        prepared.study.description = Some(d.clone());
    }
    Ok(prepared)
}

/// The files of a zip, inflated into `raw/NNNNNN` (the entry's index), and what was left out.
#[derive(Debug, Default)]
struct Extracted {
    /// Staged path → name in the zip.
    names: BTreeMap<PathBuf, String>,
    /// Entries not extracted (symbolic links).
    skipped: Vec<SkippedFile>,
}

/// Refuses an entry name that could leave the folder it is extracted into or means another
/// path on another system: `..` components, absolute paths, drive letters, backslashes, NUL.
fn check_entry_name(name: &str) -> Result<(), ApiError> {
    let refuse = |what: &str| {
        Err(unprocessable(
            "unsafe_entry_name",
            format!(
                "zip entry `{}`: expected a relative path with `/` separators inside the \
                 archive, found {what}; the upload was refused and nothing was stored",
                shown(name)
            ),
        ))
    };
    if name.contains('\\') {
        return refuse("a backslash");
    }
    if name.contains('\0') {
        return refuse("a NUL character");
    }
    if name.starts_with('/') {
        return refuse("an absolute path");
    }
    let first = name.split('/').next().unwrap_or_default();
    if first.len() == 2 && first.ends_with(':') {
        return refuse("a drive letter");
    }
    if name.split('/').any(|c| c == "..") {
        return refuse("a `..` component");
    }
    Ok(())
}

fn invalid_zip(message: String) -> ApiError {
    unprocessable("invalid_zip", message)
}

/// How a zip is named in messages: `zip archive `NAME`` when the query names it, else
/// `the uploaded zip archive`.
fn archive_label(q: &UploadQuery) -> String {
    q.filename
        .as_deref()
        .map(|f| shown(f.rsplit(['/', '\\']).next().unwrap_or_default()))
        .filter(|f| !f.is_empty())
        .map_or_else(
            || "the uploaded zip archive".to_owned(),
            |f| format!("zip archive `{f}`"),
        )
}

/// How many bytes the entries of one archive may inflate to in all: the smaller of
/// [`Limits::zip_uncompressed_bytes`] and [`Limits::zip_ratio`] × the archive's size +
/// [`Limits::zip_ratio_grace_bytes`] (one grace for the archive, shared by its entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// The archive's size as received, bytes (its compressed size).
    pub archive_bytes: u64,
    /// [`Limits::zip_ratio`].
    pub ratio: u64,
    /// [`Limits::zip_ratio_grace_bytes`].
    pub grace: u64,
    /// [`Limits::zip_uncompressed_bytes`].
    pub cap: u64,
}

/// What a refusal of the allowance counted: the sizes the directory declares, or the bytes
/// inflated.
#[derive(Debug, Clone, Copy)]
enum Found {
    Declared(u64),
    Inflated(u64),
}

impl Allowance {
    /// The allowance of an archive of `archive_bytes` bytes.
    pub fn new(archive_bytes: u64, limits: &Limits) -> Allowance {
        Allowance {
            archive_bytes,
            ratio: limits.zip_ratio,
            grace: limits.zip_ratio_grace_bytes,
            cap: limits.zip_uncompressed_bytes,
        }
    }

    /// `ratio` × `archive_bytes` + `grace` (saturating).
    pub fn by_ratio(&self) -> u64 {
        self.ratio
            .saturating_mul(self.archive_bytes)
            .saturating_add(self.grace)
    }

    /// The bytes allowed: the smaller of [`Allowance::by_ratio`] and `cap`.
    pub fn bytes(&self) -> u64 {
        self.by_ratio().min(self.cap)
    }

    /// The refusal of `found` bytes, over the allowance at `entry` of the archive `label`:
    /// 413 `too_large` where the cap is the smaller limit, 422 `zip_bomb` where the ratio is.
    fn refuse(&self, label: &str, entry: &str, found: Found) -> ApiError {
        let entry = shown(entry);
        let (found, when) = match found {
            Found::Declared(n) => (
                format!(
                    "its central directory declares {n} bytes uncompressed in all, passing the \
                     limit at entry `{entry}`"
                ),
                "before anything was written",
            ),
            Found::Inflated(n) => (
                format!(
                    "its entries inflate to {n} bytes or more, passing the limit at entry \
                     `{entry}` (more than its central directory declares)"
                ),
                "while inflating; nothing was stored",
            ),
        };
        if self.cap <= self.by_ratio() {
            return too_large(format!(
                "{label}: expected at most {} bytes uncompressed in all, found more: {found}; \
                 refused {when}",
                self.cap
            ));
        }
        unprocessable(
            "zip_bomb",
            format!(
                "{label}: {found}, more than the {} bytes allowed for an archive of {} bytes \
                 ({} × {} bytes + {} bytes shared by all entries); refused as a zip bomb {when}",
                self.bytes(),
                self.archive_bytes,
                self.ratio,
                self.archive_bytes,
                self.grace
            ),
        )
    }
}

/// What the central directory of a zip declares, checked against the limits before anything
/// is written ([`check_zip_directory`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipDirectory {
    /// Entry names, in the directory's order.
    pub names: Vec<String>,
    /// Uncompressed size the directory declares for each entry, bytes.
    pub declared: Vec<u64>,
    /// The sum of `declared` (saturating).
    pub declared_total: u64,
    /// The bytes the entries may inflate to in all.
    pub allowance: Allowance,
}

/// Opens a zip archive (reads its central directory).
fn open_archive<R: Read + Seek>(reader: R, label: &str) -> Result<zip::ZipArchive<R>, ApiError> {
    zip::ZipArchive::new(reader).map_err(|e| {
        invalid_zip(format!(
            "{label}: expected a zip archive, found something else ({e})"
        ))
    })
}

/// Refuses an entry whose declared size is past the grace and more than the ratio times its
/// compressed size.
fn check_entry_ratio(
    label: &str,
    name: &str,
    declared: u64,
    compressed: u64,
    limits: &Limits,
) -> Result<(), ApiError> {
    let compressed = compressed.max(1);
    if declared > limits.zip_ratio_grace_bytes
        && declared > limits.zip_ratio.saturating_mul(compressed)
    {
        return Err(unprocessable(
            "zip_bomb",
            format!(
                "{label}, entry `{}`: its central directory declares {declared} bytes \
                 uncompressed from {compressed} bytes compressed, more than {} times; refused \
                 as a zip bomb before anything was written",
                shown(name),
                limits.zip_ratio
            ),
        ));
    }
    Ok(())
}

/// Reads and checks the central directory of `archive` (`archive_bytes` long): entry count,
/// names, each entry's declared ratio, the declared total against the archive's
/// [`Allowance`], overlapping entries. Nothing is written.
fn read_directory<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    archive_bytes: u64,
    label: &str,
    limits: &Limits,
) -> Result<ZipDirectory, ApiError> {
    let n = archive.len();
    if n > limits.zip_entries {
        return Err(too_large(format!(
            "{label}: expected at most {} entries, found {n}",
            limits.zip_entries
        )));
    }
    let mut dir = ZipDirectory {
        names: Vec::with_capacity(n),
        declared: Vec::with_capacity(n),
        declared_total: 0,
        allowance: Allowance::new(archive_bytes, limits),
    };
    // The entry at which the declared total first passes the allowance.
    let mut passed_at: Option<usize> = None;
    for i in 0..n {
        let f = archive
            .by_index_raw(i)
            .map_err(|e| invalid_zip(format!("{label}: entry {i} cannot be read: {e}")))?;
        let name = f.name().to_owned();
        check_entry_name(&name)?;
        check_entry_ratio(label, &name, f.size(), f.compressed_size(), limits)?;
        dir.declared_total = dir.declared_total.saturating_add(f.size());
        if passed_at.is_none() && dir.declared_total > dir.allowance.bytes() {
            passed_at = Some(i);
        }
        dir.declared.push(f.size());
        dir.names.push(name);
    }
    if let Some(i) = passed_at {
        let entry = dir.names.get(i).map_or("", String::as_str);
        return Err(dir
            .allowance
            .refuse(label, entry, Found::Declared(dir.declared_total)));
    }
    if archive.has_overlapping_files().unwrap_or(true) {
        return Err(unprocessable(
            "zip_bomb",
            format!(
                "{label}: entries overlap (share compressed data), the construction of a zip \
                 bomb; the upload was refused and nothing was stored"
            ),
        ));
    }
    Ok(dir)
}

/// Checks the central directory of the zip `bytes` as an upload does before anything is
/// written (entry count and names, each entry's declared ratio, the declared total against
/// the archive's [`Allowance`], overlapping entries): what it declares, or the refusal's
/// message. For fuzzing and tools; the upload endpoint runs the same code.
pub fn check_zip_directory(bytes: &[u8], limits: &Limits) -> Result<ZipDirectory, String> {
    let label = "zip archive";
    let mut archive = open_archive(Cursor::new(bytes), label).map_err(|e| e.to_string())?;
    read_directory(&mut archive, bytes.len() as u64, label, limits).map_err(|e| e.to_string())
}

/// Unpacks the zip archive at `zip_path` into the folder `into` (created) as an upload does:
/// the central directory checked first ([`check_zip_directory`]), then the entries inflated
/// with their bytes counted against the archive's [`Allowance`] and their declared sizes;
/// the number of files written, or the refusal's message. For fuzzing and tools; the upload
/// endpoint runs the same code.
pub fn unpack_zip(zip_path: &Path, into: &Path, limits: &Limits) -> Result<usize, String> {
    std::fs::create_dir_all(into).map_err(|e| e.to_string())?;
    let label = format!(
        "zip archive `{}`",
        shown(
            &zip_path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        )
    );
    extract_zip(zip_path, into, limits, &label)
        .map(|x| x.names.len())
        .map_err(|e| e.to_string())
}

/// The bytes inflated from one archive, counted against its [`Allowance`].
#[derive(Debug)]
struct Inflated {
    allowance: Allowance,
    total: u64,
}

impl Inflated {
    /// Counts `k` more bytes of `entry`, or refuses them (before they are written) when the
    /// total would pass the allowance.
    fn add(&mut self, k: u64, label: &str, entry: &str) -> Result<(), ApiError> {
        let total = self.total.saturating_add(k);
        if total > self.allowance.bytes() {
            return Err(self.allowance.refuse(label, entry, Found::Inflated(total)));
        }
        self.total = total;
        Ok(())
    }
}

/// One entry being inflated: its archive, name and what the directory says of it.
struct Entry<'a> {
    label: &'a str,
    name: &'a str,
    declared: u64,
    compressed: u64,
}

impl Entry<'_> {
    /// Checks the entry's bytes inflated so far (`inflated`): no more than its declared size
    /// (the directory can lie), nor, past the grace, than the ratio times its compressed size.
    fn check(&self, inflated: u64, limits: &Limits) -> Result<(), ApiError> {
        let name = shown(self.name);
        if inflated > self.declared {
            return Err(unprocessable(
                "zip_bomb",
                format!(
                    "{}, entry `{name}`: inflates past the {} bytes its central directory \
                     declares ({inflated} bytes or more inflated); refused as a zip bomb while \
                     inflating, nothing was stored",
                    self.label, self.declared
                ),
            ));
        }
        if inflated > limits.zip_ratio_grace_bytes
            && inflated > limits.zip_ratio.saturating_mul(self.compressed)
        {
            return Err(unprocessable(
                "zip_bomb",
                format!(
                    "{}, entry `{name}`: inflates to more than {} times its compressed size \
                     ({} bytes compressed, more than {inflated} bytes inflated), refused as a \
                     zip bomb; nothing was stored",
                    self.label, limits.zip_ratio, self.compressed
                ),
            ));
        }
        Ok(())
    }
}

/// Inflates one entry `f` into `dest`, every chunk counted in `inflated` and checked by
/// [`Entry::check`] before it is written.
fn inflate_entry(
    f: &mut impl Read,
    dest: &Path,
    entry: &Entry<'_>,
    limits: &Limits,
    inflated: &mut Inflated,
    buf: &mut [u8],
) -> Result<(), ApiError> {
    let mut w = BufWriter::new(std::fs::File::create_new(dest).map_err(storage)?);
    let mut this: u64 = 0;
    loop {
        let k = f.read(buf).map_err(|e| {
            invalid_zip(format!(
                "{}, entry `{}`: cannot be inflated: {e}",
                entry.label,
                shown(entry.name)
            ))
        })?;
        if k == 0 {
            break;
        }
        inflated.add(k as u64, entry.label, entry.name)?;
        this += k as u64;
        entry.check(this, limits)?;
        w.write_all(&buf[..k]).map_err(storage)?;
    }
    w.flush().map_err(storage)
}

/// Inflates the entries of the zip at `zip_path` into `raw`, within the limits: the central
/// directory checked first, nothing written when it is refused.
fn extract_zip(
    zip_path: &Path,
    raw: &Path,
    limits: &Limits,
    label: &str,
) -> Result<Extracted, ApiError> {
    let file = std::fs::File::open(zip_path).map_err(storage)?;
    let archive_bytes = file.metadata().map_err(storage)?.len();
    let mut archive = open_archive(BufReader::new(file), label)?;
    let dir = read_directory(&mut archive, archive_bytes, label, limits)?;
    let mut inflated = Inflated {
        allowance: dir.allowance,
        total: 0,
    };
    let mut out = Extracted::default();
    let mut buf = vec![0u8; 64 * 1024];
    for (i, (name, declared)) in dir.names.iter().zip(&dir.declared).enumerate() {
        let mut f = archive
            .by_index(i)
            .map_err(|e| invalid_zip(format!("{label}, entry `{}`: {e}", shown(name))))?;
        if f.is_dir() {
            continue;
        }
        if f.is_symlink() {
            out.skipped.push(SkippedFile {
                name: shown(name),
                reason: "a symbolic link (not extracted)".into(),
            });
            continue;
        }
        let entry = Entry {
            label,
            name,
            declared: *declared,
            compressed: f.compressed_size().max(1),
        };
        let dest = raw.join(format!("{i:06}"));
        inflate_entry(&mut f, &dest, &entry, limits, &mut inflated, &mut buf)?;
        out.names.insert(dest, shown(name));
    }
    Ok(out)
}

/// `text` with the staged paths it names replaced by the names in the upload.
fn with_upload_names(text: &str, raw: &Path, names: &BTreeMap<PathBuf, String>) -> String {
    let mut out = text.to_owned();
    for (path, name) in names {
        let p = path.display().to_string();
        if out.contains(&p) {
            out = out.replace(&p, name);
        }
    }
    out.replace(&raw.display().to_string(), "the upload")
}

/// The folder name of a series: modality (capital letters and digits) and series number.
fn series_folder(s: &sirt_dicom::Series, taken: &mut BTreeSet<String>) -> String {
    let modality: String = s
        .modality
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect::<String>()
        .to_ascii_uppercase();
    let modality = if modality.is_empty() {
        "OT".to_owned()
    } else {
        modality
    };
    let base = match s.series_number {
        Some(n) => format!("{modality}-{n}"),
        None => modality,
    };
    let mut name = base.clone();
    let mut k = 2;
    while taken.contains(&name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// `YYYYMMDD` → `YYYY-MM-DD` when it is a date.
fn iso_date(dicom: Option<&str>) -> Option<String> {
    let d = dicom?.trim();
    if d.len() != 8 || !d.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let iso = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
    iso.parse::<jiff::civil::Date>().ok().map(|_| iso)
}

/// A list of skipped files for a message: the first few, then how many more.
fn list_for_message(skipped: &[SkippedFile]) -> String {
    let mut parts: Vec<String> = skipped
        .iter()
        .take(NAMES_IN_MESSAGE)
        .map(|s| format!("{} ({})", s.name, s.reason))
        .collect();
    if skipped.len() > NAMES_IN_MESSAGE {
        parts.push(format!("and {} more", skipped.len() - NAMES_IN_MESSAGE));
    }
    if parts.is_empty() {
        "no files".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Refuses the upload when a DICOM file's Patient ID is not the patient's MRN (or is missing);
/// `name_of` gives a file's name in the upload.
fn check_patients(
    report: &sirt_dicom::ScanReport,
    mrn: &str,
    name_of: &dyn Fn(&Path) -> String,
) -> Result<(), ApiError> {
    let files = report
        .studies
        .iter()
        .flat_map(|study| &study.series)
        .flat_map(|series| &series.files);
    for f in files {
        let found = sirt_dicom::scan(f)
            .studies
            .first()
            .and_then(|s| s.patient_id.clone());
        let found = match found {
            Some(id) if id.trim() == mrn.trim() => continue,
            Some(id) => format!("`{}`: a file of another patient;", shown(id.trim())),
            None => "none;".to_owned(),
        };
        return Err(unprocessable(
            "other_patient",
            format!(
                "file `{}`: expected Patient ID `{}` (the patient's MRN), found {found} the \
                 upload was refused and nothing was stored",
                name_of(f),
                shown(mrn),
            ),
        ));
    }
    Ok(())
}

/// Scans the staged files, checks the patient of every DICOM file, reads every series and
/// arranges the series folders under `dir/study`.
fn prepare_dicom(
    dir: &Path,
    raw: &Path,
    extracted: Extracted,
    mrn: &str,
) -> Result<Prepared, ApiError> {
    let Extracted { names, mut skipped } = extracted;
    let name_of = |p: &Path| {
        names
            .get(p)
            .cloned()
            .unwrap_or_else(|| with_upload_names(&p.display().to_string(), raw, &names))
    };
    let report = sirt_dicom::scan(raw);
    for s in &report.skipped {
        // The reason names the file itself: one replacement, not a search over every entry
        // (a zip of 20 000 skipped files would make that quadratic).
        let name = name_of(&s.path);
        let reason = s
            .reason
            .replace(&s.path.display().to_string(), &name)
            .replace(&raw.display().to_string(), "the upload");
        skipped.push(SkippedFile { name, reason });
    }
    // The patient of every file, before any series is read.
    check_patients(&report, mrn, &name_of)?;
    let study_dir = dir.join("study");
    std::fs::create_dir_all(&study_dir).map_err(storage)?;
    let mut taken = BTreeSet::new();
    let mut series_rows = Vec::new();
    let mut modalities: Vec<String> = Vec::new();
    for study in &report.studies {
        for s in &study.series {
            let loaded = sirt_imaging::read_series(s).map_err(|e| {
                unprocessable(
                    "invalid_dicom",
                    format!(
                        "{}; the upload was refused and nothing was stored",
                        with_upload_names(&e.to_string(), raw, &names)
                    ),
                )
            })?;
            let (files, dims, spacing, images) = match loaded {
                SeriesContent::NotUsed(reason) => {
                    for f in &s.files {
                        skipped.push(SkippedFile {
                            name: name_of(f),
                            reason: reason.clone(),
                        });
                    }
                    continue;
                }
                SeriesContent::Object => (s.files.clone(), None, None, s.files.len() as i64),
                SeriesContent::Volume {
                    files,
                    grid,
                    images,
                } => (
                    files,
                    Some(grid.dims.map(|d| d as i64)),
                    Some(grid.spacing_mm),
                    i64::from(images),
                ),
            };
            let folder = series_folder(s, &mut taken);
            let target = study_dir.join(&folder);
            std::fs::create_dir_all(&target).map_err(storage)?;
            for (k, f) in files.iter().enumerate() {
                std::fs::rename(f, target.join(format!("{:05}.dcm", k + 1))).map_err(storage)?;
            }
            if !modalities.contains(&s.modality) {
                modalities.push(s.modality.clone());
            }
            series_rows.push(NewSeries {
                folder,
                format: "dicom".into(),
                modality: s.modality.clone(),
                description: s.description.clone(),
                study_instance_uid: Some(study.study_instance_uid.clone()),
                series_instance_uid: Some(s.series_instance_uid.clone()),
                series_number: s.series_number,
                frame_of_reference_uid: s.frame_of_reference_uid.clone(),
                images,
                dims,
                spacing_mm: spacing,
            });
        }
    }
    skipped.sort_by(|a, b| a.name.cmp(&b.name));
    if series_rows.is_empty() {
        return Err(unprocessable(
            "no_images",
            format!(
                "the upload holds no DICOM series sirtplan reads; found {} file(s): {}",
                names.len(),
                list_for_message(&skipped)
            ),
        ));
    }
    let first = report.studies.first();
    let mut modality = modalities.join("+");
    if modality.chars().count() > sirt_store::limits::SHORT {
        modality = modality.chars().take(sirt_store::limits::SHORT).collect();
    }
    Ok(Prepared {
        study_dir,
        study: NewStudy {
            patient_id: 0,
            modality,
            description: first.and_then(|s| s.description.clone()),
            study_date: iso_date(first.and_then(|s| s.study_date.as_deref())),
            source: None,
        },
        series: series_rows,
        skipped,
    })
}

/// Checks the NIfTI body with sirt-nifti and puts it as `dir/study/NAME`.
fn prepare_nifti(
    dir: &Path,
    body: &Path,
    q: &UploadQuery,
    limits: &Limits,
) -> Result<Prepared, ApiError> {
    let name = nifti_name(q)?;
    let modality = nifti_modality(q)?;
    let invalid = |message: String| {
        unprocessable(
            "invalid_nifti",
            format!("{message}; the upload was refused and nothing was stored"),
        )
    };
    let mut head = [0u8; 2];
    let size = std::fs::metadata(body).map_err(storage)?.len();
    {
        let mut f = std::fs::File::open(body).map_err(storage)?;
        let _ = f.read(&mut head).map_err(storage)?;
    }
    let uncompressed = if head == [0x1f, 0x8b] {
        // Counted before sirt-nifti inflates it into memory.
        let f = std::fs::File::open(body).map_err(storage)?;
        let mut gz = flate2::read::GzDecoder::new(BufReader::new(f)).take(limits.nifti_bytes + 1);
        std::io::copy(&mut gz, &mut std::io::sink())
            .map_err(|e| invalid(format!("{name}: gzip: {e}")))?
    } else {
        size
    };
    if uncompressed > limits.nifti_bytes {
        return Err(too_large(format!(
            "{name}: expected at most {} bytes of NIfTI data uncompressed, found more",
            limits.nifti_bytes
        )));
    }
    let bytes = std::fs::read(body).map_err(storage)?;
    let image = sirt_nifti::read(
        &bytes,
        &name,
        sirt_geometry::FrameOfReference(NIFTI_FRAME.into()),
    )
    .map_err(|e| invalid(e.to_string()))?;
    drop(bytes);
    let grid = image.grid().clone();
    drop(image);
    let study_dir = dir.join("study");
    std::fs::create_dir_all(&study_dir).map_err(storage)?;
    std::fs::rename(body, study_dir.join(&name)).map_err(storage)?;
    Ok(Prepared {
        study_dir,
        study: NewStudy {
            patient_id: 0,
            modality: modality.clone(),
            description: Some(name.clone()),
            study_date: None,
            source: None,
        },
        series: vec![NewSeries {
            folder: name,
            format: "nifti".into(),
            modality,
            description: None,
            images: grid.dims[2] as i64,
            dims: Some(grid.dims.map(|d| d as i64)),
            spacing_mm: Some(grid.spacing_mm),
            ..Default::default()
        }],
        skipped: Vec::new(),
    })
}

/// A study with its series, each with `path`: where it lies relative to the patient's folder
/// (`studies/12/CT-2`), the path to write into a case file's `[images]` section.
pub(crate) fn study_view(study: &Study, series: &[StudySeries]) -> StudyView {
    let series = series
        .iter()
        .map(|s| {
            // A volume is read from its folder; an object without a grid (RT Struct, SEG,
            // spatial registration) from its file, as a case file names it.
            let path = if s.format == "dicom" && s.dims.is_none() {
                format!("studies/{}/{}/00001.dcm", study.id, s.folder)
            } else {
                format!("studies/{}/{}", study.id, s.folder)
            };
            SeriesView {
                series: s.clone(),
                path,
            }
        })
        .collect();
    StudyView {
        study: study.clone(),
        series,
        links: StudyLinks {
            this: format!("/api/patients/{}/studies/{}", study.patient_id, study.id),
        },
    }
}

/// The studies of a patient with their series (for `GET /api/patients/{id}`).
pub(crate) async fn studies_of_patient(
    state: &AppState,
    patient_id: i64,
) -> Result<Vec<StudyView>, ApiError> {
    let studies = state.store.studies(patient_id).await?;
    let mut series: BTreeMap<i64, Vec<StudySeries>> = BTreeMap::new();
    for s in state.store.series_of_patient(patient_id).await? {
        series.entry(s.study_id).or_default().push(s);
    }
    Ok(studies
        .iter()
        .map(|st| study_view(st, series.get(&st.id).map_or(&[], Vec::as_slice)))
        .collect())
}

/// `{id}` and `{study_id}` of the path.
pub(crate) struct StudyPath(i64, i64);

impl<S: Send + Sync> FromRequestParts<S> for StudyPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(i64, i64)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((p, s))) => Ok(StudyPath(p, s)),
            Err(_) => Err(ApiError::not_found("path: expected numeric ids")),
        }
    }
}

/// `GET /api/patients/{id}/studies/{study_id}`.
pub(crate) async fn get_study(
    State(state): State<AppState>,
    StudyPath(patient_id, study_id): StudyPath,
) -> Result<Response, ApiError> {
    let study = state.store.study(study_id).await?;
    if study.patient_id != patient_id {
        return Err(ApiError::not_found(format!(
            "study {study_id} not found among the studies of patient {patient_id}"
        )));
    }
    let series = state.store.study_series(study_id).await?;
    Ok(Json(study_view(&study, &series)).into_response())
}

/// `POST /api/patients/{id}/studies`: stores an upload as a study of the patient.
pub(crate) async fn upload_study(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    crate::error::PathId(patient_id): crate::error::PathId,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let limits = Limits::default();
    let kind = kind_of(&headers)?;
    match kind {
        Kind::Nifti => {
            nifti_name(&q)?;
            nifti_modality(&q)?;
        }
        Kind::Zip | Kind::Dicom if q.modality.is_some() => {
            return Err(unprocessable(
                "invalid",
                "query `modality`: expected only with a NIfTI upload (DICOM files state theirs)",
            ));
        }
        _ => {}
    }
    if let Some(n) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && n > limits.body_bytes
    {
        return Err(too_large(format!(
            "request body: expected at most {} bytes for an upload, found {n}",
            limits.body_bytes
        )));
    }
    // Given back when the upload's task ends (or when this future is dropped before).
    let place = state
        .uploads_in_flight
        .try_take(auth.user.id)
        .ok_or_else(busy)?;
    let patient = state.store.patient(patient_id).await?;
    // The rest runs to its end in a task of its own: a client that goes away cannot cut the
    // upload between the rename of its folder and the commit (files without rows).
    let upload = store_upload(state, auth.actor(), patient_id, patient.mrn, kind, q, body);
    let task = tokio::spawn(async move {
        let result = upload.await;
        drop(place);
        result
    });
    task.await.map_err(|_| ApiError::internal())?
}

/// Receives, checks and stores an upload (see the module's documentation).
async fn store_upload(
    state: AppState,
    actor: sirt_store::Actor,
    patient_id: i64,
    mrn: String,
    kind: Kind,
    q: UploadQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let limits = Limits::default();
    let _slot = SLOTS.acquire().await.map_err(|_| ApiError::internal())?;
    let staging = Staging::new(&state.data_dir)?;
    receive(body, staging.dir.join("upload.bin"), limits.body_bytes).await?;
    let dir = staging.dir.clone();
    let mut prepared = tokio::task::spawn_blocking(move || prepare(&dir, kind, &q, &mrn, &limits))
        .await
        .map_err(|_| ApiError::internal())??;
    prepared.study.patient_id = patient_id;
    let placed = place(&state, &actor, patient_id, &prepared).await;
    drop(staging);
    let (study, series) = placed?;
    let view = UploadedStudy {
        study: study_view(&study, &series),
        skipped: prepared.skipped,
    };
    let mut r = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("/api/patients/{patient_id}/studies/{}", study.id))
    {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Moves a prepared study folder into the patient's `studies/{study id}` and adds its rows in
/// one transaction; on a refusal the folder placed (and folders made for it alone) go again.
async fn place(
    state: &AppState,
    actor: &sirt_store::Actor,
    patient_id: i64,
    prepared: &Prepared,
) -> Result<(Study, Vec<StudySeries>), ApiError> {
    let studies_dir = state.patient_folder(patient_id).join("studies");
    let mut placed: Option<PathBuf> = None;
    let result = state
        .store
        .add_study_with_series(
            actor,
            &prepared.study,
            &prepared.series,
            |study_id| -> Result<String, ApiError> {
                std::fs::create_dir_all(&studies_dir).map_err(storage)?;
                let target = studies_dir.join(study_id.to_string());
                if std::fs::symlink_metadata(&target).is_ok() {
                    // Never over another study's files (a data folder reused with another
                    // database).
                    return Err(ApiError::internal());
                }
                std::fs::rename(&prepared.study_dir, &target).map_err(storage)?;
                placed = Some(target);
                Ok(format!("studies/{study_id}"))
            },
        )
        .await;
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            if let Some(p) = placed {
                let _ = std::fs::remove_dir_all(p);
            }
            // Folders made for this upload alone go too (fails harmlessly when not empty).
            if std::fs::remove_dir(&studies_dir).is_ok()
                && let Some(patient_dir) = studies_dir.parent()
            {
                let _ = std::fs::remove_dir(patient_dir);
            }
            Err(e)
        }
    }
}

/// Stores DICOM files the server made (a spatial registration, a segmentation: `files` are
/// (name shown in messages, Part 10 bytes)) as a new study of the patient, through the same
/// reading and checks as an upload of those files: the patient of every file must be the
/// patient's MRN, each series is read as an upload's is, and nothing is stored on a refusal.
/// The study's description is `description`.
pub(crate) async fn store_generated(
    state: &AppState,
    actor: &sirt_store::Actor,
    patient_id: i64,
    description: &str,
    files: Vec<(String, Vec<u8>)>,
) -> Result<UploadedStudy, ApiError> {
    let patient = state.store.patient(patient_id).await?;
    let _slot = SLOTS.acquire().await.map_err(|_| ApiError::internal())?;
    let staging = Staging::new(&state.data_dir)?;
    let dir = staging.dir.clone();
    let mrn = patient.mrn;
    let mut prepared = tokio::task::spawn_blocking(move || -> Result<Prepared, ApiError> {
        let raw = dir.join("raw");
        std::fs::create_dir_all(&raw).map_err(storage)?;
        let mut names = BTreeMap::new();
        for (k, (name, bytes)) in files.into_iter().enumerate() {
            let dest = raw.join(format!("{k:06}"));
            std::fs::write(&dest, bytes).map_err(storage)?;
            names.insert(dest, shown(&name));
        }
        let extracted = Extracted {
            names,
            skipped: Vec::new(),
        };
        prepare_dicom(&dir, &raw, extracted, &mrn)
    })
    .await
    .map_err(|_| ApiError::internal())??;
    if !prepared.skipped.is_empty() {
        // A file the server made that the reader leaves out is the server's error.
        return Err(ApiError::internal());
    }
    prepared.study.patient_id = patient_id;
    prepared.study.description = Some(description.to_owned());
    let placed = place(state, actor, patient_id, &prepared).await;
    drop(staging);
    let (study, series) = placed?;
    Ok(UploadedStudy {
        study: study_view(&study, &series),
        skipped: Vec::new(),
    })
}

/// Files retrieved from a PACS (`crate::pacs`), written under a staging folder of the data
/// folder ([`Retrieved::folder`]) and stored as a study of the patient through the same
/// reading and checks as an upload of those files ([`Retrieved::store`]): every file's Patient
/// ID must be the patient's MRN, every series is read by its loader; nothing is stored on a
/// refusal, and the staging folder goes when this is dropped.
pub(crate) struct Retrieved {
    staging: Staging,
}

impl Retrieved {
    /// A new, empty staging folder.
    pub(crate) fn new(state: &AppState) -> Result<Retrieved, ApiError> {
        let staging = Staging::new(&state.data_dir)?;
        std::fs::create_dir_all(staging.dir.join("raw")).map_err(storage)?;
        Ok(Retrieved { staging })
    }

    /// Where the retrieve writes its files (any layout below it).
    pub(crate) fn folder(&self) -> PathBuf {
        self.staging.dir.join("raw")
    }

    /// Stores the retrieved files as a study of the patient, described `description`.
    pub(crate) async fn store(
        self,
        state: &AppState,
        actor: &sirt_store::Actor,
        patient_id: i64,
        description: &str,
    ) -> Result<UploadedStudy, ApiError> {
        let patient = state.store.patient(patient_id).await?;
        let _slot = SLOTS.acquire().await.map_err(|_| ApiError::internal())?;
        let dir = self.staging.dir.clone();
        let mrn = patient.mrn;
        let mut prepared = tokio::task::spawn_blocking(move || -> Result<Prepared, ApiError> {
            let raw = dir.join("raw");
            let files = sirt_pacs::files::collect(std::slice::from_ref(&raw))
                .map_err(|_| ApiError::internal())?;
            let names = files
                .into_iter()
                .map(|f| {
                    let name = f.strip_prefix(&raw).unwrap_or(&f).display().to_string();
                    (f, shown(&name))
                })
                .collect();
            let extracted = Extracted {
                names,
                skipped: Vec::new(),
            };
            prepare_dicom(&dir, &raw, extracted, &mrn)
        })
        .await
        .map_err(|_| ApiError::internal())??;
        prepared.study.patient_id = patient_id;
        prepared.study.description = Some(description.chars().take(200).collect());
        let placed = place(state, actor, patient_id, &prepared).await;
        drop(self.staging);
        let (study, series) = placed?;
        Ok(UploadedStudy {
            study: study_view(&study, &series),
            skipped: prepared.skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::Cursor;
    use zip::write::SimpleFileOptions;

    fn temp(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("sirt-server-uploads-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        // A new folder: it and its parts 0700.
        let d = temp("modes").join("data");
        prepare_data_dir(&d).unwrap();
        for f in [d.clone(), d.join("patients"), d.join("tmp")] {
            assert_eq!(mode(&f), 0o700, "{}", f.display());
        }
        // A folder that was there, readable by others (a 022 umask): its parts made 0700, the
        // folder itself left as its owner set it.
        let e = temp("modes-existing").join("data");
        std::fs::create_dir_all(&e).unwrap();
        std::fs::set_permissions(&e, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare_data_dir(&e).unwrap();
        assert_eq!(mode(&e), 0o755);
        for f in [e.join("patients"), e.join("tmp")] {
            assert_eq!(mode(&f), 0o700, "{}", f.display());
        }
        let _ = std::fs::remove_dir_all(e.parent().unwrap());
        let _ = std::fs::remove_dir_all(d.parent().unwrap());
    }

    fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            w.start_file(*name, o).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn extract(tag: &str, zip: &[u8], limits: &Limits) -> Result<Extracted, ApiError> {
        extract_counted(tag, zip, limits).0
    }

    /// Extracts as an upload does and counts the bytes it left in `raw/` (files are only
    /// appended to, and a refusal leaves them to the staging folder's removal): what was
    /// written, whether it succeeded or not.
    fn extract_counted(
        tag: &str,
        zip: &[u8],
        limits: &Limits,
    ) -> (Result<Extracted, ApiError>, u64) {
        let d = temp(tag);
        std::fs::write(d.join("upload.bin"), zip).unwrap();
        std::fs::create_dir_all(d.join("raw")).unwrap();
        let r = extract_zip(
            &d.join("upload.bin"),
            &d.join("raw"),
            limits,
            "zip archive `test.zip`",
        );
        let written = std::fs::read_dir(d.join("raw"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        let _ = std::fs::remove_dir_all(&d);
        (r, written)
    }

    /// A zip of `n` copies of one deflated entry of `size` zero bytes (`000.dcm`, ...),
    /// deflated once and copied raw: each copy has its own data, none overlap.
    fn zeros_zip(n: usize, size: usize) -> Vec<u8> {
        let one = zip_of(&[("zeros", vec![0u8; size])]);
        let mut src = zip::ZipArchive::new(Cursor::new(one)).unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..n {
            w.raw_copy_file_rename(src.by_index(0).unwrap(), format!("{i:03}.dcm"))
                .unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Sets the uncompressed size of entry `name` in the central directory (PKWARE APPNOTE
    /// 6.3.10, 4.3.12: signature `PK\x01\x02`, uncompressed size at offset 24, file name
    /// length at 28, file name at 46) and in its local header (4.3.7: `PK\x03\x04`, size at
    /// 22, name length at 26, name at 30): a directory that lies.
    fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
        let mut patched = 0;
        for (sig, size_at, len_at, name_at) in
            [(b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)]
        {
            for i in 0..zip.len().saturating_sub(name_at) {
                if &zip[i..i + 4] != sig {
                    continue;
                }
                let len = u16::from_le_bytes([zip[i + len_at], zip[i + len_at + 1]]) as usize;
                if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
                    zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                    patched += 1;
                }
            }
        }
        assert_eq!(patched, 2, "entry {name} not found once in each header");
    }

    #[test]
    fn the_issue_15_zip_is_refused_from_its_directory_before_anything_is_written() {
        // Issue 15: 128 zero-filled entries of 8 MiB - 1 KiB each, every one under the grace
        // of one entry; about 1 MB zipped, 1 GiB inflated.
        let entry: u64 = (8 << 20) - 1024;
        let z = zeros_zip(128, entry as usize);
        assert!(z.len() < 1_500_000, "{} bytes", z.len());
        // Each entry alone passes the check of one entry.
        for _ in 0..128 {
            check_entry_ratio("t", "e", entry, 8_000, &Limits::default()).unwrap();
        }
        let (r, written) = extract_counted("issue15", &z, &Limits::default());
        let e = r.unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e.code, "zip_bomb", "{e}");
        // Hand figures: 128 × 8 387 584 = 1 073 610 752 bytes declared; allowed
        // 200 × the archive's size + 8 388 608.
        let allowed = 200 * z.len() as u64 + 8_388_608;
        for figure in [
            "zip archive `test.zip`".to_owned(),
            "declares 1073610752 bytes".to_owned(),
            format!("more than the {allowed} bytes allowed"),
            format!("archive of {} bytes", z.len()),
            "before anything was written".to_owned(),
        ] {
            assert!(e.message.contains(&figure), "{figure}: {e}");
        }
        // 1 + floor(allowed / entry): the entry at which the declared total passes.
        let passing = allowed / entry;
        assert!(
            e.message.contains(&format!("entry `{passing:03}.dcm`")),
            "{e}"
        );
        assert_eq!(written, 0);
    }

    #[test]
    fn a_directory_that_declares_less_than_its_entries_inflate_is_stopped_while_writing() {
        // `a`: 2 MiB of zeros, honest; `b`: 4 MiB of zeros declared as 1 KiB.
        let mut z = zip_of(&[("a", vec![0u8; 2 << 20]), ("b", vec![0u8; 4 << 20])]);
        lie_about_size(&mut z, "b", 1024);
        let dir = check_zip_directory(&z, &Limits::default()).unwrap();
        assert_eq!(dir.declared, vec![2 << 20, 1024]);
        assert_eq!(dir.declared_total, (2 << 20) + 1024);
        let (r, written) = extract_counted("liar", &z, &Limits::default());
        let e = r.unwrap_err();
        assert_eq!(e.code, "zip_bomb", "{e}");
        assert!(
            e.message
                .contains("entry `b`: inflates past the 1024 bytes"),
            "{e}"
        );
        // `a` whole, nothing of `b`: each chunk is checked before it is written.
        assert_eq!(written, 2 << 20);
        assert!(written <= dir.allowance.bytes());
    }

    #[test]
    fn the_bytes_inflated_are_counted_against_the_archive_allowance() {
        let limits = Limits::default();
        // 200 × 1 000 + 8 388 608 = 8 588 608, under the 4 GiB cap.
        let a = Allowance::new(1000, &limits);
        assert_eq!(a.bytes(), 8_588_608);
        let mut n = Inflated {
            allowance: a,
            total: 0,
        };
        n.add(8_588_600, "zip archive `x.zip`", "one").unwrap();
        n.add(8, "zip archive `x.zip`", "two").unwrap();
        let e = n.add(1, "zip archive `x.zip`", "three").unwrap_err();
        assert_eq!(e.code, "zip_bomb", "{e}");
        assert!(e.message.contains("inflate to 8588609 bytes"), "{e}");
        assert!(e.message.contains("entry `three`"), "{e}");
        assert!(
            e.message.contains("more than the 8588608 bytes allowed"),
            "{e}"
        );
        assert_eq!(n.total, 8_588_608);
        // Where the cap is the smaller limit: 413. 200 × 1 GiB + 8 MiB > 4 GiB.
        let a = Allowance::new(1 << 30, &limits);
        assert_eq!(a.bytes(), 4 << 30);
        let mut n = Inflated {
            allowance: a,
            total: 4 << 30,
        };
        let e = n.add(1, "zip archive `x.zip`", "last").unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
        assert!(
            e.message
                .contains("expected at most 4294967296 bytes uncompressed in all"),
            "{e}"
        );
        // No overflow: the ratio times the largest size saturates.
        assert_eq!(Allowance::new(u64::MAX, &limits).bytes(), 4 << 30);
    }

    #[test]
    fn one_upload_per_account_at_a_time_and_the_place_comes_back() {
        let places = UploadsInFlight::default();
        let first = places.try_take(1).unwrap();
        assert!(places.try_take(1).is_none());
        assert_eq!(places.in_flight(1), 1);
        // Another account is not held back.
        let other = places.try_take(2).unwrap();
        drop(first);
        assert_eq!(places.in_flight(1), 0);
        let again = places.try_take(1).unwrap();
        drop((again, other));
        assert_eq!(places.in_flight(2), 0);
        assert!(places.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_cancelled_upload_gives_its_place_back() {
        let places = UploadsInFlight::default();
        let place = places.try_take(7).unwrap();
        let task = tokio::spawn(async move {
            let _place = place;
            std::future::pending::<()>().await;
        });
        assert_eq!(places.in_flight(7), 1);
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(places.in_flight(7), 0);
        assert!(places.try_take(7).is_some());
    }

    #[test]
    fn entry_names_that_leave_the_folder_are_refused() {
        for bad in [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "a\\b",
            "C:/x",
            "a/..",
        ] {
            let e = check_entry_name(bad).unwrap_err();
            assert_eq!(e.code, "unsafe_entry_name", "{bad}");
        }
        for good in ["a", "dir/file.dcm", "a/..b/c", "DICOM/IM0001", "..hidden"] {
            check_entry_name(good).unwrap();
        }
    }

    #[test]
    fn zip_limits_are_counted_while_inflating() {
        let small = Limits {
            zip_uncompressed_bytes: 1000,
            zip_entries: 2,
            zip_ratio_grace_bytes: 1000,
            ..Limits::default()
        };
        // Total: 3 × 400 bytes of text > 1000.
        let text: Vec<u8> = (0..400u32).map(|i| b'a' + (i * 7 % 26) as u8).collect();
        let z = zip_of(&[("a", text.clone()), ("b", text.clone())]);
        extract("ok", &z, &small).unwrap();
        let z3 = zip_of(&[("a", text.clone()), ("b", text.clone()), ("c", text)]);
        let e = extract("entries", &z3, &small).unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(e.message.contains("at most 2 entries, found 3"), "{e}");
        let big = Limits {
            zip_entries: 10,
            ..small
        };
        let e = extract("total", &z3, &big).unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(e.message.contains("at most 1000 bytes uncompressed"), "{e}");
        // A ratio above the limit past the grace size: 100 kB of zeros.
        let z = zip_of(&[("zeros", vec![0u8; 100_000])]);
        let e = extract(
            "ratio",
            &z,
            &Limits {
                zip_ratio_grace_bytes: 10_000,
                ..Limits::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code, "zip_bomb", "{e}");
        // Under the grace size the same entry passes.
        extract("grace", &z, &Limits::default()).unwrap();
    }

    #[test]
    fn nifti_names_are_checked_and_cleaned() {
        let q = |f: &str| UploadQuery {
            filename: Some(f.into()),
            ..Default::default()
        };
        assert_eq!(nifti_name(&q("ct.nii.gz")).unwrap(), "ct.nii.gz");
        assert_eq!(nifti_name(&q("../x/My CT.nii")).unwrap(), "My_CT.nii");
        assert_eq!(nifti_name(&q(".nii.gz.nii")).unwrap(), "_nii.gz.nii");
        for bad in ["ct.nii.zip", ".nii", "x.dcm", ""] {
            assert_eq!(nifti_name(&q(bad)).unwrap_err().code, "invalid", "{bad}");
        }
    }

    #[test]
    fn dicom_dates_become_iso_dates() {
        assert_eq!(iso_date(Some("20250115")), Some("2025-01-15".into()));
        assert_eq!(iso_date(Some("20251315")), None);
        assert_eq!(iso_date(Some("2025")), None);
        assert_eq!(iso_date(None), None);
    }
}
