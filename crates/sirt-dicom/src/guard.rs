//! A length check of the encoded data set before dicom-rs parses it.
//!
//! dicom-rs allocates and zero-fills the value length an element header states before reading the
//! value: a corrupt header stating 4 GB costs 4 GB of memory and seconds of time before the
//! read fails. This walker reads the data set as the same stream of element and item headers as
//! dicom-rs 0.10's `DataSetReader` (a port of its state machine, down to the bytes a value read
//! consumes: a binary value of a length that is not a multiple of its size leaves bytes that the
//! next header starts on) and refuses a file in which a header claims more bytes than remain.
//! It validates nothing else; dicom-rs reports the other errors. A deflated data set is
//! inflated (streamed, up to 1 GiB) and walked the same way. (Found by fuzzing: a walker that skipped whole stated lengths could be led off
//! dicom-rs's path, which then allocated 4 GB; `fuzz/regressions/dicom_rtstruct_seg/`.)

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
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

/// Bytes to walk: a file (skips by seeking) or an inflated stream (skips by reading).
trait Source: Read {
    /// Moves `n` bytes forward.
    fn skip(&mut self, n: u64) -> std::io::Result<()>;
}

impl Source for BufReader<File> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let n = i64::try_from(n).map_err(|_| std::io::Error::other("skip too far"))?;
        self.seek_relative(n)
    }
}

impl Source for Cursor<&[u8]> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let to = self.position().saturating_add(n);
        if to > self.get_ref().len() as u64 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.set_position(to);
        Ok(())
    }
}

/// A stream read forward only.
struct Stream<R>(R);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Source for Stream<R> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let copied = std::io::copy(&mut (&mut self.0).take(n), &mut std::io::sink())?;
        if copied < n {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Most bytes a deflated data set may inflate to (a larger one is refused).
const MAX_INFLATED: u64 = 1 << 30;

struct Walker<'p> {
    r: Box<dyn Source + 'p>,
    /// Bytes read from the file.
    pos: u64,
    /// dicom-rs's position counter minus `pos`: it counts a value's stated length where fewer
    /// bytes were read (binary values of a length that is not a multiple of their size), and
    /// item and sequence ends are found on that counter.
    skew: u64,
    size: u64,
    explicit: bool,
    big_endian: bool,
    path: &'p Path,
    /// The first Pixel Data element of the root data set with a defined length, as the walk met
    /// it (offsets into the walked bytes).
    pixel: Option<NativePixelData>,
}

/// Where the value of a root-level Pixel Data (7FE0,0010) element of defined length lies in the
/// file: what dicom-rs would read as its value (`len` is the stated length rounded down to
/// whole values of `vr`, as dicom-rs reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NativePixelData {
    /// Offset of the first value byte.
    pub offset: u64,
    /// Bytes dicom-rs reads as the value.
    pub len: u64,
    /// The VR of the element as dicom-rs reads it.
    pub vr: VR,
}

/// What a complete walk found out about the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Walked {
    /// The walk went through the whole data set without stopping early (a stop leaves the
    /// error, if any, to dicom-rs).
    pub complete: bool,
    /// The Transfer Syntax UID of the file meta group, when there is one.
    pub transfer_syntax: Option<String>,
    /// The root-level Pixel Data of defined length (not in a deflated data set).
    pub pixel: Option<NativePixelData>,
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

    /// dicom-rs's position counter.
    fn logical(&self) -> u64 {
        self.pos + self.skew
    }

    /// Moves forward to `to` (the walk never moves back).
    fn seek_to(&mut self, to: u64) -> Step<()> {
        let Some(delta) = to.checked_sub(self.pos) else {
            return Err(Fail::Stop(Stop));
        };
        self.r.skip(delta).map_err(|_| Fail::Stop(Stop))?;
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
        // dicom-rs reads the meta group with its explicit VR little endian header decoder and
        // accepts any VR for the group length as long as the length is 4.
        self.explicit = true;
        let (tag, _, len) = self.element_header()?;
        if tag != Tag(0x0002, 0x0000) || len != 4 {
            return Err(Fail::Stop(Stop));
        }
        let group_length = u64::from(self.u32()?);
        let start = self.pos;
        let mut ts = String::new();
        while self.pos - start < group_length {
            let (tag, _, len) = self.element_header()?;
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

    /// Element header as dicom-rs's decoders read it: (tag, VR, length). Explicit VR: group
    /// FFFE has no VR (UN) and a 4-byte length; an unknown VR reads as UN. Implicit VR: the VR
    /// of the standard dictionary (ambiguous ones relaxed: US, OW), OW for Pixel Data and
    /// Overlay Data, UN for unknown tags.
    fn element_header(&mut self) -> Step<(Tag, VR, u32)> {
        let tag = self.tag()?;
        if self.explicit {
            if tag.group() == 0xFFFE {
                return Ok((tag, VR::UN, self.u32()?));
            }
            let vr = VR::from_binary(self.bytes::<2>()?).unwrap_or(VR::UN);
            let len = if is_short(vr) {
                u32::from(self.u16()?)
            } else {
                self.bytes::<2>()?;
                self.u32()?
            };
            Ok((tag, vr, len))
        } else {
            let len = self.u32()?;
            let vr = if tag == Tag(0x7FE0, 0x0010)
                || (tag.group() >> 8 == 0x60 && tag.element() == 0x3000)
            {
                VR::OW
            } else {
                StandardDataDictionary
                    .by_tag(tag)
                    .map(|e| e.vr().relaxed())
                    .unwrap_or(VR::UN)
            };
            Ok((tag, vr, len))
        }
    }

    /// The data set as the token stream of dicom-rs's `DataSetReader` (a port of its state
    /// machine: sequences and items of defined and undefined length, item ends at their stated
    /// length, encapsulated pixel data): every value dicom-rs would allocate is checked
    /// against the bytes that remain before it is skipped, and skipped by as many bytes as
    /// dicom-rs reads (binary VRs read whole numbers of values, so a length that is not a
    /// multiple of the value size leaves bytes that the next header starts on). Where dicom-rs
    /// would fail, the walk stops without an error (dicom-rs reports it).
    fn tokens(&mut self) -> Step<()> {
        let mut st = TokenState::default();
        loop {
            if st.check_pending && self.close_ended(&mut st)? {
                continue;
            }
            if st.stack.len() > MAX_DEPTH {
                return Err(Fail::Err(DicomError::Read {
                    file: self.path.to_path_buf(),
                    reason: format!(
                        "sequences nested deeper than {MAX_DEPTH} levels (corrupt file?)"
                    ),
                }));
            }
            if st.in_sequence {
                self.sequence_token(&mut st)?;
                continue;
            }
            if let Some(Open {
                item: true,
                pixel: true,
                len,
                ..
            }) = st.stack.last()
            {
                let len = *len;
                self.pixel_item_value(&mut st, len)?;
                continue;
            }
            if st.encapsulated_next {
                self.encapsulated_start(&mut st)?;
                continue;
            }
            if self.pos >= self.size {
                return Ok(());
            }
            self.element(&mut st)?;
        }
    }

    /// After a value or an item end: closes the innermost open item or sequence of defined
    /// length when dicom-rs's counter has reached its end (true: look again), stops when past
    /// it, and otherwise clears the pending check (false).
    fn close_ended(&self, st: &mut TokenState) -> Step<bool> {
        if let Some(Open {
            item,
            len: Some(len),
            base,
            ..
        }) = st.stack.last()
        {
            let stop = base.saturating_add(*len);
            match stop.cmp(&self.logical()) {
                std::cmp::Ordering::Equal => {
                    st.in_sequence = *item;
                    st.stack.pop();
                    return Ok(true);
                }
                std::cmp::Ordering::Less => return Err(Fail::Stop(Stop)),
                std::cmp::Ordering::Greater => {}
            }
        }
        st.check_pending = false;
        Ok(false)
    }

    /// Inside a sequence: an item header, an item delimiter or a sequence delimiter.
    fn sequence_token(&mut self, st: &mut TokenState) -> Step<()> {
        let end = self.size;
        let tag = self.tag()?;
        let len = self.u32()?;
        match (tag.group(), tag.element()) {
            (0xFFFE, 0xE000) => {
                let Some(top) = st.stack.last() else {
                    return Err(Fail::Stop(Stop));
                };
                let pixel = top.pixel;
                st.in_sequence = false;
                if len != UNDEFINED {
                    self.check(|| "sequence item".into(), len, end)?;
                }
                st.stack.push(Open {
                    item: true,
                    pixel,
                    len: defined(len),
                    base: self.logical(),
                });
                if len == 0 {
                    st.check_pending = true;
                }
            }
            (0xFFFE, 0xE00D) => {
                st.stack.pop();
                st.in_sequence = true;
                st.check_pending = true;
            }
            (0xFFFE, 0xE0DD) => {
                st.stack.pop();
                st.in_sequence = false;
                st.check_pending = true;
            }
            _ => return Err(Fail::Stop(Stop)),
        }
        Ok(())
    }

    /// The value of a pixel data item (offset table or fragment) of length `len`, allocated
    /// whole.
    fn pixel_item_value(&mut self, st: &mut TokenState, len: Option<u64>) -> Step<()> {
        let end = self.size;
        let Some(len) = len else {
            return Err(Fail::Stop(Stop));
        };
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.check(|| "pixel data fragment".into(), len, end)?;
        // The Basic Offset Table is read as whole u32 values (counter included).
        let read = if st.offset_table_next {
            st.offset_table_next = false;
            u64::from(len) - u64::from(len) % 4
        } else {
            u64::from(len)
        };
        let to = self.pos + read;
        self.seek_to(to)?;
        st.check_pending = true;
        Ok(())
    }

    /// The first header of encapsulated pixel data: the offset table item, or the sequence
    /// delimiter.
    fn encapsulated_start(&mut self, st: &mut TokenState) -> Step<()> {
        let end = self.size;
        st.encapsulated_next = false;
        st.stack.push(Open {
            item: false,
            pixel: true,
            len: None,
            base: self.logical(),
        });
        let tag = self.tag()?;
        let len = self.u32()?;
        match (tag.group(), tag.element()) {
            (0xFFFE, 0xE000) => {
                st.in_sequence = false;
                if len != UNDEFINED {
                    self.check(|| "pixel data item".into(), len, end)?;
                }
                st.stack.push(Open {
                    item: true,
                    pixel: true,
                    len: defined(len),
                    base: self.logical(),
                });
                if len == 0 {
                    st.check_pending = true;
                } else {
                    st.offset_table_next = true;
                }
            }
            (0xFFFE, 0xE0DD) => {
                st.stack.pop();
                st.in_sequence = false;
            }
            _ => return Err(Fail::Stop(Stop)),
        }
        Ok(())
    }

    /// An element header in a data set and its value: a sequence or an element of undefined
    /// length opens, an item delimiter closes, any other value is checked and skipped.
    fn element(&mut self, st: &mut TokenState) -> Step<()> {
        let end = self.size;
        let (tag, vr, len) = self.element_header()?;
        let name = || format!("element ({:04X},{:04X})", tag.group(), tag.element());
        if vr == VR::SQ {
            if len != UNDEFINED {
                self.check(name, len, end)?;
            }
            st.in_sequence = true;
            st.stack.push(Open {
                item: false,
                pixel: false,
                len: defined(len),
                base: self.logical(),
            });
            if len == 0 {
                st.check_pending = true;
            }
        } else if tag == Tag(0xFFFE, 0xE00D) {
            if !st.stack.is_empty() {
                st.in_sequence = true;
                st.stack.pop();
                st.check_pending = true;
            }
        } else if len == UNDEFINED {
            if tag == Tag(0x7FE0, 0x0010) {
                st.encapsulated_next = true;
            } else {
                // Any other element of undefined length reads as a sequence.
                st.in_sequence = true;
                st.stack.push(Open {
                    item: false,
                    pixel: false,
                    len: None,
                    base: self.logical(),
                });
            }
        } else {
            self.check(name, len, end)?;
            let read = u64::from(len) - u64::from(len) % value_size(vr);
            if tag == Tag(0x7FE0, 0x0010) && st.stack.is_empty() && self.pixel.is_none() {
                self.pixel = Some(NativePixelData {
                    offset: self.pos,
                    len: read,
                    vr,
                });
            }
            let to = self.pos + read;
            self.seek_to(to)?;
            self.skew += u64::from(len) - read;
            st.check_pending = true;
        }
        Ok(())
    }
}

/// An open sequence or item of the token walk.
struct Open {
    /// An item (else a sequence).
    item: bool,
    /// Of encapsulated pixel data.
    pixel: bool,
    /// Its defined length, if any.
    len: Option<u64>,
    /// dicom-rs's counter where its value starts.
    base: u64,
}

/// The state of dicom-rs's `DataSetReader` that the token walk follows.
#[derive(Default)]
struct TokenState {
    /// Open sequences and items, innermost last.
    stack: Vec<Open>,
    /// The next header is an item or a delimiter of a sequence.
    in_sequence: bool,
    /// The innermost item or sequence of defined length may have ended.
    check_pending: bool,
    /// The next header starts encapsulated pixel data.
    encapsulated_next: bool,
    /// The next pixel data item value is the Basic Offset Table.
    offset_table_next: bool,
}

/// A stated length, `None` when undefined.
fn defined(len: u32) -> Option<u64> {
    (len != UNDEFINED).then_some(u64::from(len))
}

/// Bytes per value of a binary VR as dicom-rs reads it (1 for text and byte VRs).
fn value_size(vr: VR) -> u64 {
    match vr {
        VR::US | VR::SS | VR::OW => 2,
        VR::AT | VR::UL | VR::SL | VR::FL | VR::OF | VR::OL => 4,
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        _ => 1,
    }
}

/// The bytes a check walks.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    /// The file at the path, read as far as the walk needs (values are skipped by seeking).
    File,
    /// The whole content of the file, already in memory.
    Bytes(&'a [u8]),
}

/// Checks every stated length of the file against the bytes that remain, and says where the
/// root-level Pixel Data lies when the walk went through the whole (not deflated) data set.
pub(crate) fn check_lengths(
    path: &Path,
    enc: Encoding,
    input: Input<'_>,
) -> Result<Walked, DicomError> {
    let read_err = |e: std::io::Error| DicomError::Read {
        file: path.to_path_buf(),
        reason: e.to_string(),
    };
    let (r, size): (Box<dyn Source + '_>, u64) = match input {
        Input::File => {
            let file = File::open(path).map_err(read_err)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
            (Box::new(BufReader::with_capacity(16 * 1024, file)), size)
        }
        Input::Bytes(b) => (Box::new(Cursor::new(b)), b.len() as u64),
    };
    let mut w = Walker {
        r,
        pos: 0,
        skew: 0,
        size,
        explicit: enc.explicit,
        big_endian: false,
        path,
        pixel: None,
    };
    let mut walked = Walked::default();
    // Ok(Some(offset)): a deflated data set starts at `offset`.
    let mut run = |w: &mut Walker<'_>| -> Step<Option<u64>> {
        w.seek_to(enc.start)?;
        if enc.meta {
            w.explicit = true;
            let ts = w.meta()?;
            walked.transfer_syntax = Some(ts.clone());
            match ts.as_str() {
                "1.2.840.10008.1.2" => w.explicit = false,
                "1.2.840.10008.1.2.2" => w.big_endian = true,
                "1.2.840.10008.1.2.1.99" => return Ok(Some(w.pos)),
                _ => {}
            }
        }
        w.tokens()?;
        Ok(None)
    };
    let deflated_at = match run(&mut w) {
        Ok(d) => {
            walked.complete = d.is_none();
            d
        }
        Err(Fail::Stop(_)) => None,
        Err(Fail::Err(e)) => return Err(e),
    };
    let Some(at) = deflated_at else {
        walked.pixel = w.pixel;
        return Ok(walked);
    };
    // Deflated Explicit VR Little Endian: dicom-rs inflates the rest of the file (raw deflate)
    // as it parses, so the stated lengths are checked against the inflated size: a first pass
    // counts it (up to MAX_INFLATED; what inflates before a corrupt block counts), a second
    // walks it.
    let inflate = || -> std::io::Result<flate2::read::DeflateDecoder<Box<dyn Read + '_>>> {
        let src: Box<dyn Read + '_> = match input {
            Input::File => {
                let mut f = File::open(path)?;
                f.seek(SeekFrom::Start(at))?;
                Box::new(BufReader::new(f))
            }
            Input::Bytes(b) => {
                let from = usize::try_from(at).unwrap_or(usize::MAX).min(b.len());
                Box::new(&b[from..])
            }
        };
        Ok(flate2::read::DeflateDecoder::new(src))
    };
    let mut total = 0u64;
    {
        let mut d = inflate().map_err(read_err)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match d.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
            if total > MAX_INFLATED {
                return Err(DicomError::Read {
                    file: path.to_path_buf(),
                    reason: format!(
                        "the deflated data set inflates to more than {} MiB (refused)",
                        MAX_INFLATED >> 20
                    ),
                });
            }
        }
    }
    let mut w = Walker {
        r: Box::new(Stream(inflate().map_err(read_err)?)),
        pos: 0,
        skew: 0,
        size: total,
        explicit: true,
        big_endian: false,
        path,
        pixel: None,
    };
    match w.tokens() {
        Ok(()) => Ok(Walked {
            complete: true,
            transfer_syntax: walked.transfer_syntax,
            pixel: None,
        }),
        Err(Fail::Stop(_)) => Ok(walked),
        Err(Fail::Err(e)) => Err(e),
    }
}
