//! DIMSE as a service user: C-ECHO, C-FIND (study and series level, Study Root), C-GET (one
//! association: the node sends the instances back as C-STORE sub-operations on it) and
//! C-STORE.

use super::message::{
    self, Assembler, C_ECHO_RQ, C_ECHO_RSP, C_FIND_RQ, C_FIND_RSP, C_GET_RQ, C_GET_RSP, C_STORE_RQ,
    C_STORE_RSP, DATA_SET_PRESENT, Field, Incoming, Message, NO_DATA_SET, PRIORITY_MEDIUM,
    STATUS_PENDING, STATUS_PENDING_WARNING, STATUS_SUCCESS,
};
use super::{STORAGE_SOP_CLASSES, TRANSFER_SYNTAXES};
use crate::files::PullFolder;
use crate::query::{Query, SeriesHit, StudyHit};
use crate::transfer::{Outgoing, Progress, PullSelector, PushOutcome, Refused, read_file};
use crate::{DimseNode, PacsError, Timeouts};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_ul::association::client::{ClientAssociation, ClientAssociationOptions};
use dicom_ul::pdu::PresentationContextResultReason;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The longest PDU we accept (A-ASSOCIATE-RQ maximum length, PS3.8 §D.1): design choice, 256 KiB
/// (less the PDU header), dicom-ul's own large size; a 512 × 512 CT slice comes in two PDUs
/// instead of 32 of DCMTK's default 16 KiB.
const RECEIVE_MAX_PDU: u32 = 262_144 - 6;

/// The most presentation contexts in one association (PS3.8 §9.3.2.2: context ids are the odd
/// numbers 1 to 255).
const MAX_CONTEXTS: usize = 128;

/// A DIMSE node and the timeouts of every exchange with it.
#[derive(Clone, Debug)]
pub struct DimseClient {
    node: DimseNode,
    timeouts: Timeouts,
}

/// dicom-ul's error as ours, naming the node; a timed-out socket is a timeout.
fn ul_error(
    node: &str,
    what: &str,
    timeouts: &Timeouts,
    e: dicom_ul::association::Error,
) -> PacsError {
    use dicom_ul::association::Error as E;
    let timed_out = |io: &std::io::Error| {
        matches!(
            io.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    };
    match e {
        E::Connect { source, .. } if timed_out(&source) => PacsError::ConnectTimeout {
            node: node.to_owned(),
            after: timeouts.connect,
        },
        E::Connect { source, .. } | E::ToAddress { source, .. } => PacsError::Connect {
            node: node.to_owned(),
            source,
        },
        E::Timeout { .. } => PacsError::RequestTimeout {
            node: node.to_owned(),
            what: what.to_owned(),
            after: timeouts.request,
        },
        E::WireRead { ref source, .. } if timed_out(source) => PacsError::RequestTimeout {
            node: node.to_owned(),
            what: what.to_owned(),
            after: timeouts.request,
        },
        other => PacsError::Association {
            node: node.to_owned(),
            what: what.to_owned(),
            source: Box::new(other),
        },
    }
}

/// One open association.
struct Session {
    assoc: ClientAssociation<TcpStream>,
    asm: Assembler,
    node: String,
    timeouts: Timeouts,
    deadline: Instant,
    message_id: u16,
}

impl Session {
    fn err(&self, what: &str, e: dicom_ul::association::Error) -> PacsError {
        ul_error(&self.node, what, &self.timeouts, e)
    }

    fn garbage(&self, what: &str, expected: &str, found: &str) -> PacsError {
        PacsError::Garbage {
            node: self.node.clone(),
            what: what.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        }
    }

    /// The accepted context for `abstract_syntax` (in `ts` when given): id and transfer syntax.
    fn context(&self, abstract_syntax: &str, ts: Option<&str>) -> Option<(u8, String)> {
        self.assoc
            .presentation_contexts()
            .iter()
            .find(|c| {
                c.reason == PresentationContextResultReason::Acceptance
                    && c.abstract_syntax.trim_end_matches('\0') == abstract_syntax
                    && ts.is_none_or(|t| c.transfer_syntax.trim_end_matches('\0') == t)
            })
            .map(|c| (c.id, c.transfer_syntax.trim_end_matches('\0').to_owned()))
    }

    fn next_id(&mut self) -> u16 {
        self.message_id = self.message_id.wrapping_add(1).max(1);
        self.message_id
    }

    fn send(
        &mut self,
        context: u8,
        command: &[u8],
        data: Option<&[u8]>,
        what: &str,
    ) -> Result<(), PacsError> {
        self.check_deadline(what)?;
        let max = self.assoc.acceptor_max_pdu_length();
        for pdu in message::fragments(context, command, data, max) {
            self.assoc.send(&pdu).map_err(|e| self.err(what, e))?;
        }
        Ok(())
    }

    fn check_deadline(&self, what: &str) -> Result<(), PacsError> {
        if Instant::now() > self.deadline {
            return Err(PacsError::TransferTimeout {
                node: self.node.clone(),
                what: what.to_owned(),
                after: self.timeouts.transfer,
            });
        }
        Ok(())
    }

    /// The next message; a release or abort from the node is an error here.
    fn receive(&mut self, what: &str) -> Result<Message, PacsError> {
        loop {
            match self.asm.pop() {
                Some(Incoming::Message(m)) => return Ok(m),
                Some(other) => {
                    return Err(self.garbage(what, "a DIMSE response", &format!("{other:?}")));
                }
                None => {}
            }
            self.check_deadline(what)?;
            let pdu = self.assoc.receive().map_err(|e| self.err(what, e))?;
            self.asm
                .feed(pdu)
                .map_err(|found| self.garbage(what, "DIMSE messages (PS3.7)", &found))?;
        }
    }

    /// A response's status; a failure is an error with the node's comment.
    fn status(&self, m: &Message, expected_field: u16, what: &str) -> Result<u16, PacsError> {
        let field = message::command_field(&m.command);
        if field != Some(expected_field) {
            return Err(self.garbage(
                what,
                &format!("command field {expected_field:#06X}"),
                &format!("{field:#06X?}"),
            ));
        }
        let status = message::u16_of(&m.command, tags::STATUS)
            .ok_or_else(|| self.garbage(what, "a Status (0000,0900)", "none"))?;
        if message::is_failure(status) {
            return Err(PacsError::DimseStatus {
                node: self.node.clone(),
                what: what.to_owned(),
                status,
                meaning: message::status_meaning(status),
                comment: message::text_of(&m.command, tags::ERROR_COMMENT),
            });
        }
        Ok(status)
    }

    fn release(mut self) {
        // The work is done; a node that does not answer the release is not an error.
        let _ = self.assoc.send(&dicom_ul::Pdu::ReleaseRQ);
        let _ = self.assoc.receive();
    }
}

/// A query identifier element (empty value: a return key).
fn key(tag: Tag, vr: VR, value: Option<&str>) -> DataElement<InMemDicomObject> {
    let mut v = value.unwrap_or("").to_owned();
    if v.len() % 2 == 1 {
        v.push(if vr == VR::UI { '\0' } else { ' ' });
    }
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

impl DimseClient {
    /// A client of `node`.
    pub fn new(node: DimseNode, timeouts: Timeouts) -> Self {
        Self { node, timeouts }
    }

    /// Opens an association proposing these abstract syntaxes (each with `ts`), with the SCP
    /// role for the storage classes when `retrieve` (C-GET, PS3.4 §C.4.3.1).
    fn associate(
        &self,
        abstract_syntaxes: &[(&str, Vec<String>)],
        retrieve: bool,
        what: &str,
    ) -> Result<Session, PacsError> {
        let shown = self.node.to_string();
        if abstract_syntaxes.len() > MAX_CONTEXTS {
            return Err(PacsError::Request(format!(
                "{what}: {} presentation contexts needed, at most {MAX_CONTEXTS} fit in one association",
                abstract_syntaxes.len()
            )));
        }
        let mut opts = ClientAssociationOptions::new()
            .calling_ae_title(self.node.calling.as_str().to_owned())
            .called_ae_title(self.node.called.as_str().to_owned())
            .max_pdu_length(RECEIVE_MAX_PDU)
            .connection_timeout(self.timeouts.connect)
            .read_timeout(self.timeouts.request)
            .write_timeout(self.timeouts.request);
        for (a, ts) in abstract_syntaxes {
            opts = opts.with_presentation_context((*a).to_owned(), ts.clone());
        }
        if retrieve {
            for class in STORAGE_SOP_CLASSES {
                opts = opts.with_role_selection(*class, false, true);
            }
        }
        let mut assoc = opts
            .establish_with(&self.node.socket_address())
            .map_err(|e| {
                ul_error(
                    &shown,
                    &format!("association for {what}"),
                    &self.timeouts,
                    e,
                )
            })?;
        // Small messages (commands, responses) go out at once: without TCP_NODELAY, Nagle's
        // algorithm and the peer's delayed acknowledgement cost ~40 ms per message (measured:
        // 90 ms per C-STORE to Orthanc with it, RFC 1122 §4.2.3.2 / RFC 896).
        let _ = assoc.inner_stream().set_nodelay(true);
        Ok(Session {
            assoc,
            asm: Assembler::default(),
            node: shown,
            timeouts: self.timeouts,
            deadline: Instant::now() + self.timeouts.transfer,
            message_id: 0,
        })
    }

    fn all_ts() -> Vec<String> {
        TRANSFER_SYNTAXES.iter().map(|s| (*s).to_owned()).collect()
    }

    /// C-ECHO (Verification, PS3.4 Annex A).
    pub fn echo(&self) -> Result<(), PacsError> {
        let what = "C-ECHO";
        let mut s = self.associate(&[(uids::VERIFICATION, Self::all_ts())], false, what)?;
        let (ctx, _) = s
            .context(uids::VERIFICATION, None)
            .ok_or_else(|| PacsError::NoContext {
                node: s.node.clone(),
                what: "C-ECHO (Verification)".into(),
            })?;
        let id = s.next_id();
        let cmd = message::encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, uids::VERIFICATION),
            Field::U16(tags::COMMAND_FIELD, C_ECHO_RQ),
            Field::U16(tags::MESSAGE_ID, id),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        ])
        .map_err(PacsError::Request)?;
        s.send(ctx, &cmd, None, what)?;
        let m = s.receive(what)?;
        s.status(&m, C_ECHO_RSP, what)?;
        s.release();
        Ok(())
    }

    /// Runs one C-FIND and returns the matches' identifiers.
    fn c_find(
        &self,
        s: &mut Session,
        identifier: InMemDicomObject,
        what: &str,
    ) -> Result<Vec<InMemDicomObject>, PacsError> {
        let model = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND;
        let (ctx, ts) = s.context(model, None).ok_or_else(|| PacsError::NoContext {
            node: s.node.clone(),
            what: "C-FIND (Study Root)".into(),
        })?;
        let data = message::encode_data_set(&identifier, &ts).map_err(PacsError::Request)?;
        let id = s.next_id();
        let cmd = message::encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, model),
            Field::U16(tags::COMMAND_FIELD, C_FIND_RQ),
            Field::U16(tags::MESSAGE_ID, id),
            Field::U16(tags::PRIORITY, PRIORITY_MEDIUM),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT),
        ])
        .map_err(PacsError::Request)?;
        s.send(ctx, &cmd, Some(&data), what)?;
        let mut found = Vec::new();
        loop {
            let m = s.receive(what)?;
            let status = s.status(&m, C_FIND_RSP, what)?;
            if status != STATUS_PENDING && status != STATUS_PENDING_WARNING {
                return Ok(found);
            }
            let data = m
                .data
                .ok_or_else(|| s.garbage(what, "a pending response with its identifier", "none"))?;
            let obj = message::decode_data_set(&data, &ts)
                .map_err(|f| s.garbage(what, "an identifier", &f))?;
            found.push(obj);
        }
    }

    /// The studies matching `query`, each with its series (C-FIND at study, then series level).
    pub fn find(&self, query: &Query) -> Result<Vec<StudyHit>, PacsError> {
        query.check().map_err(PacsError::Request)?;
        let what = "C-FIND";
        let mut s = self.associate(
            &[(
                uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND,
                Self::all_ts(),
            )],
            false,
            what,
        )?;
        let date = query.date.as_ref().map(|d| d.key());
        let identifier = InMemDicomObject::from_element_iter([
            key(tags::QUERY_RETRIEVE_LEVEL, VR::CS, Some("STUDY")),
            key(tags::PATIENT_ID, VR::LO, query.patient_id.as_deref()),
            key(tags::PATIENT_NAME, VR::PN, query.patient_name.as_deref()),
            key(tags::STUDY_INSTANCE_UID, VR::UI, query.study_uid.as_deref()),
            key(tags::ACCESSION_NUMBER, VR::SH, query.accession.as_deref()),
            key(tags::STUDY_DATE, VR::DA, date.as_deref()),
            key(tags::MODALITIES_IN_STUDY, VR::CS, query.modality.as_deref()),
            key(tags::STUDY_DESCRIPTION, VR::LO, None),
        ]);
        let text = |o: &InMemDicomObject, t: Tag| message::text_of(o, t).filter(|v| !v.is_empty());
        let mut studies = Vec::new();
        for o in self.c_find(&mut s, identifier, "C-FIND (study level)")? {
            let study_uid = text(&o, tags::STUDY_INSTANCE_UID)
                .ok_or_else(|| s.garbage(what, "a Study Instance UID in each match", "none"))?;
            studies.push(StudyHit {
                study_uid,
                patient_id: text(&o, tags::PATIENT_ID),
                patient_name: text(&o, tags::PATIENT_NAME),
                study_date: text(&o, tags::STUDY_DATE),
                accession: text(&o, tags::ACCESSION_NUMBER),
                description: text(&o, tags::STUDY_DESCRIPTION),
                series: Vec::new(),
            });
        }
        for st in &mut studies {
            st.series = self
                .series(&mut s, Some(&st.study_uid), None, query.modality.as_deref())?
                .into_iter()
                .map(|(_, se)| se)
                .collect();
        }
        s.release();
        Ok(studies)
    }

    /// C-FIND at series level: (study UID, series) pairs.
    fn series(
        &self,
        s: &mut Session,
        study: Option<&str>,
        series: Option<&str>,
        modality: Option<&str>,
    ) -> Result<Vec<(Option<String>, SeriesHit)>, PacsError> {
        let what = "C-FIND (series level)";
        let identifier = InMemDicomObject::from_element_iter([
            key(tags::QUERY_RETRIEVE_LEVEL, VR::CS, Some("SERIES")),
            key(tags::STUDY_INSTANCE_UID, VR::UI, study),
            key(tags::SERIES_INSTANCE_UID, VR::UI, series),
            key(tags::MODALITY, VR::CS, modality),
            key(tags::SERIES_NUMBER, VR::IS, None),
            key(tags::SERIES_DESCRIPTION, VR::LO, None),
            key(tags::NUMBER_OF_SERIES_RELATED_INSTANCES, VR::IS, None),
        ]);
        let text = |o: &InMemDicomObject, t: Tag| message::text_of(o, t).filter(|v| !v.is_empty());
        let mut out = Vec::new();
        for o in self.c_find(s, identifier, what)? {
            let series_uid = text(&o, tags::SERIES_INSTANCE_UID)
                .ok_or_else(|| s.garbage(what, "a Series Instance UID in each match", "none"))?;
            out.push((
                text(&o, tags::STUDY_INSTANCE_UID),
                SeriesHit {
                    series_uid,
                    modality: text(&o, tags::MODALITY),
                    number: text(&o, tags::SERIES_NUMBER).and_then(|n| n.trim().parse().ok()),
                    description: text(&o, tags::SERIES_DESCRIPTION),
                    instances: text(&o, tags::NUMBER_OF_SERIES_RELATED_INSTANCES)
                        .and_then(|n| n.trim().parse().ok()),
                },
            ));
        }
        out.sort_by(|a, b| (a.1.number, &a.1.series_uid).cmp(&(b.1.number, &b.1.series_uid)));
        Ok(out)
    }

    /// Retrieves what `selector` names by C-GET into `dest` (files moved in place only when
    /// every sub-operation succeeded; otherwise nothing is left in `dest`).
    pub fn pull(
        &self,
        selector: &PullSelector,
        dest: &Path,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<PathBuf>, PacsError> {
        let what = "C-GET";
        let mut contexts: Vec<(&str, Vec<String>)> = vec![
            (
                uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND,
                Self::all_ts(),
            ),
            (
                uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_GET,
                Self::all_ts(),
            ),
        ];
        contexts.extend(STORAGE_SOP_CLASSES.iter().map(|c| (*c, Self::all_ts())));
        let mut s = self.associate(&contexts, true, what)?;
        let targets = self.targets(&mut s, selector)?;
        let mut folder = PullFolder::new(dest)?;
        let mut done = Progress::default();
        for (study, series) in &targets {
            self.c_get(
                &mut s,
                study,
                series.as_deref(),
                &mut folder,
                &mut done,
                progress,
            )?;
        }
        s.release();
        folder.commit()
    }

    /// (study, series) pairs to retrieve for `selector`.
    fn targets(
        &self,
        s: &mut Session,
        selector: &PullSelector,
    ) -> Result<Vec<(String, Option<String>)>, PacsError> {
        let found: Vec<(String, Option<String>)> = match selector {
            PullSelector::Study(uid) => vec![(uid.clone(), None)],
            PullSelector::Series(uid) => self
                .series(s, None, Some(uid), None)?
                .into_iter()
                .filter_map(|(study, se)| Some((study?, Some(se.series_uid))))
                .collect(),
            PullSelector::Patient(id) => {
                let identifier = InMemDicomObject::from_element_iter([
                    key(tags::QUERY_RETRIEVE_LEVEL, VR::CS, Some("STUDY")),
                    key(tags::PATIENT_ID, VR::LO, Some(id)),
                    key(tags::STUDY_INSTANCE_UID, VR::UI, None),
                ]);
                self.c_find(s, identifier, "C-FIND (study level)")?
                    .iter()
                    .filter_map(|o| message::text_of(o, tags::STUDY_INSTANCE_UID))
                    .filter(|u| !u.is_empty())
                    .map(|u| (u, None))
                    .collect()
            }
        };
        if found.is_empty() {
            return Err(PacsError::Request(format!(
                "{} has nothing for {selector:?}",
                s.node
            )));
        }
        Ok(found)
    }

    /// One C-GET: answers each C-STORE sub-operation, writing its instance into the folder.
    fn c_get(
        &self,
        s: &mut Session,
        study: &str,
        series: Option<&str>,
        folder: &mut PullFolder,
        done: &mut Progress,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), PacsError> {
        let what = "C-GET";
        let model = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_GET;
        let (ctx, ts) = s.context(model, None).ok_or_else(|| PacsError::NoContext {
            node: s.node.clone(),
            what: "C-GET (Study Root)".into(),
        })?;
        let mut elements = vec![
            key(
                tags::QUERY_RETRIEVE_LEVEL,
                VR::CS,
                Some(if series.is_some() { "SERIES" } else { "STUDY" }),
            ),
            key(tags::STUDY_INSTANCE_UID, VR::UI, Some(study)),
        ];
        if let Some(se) = series {
            elements.push(key(tags::SERIES_INSTANCE_UID, VR::UI, Some(se)));
        }
        let data = message::encode_data_set(&InMemDicomObject::from_element_iter(elements), &ts)
            .map_err(PacsError::Request)?;
        let id = s.next_id();
        let cmd = message::encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, model),
            Field::U16(tags::COMMAND_FIELD, C_GET_RQ),
            Field::U16(tags::MESSAGE_ID, id),
            Field::U16(tags::PRIORITY, PRIORITY_MEDIUM),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT),
        ])
        .map_err(PacsError::Request)?;
        s.send(ctx, &cmd, Some(&data), what)?;
        loop {
            let m = s.receive(what)?;
            if message::command_field(&m.command) == Some(C_STORE_RQ) {
                self.store_sub_operation(s, m, folder, done)?;
                progress(*done);
                continue;
            }
            let status = s.status(&m, C_GET_RSP, what)?;
            if status == STATUS_PENDING {
                continue;
            }
            let failed =
                message::u16_of(&m.command, tags::NUMBER_OF_FAILED_SUBOPERATIONS).unwrap_or(0);
            if failed > 0 {
                return Err(PacsError::DimseStatus {
                    node: s.node.clone(),
                    what: format!("C-GET ({failed} sub-operations failed)"),
                    status,
                    meaning: message::status_meaning(status),
                    comment: message::text_of(&m.command, tags::ERROR_COMMENT),
                });
            }
            return Ok(());
        }
    }

    /// Writes one C-STORE sub-operation's instance (meta information made from the command and
    /// the context's transfer syntax) and answers it.
    fn store_sub_operation(
        &self,
        s: &mut Session,
        m: Message,
        folder: &mut PullFolder,
        done: &mut Progress,
    ) -> Result<(), PacsError> {
        let what = "C-STORE sub-operation of C-GET";
        let class = message::text_of(&m.command, tags::AFFECTED_SOP_CLASS_UID).unwrap_or_default();
        let instance =
            message::text_of(&m.command, tags::AFFECTED_SOP_INSTANCE_UID).unwrap_or_default();
        let ts = s
            .assoc
            .presentation_contexts()
            .iter()
            .find(|c| c.id == m.context_id)
            .map(|c| c.transfer_syntax.trim_end_matches('\0').to_owned())
            .ok_or_else(|| {
                s.garbage(
                    what,
                    "a negotiated presentation context",
                    &format!("context {}", m.context_id),
                )
            })?;
        let data = m
            .data
            .ok_or_else(|| s.garbage(what, "a data set", "none"))?;
        let (path, file) = folder.new_part()?;
        write_part10(file, &class, &instance, &ts, &data).map_err(|source| PacsError::Io {
            path,
            what: "cannot write the retrieved file",
            source,
        })?;
        // Named from the data set in memory (lengths checked); otherwise read again at the commit.
        let explicit = ts != uids::IMPLICIT_VR_LITTLE_ENDIAN;
        let found = crate::lengths::find_uids(&data, explicit)
            .ok()
            .filter(|(_, found)| *found == instance);
        if let Some((series, found)) = found {
            folder
                .set_identity(series, found)
                .map_err(|f| s.garbage(what, "UIDs in the data set", &f))?;
        }
        done.instances += 1;
        done.bytes += data.len() as u64;
        let id = message::u16_of(&m.command, tags::MESSAGE_ID).unwrap_or(0);
        let rsp = message::encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, &class),
            Field::U16(tags::COMMAND_FIELD, C_STORE_RSP),
            Field::U16(tags::MESSAGE_ID_BEING_RESPONDED_TO, id),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
            Field::U16(tags::STATUS, STATUS_SUCCESS),
            Field::Uid(tags::AFFECTED_SOP_INSTANCE_UID, &instance),
        ])
        .map_err(PacsError::Request)?;
        s.send(m.context_id, &rsp, None, what)
    }

    /// Sends the files by C-STORE: one association, a presentation context per SOP class and
    /// transfer syntax of the files (sent as they are, never transcoded).
    pub fn push(
        &self,
        files: &[Outgoing],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<PushOutcome, PacsError> {
        let what = "C-STORE";
        let mut wanted: Vec<(&str, Vec<String>)> = Vec::new();
        for f in files {
            let pair = (
                f.meta.sop_class_uid.as_str(),
                vec![f.meta.transfer_syntax.clone()],
            );
            if !wanted.contains(&pair) {
                wanted.push(pair);
            }
        }
        let mut s = self.associate(&wanted, false, what)?;
        let mut outcome = PushOutcome::default();
        let mut done = Progress::default();
        for f in files {
            self.store_one(&mut s, f, &mut outcome)?;
            done.instances += 1;
            progress(done);
        }
        s.release();
        Ok(outcome)
    }

    fn store_one(
        &self,
        s: &mut Session,
        f: &Outgoing,
        outcome: &mut PushOutcome,
    ) -> Result<(), PacsError> {
        let what = "C-STORE";
        let refuse = |status: Option<u16>, reason: String| Refused {
            path: Some(f.path.clone()),
            sop_instance_uid: f.meta.sop_instance_uid.clone(),
            status,
            reason,
        };
        let Some((ctx, _)) = s.context(&f.meta.sop_class_uid, Some(&f.meta.transfer_syntax)) else {
            outcome.refused.push(refuse(
                None,
                format!(
                    "the node accepted no presentation context for SOP class {} in transfer syntax {}",
                    f.meta.sop_class_uid, f.meta.transfer_syntax
                ),
            ));
            return Ok(());
        };
        let bytes = read_file(&f.path)?;
        let data = bytes.get(f.meta.dataset_offset..).unwrap_or(&[]);
        let id = s.next_id();
        let cmd = message::encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, &f.meta.sop_class_uid),
            Field::U16(tags::COMMAND_FIELD, C_STORE_RQ),
            Field::U16(tags::MESSAGE_ID, id),
            Field::U16(tags::PRIORITY, PRIORITY_MEDIUM),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT),
            Field::Uid(tags::AFFECTED_SOP_INSTANCE_UID, &f.meta.sop_instance_uid),
        ])
        .map_err(PacsError::Request)?;
        s.send(ctx, &cmd, Some(data), what)?;
        let m = s.receive(what)?;
        match s.status(&m, C_STORE_RSP, what) {
            Ok(_) => outcome.stored.push(f.meta.sop_instance_uid.clone()),
            Err(PacsError::DimseStatus {
                status,
                meaning,
                comment,
                ..
            }) => outcome.refused.push(refuse(
                Some(status),
                match comment {
                    Some(c) => format!("{meaning}: {c}"),
                    None => meaning.to_owned(),
                },
            )),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Writes a DICOM Part 10 file: preamble, `DICM`, the meta information made from these UIDs,
/// then the data set's bytes as received (PS3.10 §7.1).
pub(crate) fn write_part10(
    file: std::fs::File,
    class: &str,
    instance: &str,
    ts: &str,
    data: &[u8],
) -> std::io::Result<()> {
    let meta = dicom_object::FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(ts)
        .build()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    let mut w = std::io::BufWriter::new(file);
    w.write_all(&[0u8; 128])?;
    w.write_all(b"DICM")?;
    meta.write(&mut w)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    w.write_all(data)?;
    w.flush()
}
