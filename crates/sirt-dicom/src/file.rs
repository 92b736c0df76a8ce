//! Opening DICOM files (with or without a file meta header) and reading attributes with errors
//! that name the file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::mem::InMemElement;
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::PixelDecoder;

use crate::DicomError;
use crate::guard::{Encoding, Input, check_lengths};

/// Implicit VR Little Endian.
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR Little Endian.
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Explicit VR Big Endian (retired).
const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
/// Deflated Explicit VR Little Endian.
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";
/// Media Storage Directory Storage (DICOMDIR).
pub(crate) const DICOMDIR_SOP_CLASS: &str = "1.2.840.10008.1.3.10";

/// Transfer syntaxes whose pixel data are stored native (not encapsulated).
fn is_native(ts: &str) -> bool {
    matches!(
        ts.trim_end_matches('\0'),
        IMPLICIT_VR_LE | EXPLICIT_VR_LE | EXPLICIT_VR_BE | DEFLATED_LE
    )
}

/// A DICOM object read from a file, with the path for error messages.
pub(crate) struct DicomFile {
    pub path: PathBuf,
    /// The object; a bare data set (no file meta header) gets a synthesised header.
    pub obj: FileDicomObject<InMemDicomObject>,
    /// Native pixel data left out of `obj` and read from the file's bytes instead (see
    /// [`open`]).
    native: Option<PixelBuffer>,
}

/// Pixel data bytes in native little-endian layout, owned: a range of a file's content read
/// into memory, or the decoded frames of an encapsulated transfer syntax.
pub(crate) struct PixelBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl PixelBuffer {
    /// The pixel data bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(self.start..self.end).unwrap_or(&[])
    }
}

/// How much of a file to read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    /// Stop before Pixel Data.
    Header,
    /// Everything.
    All,
}

fn read_err(path: &Path, reason: impl std::fmt::Display) -> DicomError {
    DicomError::Read {
        file: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Runs a parser call, turning a panic inside the parser into an error naming the file.
fn guarded<T>(
    path: &Path,
    f: impl FnOnce() -> Result<T, dicom_object::ReadError>,
) -> Result<T, DicomError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            let mut reason = error_chain(&e);
            if reason.contains("failed to fill whole buffer") || reason.contains("Premature") {
                reason.push_str(" (the file is truncated)");
            }
            Err(read_err(path, reason))
        }
        Err(_) => Err(read_err(path, "the DICOM parser failed on malformed data")),
    }
}

/// An error and its sources on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

/// How a file starts.
#[derive(Clone, Copy)]
enum Layout {
    /// 128-byte preamble, `DICM`, file meta group.
    Preamble,
    /// `DICM` and the file meta group without a preamble.
    Magic,
    /// A bare data set (no file meta header) in little endian, explicit VR or not.
    Bare { explicit: bool },
}

impl Layout {
    /// The layout from the first (up to 132) bytes of a file.
    fn of(path: &Path, head: &[u8]) -> Result<Self, DicomError> {
        if head.len() >= 132 && &head[128..132] == b"DICM" {
            return Ok(Self::Preamble);
        }
        if head.len() >= 4 && &head[0..4] == b"DICM" {
            return Ok(Self::Magic);
        }
        // A data set without file meta header: recognised when it starts with an element of
        // group 0x0008 (as pydicom's `force=True` files do); explicit VR when bytes 4–5 spell
        // a VR.
        if head.len() < 8 {
            return Err(not_dicom(
                path,
                &format!(
                    "only {} byte(s), too short for a DICOM data set",
                    head.len()
                ),
            ));
        }
        let group = u16::from_le_bytes([head[0], head[1]]);
        if group != 0x0008 {
            return Err(not_dicom(
                path,
                "no DICM marker at byte 128 and the data does not start with a group 0008 element",
            ));
        }
        Ok(Self::Bare {
            explicit: head[4].is_ascii_uppercase() && head[5].is_ascii_uppercase(),
        })
    }

    /// Where the guard starts walking and how.
    fn encoding(self) -> Encoding {
        match self {
            Self::Preamble => Encoding {
                start: 132,
                meta: true,
                explicit: true,
            },
            Self::Magic => Encoding {
                start: 4,
                meta: true,
                explicit: true,
            },
            Self::Bare { explicit } => Encoding {
                start: 0,
                meta: false,
                explicit,
            },
        }
    }
}

fn not_dicom(path: &Path, reason: &str) -> DicomError {
    DicomError::NotDicom {
        file: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Opens a DICOM file: Part 10 (128-byte preamble + `DICM` + meta), `DICM` without a preamble,
/// or a bare data set in implicit or explicit VR little endian (no file meta header), which is
/// given a synthesised meta header so that the rest of the crate sees one kind of object.
///
/// Every stated length is checked against the file first ([`check_lengths`]). With
/// [`Extent::Header`] the file is read only as far as the check and the parser need (values
/// are skipped by seeking); with [`Extent::All`] it is read once into memory, checked and
/// parsed from there. When its Pixel Data is native (implicit or explicit VR little endian, a
/// root-level element of defined length, as the check found it), dicom-rs parses only the
/// elements before it and the pixel bytes are taken from the file's content without a copy.
pub(crate) fn open(path: &Path, extent: Extent) -> Result<DicomFile, DicomError> {
    match extent {
        Extent::Header => open_header(path),
        Extent::All => {
            let bytes = std::fs::read(path).map_err(|e| read_err(path, e))?;
            open_bytes(path, bytes)
        }
    }
}

/// [`open`] with [`Extent::Header`].
fn open_header(path: &Path) -> Result<DicomFile, DicomError> {
    let mut head = [0u8; 132];
    let n = {
        let mut f = File::open(path).map_err(|e| read_err(path, e))?;
        let mut n = 0;
        loop {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => {
                    n += k;
                    if n == head.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(read_err(path, e)),
            }
        }
        n
    };
    let layout = Layout::of(path, &head[..n])?;
    check_lengths(path, layout.encoding(), Input::File)?;
    let options = || OpenFileOptions::new().read_until(tags::PIXEL_DATA);
    let obj = match layout {
        Layout::Preamble => guarded(path, || {
            options()
                .read_preamble(ReadPreamble::Always)
                .open_file(path)
        })?,
        Layout::Magic => guarded(path, || {
            options().read_preamble(ReadPreamble::Never).open_file(path)
        })?,
        Layout::Bare { explicit } => {
            let file = File::open(path).map_err(|e| read_err(path, e))?;
            parse_bare(path, BufReader::new(file), explicit, true)?
        }
    };
    Ok(DicomFile {
        path: path.to_path_buf(),
        obj,
        native: None,
    })
}

/// The transfer syntax UID without padding.
fn trimmed(ts: &str) -> &str {
    ts.trim_end_matches(['\0', ' '])
}

/// [`open`] with [`Extent::All`], on the file's content.
fn open_bytes(path: &Path, bytes: Vec<u8>) -> Result<DicomFile, DicomError> {
    let layout = Layout::of(path, &bytes[..bytes.len().min(132)])?;
    let walked = check_lengths(path, layout.encoding(), Input::Bytes(&bytes))?;
    // Native pixel data the check walked to: little endian (the walk of a bare data set and of
    // these two transfer syntaxes reads what dicom-rs reads), stored as bytes or words.
    let native = match (walked.complete, walked.pixel) {
        (true, Some(px))
            if matches!(px.vr, VR::OB | VR::OW | VR::UN)
                && match layout {
                    Layout::Bare { .. } => true,
                    Layout::Preamble | Layout::Magic => matches!(
                        walked.transfer_syntax.as_deref().map(trimmed),
                        Some(IMPLICIT_VR_LE | EXPLICIT_VR_LE)
                    ),
                } =>
        {
            let start = usize::try_from(px.offset).ok();
            let end = usize::try_from(px.offset.saturating_add(px.len)).ok();
            match (start, end) {
                (Some(start), Some(end)) if start <= end && end <= bytes.len() => {
                    Some((start, end))
                }
                _ => None,
            }
        }
        _ => None,
    };
    let parse = |until: bool| -> Result<FileDicomObject<InMemDicomObject>, DicomError> {
        let options = || {
            let o = OpenFileOptions::new();
            if until {
                o.read_until(tags::PIXEL_DATA)
            } else {
                o
            }
        };
        match layout {
            Layout::Preamble => guarded(path, || {
                options()
                    .read_preamble(ReadPreamble::Always)
                    .from_reader(bytes.as_slice())
            }),
            Layout::Magic => guarded(path, || {
                options()
                    .read_preamble(ReadPreamble::Never)
                    .from_reader(bytes.as_slice())
            }),
            Layout::Bare { explicit } => parse_bare(path, bytes.as_slice(), explicit, until),
        }
    };
    let mut obj = parse(native.is_some())?;
    let mut native = native;
    if native.is_some()
        && !matches!(
            trimmed(obj.meta().transfer_syntax()),
            IMPLICIT_VR_LE | EXPLICIT_VR_LE
        )
    {
        // dicom-rs sees another transfer syntax than the walk did: read everything.
        obj = parse(false)?;
        native = None;
    }
    let native = native.map(|(start, end)| PixelBuffer { bytes, start, end });
    Ok(DicomFile {
        path: path.to_path_buf(),
        obj,
        native,
    })
}

/// Reads a data set without file meta header (implicit or explicit VR little endian) behind a
/// placeholder meta header, then puts the object's own UIDs in the header.
fn parse_bare(
    path: &Path,
    src: impl Read,
    explicit: bool,
    until_pixel_data: bool,
) -> Result<FileDicomObject<InMemDicomObject>, DicomError> {
    let ts = if explicit {
        EXPLICIT_VR_LE
    } else {
        IMPLICIT_VR_LE
    };
    let bare = {
        let meta = FileMetaTableBuilder::new()
            .transfer_syntax(ts)
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
            .media_storage_sop_instance_uid("1.2.3")
            .implementation_class_uid("1.2.3")
            .build()
            .map_err(|e| read_err(path, error_chain(&e)))?;
        let mut meta_bytes = b"DICM".to_vec();
        meta.write(&mut meta_bytes)
            .map_err(|e| read_err(path, error_chain(&e)))?;
        let src = Cursor::new(meta_bytes).chain(src);
        let o = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
        let o = if until_pixel_data {
            o.read_until(tags::PIXEL_DATA)
        } else {
            o
        };
        guarded(path, || o.from_reader(src))?
    };
    let sop_class = opt_str(&bare, tags::SOP_CLASS_UID);
    let sop_instance = opt_str(&bare, tags::SOP_INSTANCE_UID);
    let Some(sop_class) = sop_class else {
        return Err(not_dicom(
            path,
            "no file meta header and no SOP Class UID (0008,0016) in the data",
        ));
    };
    let mut obj = bare;
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts)
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance.unwrap_or_default())
        .implementation_class_uid("1.2.3")
        .build()
        .map_err(|e| read_err(path, error_chain(&e)))?;
    *obj.meta_mut() = meta;
    Ok(obj)
}

/// A trimmed, non-empty string value.
pub(crate) fn opt_str(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

/// Whether a value reads as an empty string (`PrimitiveValue::to_str` trimmed of NULs and
/// white space), without joining the values of a long multi-valued string (Contour Data) into
/// one string: two or more values join with backslashes, so only a single value can be blank;
/// a non-string value is blank only without values.
fn is_blank(p: &PrimitiveValue) -> bool {
    let blank = |s: &str| {
        s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .is_empty()
    };
    match p {
        PrimitiveValue::Empty => true,
        PrimitiveValue::Str(s) => blank(s),
        PrimitiveValue::Strs(v) => match v.as_slice() {
            [] => true,
            [s] => blank(s),
            _ => false,
        },
        other => other.multiplicity() == 0,
    }
}

/// Attribute access on one data set (the root or a sequence item) with the file for errors.
#[derive(Clone, Copy)]
pub(crate) struct Attrs<'a> {
    pub obj: &'a InMemDicomObject,
    pub path: &'a Path,
    /// The root data set (not a sequence item): a missing attribute after its last element
    /// suggests a truncated file.
    root: bool,
}

impl<'a> Attrs<'a> {
    /// Access to a sequence item.
    pub fn new(obj: &'a InMemDicomObject, path: &'a Path) -> Self {
        Self {
            obj,
            path,
            root: false,
        }
    }

    /// An Invalid Attribute error naming the file.
    pub(crate) fn invalid(&self, attribute: &'static str, reason: impl Into<String>) -> DicomError {
        DicomError::InvalidAttribute {
            file: self.path.to_path_buf(),
            attribute,
            reason: reason.into(),
        }
    }

    fn missing(&self, tag: Tag, attribute: &'static str) -> DicomError {
        match self.obj.tags().last() {
            Some(last) if self.root && last < tag => DicomError::Truncated {
                file: self.path.to_path_buf(),
                attribute,
                last_tag: format!("({:04X},{:04X})", last.group(), last.element()),
            },
            _ => DicomError::MissingAttribute {
                file: self.path.to_path_buf(),
                attribute,
            },
        }
    }

    /// The element, `None` when absent or empty.
    fn elem(&self, tag: Tag) -> Option<&'a InMemElement> {
        self.obj.get(tag).filter(|e| match e.value() {
            Value::Primitive(p) => !is_blank(p),
            _ => e.value().multiplicity() > 0,
        })
    }

    pub fn opt_str(&self, tag: Tag) -> Option<String> {
        opt_str(self.obj, tag)
    }

    pub fn req_str(&self, tag: Tag, attribute: &'static str) -> Result<String, DicomError> {
        self.opt_str(tag)
            .ok_or_else(|| self.missing(tag, attribute))
    }

    /// Decimal or binary numbers; `None` when absent or empty.
    pub fn opt_f64s(
        &self,
        tag: Tag,
        attribute: &'static str,
    ) -> Result<Option<Vec<f64>>, DicomError> {
        let Some(e) = self.elem(tag) else {
            return Ok(None);
        };
        let v = e
            .to_multi_float64()
            .map_err(|err| self.invalid(attribute, format!("not numbers ({err})")))?;
        if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
            return Err(self.invalid(attribute, format!("value {bad} is not finite")));
        }
        Ok(Some(v))
    }

    /// Exactly `n` numbers.
    pub fn req_f64s(
        &self,
        tag: Tag,
        attribute: &'static str,
        n: usize,
    ) -> Result<Vec<f64>, DicomError> {
        let v = self
            .opt_f64s(tag, attribute)?
            .ok_or_else(|| self.missing(tag, attribute))?;
        if v.len() != n {
            return Err(self.invalid(
                attribute,
                format!("expected {n} values, found {} ({v:?})", v.len()),
            ));
        }
        Ok(v)
    }

    pub fn opt_f64(&self, tag: Tag, attribute: &'static str) -> Result<Option<f64>, DicomError> {
        match self.opt_f64s(tag, attribute)? {
            None => Ok(None),
            Some(v) => match v.first() {
                Some(&x) => Ok(Some(x)),
                None => Ok(None),
            },
        }
    }

    /// A non-negative integer (US, UL, IS); `None` when absent or empty.
    pub fn opt_u32(&self, tag: Tag, attribute: &'static str) -> Result<Option<u32>, DicomError> {
        let Some(e) = self.elem(tag) else {
            return Ok(None);
        };
        let v = e
            .to_int::<i64>()
            .map_err(|err| self.invalid(attribute, format!("not an integer ({err})")))?;
        u32::try_from(v)
            .map(Some)
            .map_err(|_| self.invalid(attribute, format!("{v} is out of range")))
    }

    pub fn req_u32(&self, tag: Tag, attribute: &'static str) -> Result<u32, DicomError> {
        self.opt_u32(tag, attribute)?
            .ok_or_else(|| self.missing(tag, attribute))
    }

    /// A signed integer; `None` when absent or empty.
    pub fn opt_i64(&self, tag: Tag, attribute: &'static str) -> Result<Option<i64>, DicomError> {
        let Some(e) = self.elem(tag) else {
            return Ok(None);
        };
        e.to_int::<i64>()
            .map(Some)
            .map_err(|err| self.invalid(attribute, format!("not an integer ({err})")))
    }

    /// The items of a sequence (empty when absent).
    pub fn items(&self, tag: Tag) -> &'a [InMemDicomObject] {
        self.obj.get(tag).and_then(|e| e.items()).unwrap_or(&[])
    }
}

/// The encoding of the pixel samples of an image object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelFormat {
    pub rows: usize,
    pub columns: usize,
    pub frames: usize,
    pub bits_allocated: u32,
    pub bits_stored: u32,
    pub high_bit: u32,
    pub signed: bool,
}

impl PixelFormat {
    /// Reads and checks the Image Pixel module attributes (one sample per pixel only).
    pub fn read(a: Attrs<'_>) -> Result<Self, DicomError> {
        let rows = a.req_u32(tags::ROWS, "Rows (0028,0010)")? as usize;
        let columns = a.req_u32(tags::COLUMNS, "Columns (0028,0011)")? as usize;
        let frames = a
            .opt_u32(tags::NUMBER_OF_FRAMES, "Number of Frames (0028,0008)")?
            .unwrap_or(1) as usize;
        let samples = a
            .opt_u32(tags::SAMPLES_PER_PIXEL, "Samples per Pixel (0028,0002)")?
            .unwrap_or(1);
        let bits_allocated = a.req_u32(tags::BITS_ALLOCATED, "Bits Allocated (0028,0100)")?;
        let bits_stored = a
            .opt_u32(tags::BITS_STORED, "Bits Stored (0028,0101)")?
            .unwrap_or(bits_allocated);
        let high_bit = a
            .opt_u32(tags::HIGH_BIT, "High Bit (0028,0102)")?
            .unwrap_or(bits_stored.saturating_sub(1));
        let signed = a
            .opt_u32(
                tags::PIXEL_REPRESENTATION,
                "Pixel Representation (0028,0103)",
            )?
            .unwrap_or(0)
            == 1;
        let invalid = |attribute: &'static str, reason: String| DicomError::InvalidAttribute {
            file: a.path.to_path_buf(),
            attribute,
            reason,
        };
        if rows == 0 || columns == 0 || frames == 0 {
            return Err(invalid(
                "Rows/Columns/Number of Frames",
                format!(
                    "{rows} rows × {columns} columns × {frames} frames: must all be at least 1"
                ),
            ));
        }
        if samples != 1 {
            return Err(DicomError::Unsupported {
                file: a.path.to_path_buf(),
                what: format!(
                    "{samples} samples per pixel (colour images); only grey-scale images are read"
                ),
            });
        }
        if !matches!(bits_allocated, 1 | 8 | 16 | 32) {
            return Err(invalid(
                "Bits Allocated (0028,0100)",
                format!("{bits_allocated}: only 1, 8, 16 and 32 are read"),
            ));
        }
        if bits_stored == 0
            || bits_stored > bits_allocated
            || high_bit + 1 < bits_stored
            || high_bit >= bits_allocated
        {
            return Err(invalid(
                "Bits Stored / High Bit (0028,0101)/(0028,0102)",
                format!(
                    "bits stored {bits_stored} and high bit {high_bit} do not fit {bits_allocated} bits allocated"
                ),
            ));
        }
        Ok(Self {
            rows,
            columns,
            frames,
            bits_allocated,
            bits_stored,
            high_bit,
            signed,
        })
    }

    /// Samples in one frame.
    pub fn frame_len(&self) -> usize {
        self.rows * self.columns
    }

    /// Bytes of all frames.
    pub fn total_bytes(&self) -> Option<usize> {
        let samples = self.frame_len().checked_mul(self.frames)?;
        if self.bits_allocated == 1 {
            Some(samples.div_ceil(8))
        } else {
            samples.checked_mul(self.bits_allocated as usize / 8)
        }
    }
}

impl DicomFile {
    /// Attribute access on the root data set.
    pub fn attrs(&self) -> Attrs<'_> {
        Attrs {
            obj: &self.obj,
            path: &self.path,
            root: true,
        }
    }

    fn pixel_err(&self, reason: impl Into<String>) -> DicomError {
        DicomError::PixelData {
            file: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// The pixel data bytes in native little-endian layout (decoded when encapsulated), checked
    /// to hold at least all frames of `format`.
    pub fn pixel_bytes(&self, format: &PixelFormat) -> Result<Cow<'_, [u8]>, DicomError> {
        let bytes: Cow<'_, [u8]> = match &self.native {
            Some(buf) => Cow::Borrowed(buf.as_slice()),
            None => self.pixel_bytes_of_object()?,
        };
        check_pixel_len(&self.path, format, bytes.len())?;
        Ok(bytes)
    }

    /// Takes the pixel data out as an owned buffer, checked like [`Self::pixel_bytes`]: without
    /// a copy when they were left in the file's content (native), decoded once when
    /// encapsulated. Afterwards [`Self::pixel_bytes`] reads them from the parsed object, which
    /// lacks them in the native case.
    pub fn take_pixel_buffer(&mut self, format: &PixelFormat) -> Result<PixelBuffer, DicomError> {
        if let Some(buf) = self.native.take() {
            check_pixel_len(&self.path, format, buf.as_slice().len())?;
            return Ok(buf);
        }
        let bytes = self.pixel_bytes(format)?.into_owned();
        let end = bytes.len();
        Ok(PixelBuffer {
            bytes,
            start: 0,
            end,
        })
    }

    /// The pixel data of the parsed object (decoded when encapsulated).
    fn pixel_bytes_of_object(&self) -> Result<Cow<'_, [u8]>, DicomError> {
        let ts = self.obj.meta().transfer_syntax();
        let elem = self
            .obj
            .get(tags::PIXEL_DATA)
            .ok_or_else(|| DicomError::MissingAttribute {
                file: self.path.clone(),
                attribute: "Pixel Data (7FE0,0010)",
            })?;
        Ok(match elem.value() {
            Value::Primitive(p) if is_native(ts) => p.to_bytes(),
            Value::Primitive(_) => {
                return Err(self.pixel_err(format!(
                    "native pixel data in a file whose transfer syntax {ts} is encapsulated"
                )));
            }
            Value::PixelSequence(_) => {
                let decoded = match catch_unwind(AssertUnwindSafe(|| self.obj.decode_pixel_data()))
                {
                    Ok(Ok(d)) => d,
                    Ok(Err(e)) => {
                        return Err(self.pixel_err(format!(
                            "cannot decode transfer syntax {ts}: {}",
                            error_chain(&e)
                        )));
                    }
                    Err(_) => {
                        return Err(self.pixel_err(format!(
                            "the decoder for transfer syntax {ts} failed on malformed data"
                        )));
                    }
                };
                Cow::Owned(decoded.into_data())
            }
            Value::Sequence(_) => return Err(self.pixel_err("Pixel Data holds a sequence")),
        })
    }
}

/// Checks that `len` pixel data bytes hold every frame of `format`.
fn check_pixel_len(path: &Path, format: &PixelFormat, len: usize) -> Result<(), DicomError> {
    let err = |reason: String| DicomError::PixelData {
        file: path.to_path_buf(),
        reason,
    };
    let need = format
        .total_bytes()
        .ok_or_else(|| err("image size overflows".into()))?;
    if len < need {
        return Err(err(format!(
            "{len} bytes where {} rows × {} columns × {} frames × {} bits need {need} (truncated file?)",
            format.rows, format.columns, format.frames, format.bits_allocated
        )));
    }
    Ok(())
}

/// Largest |slope| for which [`rescale_frame`] computes in integers.
const INT_SLOPE_MAX: f64 = 16_384.0;
/// Largest |intercept| for which [`rescale_frame`] computes in integers.
const INT_INTERCEPT_MAX: f64 = 1_073_741_824.0;

/// Writes `out.len()` modality values of `bytes` (little endian), starting at sample `first`:
/// the stored value (masked to Bits Stored, sign-extended when signed) × `slope` + `intercept`,
/// computed in f64 and rounded to f32 (Rescale Slope/Intercept, PS3.3 C.11.1.1.2).
///
/// 8- and 16-bit samples take a loop the compiler vectorises; with an integer slope and
/// intercept (CT: 1 and −1024) the value is computed exactly in i32 and rounded once to f32,
/// which is the f32 the f64 formula gives (both are the exact integer rounded to nearest).
/// `bytes` must hold the samples (see [`DicomFile::pixel_bytes`]).
pub(crate) fn rescale_frame(
    bytes: &[u8],
    format: &PixelFormat,
    first: usize,
    slope: f64,
    intercept: f64,
    out: &mut [f32],
) {
    let count = out.len();
    let shift = format.high_bit + 1 - format.bits_stored;
    let bits = format.bits_stored;
    let integer = slope.fract() == 0.0
        && intercept.fract() == 0.0
        && slope.abs() <= INT_SLOPE_MAX
        && intercept.abs() < INT_INTERCEPT_MAX
        // −0 as intercept can give −0 where the integers give +0.
        && !(intercept == 0.0 && intercept.is_sign_negative());
    match format.bits_allocated {
        16 if bits <= 16 => {
            let src = &bytes[first * 2..(first + count) * 2];
            let mask = (1u32 << bits) - 1;
            let up = 32 - bits;
            let signed = format.signed;
            let stored = move |c: &[u8]| -> i32 {
                let v = (u32::from(u16::from_le_bytes([c[0], c[1]])) >> shift) & mask;
                if signed {
                    ((v << up) as i32) >> up
                } else {
                    v as i32
                }
            };
            fill(src.chunks_exact(2), out, stored, slope, intercept, integer);
        }
        8 if bits <= 8 => {
            let src = &bytes[first..first + count];
            let mask = (1u32 << bits) - 1;
            let up = 32 - bits;
            let signed = format.signed;
            let stored = move |c: &[u8]| -> i32 {
                let v = (u32::from(c[0]) >> shift) & mask;
                if signed {
                    ((v << up) as i32) >> up
                } else {
                    v as i32
                }
            };
            fill(src.chunks_exact(1), out, stored, slope, intercept, integer);
        }
        _ => {
            let mut raw = Vec::with_capacity(count);
            stored_values(bytes, format, first, count, &mut raw);
            for (o, &v) in out.iter_mut().zip(&raw) {
                *o = (v as f64 * slope + intercept) as f32;
            }
        }
    }
}

/// The loop of [`rescale_frame`] for one sample layout.
#[inline(always)]
fn fill<'a>(
    src: impl Iterator<Item = &'a [u8]>,
    out: &mut [f32],
    stored: impl Fn(&[u8]) -> i32,
    slope: f64,
    intercept: f64,
    integer: bool,
) {
    if integer && slope == 1.0 {
        let c = intercept as i32;
        for (o, s) in out.iter_mut().zip(src) {
            *o = (stored(s) + c) as f32;
        }
    } else if integer {
        let (m, c) = (slope as i32, intercept as i32);
        for (o, s) in out.iter_mut().zip(src) {
            *o = (stored(s) * m + c) as f32;
        }
    } else {
        for (o, s) in out.iter_mut().zip(src) {
            *o = (f64::from(stored(s)) * slope + intercept) as f32;
        }
    }
}

/// Stored values of `count` samples from `bytes` (little endian) starting at sample `first`,
/// masked to Bits Stored and sign-extended when signed.
pub(crate) fn stored_values(
    bytes: &[u8],
    format: &PixelFormat,
    first: usize,
    count: usize,
    out: &mut Vec<i64>,
) {
    let shift = format.high_bit + 1 - format.bits_stored;
    let bits = format.bits_stored;
    let fix = |raw: u64| -> i64 {
        let v = (raw >> shift) & ((1u64 << bits) - 1);
        if format.signed && bits < 64 && (v >> (bits - 1)) & 1 == 1 {
            v as i64 - (1i64 << bits)
        } else {
            v as i64
        }
    };
    match format.bits_allocated {
        1 => out.extend((first..first + count).map(|n| {
            let b = bytes.get(n / 8).copied().unwrap_or(0);
            i64::from((b >> (n % 8)) & 1)
        })),
        8 => out.extend(
            bytes[first..first + count]
                .iter()
                .map(|&b| fix(u64::from(b))),
        ),
        16 => out.extend(
            bytes[first * 2..(first + count) * 2]
                .chunks_exact(2)
                .map(|c| fix(u64::from(u16::from_le_bytes([c[0], c[1]])))),
        ),
        _ => out.extend(
            bytes[first * 4..(first + count) * 4]
                .chunks_exact(4)
                .map(|c| fix(u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn data(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(rel)
    }

    /// Every sample with pixel data: the bytes taken from the file's content (native fast path)
    /// or from the parsed object are dicom-rs's Pixel Data of the whole file, and the header
    /// attributes are the same as in the whole object.
    #[test]
    fn pixel_bytes_equal_those_of_a_full_read() {
        let mut native = 0;
        for rel in [
            "dcmqi/ct-3slice_01.dcm",
            "dcmqi_seg/liver.dcm",
            "dicompyler/rtdose.dcm",
            "pydicom/CT_small.dcm",
            "pydicom/rtdose.dcm",
            "pydicom/rtdose_1frame.dcm",
            "nm_pet/enhanced_ct.dcm",
            "nm_pet/nm_recon_tomo.dcm",
            "nm_pet/pet_01.dcm",
        ] {
            let path = data(rel);
            let f = open(&path, Extent::All).unwrap();
            let a = f.attrs();
            let format = PixelFormat::read(a).unwrap();
            let ours = f.pixel_bytes(&format).unwrap().into_owned();
            let full = dicom_object::open_file(&path).unwrap();
            let theirs = full
                .element(tags::PIXEL_DATA)
                .unwrap()
                .value()
                .to_bytes()
                .unwrap()
                .into_owned();
            assert_eq!(ours, theirs, "{rel}");
            if f.native.is_some() {
                native += 1;
                assert!(f.obj.get(tags::PIXEL_DATA).is_none(), "{rel}");
            }
            for e in full.iter().filter(|e| e.header().tag < tags::PIXEL_DATA) {
                let tag = e.header().tag;
                let got = f.obj.get(tag).unwrap();
                // (Debug: sequence values do not compare equal with `==` in dicom-rs 0.10.)
                assert_eq!(
                    format!("{:?}", got.value()),
                    format!("{:?}", e.value()),
                    "{rel} {tag:?}"
                );
            }
            let mut f = f;
            let buffer = f.take_pixel_buffer(&format).unwrap();
            assert_eq!(buffer.as_slice(), theirs.as_slice(), "{rel}");
        }
        assert_eq!(native, 9, "all these samples are native little endian");
    }

    /// `is_blank` says what trimming `to_str` says, without the join.
    #[test]
    fn blank_values_are_those_whose_string_is_empty() {
        use dicom_core::dicom_value;
        let values = [
            PrimitiveValue::Empty,
            PrimitiveValue::from(""),
            PrimitiveValue::from(" \0"),
            PrimitiveValue::from("1.5"),
            dicom_value!(Strs, [""]),
            dicom_value!(Strs, ["", ""]),
            dicom_value!(Strs, [" ", "2"]),
            dicom_value!(Strs, ["1", "2", "3"]),
            dicom_value!(F64, [0.0]),
            PrimitiveValue::F64(Default::default()),
            PrimitiveValue::U16(Default::default()),
            dicom_value!(U16, [1, 2]),
        ];
        for v in &values {
            let by_string = v
                .to_str()
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .is_empty();
            assert_eq!(is_blank(v), by_string, "{v:?}");
        }
    }

    /// The rescale loops equal the definition (stored value × slope + intercept in f64, then
    /// f32) for 8 and 16 bits, signed or not, masked Bits Stored, integer and other scalings.
    #[test]
    fn rescale_frame_equals_the_definition() {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for (bits_allocated, bits_stored, high_bit) in [
            (16, 16, 15),
            (16, 12, 11),
            (16, 12, 13),
            (8, 8, 7),
            (8, 6, 6),
        ] {
            for signed in [false, true] {
                for (slope, intercept) in [
                    (1.0, -1024.0),
                    (1.0, 0.0),
                    (1.0, -0.0),
                    (2.0, 7.0),
                    (-3.0, 1e6),
                    (0.5, -1024.25),
                    (1e-3, 0.0),
                ] {
                    let format = PixelFormat {
                        rows: 16,
                        columns: 8,
                        frames: 2,
                        bits_allocated,
                        bits_stored,
                        high_bit,
                        signed,
                    };
                    let mut raw = Vec::new();
                    stored_values(&bytes, &format, 128, 128, &mut raw);
                    let want: Vec<f32> = raw
                        .iter()
                        .map(|&v| (v as f64 * slope + intercept) as f32)
                        .collect();
                    let mut got = vec![f32::NAN; 128];
                    rescale_frame(&bytes, &format, 128, slope, intercept, &mut got);
                    let same = got
                        .iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(
                        same,
                        "{bits_allocated}/{bits_stored}/{high_bit} signed {signed} \
                         {slope} {intercept}"
                    );
                }
            }
        }
    }
}
