//! A length check of the encoded data set before dicom-rs parses it.
//!
//! dicom-rs allocates and zero-fills the value length an element header states before reading the
//! value: a corrupt header stating 4 GB costs 4 GB of memory and seconds of time before the
//! read fails. This walker reads the data set as the same flat stream of element and item
//! headers (skipping values, entering sequences and items) and refuses a file in which a header
//! claims more bytes than remain. It validates nothing else; dicom-rs reports the other errors.
//! Deflated data sets are not walked.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::DicomError;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const MAX_DEPTH: usize = 64;

/// Where the data set starts and how it is encoded.
pub(crate) struct Encoding {
    /// Offset of the first element (of the meta group when `meta` is true).
    pub start: u64,
    /// The file starts with a file meta group (explicit VR little endian) to walk first.
    pub meta: bool,
    /// Explicit VR (for a bare data set; read from the meta group otherwise).
    pub explicit: bool,
}

/// VRs with a 2-byte length in explicit VR (PS3.5 7.1.2); all others have 2 reserved bytes and a
/// 4-byte length.
fn is_short(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}

struct Walker<'p> {
    r: BufReader<File>,
    pos: u64,
    size: u64,
    explicit: bool,
    big_endian: bool,
    path: &'p Path,
}

/// Stops the walk without an error (end of data; dicom-rs reports what is wrong, if anything).
struct Stop;

enum Fail {
    Stop(Stop),
    Err(DicomError),
}

impl From<DicomError> for Fail {
    fn from(e: DicomError) -> Self {
        Fail::Err(e)
    }
}

type Step<T> = Result<T, Fail>;

impl Walker<'_> {
    fn bytes<const N: usize>(&mut self) -> Step<[u8; N]> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b).map_err(|_| Fail::Stop(Stop))?;
        self.pos += N as u64;
        Ok(b)
    }

    fn u16(&mut self) -> Step<u16> {
        let b = self.bytes::<2>()?;
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&mut self) -> Step<u32> {
        let b = self.bytes::<4>()?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn tag(&mut self) -> Step<Tag> {
        let g = self.u16()?;
        let e = self.u16()?;
        Ok(Tag(g, e))
    }

    fn seek_to(&mut self, to: u64) -> Step<()> {
        let delta = i64::try_from(to).unwrap_or(i64::MAX) - i64::try_from(self.pos).unwrap_or(0);
        self.r.seek_relative(delta).map_err(|_| Fail::Stop(Stop))?;
        self.pos = to;
        Ok(())
    }

    fn too_long(&self, what: String, len: u32, end: u64) -> Fail {
        Fail::Err(DicomError::Read {
            file: self.path.to_path_buf(),
            reason: format!(
                "{what} at byte {} claims {len} bytes but only {} remain (the file is truncated \
                 or corrupt)",
                self.pos,
                end.saturating_sub(self.pos),
            ),
        })
    }

    fn check(&self, what: impl FnOnce() -> String, len: u32, end: u64) -> Step<()> {
        if self.pos.saturating_add(u64::from(len)) > end {
            return Err(self.too_long(what(), len, end));
        }
        Ok(())
    }

    /// The file meta group as dicom-rs reads it: File Meta Information Group Length first, then
    /// elements (explicit VR little endian) until that many bytes are read. Returns the Transfer
    /// Syntax UID.
    fn meta(&mut self) -> Step<String> {
        let tag = self.tag()?;
        let vr = self.bytes::<2>()?;
        let len = self.u16()?;
        if tag != Tag(0x0002, 0x0000) || &vr != b"UL" || len != 4 {
            return Err(Fail::Stop(Stop));
        }
        let group_length = u64::from(self.u32()?);
        let start = self.pos;
        let mut ts = String::new();
        while self.pos - start < group_length {
            let tag = self.tag()?;
            let vr = VR::from_binary(self.bytes::<2>()?).unwrap_or(VR::UN);
            let len = if is_short(vr) {
                u32::from(self.u16()?)
            } else {
                self.bytes::<2>()?;
                self.u32()?
            };
            if len == UNDEFINED {
                return Err(Fail::Stop(Stop));
            }
            let name = || format!("meta element ({:04X},{:04X})", tag.group(), tag.element());
            self.check(name, len, self.size)?;
            if tag == Tag(0x0002, 0x0010) && len <= 64 {
                let mut b = vec![0u8; len as usize];
                self.r.read_exact(&mut b).map_err(|_| Fail::Stop(Stop))?;
                self.pos += u64::from(len);
                ts = String::from_utf8_lossy(&b)
                    .trim_end_matches(['\0', ' '])
                    .to_string();
            } else {
                let to = self.pos + u64::from(len);
                self.seek_to(to)?;
            }
        }
        Ok(ts)
    }

    /// The data set as a flat stream of tokens, as dicom-rs's parser reads it: element headers
    /// (values skipped, except sequences, which are entered), item headers (entered) and
    /// delimiters; fragments of encapsulated pixel data skipped. Every stated length must fit in
    /// the rest of the file.
    fn tokens(&mut self) -> Step<()> {
        // Explicit-VR flags to restore when an undefined-length sequence ends (UN sequences hold
        // implicit VR items).
        let mut sequences: Vec<bool> = Vec::new();
        let mut in_fragments = false;
        let end = self.size;
        loop {
            if self.pos >= end {
                return Ok(());
            }
            let tag = self.tag()?;
            if tag.group() == 0xFFFE {
                let len = self.u32()?;
                match tag.element() {
                    0xE000 if in_fragments => {
                        self.check(|| "pixel data fragment".into(), len, end)?;
                        let to = self.pos + u64::from(len);
                        self.seek_to(to)?;
                    }
                    0xE0DD if in_fragments => in_fragments = false,
                    _ if in_fragments => return Err(Fail::Stop(Stop)),
                    0xE000 => {
                        if len != UNDEFINED {
                            self.check(|| "sequence item".into(), len, end)?;
                        }
                    }
                    0xE00D => {}
                    0xE0DD => {
                        if let Some(explicit) = sequences.pop() {
                            self.explicit = explicit;
                        }
                    }
                    // Any other (FFFE,xxxx) is read as an element of 4-byte length, no VR.
                    _ => {
                        if len == UNDEFINED {
                            return Err(Fail::Stop(Stop));
                        }
                        let name = || format!("element (FFFE,{:04X})", tag.element());
                        self.check(name, len, end)?;
                        let to = self.pos + u64::from(len);
                        self.seek_to(to)?;
                    }
                }
                continue;
            }
            let (vr, len) = if self.explicit {
                // An unknown VR is read as UN (4-byte length), as dicom-rs does.
                let vr = VR::from_binary(self.bytes::<2>()?).unwrap_or(VR::UN);
                if is_short(vr) {
                    (Some(vr), u32::from(self.u16()?))
                } else {
                    self.bytes::<2>()?;
                    (Some(vr), self.u32()?)
                }
            } else {
                let vr = StandardDataDictionary
                    .by_tag(tag)
                    .and_then(|e| e.vr().exact());
                (vr, self.u32()?)
            };
            if len == UNDEFINED {
                if tag == Tag(0x7FE0, 0x0010) || matches!(vr, Some(VR::OB | VR::OW)) {
                    in_fragments = true;
                } else {
                    if sequences.len() >= MAX_DEPTH {
                        return Err(Fail::Err(DicomError::Read {
                            file: self.path.to_path_buf(),
                            reason: format!(
                                "sequences nested deeper than {MAX_DEPTH} levels (corrupt file?)"
                            ),
                        }));
                    }
                    // SQ, UN or an implicit VR element of undefined length: a sequence.
                    sequences.push(self.explicit);
                    if vr == Some(VR::UN) {
                        self.explicit = false;
                    }
                }
                continue;
            }
            let name = || format!("element ({:04X},{:04X})", tag.group(), tag.element());
            self.check(name, len, end)?;
            if vr != Some(VR::SQ) {
                let to = self.pos + u64::from(len);
                self.seek_to(to)?;
            }
        }
    }
}

/// Checks every stated length of the file against the bytes that remain.
pub(crate) fn check_lengths(path: &Path, enc: Encoding) -> Result<(), DicomError> {
    let file = File::open(path).map_err(|e| DicomError::Read {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let mut w = Walker {
        r: BufReader::with_capacity(16 * 1024, file),
        pos: 0,
        size,
        explicit: enc.explicit,
        big_endian: false,
        path,
    };
    let run = |w: &mut Walker<'_>| -> Step<()> {
        w.seek_to(enc.start)?;
        if enc.meta {
            w.explicit = true;
            let ts = w.meta()?;
            match ts.as_str() {
                "1.2.840.10008.1.2" => w.explicit = false,
                "1.2.840.10008.1.2.2" => w.big_endian = true,
                // Deflated: the rest is compressed; nothing to walk.
                "1.2.840.10008.1.2.1.99" => return Ok(()),
                _ => {}
            }
        }
        w.tokens()?;
        Ok(())
    };
    match run(&mut w) {
        Ok(()) | Err(Fail::Stop(_)) => Ok(()),
        Err(Fail::Err(e)) => Err(e),
    }
}
