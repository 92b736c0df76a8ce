//! DIMSE messages on an association (PS3.7 §6.3, §9.3; PS3.8 §9.3.5): command sets encoded in
//! Implicit VR Little Endian with their group length, messages cut into P-DATA values and put
//! back together from them.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};
use std::collections::VecDeque;

/// C-STORE-RQ (PS3.7 §9.3.1).
pub const C_STORE_RQ: u16 = 0x0001;
/// C-STORE-RSP.
pub const C_STORE_RSP: u16 = 0x8001;
/// C-GET-RQ (PS3.7 §9.3.3).
pub const C_GET_RQ: u16 = 0x0010;
/// C-GET-RSP.
pub const C_GET_RSP: u16 = 0x8010;
/// C-FIND-RQ (PS3.7 §9.3.2).
pub const C_FIND_RQ: u16 = 0x0020;
/// C-FIND-RSP.
pub const C_FIND_RSP: u16 = 0x8020;
/// C-ECHO-RQ (PS3.7 §9.3.5).
pub const C_ECHO_RQ: u16 = 0x0030;
/// C-ECHO-RSP.
pub const C_ECHO_RSP: u16 = 0x8030;

/// Command Data Set Type meaning "no data set" (PS3.7 §E.1, (0000,0800)).
pub const NO_DATA_SET: u16 = 0x0101;
/// Command Data Set Type sent when a data set follows (any value but 0x0101; PS3.7 §E.1).
pub const DATA_SET_PRESENT: u16 = 0x0000;
/// Priority MEDIUM (PS3.7 §E.1, (0000,0700)).
pub const PRIORITY_MEDIUM: u16 = 0x0000;

/// Status Success (PS3.7 §C.1.1).
pub const STATUS_SUCCESS: u16 = 0x0000;
/// Status Pending (C-FIND: matches are continuing, PS3.4 §C.4.1.1.4).
pub const STATUS_PENDING: u16 = 0xFF00;
/// Status Pending, optional keys not supported (PS3.4 §C.4.1.1.4).
pub const STATUS_PENDING_WARNING: u16 = 0xFF01;
/// Status Cancel (PS3.7 §C.1.4).
pub const STATUS_CANCEL: u16 = 0xFE00;
/// C-STORE failure "Error: Cannot understand" (PS3.4 §B.2.3).
pub const STATUS_CANNOT_UNDERSTAND: u16 = 0xC000;
/// C-STORE failure "Error: Data Set does not match SOP Class" (PS3.4 §B.2.3).
pub const STATUS_DATASET_MISMATCH: u16 = 0xA900;
/// C-STORE failure "Refused: Out of Resources" (PS3.4 §B.2.3).
pub const STATUS_OUT_OF_RESOURCES: u16 = 0xA700;
/// Failure "Refused: Not Authorized" (PS3.7 Annex C, general status 0124H): the receiver
/// refuses an object of a patient it does not hold, or whose identity does not agree.
pub const STATUS_NOT_AUTHORIZED: u16 = 0x0124;

/// The largest data set put together from P-DATA values: design choice, 1 GiB holds a
/// 512 × 512 × 300 multi-frame CT (150 MB) several times over and refuses a peer that sends
/// without end.
pub const MAX_DATA_SET_BYTES: usize = 1 << 30;

/// The largest command set: design choice, command sets are a few hundred bytes (PS3.7 §E.1).
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// The status class of a DIMSE status (PS3.7 §C).
pub fn status_meaning(status: u16) -> &'static str {
    match status {
        STATUS_SUCCESS => "success",
        STATUS_PENDING | STATUS_PENDING_WARNING => "pending",
        STATUS_CANCEL => "cancelled",
        0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => "warning",
        0xA700..=0xA7FF => "refused: out of resources",
        0xA900..=0xA9FF => "error: data set does not match SOP class",
        0xC000..=0xCFFF => "error: cannot understand",
        0x0122 => "refused: SOP class not supported",
        STATUS_NOT_AUTHORIZED => "refused: not authorized",
        _ => "failure",
    }
}

/// Whether a final status is a failure (not success, warning, pending or cancel).
pub fn is_failure(status: u16) -> bool {
    !matches!(
        status_meaning(status),
        "success" | "pending" | "warning" | "cancelled"
    )
}

/// A UID value padded to even length with NUL (PS3.5 §9.1).
fn uid_value(uid: &str) -> PrimitiveValue {
    let mut s = uid.to_owned();
    if s.len() % 2 == 1 {
        s.push('\0');
    }
    PrimitiveValue::from(s)
}

/// One command-set element.
pub enum Field<'a> {
    /// A US value.
    U16(Tag, u16),
    /// A UI value.
    Uid(Tag, &'a str),
    /// An AE or LO value (space padded).
    Text(Tag, &'a str),
}

/// Encodes a command set: its elements in Implicit VR Little Endian after (0000,0000) Command
/// Group Length (PS3.7 §6.3.1).
pub fn encode_command(fields: &[Field<'_>]) -> Result<Vec<u8>, String> {
    let obj = InMemDicomObject::from_element_iter(fields.iter().map(|f| match f {
        Field::U16(tag, v) => DataElement::new(*tag, VR::US, PrimitiveValue::from(*v)),
        Field::Uid(tag, u) => DataElement::new(*tag, VR::UI, uid_value(u)),
        Field::Text(tag, t) => {
            let mut s = (*t).to_owned();
            if s.len() % 2 == 1 {
                s.push(' ');
            }
            DataElement::new(
                *tag,
                if tag.element() == 0x0600 {
                    VR::AE
                } else {
                    VR::LO
                },
                PrimitiveValue::from(s),
            )
        }
    }));
    let mut body = Vec::new();
    obj.write_dataset_with_ts(&mut body, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| format!("cannot encode the command set: {e}"))?;
    let len = u32::try_from(body.len()).map_err(|_| "command set too long".to_owned())?;
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(&[0, 0, 0, 0, 4, 0, 0, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a command set (Implicit VR Little Endian, PS3.7 §6.3.1).
pub fn decode_command(bytes: &[u8]) -> Result<InMemDicomObject, String> {
    crate::lengths::check(bytes, false).map_err(|e| format!("command set: {e}"))?;
    InMemDicomObject::read_dataset_with_ts(bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| format!("command set is not valid Implicit VR Little Endian ({e})"))
}

/// Decodes a data set in `ts_uid`: Explicit or Implicit VR Little Endian, the transfer
/// syntaxes negotiated here (`super::TRANSFER_SYNTAXES`); every element length is checked
/// first (`crate::lengths`).
pub fn decode_data_set(bytes: &[u8], ts_uid: &str) -> Result<InMemDicomObject, String> {
    let ts_uid = ts_uid.trim_end_matches('\0');
    let explicit = match ts_uid {
        uids::EXPLICIT_VR_LITTLE_ENDIAN => true,
        uids::IMPLICIT_VR_LITTLE_ENDIAN => false,
        other => return Err(format!("transfer syntax {other} is not read here")),
    };
    crate::lengths::check(bytes, explicit).map_err(|e| format!("data set: {e}"))?;
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| format!("unknown transfer syntax {ts_uid}"))?;
    InMemDicomObject::read_dataset_with_ts(bytes, ts)
        .map_err(|e| format!("data set is not valid in transfer syntax {ts_uid} ({e})"))
}

/// Encodes a data set in `ts_uid`.
pub fn encode_data_set(obj: &InMemDicomObject, ts_uid: &str) -> Result<Vec<u8>, String> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid.trim_end_matches('\0'))
        .ok_or_else(|| format!("unknown transfer syntax {ts_uid}"))?;
    let mut out = Vec::new();
    obj.write_dataset_with_ts(&mut out, ts)
        .map_err(|e| format!("cannot encode the data set: {e}"))?;
    Ok(out)
}

/// A US element of a command set.
pub fn u16_of(obj: &InMemDicomObject, tag: Tag) -> Option<u16> {
    obj.get(tag).and_then(|e| e.to_int::<u16>().ok())
}

/// A text element (trailing NUL and spaces removed).
pub fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).trim_start().to_owned())
}

/// The Command Field of a command set.
pub fn command_field(obj: &InMemDicomObject) -> Option<u16> {
    u16_of(obj, tags::COMMAND_FIELD)
}

/// One DIMSE message: its presentation context, command set and data set (still encoded).
#[derive(Debug)]
pub struct Message {
    /// The presentation context it came on.
    pub context_id: u8,
    /// The command set.
    pub command: InMemDicomObject,
    /// The data set's bytes, when the command says one follows.
    pub data: Option<Vec<u8>>,
}

/// What the peer sent next.
#[derive(Debug)]
pub enum Incoming {
    /// A complete message.
    Message(Message),
    /// A release request (A-RELEASE-RQ).
    Release,
    /// A release reply (A-RELEASE-RP).
    Released,
    /// An abort (A-ABORT).
    Abort,
}

/// Puts messages back together from P-DATA values (PS3.8 §9.3.5.1: the command's fragments,
/// then the data set's, all on one presentation context).
#[derive(Debug, Default)]
pub struct Assembler {
    context_id: Option<u8>,
    command: Vec<u8>,
    command_done: Option<InMemDicomObject>,
    data: Vec<u8>,
    ready: VecDeque<Incoming>,
}

impl Assembler {
    /// Takes the next PDU.
    pub fn feed(&mut self, pdu: Pdu) -> Result<(), String> {
        match pdu {
            Pdu::PData { data } => {
                for pdv in data {
                    self.value(pdv)?;
                }
                Ok(())
            }
            Pdu::ReleaseRQ => self.between(Incoming::Release),
            Pdu::ReleaseRP => self.between(Incoming::Released),
            Pdu::AbortRQ { .. } => {
                self.ready.push_back(Incoming::Abort);
                Ok(())
            }
            other => Err(format!(
                "unexpected {} during the association",
                pdu_name(&other)
            )),
        }
    }

    /// A release between messages (inside one is a protocol error).
    fn between(&mut self, what: Incoming) -> Result<(), String> {
        if self.context_id.is_some() {
            return Err("release request in the middle of a message".into());
        }
        self.ready.push_back(what);
        Ok(())
    }

    fn value(&mut self, pdv: PDataValue) -> Result<(), String> {
        match self.context_id {
            Some(id) if id != pdv.presentation_context_id => {
                return Err(format!(
                    "a fragment on presentation context {} inside a message on context {id}",
                    pdv.presentation_context_id
                ));
            }
            _ => self.context_id = Some(pdv.presentation_context_id),
        }
        match (pdv.value_type, self.command_done.is_some()) {
            (PDataValueType::Command, false) => {
                if self.command.len() + pdv.data.len() > MAX_COMMAND_BYTES {
                    return Err(format!("command set longer than {MAX_COMMAND_BYTES} bytes"));
                }
                self.command.extend_from_slice(&pdv.data);
                if pdv.is_last {
                    let cmd = decode_command(&self.command)?;
                    self.command.clear();
                    if u16_of(&cmd, tags::COMMAND_DATA_SET_TYPE).unwrap_or(NO_DATA_SET)
                        == NO_DATA_SET
                    {
                        self.complete(cmd, None);
                    } else {
                        self.command_done = Some(cmd);
                    }
                }
                Ok(())
            }
            (PDataValueType::Data, true) => {
                if self.data.len() + pdv.data.len() > MAX_DATA_SET_BYTES {
                    return Err(format!("data set longer than {MAX_DATA_SET_BYTES} bytes"));
                }
                self.data.extend_from_slice(&pdv.data);
                if pdv.is_last {
                    let data = std::mem::take(&mut self.data);
                    if let Some(cmd) = self.command_done.take() {
                        self.complete(cmd, Some(data));
                    }
                }
                Ok(())
            }
            (PDataValueType::Data, false) => {
                Err("a data set fragment before its command set".into())
            }
            (PDataValueType::Command, true) => {
                Err("a command set fragment where the data set was expected".into())
            }
        }
    }

    fn complete(&mut self, command: InMemDicomObject, data: Option<Vec<u8>>) {
        let context_id = self.context_id.take().unwrap_or(0);
        self.ready.push_back(Incoming::Message(Message {
            context_id,
            command,
            data,
        }));
    }

    /// The next complete message or event.
    pub fn pop(&mut self) -> Option<Incoming> {
        self.ready.pop_front()
    }
}

/// A PDU's name in PS3.8 §9.3 words.
pub fn pdu_name(pdu: &Pdu) -> &'static str {
    match pdu {
        Pdu::Unknown { .. } => "an unknown PDU",
        Pdu::AssociationRQ(_) => "A-ASSOCIATE-RQ",
        Pdu::AssociationAC(_) => "A-ASSOCIATE-AC",
        Pdu::AssociationRJ(_) => "A-ASSOCIATE-RJ",
        Pdu::PData { .. } => "P-DATA-TF",
        Pdu::ReleaseRQ => "A-RELEASE-RQ",
        Pdu::ReleaseRP => "A-RELEASE-RP",
        Pdu::AbortRQ { .. } => "A-ABORT",
    }
}

/// The P-DATA-TF PDUs of one message, each at most `max_pdu` bytes long (the peer's maximum
/// length, PS3.8 §D.1; each PDV item adds 6 bytes: its length, context id and header).
pub fn fragments(context_id: u8, command: &[u8], data: Option<&[u8]>, max_pdu: u32) -> Vec<Pdu> {
    /// The item header of a PDV: item length (4), presentation context id (1), message
    /// control header (1) (PS3.8 §9.3.5.1).
    const PDV_OVERHEAD: usize = 6;
    /// When the peer sets no maximum (0, PS3.8 §D.1): design choice, 1 MiB PDUs.
    const UNLIMITED_CHUNK: usize = 1 << 20;
    let chunk = if max_pdu == 0 {
        UNLIMITED_CHUNK
    } else {
        (max_pdu as usize).saturating_sub(PDV_OVERHEAD).max(1)
    };
    let mut out = Vec::new();
    let mut push = |bytes: &[u8], kind: PDataValueType| {
        let n = bytes.len().div_ceil(chunk).max(1);
        for (i, piece) in bytes
            .chunks(chunk)
            .chain(std::iter::repeat_n(&[][..], usize::from(bytes.is_empty())))
            .enumerate()
        {
            out.push(Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: context_id,
                    value_type: kind.clone(),
                    is_last: i + 1 == n,
                    data: piece.to_vec(),
                }],
            });
        }
    };
    push(command, PDataValueType::Command);
    if let Some(d) = data {
        push(d, PDataValueType::Data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A C-ECHO-RQ as PS3.7 §9.3.5.1 lists it: Affected SOP Class UID (Verification), Command
    /// Field 0x0030, Message ID, Command Data Set Type 0x0101. Its bytes are counted by hand:
    /// each element 8 bytes of tag and length plus its even-padded value; the group length
    /// is the sum of the rest.
    #[test]
    fn echo_request_bytes() {
        let b = encode_command(&[
            Field::Uid(tags::AFFECTED_SOP_CLASS_UID, "1.2.840.10008.1.1"),
            Field::U16(tags::COMMAND_FIELD, C_ECHO_RQ),
            Field::U16(tags::MESSAGE_ID, 7),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        ])
        .unwrap();
        // 8 + 18 (UID of 17 characters, padded) + 3 × (8 + 2) = 56.
        assert_eq!(&b[..12], &[0, 0, 0, 0, 4, 0, 0, 0, 56, 0, 0, 0]);
        assert_eq!(b.len(), 12 + 56);
        assert_eq!(&b[12..16], &[0, 0, 2, 0]);
        assert_eq!(&b[16..20], &[18, 0, 0, 0]);
        assert_eq!(&b[20..38], b"1.2.840.10008.1.1\0");
        let back = decode_command(&b).unwrap();
        assert_eq!(command_field(&back), Some(C_ECHO_RQ));
        assert_eq!(
            text_of(&back, tags::AFFECTED_SOP_CLASS_UID).as_deref(),
            Some("1.2.840.10008.1.1")
        );
    }

    /// The fuzz target's finding (fuzz/regressions/pacs_network_input/oom-command-length): a
    /// command element declaring ~4 GB made dicom-rs allocate it and abort; now an error.
    #[test]
    fn huge_declared_lengths_are_refused_before_decoding() {
        let err = decode_command(&[0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 1, 2]).unwrap_err();
        assert!(err.contains("declares 4294967294 bytes, 2 remain"), "{err}");
        let data = [0x10, 0, 0x10, 0, b'P', b'N', 0xF0, 0xFF, b'A', b'B'];
        let err = decode_data_set(&data, "1.2.840.10008.1.2.1").unwrap_err();
        assert!(err.contains("declares 65520 bytes"), "{err}");
    }

    #[test]
    fn messages_are_put_back_together() {
        let cmd = encode_command(&[
            Field::U16(tags::COMMAND_FIELD, C_STORE_RQ),
            Field::U16(tags::COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT),
        ])
        .unwrap();
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let pdus = fragments(3, &cmd, Some(&data), 106);
        assert!(pdus.len() > 10);
        let mut a = Assembler::default();
        for p in pdus {
            a.feed(p).unwrap();
        }
        let Some(Incoming::Message(m)) = a.pop() else {
            panic!("no message")
        };
        assert_eq!((m.context_id, m.data.as_deref()), (3, Some(&data[..])));
        assert!(a.pop().is_none());
        // A data fragment first is a protocol error.
        let mut a = Assembler::default();
        let err = a
            .feed(Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: 1,
                    value_type: PDataValueType::Data,
                    is_last: true,
                    data: vec![1],
                }],
            })
            .unwrap_err();
        assert!(err.contains("before its command"), "{err}");
    }
}
