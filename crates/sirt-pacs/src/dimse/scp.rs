//! The receiver: C-ECHO and C-STORE as a service provider (PS3.4 Annexes A and B). Accepted
//! objects are written into a folder as `<Series Instance UID>/<SOP Instance UID>.dcm` (under a
//! temporary name first); a corrupt object, or one whose data set does not match its command, is refused
//! with a DIMSE failure status. Everything it does is reported as a [`ReceiverEvent`].
//!
//! In [`Storage::Batches`] each association's objects go into a folder of their own, every
//! object is first put to the caller's [`ObjectCheck`] (refused with the status it gives), the
//! association's total is bounded ([`BatchLimits`]), and the folder is handed over whole once
//! the association is released ([`ReceiverEvent::Ended`]); an aborted association's folder is
//! removed: nothing of a partial association is handed over.

use super::message::{
    self, Assembler, C_ECHO_RQ, C_ECHO_RSP, C_STORE_RQ, C_STORE_RSP, Field, Incoming, Message,
    NO_DATA_SET, STATUS_CANNOT_UNDERSTAND, STATUS_DATASET_MISMATCH, STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
};
use super::scu::write_part10;
use super::{STORAGE_SOP_CLASSES, TRANSFER_SYNTAXES};
use crate::{AeTitle, PacsError, Timeouts};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_ul::association::Association;
use dicom_ul::association::server::{ServerAssociation, ServerAssociationOptions};
use dicom_ul::pdu::{AbortRQSource, Pdu};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

/// Associations served at once: design choice, a modality or PACS sends on one or a few
/// associations; 16 serves several senders while bounding threads and memory (each holds at
/// most one data set, `message::MAX_DATA_SET_BYTES`).
pub const DEFAULT_MAX_ASSOCIATIONS: usize = 16;

/// The receiver's settings.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// Our AE title: associations calling another title are rejected.
    pub aet: AeTitle,
    /// Where accepted objects are written.
    pub out: PathBuf,
    /// The request timeout bounds each wait for the sender's next PDU.
    pub timeouts: Timeouts,
    /// Associations served at once.
    pub max_associations: usize,
    /// What is done with the accepted objects.
    pub storage: Storage,
}

/// What the receiver does with the objects it accepts.
#[derive(Clone, Default)]
pub enum Storage {
    /// Each object written into `out` at once, `<Series Instance UID>/<SOP Instance UID>.dcm`
    /// (`sirtplan receive --out DIR`).
    #[default]
    Folder,
    /// Each association's objects written into a folder of their own under `out`, each first
    /// put to `check`, handed over when the association is released
    /// ([`ReceiverEvent::Ended`]) and removed when it is aborted.
    Batches {
        /// Accepts or refuses each object before it is written.
        check: Arc<dyn ObjectCheck>,
        /// The most one association may bring.
        limits: BatchLimits,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Folder => f.write_str("Folder"),
            Storage::Batches { limits, .. } => f
                .debug_struct("Batches")
                .field("limits", limits)
                .finish_non_exhaustive(),
        }
    }
}

/// The most one association may bring in [`Storage::Batches`]; past either, each further
/// object is refused with "Refused: Out of Resources" (PS3.4 §B.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    /// Objects.
    pub instances: usize,
    /// Bytes of their data sets, in all.
    pub bytes: u64,
}

/// An object refused by an [`ObjectCheck`]: the DIMSE status sent and why (sent as the Error
/// Comment, cut to 64 characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// A failure status (PS3.4 §B.2.3, PS3.7 Annex C).
    pub status: u16,
    /// Why, in words.
    pub reason: String,
}

/// Who sends an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The sender's address.
    pub peer: SocketAddr,
    /// The sender's AE title.
    pub calling: &'a str,
}

/// A check of each object of [`Storage::Batches`] once its data set is read and matches its
/// command, before it is written. Called on the association's thread: it may block.
pub trait ObjectCheck: Send + Sync {
    /// Accepts the object, or refuses it with a failure status.
    fn check(&self, sender: Origin<'_>, object: &InMemDicomObject) -> Result<(), Refusal>;
}

/// What the receiver did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiverEvent {
    /// An association was accepted.
    Associated {
        /// The sender's address.
        peer: SocketAddr,
        /// The sender's AE title.
        calling: String,
    },
    /// A C-ECHO was answered.
    Echo {
        /// The sender's AE title.
        calling: String,
    },
    /// An object was stored.
    Stored {
        /// The sender's AE title.
        calling: String,
        /// SOP Class UID.
        sop_class_uid: String,
        /// SOP Instance UID.
        sop_instance_uid: String,
        /// The file written.
        path: PathBuf,
    },
    /// An object was refused with a failure status.
    Refused {
        /// The sender's AE title.
        calling: String,
        /// SOP Instance UID named by the command.
        sop_instance_uid: String,
        /// The DIMSE status sent (PS3.4 §B.2.3).
        status: u16,
        /// Why.
        reason: String,
    },
    /// The association was released.
    Released {
        /// The sender's AE title.
        calling: String,
    },
    /// The association was aborted or failed.
    Failed {
        /// The sender's address.
        peer: SocketAddr,
        /// Why.
        reason: String,
    },
    /// An association of [`Storage::Batches`] ended (after its `Released` or `Failed`).
    Ended {
        /// The sender's address.
        peer: SocketAddr,
        /// The sender's AE title.
        calling: String,
        /// Released with objects accepted: the folder holding them (the receiver's no longer;
        /// the caller removes it). `None` when nothing was accepted or the association was
        /// aborted (its objects removed).
        folder: Option<PathBuf>,
        /// The objects accepted in it (removed again when `folder` is `None`).
        instances: usize,
    },
}

/// A bound receiver.
#[derive(Debug)]
pub struct Receiver {
    listener: TcpListener,
    config: Arc<ReceiverConfig>,
    active: Arc<AtomicUsize>,
    /// Numbers the batch folders of this receiver.
    batches: Arc<AtomicU64>,
}

impl Receiver {
    /// Binds `address` (e.g. `0.0.0.0:11112`) and creates the output folder.
    pub fn bind(address: &str, config: ReceiverConfig) -> Result<Self, PacsError> {
        std::fs::create_dir_all(&config.out).map_err(|source| PacsError::Io {
            path: config.out.clone(),
            what: "cannot create the folder",
            source,
        })?;
        let listener = TcpListener::bind(address).map_err(|source| PacsError::Connect {
            node: format!("{} (listening)", address),
            source,
        })?;
        Ok(Self {
            listener,
            config: Arc::new(config),
            active: Arc::new(AtomicUsize::new(0)),
            batches: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, PacsError> {
        self.listener
            .local_addr()
            .map_err(|source| PacsError::Connect {
                node: "the receiver".into(),
                source,
            })
    }

    /// Serves associations until the process ends, each on its own thread.
    pub fn serve(&self, events: &Sender<ReceiverEvent>) -> Result<(), PacsError> {
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            let peer = stream
                .peer_addr()
                .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
            if self.active.load(Ordering::SeqCst) >= self.config.max_associations {
                let _ = events.send(ReceiverEvent::Failed {
                    peer,
                    reason: format!(
                        "refused: {} associations already open",
                        self.config.max_associations
                    ),
                });
                continue;
            }
            let (config, active, sender) = (
                Arc::clone(&self.config),
                Arc::clone(&self.active),
                events.clone(),
            );
            let number = self.batches.fetch_add(1, Ordering::SeqCst);
            active.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                association(stream, peer, number, &config, &sender);
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    }
}

/// Where one association's accepted objects go.
enum Target<'a> {
    /// `ReceiverConfig::out` itself.
    Folder(&'a Path),
    /// A folder of this association's own ([`Storage::Batches`]).
    Batch(Batch<'a>),
}

/// One association's folder and what it holds so far.
struct Batch<'a> {
    folder: PathBuf,
    check: &'a dyn ObjectCheck,
    limits: BatchLimits,
    instances: usize,
    bytes: u64,
}

/// One association: negotiation, then messages until release or abort; in
/// [`Storage::Batches`], its folder handed over or removed at the end ([`ReceiverEvent::Ended`]).
fn association(
    stream: TcpStream,
    peer: SocketAddr,
    number: u64,
    config: &ReceiverConfig,
    events: &Sender<ReceiverEvent>,
) {
    let mut into = match &config.storage {
        Storage::Folder => Target::Folder(&config.out),
        Storage::Batches { check, limits } => Target::Batch(Batch {
            folder: config
                .out
                .join(format!("association-{}-{number}", std::process::id())),
            check: check.as_ref(),
            limits: *limits,
            instances: 0,
            bytes: 0,
        }),
    };
    let mut calling = String::new();
    let outcome = serve_association(stream, config, events, &mut into, &mut calling);
    let released = match outcome {
        Ok(()) => true,
        Err(reason) => {
            let reason = match &into {
                Target::Batch(b) if b.instances > 0 => format!(
                    "{reason}; the {} object(s) it brought were discarded, nothing was stored",
                    b.instances
                ),
                _ => reason,
            };
            let _ = events.send(ReceiverEvent::Failed { peer, reason });
            false
        }
    };
    if let Target::Batch(b) = into {
        let folder = if released && b.instances > 0 {
            Some(b.folder)
        } else {
            let _ = std::fs::remove_dir_all(&b.folder);
            None
        };
        let _ = events.send(ReceiverEvent::Ended {
            peer,
            calling,
            folder,
            instances: b.instances,
        });
    }
}

/// Negotiates the association and answers its messages until release (`Ok`) or abort.
fn serve_association(
    stream: TcpStream,
    config: &ReceiverConfig,
    events: &Sender<ReceiverEvent>,
    into: &mut Target<'_>,
    calling_out: &mut String,
) -> Result<(), String> {
    let peer = stream.peer_addr().map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(config.timeouts.request))
        .map_err(|e| e.to_string())?;
    // Responses go out at once (see `scu`: Nagle and delayed acknowledgements).
    let _ = stream.set_nodelay(true);
    let mut opts = ServerAssociationOptions::new()
        .accept_called_ae_title()
        .ae_title(config.aet.as_str().to_owned())
        .read_timeout(config.timeouts.request)
        .write_timeout(config.timeouts.request)
        .with_abstract_syntax(uids::VERIFICATION);
    for class in STORAGE_SOP_CLASSES {
        opts = opts.with_abstract_syntax(*class);
    }
    for ts in TRANSFER_SYNTAXES {
        opts = opts.with_transfer_syntax(*ts);
    }
    let mut assoc = opts
        .establish(stream)
        .map_err(|e| format!("association not established: {e}"))?;
    let calling = assoc.peer_ae_title().trim().to_owned();
    calling_out.clone_from(&calling);
    let _ = events.send(ReceiverEvent::Associated {
        peer,
        calling: calling.clone(),
    });
    let from = Origin {
        peer,
        calling: &calling,
    };
    let mut asm = Assembler::default();
    loop {
        while let Some(incoming) = asm.pop() {
            match incoming {
                Incoming::Message(m) => answer(&mut assoc, m, from, into, events)?,
                Incoming::Release => {
                    let _ = assoc.send(&Pdu::ReleaseRP);
                    let _ = events.send(ReceiverEvent::Released { calling });
                    return Ok(());
                }
                Incoming::Released | Incoming::Abort => {
                    return Err(format!("{calling}: association aborted by the sender"));
                }
            }
        }
        let pdu = assoc.receive().map_err(|e| format!("{calling}: {e}"))?;
        if let Err(reason) = asm.feed(pdu) {
            let _ = assoc.abort();
            return Err(format!(
                "{calling}: protocol error, association aborted: {reason}"
            ));
        }
    }
}

/// Answers one message (C-ECHO or C-STORE; anything else aborts the association).
fn answer(
    assoc: &mut ServerAssociation<TcpStream>,
    m: Message,
    from: Origin<'_>,
    into: &mut Target<'_>,
    events: &Sender<ReceiverEvent>,
) -> Result<(), String> {
    let calling = from.calling;
    let id = message::u16_of(&m.command, tags::MESSAGE_ID).unwrap_or(0);
    let class = message::text_of(&m.command, tags::AFFECTED_SOP_CLASS_UID).unwrap_or_default();
    match message::command_field(&m.command) {
        Some(C_ECHO_RQ) => {
            let rsp = message::encode_command(&[
                Field::Uid(tags::AFFECTED_SOP_CLASS_UID, &class),
                Field::U16(tags::COMMAND_FIELD, C_ECHO_RSP),
                Field::U16(tags::MESSAGE_ID_BEING_RESPONDED_TO, id),
                Field::U16(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
                Field::U16(tags::STATUS, STATUS_SUCCESS),
            ])?;
            send(assoc, m.context_id, &rsp)?;
            let _ = events.send(ReceiverEvent::Echo {
                calling: calling.to_owned(),
            });
            Ok(())
        }
        Some(C_STORE_RQ) => {
            let instance =
                message::text_of(&m.command, tags::AFFECTED_SOP_INSTANCE_UID).unwrap_or_default();
            let ts = assoc
                .presentation_contexts()
                .iter()
                .find(|c| c.id == m.context_id)
                .map(|c| c.transfer_syntax.trim_end_matches('\0').to_owned())
                .unwrap_or_default();
            let (status, comment) = match store(&m, &class, &instance, &ts, from, into) {
                Ok(path) => {
                    let _ = events.send(ReceiverEvent::Stored {
                        calling: calling.to_owned(),
                        sop_class_uid: class.clone(),
                        sop_instance_uid: instance.clone(),
                        path,
                    });
                    (STATUS_SUCCESS, None)
                }
                Err((status, reason)) => {
                    let _ = events.send(ReceiverEvent::Refused {
                        calling: calling.to_owned(),
                        sop_instance_uid: instance.clone(),
                        status,
                        reason: reason.clone(),
                    });
                    (status, Some(reason))
                }
            };
            let short: String = comment
                .unwrap_or_default()
                .chars()
                .take(ERROR_COMMENT_MAX)
                .collect();
            let mut fields = vec![
                Field::Uid(tags::AFFECTED_SOP_CLASS_UID, &class),
                Field::U16(tags::COMMAND_FIELD, C_STORE_RSP),
                Field::U16(tags::MESSAGE_ID_BEING_RESPONDED_TO, id),
                Field::U16(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
                Field::U16(tags::STATUS, status),
                Field::Uid(tags::AFFECTED_SOP_INSTANCE_UID, &instance),
            ];
            if !short.is_empty() {
                fields.push(Field::Text(tags::ERROR_COMMENT, &short));
            }
            let rsp = message::encode_command(&fields)?;
            send(assoc, m.context_id, &rsp)
        }
        other => {
            let _ = assoc.send(&Pdu::AbortRQ {
                source: AbortRQSource::ServiceUser,
            });
            Err(format!(
                "{calling}: unsupported command {other:#06X?}, association aborted"
            ))
        }
    }
}

/// The longest Error Comment (0000,0902): VR LO, 64 characters (PS3.5 §6.2).
const ERROR_COMMENT_MAX: usize = 64;

fn send(
    assoc: &mut ServerAssociation<TcpStream>,
    context: u8,
    command: &[u8],
) -> Result<(), String> {
    for pdu in message::fragments(context, command, None, assoc.requestor_max_pdu_length()) {
        assoc.send(&pdu).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A UID: 1 to 64 digits and dots (PS3.5 §9.1), safe as a file name.
use crate::files::is_uid;

/// Checks one C-STORE data set and writes it; a refusal is its status and reason.
fn store(
    m: &Message,
    class: &str,
    instance: &str,
    ts: &str,
    from: Origin<'_>,
    into: &mut Target<'_>,
) -> Result<PathBuf, (u16, String)> {
    let data = m
        .data
        .as_deref()
        .ok_or((STATUS_CANNOT_UNDERSTAND, "no data set".to_owned()))?;
    let obj = message::decode_data_set(data, ts).map_err(|e| (STATUS_CANNOT_UNDERSTAND, e))?;
    let in_set = |tag| message::text_of(&obj, tag).unwrap_or_default();
    let (set_class, set_instance) = (in_set(tags::SOP_CLASS_UID), in_set(tags::SOP_INSTANCE_UID));
    if set_class != class || set_instance != instance {
        return Err((
            STATUS_DATASET_MISMATCH,
            format!(
                "data set SOP {set_class}/{set_instance} does not match the command's {class}/{instance}"
            ),
        ));
    }
    let series = in_set(tags::SERIES_INSTANCE_UID);
    for (what, v) in [
        ("SOP Instance UID", instance),
        ("Series Instance UID", &series),
    ] {
        if !is_uid(v) {
            return Err((
                STATUS_CANNOT_UNDERSTAND,
                format!("{what} {v:?} is not a UID (1 to 64 digits and dots, PS3.5 §9.1)"),
            ));
        }
    }
    let out = match into {
        Target::Folder(out) => *out,
        Target::Batch(b) => {
            b.admit(data.len() as u64)?;
            b.check
                .check(from, &obj)
                .map_err(|r| (r.status, r.reason))?;
            b.folder.as_path()
        }
    };
    let written = write_object(out, &series, class, instance, ts, data)?;
    if let Target::Batch(b) = into {
        // Every write counts its bytes, a repeated SOP Instance too (it overwrites the file;
        // counting it again keeps the disk bound whatever the sender repeats).
        b.bytes = b.bytes.saturating_add(data.len() as u64);
        if written.fresh {
            b.instances += 1;
        }
    }
    Ok(written.path)
}

impl Batch<'_> {
    /// Refuses an object that would take the association past its limits.
    fn admit(&self, bytes: u64) -> Result<(), (u16, String)> {
        if self.instances >= self.limits.instances {
            return Err((
                STATUS_OUT_OF_RESOURCES,
                format!(
                    "more than {} objects in one association",
                    self.limits.instances
                ),
            ));
        }
        if self.bytes.saturating_add(bytes) > self.limits.bytes {
            return Err((
                STATUS_OUT_OF_RESOURCES,
                format!("more than {} bytes in one association", self.limits.bytes),
            ));
        }
        Ok(())
    }
}

/// A file written: where, and whether it is new (not a repeated SOP Instance).
struct Written {
    path: PathBuf,
    fresh: bool,
}

/// Writes one object as `out/<series>/<instance>.dcm`, through a temporary name.
fn write_object(
    out: &Path,
    series: &str,
    class: &str,
    instance: &str,
    ts: &str,
    data: &[u8],
) -> Result<Written, (u16, String)> {
    let io = |e: std::io::Error| {
        (
            STATUS_OUT_OF_RESOURCES,
            format!("cannot write the object: {e}"),
        )
    };
    // One folder per series, as a pull writes (crate::files::PullFolder).
    let folder = out.join(series);
    std::fs::create_dir_all(&folder).map_err(io)?;
    let final_path = folder.join(format!("{instance}.dcm"));
    let fresh = !final_path.exists();
    let temp = folder.join(format!(".{instance}.dcm.partial"));
    let file = std::fs::File::create(&temp).map_err(io)?;
    if let Err(e) = write_part10(file, class, instance, ts, data)
        .and_then(|()| std::fs::rename(&temp, &final_path))
    {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(Written {
        path: final_path,
        fresh,
    })
}
