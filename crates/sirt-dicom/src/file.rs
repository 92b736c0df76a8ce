//! Opening DICOM files (with or without a file meta header) and reading attributes with errors
//! that name the file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::mem::InMemElement;
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::PixelDecoder;

use crate::DicomError;
use crate::guard::{Encoding, check_lengths};

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

/// Opens a DICOM file: Part 10 (128-byte preamble + `DICM` + meta), `DICM` without a preamble,
/// or a bare data set in implicit or explicit VR little endian (no file meta header), which is
/// given a synthesised meta header so that the rest of the crate sees one kind of object.
pub(crate) fn open(path: &Path, extent: Extent) -> Result<DicomFile, DicomError> {
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
    let options = || {
        let o = OpenFileOptions::new();
        match extent {
            Extent::Header => o.read_until(tags::PIXEL_DATA),
            Extent::All => o,
        }
    };
    if n == 132 && &head[128..132] == b"DICM" {
        check_lengths(
            path,
            Encoding {
                start: 132,
                meta: true,
                explicit: true,
            },
        )?;
        let obj = guarded(path, || {
            options()
                .read_preamble(ReadPreamble::Always)
                .open_file(path)
        })?;
        return Ok(DicomFile {
            path: path.to_path_buf(),
            obj,
        });
    }
    if n >= 4 && &head[0..4] == b"DICM" {
        check_lengths(
            path,
            Encoding {
                start: 4,
                meta: true,
                explicit: true,
            },
        )?;
        let obj = guarded(path, || {
            options().read_preamble(ReadPreamble::Never).open_file(path)
        })?;
        return Ok(DicomFile {
            path: path.to_path_buf(),
            obj,
        });
    }
    open_bare(path, &head[..n], extent)
}

/// A data set without file meta header: recognised when it starts with an element of group
/// 0x0008 (as pydicom's `force=True` files do); explicit VR when bytes 4–5 spell a VR.
fn open_bare(path: &Path, head: &[u8], extent: Extent) -> Result<DicomFile, DicomError> {
    let not_dicom = |reason: &str| DicomError::NotDicom {
        file: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if head.len() < 8 {
        return Err(not_dicom(&format!(
            "only {} byte(s), too short for a DICOM data set",
            head.len()
        )));
    }
    let group = u16::from_le_bytes([head[0], head[1]]);
    if group != 0x0008 {
        return Err(not_dicom(
            "no DICM marker at byte 128 and the data does not start with a group 0008 element",
        ));
    }
    let explicit = head[4].is_ascii_uppercase() && head[5].is_ascii_uppercase();
    let ts = if explicit {
        EXPLICIT_VR_LE
    } else {
        IMPLICIT_VR_LE
    };
    check_lengths(
        path,
        Encoding {
            start: 0,
            meta: false,
            explicit,
        },
    )?;
    // Read the data set behind a placeholder meta header, then put the object's own UIDs in it.
    let bare = {
        let file = File::open(path).map_err(|e| read_err(path, e))?;
        let reader = BufReader::new(file);
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
        let src = Cursor::new(meta_bytes).chain(reader);
        let o = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
        let o = match extent {
            Extent::Header => o.read_until(tags::PIXEL_DATA),
            Extent::All => o,
        };
        guarded(path, || o.from_reader(src))?
    };
    let sop_class = opt_str(&bare, tags::SOP_CLASS_UID);
    let sop_instance = opt_str(&bare, tags::SOP_INSTANCE_UID);
    let Some(sop_class) = sop_class else {
        return Err(not_dicom(
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
    Ok(DicomFile {
        path: path.to_path_buf(),
        obj,
    })
}

/// A trimmed, non-empty string value.
pub(crate) fn opt_str(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
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

    fn invalid(&self, attribute: &'static str, reason: impl Into<String>) -> DicomError {
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
            Value::Primitive(p) => !p
                .to_str()
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .is_empty(),
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
        let ts = self.obj.meta().transfer_syntax();
        let elem = self
            .obj
            .get(tags::PIXEL_DATA)
            .ok_or_else(|| DicomError::MissingAttribute {
                file: self.path.clone(),
                attribute: "Pixel Data (7FE0,0010)",
            })?;
        let bytes: Cow<'_, [u8]> = match elem.value() {
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
        };
        let need = format
            .total_bytes()
            .ok_or_else(|| self.pixel_err("image size overflows"))?;
        if bytes.len() < need {
            return Err(self.pixel_err(format!(
                "{} bytes where {} rows × {} columns × {} frames × {} bits need {need} (truncated file?)",
                bytes.len(),
                format.rows,
                format.columns,
                format.frames,
                format.bits_allocated
            )));
        }
        Ok(bytes)
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
