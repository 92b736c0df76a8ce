//! The DICOMweb client (PS3.18): QIDO-RS search of studies and series, WADO-RS retrieve of a
//! series or study streamed into files, STOW-RS store with its answer read.

mod http;
pub mod json;
pub mod multipart;

use crate::files::PullFolder;
use crate::query::{Query, SeriesHit, StudyHit};
use crate::transfer::{Outgoing, Progress, PullSelector, PushOutcome, Refused, read_file};
use crate::{PacsError, Timeouts, WebNode};
use ::http::{Method, Request};
use bytes::Bytes;
use http::{Answer, encode_query_value, encode_segment, send};
use http_body_util::Full;
use multipart::{MultipartReader, PartSink, boundary_of};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest QIDO-RS or STOW-RS answer read: thousands of studies' JSON fit in a few MB;
/// design choice, 64 MiB refuses an endless answer.
const MAX_JSON_ANSWER: usize = 64 * 1024 * 1024;

/// The most bytes sent in one STOW-RS request: design choice, large enough for a 300-slice CT
/// series (about 160 MB) in a few requests, small enough that a refused request costs little.
pub const STOW_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// The media type of DICOM JSON answers (PS3.18 §8.7.3.1).
const DICOM_JSON: &str = "application/dicom+json";

/// A DICOMweb service and the timeouts of every exchange with it.
#[derive(Clone, Debug)]
pub struct WebClient {
    node: WebNode,
    timeouts: Timeouts,
}

/// A DICOM JSON answer's body after its status and media type are checked.
async fn json_body(answer: &mut Answer) -> Result<Vec<u8>, PacsError> {
    answer.require_success().await?;
    let ct = answer.content_type().to_ascii_lowercase();
    let body = answer.body(MAX_JSON_ANSWER).await?;
    if answer.status == 204 || body.is_empty() {
        return Ok(Vec::new());
    }
    if !(ct.starts_with(DICOM_JSON) || ct.starts_with("application/json")) {
        return Err(answer.garbage(
            "a DICOM JSON answer (application/dicom+json)",
            &format!(
                "{} ({})",
                if ct.is_empty() {
                    "no Content-Type"
                } else {
                    ct.as_str()
                },
                http::shown_text(&body)
            ),
        ));
    }
    Ok(body)
}

impl WebClient {
    /// A client of `node`.
    pub fn new(node: WebNode, timeouts: Timeouts) -> Self {
        Self { node, timeouts }
    }

    /// The node.
    pub fn node(&self) -> &WebNode {
        &self.node
    }

    fn get(&self, path_and_query: &str, accept: &str) -> Result<Request<Full<Bytes>>, PacsError> {
        Request::builder()
            .method(Method::GET)
            .uri(format!("{}{path_and_query}", self.node.root()))
            .header(::http::header::ACCEPT, accept)
            .body(Full::new(Bytes::new()))
            .map_err(|e| PacsError::Request(format!("request {path_and_query:?}: {e}")))
    }

    async fn qido(&self, path_and_query: &str, what: &str) -> Result<Vec<u8>, PacsError> {
        let req = self.get(path_and_query, DICOM_JSON)?;
        let mut answer = send(&self.node, &self.timeouts, req, what).await?;
        json_body(&mut answer).await
    }

    /// Checks that the service answers a QIDO-RS search (`/studies?limit=1`) with DICOM JSON.
    pub async fn echo(&self) -> Result<(), PacsError> {
        let what = "the QIDO-RS search /studies?limit=1";
        let body = self.qido("/studies?limit=1", what).await?;
        json::parse_studies(&body).map_err(|found| self.garbage(what, "DICOM JSON", &found))?;
        Ok(())
    }

    fn garbage(&self, what: &str, expected: &str, found: &str) -> PacsError {
        PacsError::Garbage {
            node: self.node.to_string(),
            what: what.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        }
    }

    /// The studies matching `query`, each with its series (those of the modality asked for).
    pub async fn find(&self, query: &Query) -> Result<Vec<StudyHit>, PacsError> {
        query.check().map_err(PacsError::Request)?;
        let mut keys = Vec::new();
        let mut key = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                keys.push(format!("{k}={}", encode_query_value(v)));
            }
        };
        key("PatientID", &query.patient_id);
        key("PatientName", &query.patient_name);
        key("StudyInstanceUID", &query.study_uid);
        key("AccessionNumber", &query.accession);
        key("ModalitiesInStudy", &query.modality);
        key("StudyDate", &query.date.as_ref().map(|d| d.key()));
        keys.push("includefield=00081030".into());
        let what = "the QIDO-RS study search";
        let body = self
            .qido(&format!("/studies?{}", keys.join("&")), what)
            .await?;
        let mut studies =
            json::parse_studies(&body).map_err(|f| self.garbage(what, "DICOM JSON studies", &f))?;
        for study in &mut studies {
            study.series = self
                .series_of(&study.study_uid, query.modality.as_deref())
                .await?;
        }
        Ok(studies)
    }

    /// The series of one study (of one modality when given), by series number.
    pub async fn series_of(
        &self,
        study_uid: &str,
        modality: Option<&str>,
    ) -> Result<Vec<SeriesHit>, PacsError> {
        let mut q = format!(
            "/studies/{}/series?includefield=00201209",
            encode_segment(study_uid)
        );
        if let Some(m) = modality {
            q.push_str(&format!("&Modality={}", encode_query_value(m)));
        }
        let what = format!("the QIDO-RS series search of study {study_uid}");
        let body = self.qido(&q, &what).await?;
        let mut series: Vec<SeriesHit> = json::parse_series(&body)
            .map_err(|f| self.garbage(&what, "DICOM JSON series", &f))?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        series.sort_by(|a, b| (a.number, &a.series_uid).cmp(&(b.number, &b.series_uid)));
        Ok(series)
    }

    /// The (study, series) pairs to retrieve for `selector`; `None` series means the whole
    /// study.
    async fn resolve(
        &self,
        selector: &PullSelector,
    ) -> Result<Vec<(String, Option<String>)>, PacsError> {
        let found = match selector {
            PullSelector::Study(uid) => {
                Query {
                    study_uid: Some(uid.clone()),
                    ..Query::default()
                }
                .check()
                .map_err(PacsError::Request)?;
                vec![(uid.clone(), None)]
            }
            PullSelector::Patient(id) => {
                let q = Query {
                    patient_id: Some(id.clone()),
                    ..Query::default()
                };
                q.check().map_err(PacsError::Request)?;
                let what = "the QIDO-RS study search";
                let body = self
                    .qido(
                        &format!("/studies?PatientID={}", encode_query_value(id)),
                        what,
                    )
                    .await?;
                json::parse_studies(&body)
                    .map_err(|f| self.garbage(what, "DICOM JSON studies", &f))?
                    .into_iter()
                    .map(|s| (s.study_uid, None))
                    .collect()
            }
            PullSelector::Series(uid) => {
                let what = "the QIDO-RS series search";
                let body = self
                    .qido(
                        &format!("/series?SeriesInstanceUID={}", encode_query_value(uid)),
                        what,
                    )
                    .await?;
                let series = json::parse_series(&body)
                    .map_err(|f| self.garbage(what, "DICOM JSON series", &f))?;
                let mut out = Vec::new();
                for (study, s) in series {
                    let study = study.ok_or_else(|| {
                        self.garbage(what, "the series' Study Instance UID (0020,000D)", "none")
                    })?;
                    out.push((study, Some(s.series_uid)));
                }
                out
            }
        };
        if found.is_empty() {
            return Err(PacsError::Request(format!(
                "{} has nothing for {selector:?}",
                self.node
            )));
        }
        Ok(found)
    }

    /// Retrieves what `selector` names by WADO-RS into `dest`: every instance is written under
    /// a temporary name as it streams in, and moved to `dest/<SOP Instance UID>.dcm` only when
    /// every request is complete (an error or timeout leaves nothing in `dest`).
    pub async fn pull(
        &self,
        selector: &PullSelector,
        dest: &Path,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<PathBuf>, PacsError> {
        let targets = self.resolve(selector).await?;
        let mut folder = PullFolder::new(dest)?;
        let mut done = Progress::default();
        for (study, series) in &targets {
            let path = match series {
                Some(se) => format!(
                    "/studies/{}/series/{}",
                    encode_segment(study),
                    encode_segment(se)
                ),
                None => format!("/studies/{}", encode_segment(study)),
            };
            self.retrieve_into(&path, &mut folder, &mut done, progress)
                .await?;
        }
        folder.commit()
    }

    /// One WADO-RS request streamed into the pull folder.
    async fn retrieve_into(
        &self,
        path: &str,
        folder: &mut PullFolder,
        done: &mut Progress,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), PacsError> {
        let what = format!("the WADO-RS retrieve {path}");
        let req = self.get(path, "multipart/related; type=\"application/dicom\"")?;
        let mut answer = send(&self.node, &self.timeouts, req, &what).await?;
        answer.require_success().await?;
        let ct = answer.content_type();
        let boundary = (ct.to_ascii_lowercase().starts_with("multipart/related"))
            .then(|| boundary_of(&ct))
            .flatten()
            .ok_or_else(|| {
                answer.garbage(
                    "multipart/related with a boundary",
                    if ct.is_empty() {
                        "no Content-Type"
                    } else {
                        &ct
                    },
                )
            })?;
        let mut reader = MultipartReader::new(&boundary)
            .map_err(|e| answer.garbage("a valid multipart boundary", &e.to_string()))?;
        let mut sink = FileSink {
            folder,
            file: None,
            head: Vec::new(),
            done,
            progress,
        };
        while let Some(chunk) = answer.chunk().await? {
            sink.done.bytes += chunk.len() as u64;
            reader.feed(&chunk, &mut sink).map_err(|e| {
                answer.garbage("DICOM instances as multipart/related parts", &e.to_string())
            })?;
        }
        reader
            .finish()
            .map_err(|e| answer.garbage("a complete multipart/related answer", &e.to_string()))?;
        Ok(())
    }

    /// Stores the files by STOW-RS (`POST /studies`), in requests of at most
    /// [`STOW_BATCH_BYTES`]; each instance's fate is read from the answers.
    pub async fn push(
        &self,
        files: &[Outgoing],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<PushOutcome, PacsError> {
        let mut outcome = PushOutcome::default();
        let mut done = Progress::default();
        let mut batch: Vec<(&Outgoing, Vec<u8>)> = Vec::new();
        let mut size = 0;
        for (i, f) in files.iter().enumerate() {
            let bytes = read_file(&f.path)?;
            size += bytes.len();
            batch.push((f, bytes));
            if size >= STOW_BATCH_BYTES || i + 1 == files.len() {
                let sent = std::mem::take(&mut batch);
                let n = sent.len();
                done.bytes += size as u64;
                size = 0;
                self.stow_batch(sent, &mut outcome).await?;
                done.instances += n;
                progress(done);
            }
        }
        Ok(outcome)
    }

    /// One STOW-RS request; refused instances go to `outcome.refused` with the reason.
    async fn stow_batch(
        &self,
        batch: Vec<(&Outgoing, Vec<u8>)>,
        outcome: &mut PushOutcome,
    ) -> Result<(), PacsError> {
        let parts: Vec<Vec<u8>> = batch.iter().map(|(_, b)| b.clone()).collect();
        let answer = self.stow_parts(parts).await?;
        for (f, _) in &batch {
            let uid = &f.meta.sop_instance_uid;
            if answer.stored.contains(uid) {
                outcome.stored.push(uid.clone());
            } else {
                let (status, reason) = match answer.failed.iter().find(|(u, _)| u == uid) {
                    Some((_, Some(code))) => {
                        (Some(*code), json::failure_reason_text(*code).to_owned())
                    }
                    Some((_, None)) => (None, "refused without a reason".to_owned()),
                    None => (None, "not named in the STOW-RS answer".to_owned()),
                };
                outcome.refused.push(Refused {
                    path: Some(f.path.clone()),
                    sop_instance_uid: uid.clone(),
                    status,
                    reason,
                });
            }
        }
        Ok(())
    }

    /// Sends these bodies as one STOW-RS request and reads the answer (PS3.18 §10.5): stored
    /// and failed instances; an HTTP error without a DICOM JSON answer is an error.
    pub async fn stow_parts(&self, parts: Vec<Vec<u8>>) -> Result<json::StowAnswer, PacsError> {
        let boundary = boundary_for(&parts);
        let body = multipart::write_related(&boundary, &parts);
        drop(parts);
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("{}/studies", self.node.root()))
            .header(
                ::http::header::CONTENT_TYPE,
                format!("multipart/related; type=\"application/dicom\"; boundary={boundary}"),
            )
            .header(::http::header::ACCEPT, DICOM_JSON)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| PacsError::Request(format!("STOW-RS request: {e}")))?;
        let what = "the STOW-RS store";
        let mut answer = send(&self.node, &self.timeouts, req, what).await?;
        let status = answer.status;
        let body = answer.body(MAX_JSON_ANSWER).await?;
        match json::parse_stow(&body) {
            Ok(a) if (200..300).contains(&status) || !a.failed.is_empty() => Ok(a),
            Ok(a) if !(200..300).contains(&status) && a.stored.is_empty() => {
                Err(PacsError::HttpStatus {
                    node: self.node.to_string(),
                    what: what.to_owned(),
                    status,
                    body: "no instance stored, and none listed as failed with a reason".into(),
                })
            }
            Ok(_) | Err(_) if !(200..300).contains(&status) => Err(PacsError::HttpStatus {
                node: self.node.to_string(),
                what: what.to_owned(),
                status,
                body: http::shown_text(&body),
            }),
            Ok(a) => Ok(a),
            Err(found) => Err(self.garbage(what, "a DICOM JSON STOW-RS answer", &found)),
        }
    }
}

/// A boundary found in none of the parts (RFC 2046 §5.1.1).
fn boundary_for(parts: &[Vec<u8>]) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut n = 0u32;
    loop {
        let b = format!("sirtplan-{}-{nanos:x}-{n}", std::process::id());
        if !parts
            .iter()
            .any(|p| p.windows(b.len()).any(|w| w == b.as_bytes()))
        {
            return b;
        }
        n += 1;
    }
}

/// The first bytes of each part kept to name it (`files::identify`): design choice, 64 KiB
/// holds the meta information and the attributes before the pixel data of the objects
/// sirtplan reads many times over; a part whose UIDs come later is read again at the commit.
const HEAD_BYTES: usize = 64 * 1024;

/// Writes each WADO-RS part into a new temporary file of the pull.
struct FileSink<'a> {
    folder: &'a mut PullFolder,
    file: Option<std::io::BufWriter<std::fs::File>>,
    head: Vec<u8>,
    done: &'a mut Progress,
    progress: &'a mut dyn FnMut(Progress),
}

impl PartSink for FileSink<'_> {
    fn begin(&mut self, headers: &[(String, String)]) -> Result<(), String> {
        let ct = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.to_ascii_lowercase());
        if !ct
            .as_deref()
            .is_some_and(|c| c.starts_with("application/dicom"))
        {
            return Err(format!(
                "part {} has Content-Type {}; expected application/dicom",
                self.folder.len() + 1,
                ct.as_deref().unwrap_or("(none)")
            ));
        }
        let (_, file) = self.folder.new_part().map_err(|e| e.to_string())?;
        self.file = Some(std::io::BufWriter::new(file));
        self.head.clear();
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.head.len() < HEAD_BYTES {
            let take = bytes.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        match &mut self.file {
            Some(f) => f
                .write_all(bytes)
                .map_err(|e| format!("cannot write the retrieved file: {e}")),
            None => Err("data outside a part".into()),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        let f = self.file.take().ok_or("a part ended twice")?;
        // Flushed and closed; not synced: the rename at the commit is what makes it visible.
        f.into_inner()
            .map_err(|e| format!("cannot write the retrieved file: {}", e.error()))?;
        if let Ok((series, instance)) = crate::files::identify(&self.head) {
            self.folder.set_identity(series, instance)?;
        }
        self.done.instances += 1;
        (self.progress)(*self.done);
        Ok(())
    }
}
