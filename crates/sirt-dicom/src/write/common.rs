//! What every writer shares: UIDs, dates, patient/study/series descriptions, the modules common
//! to all IODs (SOP Common, Patient, General Study, General/RT Series, General Equipment, Frame of
//! Reference), value formatting (DS/IS within their lengths) and encoding to Part 10 bytes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use sirt_geometry::{FrameOfReference, Grid};

use super::WriteError;
use crate::file::error_chain;

/// Implementation Class UID of sirtplan (a fixed UUID-derived UID, 2.25 arc).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.21097380780162512863958530034356763607";
/// Implementation Version Name written in the file meta header.
const IMPLEMENTATION_VERSION_NAME: &str = "SIRTPLAN_0_1";
/// Explicit VR Little Endian, the transfer syntax of everything written.
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

/// Counter mixed into every generated UID (unique within the process).
static UID_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new globally unique UID: `2.25.` followed by a random (version 4) UUID as a decimal
/// integer (PS3.5 B.2). The 122 random bits come from the operating system's random keys of
/// [`RandomState`] mixed with the time, the process id and a counter.
pub fn new_uid() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let count = UID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bits: u128 = 0;
    for half in 0u8..2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(count);
        h.write_u8(half);
        bits = (bits << 64) | u128::from(h.finish());
    }
    // UUID version 4 and variant 10xx (RFC 9562).
    bits &= !(0xF_u128 << 76);
    bits |= 0x4_u128 << 76;
    bits &= !(0x3_u128 << 62);
    bits |= 0x2_u128 << 62;
    format!("2.25.{bits}")
}

/// Whether `uid` is a valid DICOM UID: at most 64 characters, components of digits separated by
/// dots, no empty component, no leading zero in a component of more than one digit.
pub fn is_valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 64
        && uid.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && !(c.len() > 1 && c.starts_with('0'))
        })
}

/// The Frame of Reference UID written for a grid's frame: the frame's name when it is a valid
/// UID, else a UID derived from the name (`2.25.` + a 128-bit FNV-1a hash), so that images of
/// one named frame (e.g. NIfTI files) share one UID.
pub fn frame_uid(frame: &FrameOfReference) -> String {
    if is_valid_uid(&frame.0) {
        return frame.0.clone();
    }
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for b in frame.0.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    format!("2.25.{h}")
}

/// A civil date and time as DICOM writes them (DA, TM, DT), to the microsecond, without a zone:
/// the zone of a study is [`StudyInfo::utc_offset_minutes`], written once per object as
/// Timezone Offset From UTC (0008,0201).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    /// Microseconds since 1970-01-01 00:00:00 of the same (unstated) zone.
    micros: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl CivilDateTime {
    /// A date and time; `second` may have a fraction (kept to the microsecond). Refused when a
    /// field is out of range (the year must be 1900–9999 for DICOM dates).
    pub fn new(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: f64,
    ) -> Result<Self, WriteError> {
        let bad = |what: String| WriteError::InvalidInput {
            object: "date and time".into(),
            what,
        };
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad(format!("year {year} month {month}")));
        }
        let days_in_month = {
            let next = if month == 12 {
                days_from_civil(i64::from(year) + 1, 1, 1)
            } else {
                days_from_civil(i64::from(year), i64::from(month) + 1, 1)
            };
            next - days_from_civil(i64::from(year), i64::from(month), 1)
        };
        if day < 1 || i64::from(day) > days_in_month {
            return Err(bad(format!("{year}-{month:02}: no day {day}")));
        }
        if hour > 23 || minute > 59 || !(0.0..60.0).contains(&second) {
            return Err(bad(format!("time {hour}:{minute}:{second}")));
        }
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        let whole = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60;
        Ok(Self {
            micros: whole * 1_000_000 + (second * 1e6).round() as i64,
        })
    }

    /// The current time in UTC.
    pub fn now_utc() -> Self {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Self { micros }
    }

    /// This instant plus `seconds` (negative: earlier).
    pub fn plus_seconds(self, seconds: f64) -> Self {
        Self {
            micros: self.micros + (seconds * 1e6).round() as i64,
        }
    }

    /// Seconds from `earlier` to this instant.
    pub fn seconds_since(self, earlier: Self) -> f64 {
        (self.micros - earlier.micros) as f64 / 1e6
    }

    fn parts(self) -> (i64, i64, i64, i64, i64, i64, i64) {
        let days = self.micros.div_euclid(86_400_000_000);
        let rest = self.micros.rem_euclid(86_400_000_000);
        let (y, m, d) = civil_from_days(days);
        let s = rest / 1_000_000;
        (y, m, d, s / 3600, (s / 60) % 60, s % 60, rest % 1_000_000)
    }

    /// The date, `YYYYMMDD` (DA).
    pub fn date(self) -> String {
        let (y, m, d, ..) = self.parts();
        format!("{y:04}{m:02}{d:02}")
    }

    /// The time, `HHMMSS` or `HHMMSS.ffffff` when it has a fraction (TM).
    pub fn time(self) -> String {
        let (.., h, mi, s, us) = self.parts();
        if us == 0 {
            format!("{h:02}{mi:02}{s:02}")
        } else {
            format!("{h:02}{mi:02}{s:02}.{us:06}")
        }
    }

    /// Date and time, `YYYYMMDDHHMMSS[.ffffff]` (DT).
    pub fn datetime(self) -> String {
        format!("{}{}", self.date(), self.time())
    }
}

/// Patient and study: what every object of a study repeats (Patient and General Study modules,
/// and Patient Study for weight and size).
#[derive(Debug, Clone, PartialEq)]
pub struct StudyInfo {
    /// Patient's Name (PN, e.g. `Phantom^SIRT`).
    pub patient_name: String,
    /// Patient ID.
    pub patient_id: String,
    /// Patient's Birth Date, `YYYYMMDD`, when known.
    pub patient_birth_date: Option<String>,
    /// Patient's Sex (`M`, `F`, `O`), when known.
    pub patient_sex: Option<String>,
    /// Patient's Weight, kg (PET SUV needs it), when known.
    pub patient_weight_kg: Option<f64>,
    /// Patient's Size (height), m, when known.
    pub patient_size_m: Option<f64>,
    /// Study Instance UID.
    pub study_instance_uid: String,
    /// Study ID (up to 16 characters).
    pub study_id: String,
    /// Accession Number (may be empty).
    pub accession_number: String,
    /// Study Date and Time.
    pub date_time: CivilDateTime,
    /// Study Description, when any.
    pub description: Option<String>,
    /// Referring Physician's Name (may be empty).
    pub referring_physician: String,
    /// UTC offset of every date and time of the study's objects, minutes east of UTC
    /// (written as Timezone Offset From UTC); `None` leaves the zone unstated.
    pub utc_offset_minutes: Option<i32>,
}

impl StudyInfo {
    /// A study with a new Study Instance UID and the other optional fields empty.
    pub fn new(patient_name: &str, patient_id: &str, date_time: CivilDateTime) -> Self {
        Self {
            patient_name: patient_name.into(),
            patient_id: patient_id.into(),
            patient_birth_date: None,
            patient_sex: None,
            patient_weight_kg: None,
            patient_size_m: None,
            study_instance_uid: new_uid(),
            study_id: "1".into(),
            accession_number: String::new(),
            date_time,
            description: None,
            referring_physician: String::new(),
            utc_offset_minutes: None,
        }
    }
}

/// One series: its UID, number, description and date.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesInfo {
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// Series Number.
    pub number: u32,
    /// Series Description, when any.
    pub description: Option<String>,
    /// Series Date and Time (for PET: the start of the acquisition, the reference of decay
    /// correction START); also the acquisition and content date of the images.
    pub date_time: CivilDateTime,
    /// Patient Position (`HFS`, `FFS`, …): Patient Position of CT; coded in the Patient
    /// Orientation and Gantry Relationship Code Sequences of PET and NM.
    pub patient_position: String,
}

impl SeriesInfo {
    /// A series with a new Series Instance UID, patient position HFS.
    pub fn new(number: u32, description: &str, date_time: CivilDateTime) -> Self {
        Self {
            series_instance_uid: new_uid(),
            number,
            description: (!description.is_empty()).then(|| description.to_string()),
            date_time,
            patient_position: "HFS".into(),
        }
    }

    /// `series 3 "MAA SPECT"` for messages.
    pub(crate) fn name(&self, kind: &str) -> String {
        match &self.description {
            Some(d) => format!("{kind} series {} \"{d}\"", self.number),
            None => format!("{kind} series {}", self.number),
        }
    }
}

/// A coded concept (Code Value, Coding Scheme Designator, Code Meaning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Code Value.
    pub value: String,
    /// Coding Scheme Designator (`SCT`, `DCM`, …).
    pub scheme: String,
    /// Code Meaning.
    pub meaning: String,
}

impl Code {
    /// A code.
    pub fn new(value: &str, scheme: &str, meaning: &str) -> Self {
        Self {
            value: value.into(),
            scheme: scheme.into(),
            meaning: meaning.into(),
        }
    }

    /// The code as a sequence item.
    pub(crate) fn item(&self) -> InMemDicomObject {
        let mut o = Obj::new();
        o.str(tags::CODE_VALUE, VR::SH, &self.value);
        o.str(tags::CODING_SCHEME_DESIGNATOR, VR::SH, &self.scheme);
        o.str(tags::CODE_MEANING, VR::LO, &self.meaning);
        o.0
    }
}

/// One encoded DICOM object: a Part 10 file in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenObject {
    /// A file name for it (`CT0001.dcm`, `seg.dcm`, …).
    pub file_name: String,
    /// SOP Class UID.
    pub sop_class_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// The file's bytes (preamble, file meta header, data set in Explicit VR Little Endian).
    pub bytes: Vec<u8>,
}

/// What other objects need to reference an image series (SEG, RT Structure Set): its UIDs, the
/// SOP Instance UID of each slice (k = 0 first) and its grid (with the Frame of Reference UID
/// written as the frame).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRef {
    /// Study Instance UID.
    pub study_instance_uid: String,
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// SOP Class UID of the slices.
    pub sop_class_uid: String,
    /// SOP Instance UID of each slice, in k order.
    pub sop_instance_uids: Vec<String>,
    /// The grid of the series; its frame is the Frame of Reference UID.
    pub grid: Grid,
}

impl SeriesRef {
    /// The reference of a series read with [`read_image_series`](crate::read_image_series):
    /// the Study Instance UID and SOP Class UID are read from its first file.
    pub fn from_image_series(series: &crate::ImageSeries) -> Result<Self, WriteError> {
        let first = series.files.first().ok_or(crate::DicomError::NoFiles)?;
        let f = crate::file::open(first, crate::file::Extent::Header)?;
        let a = f.attrs();
        Ok(Self {
            study_instance_uid: a
                .req_str(tags::STUDY_INSTANCE_UID, "Study Instance UID (0020,000D)")?,
            series_instance_uid: series.series_instance_uid.clone(),
            sop_class_uid: a.req_str(tags::SOP_CLASS_UID, "SOP Class UID (0008,0016)")?,
            sop_instance_uids: series.sop_instance_uids.clone(),
            grid: series.image.grid().clone(),
        })
    }
}

/// An image series written: the objects (one per slice) and its reference.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenSeries {
    /// The reference for SEG and RT Structure Sets.
    pub reference: SeriesRef,
    /// The files, slice k = 0 first.
    pub objects: Vec<WrittenObject>,
}

/// Writes objects into `dir` (created if needed) under their file names; returns the paths.
pub fn save_objects(
    dir: impl AsRef<Path>,
    objects: &[WrittenObject],
) -> Result<Vec<PathBuf>, WriteError> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| WriteError::Io {
        file: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut paths = Vec::with_capacity(objects.len());
    for o in objects {
        let path = dir.join(&o.file_name);
        std::fs::write(&path, &o.bytes).map_err(|e| WriteError::Io {
            file: path.clone(),
            reason: e.to_string(),
        })?;
        paths.push(path);
    }
    Ok(paths)
}

/// A decimal string (DS) of at most 16 characters, as precise as fits.
pub(crate) fn ds(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let a = x.abs();
    if (1e-4..1e14).contains(&a) {
        for prec in (0..=10).rev() {
            let mut s = format!("{x:.prec$}");
            if s.contains('.') {
                while s.ends_with('0') {
                    s.pop();
                }
                if s.ends_with('.') {
                    s.pop();
                }
            }
            if s.len() <= 16 {
                return s;
            }
        }
    }
    for prec in (0..=10).rev() {
        let s = format!("{x:.prec$e}");
        if s.len() <= 16 {
            return s;
        }
    }
    format!("{x:e}")
}

/// `x` as written in a DS and read back: what a reader will use.
pub(crate) fn ds_value(x: f64) -> f64 {
    ds(x).parse().unwrap_or(x)
}

/// A data set under construction, with helpers for each kind of value.
pub(crate) struct Obj(pub InMemDicomObject);

impl Obj {
    pub fn new() -> Self {
        Self(InMemDicomObject::new_empty())
    }

    /// A text value (empty allowed: a type 2 attribute without value).
    pub fn str(&mut self, tag: Tag, vr: VR, s: &str) {
        self.0.put_str(tag, vr, s);
    }

    /// Several text values (VM > 1).
    pub fn strs<S: AsRef<str>>(&mut self, tag: Tag, vr: VR, values: &[S]) {
        let v: Vec<String> = values.iter().map(|s| s.as_ref().to_string()).collect();
        self.0
            .put(DataElement::new(tag, vr, PrimitiveValue::Strs(v.into())));
    }

    /// An empty attribute (type 2 without a value).
    pub fn empty(&mut self, tag: Tag, vr: VR) {
        self.0.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
    }

    /// Decimal strings.
    pub fn ds(&mut self, tag: Tag, values: &[f64]) {
        let v: Vec<String> = values.iter().map(|&x| ds(x)).collect();
        self.strs(tag, VR::DS, &v);
    }

    /// An integer string.
    pub fn is(&mut self, tag: Tag, value: i64) {
        self.str(tag, VR::IS, &value.to_string());
    }

    /// Unsigned shorts.
    pub fn us(&mut self, tag: Tag, values: &[u16]) {
        self.0.put(DataElement::new(
            tag,
            VR::US,
            PrimitiveValue::U16(values.iter().copied().collect()),
        ));
    }

    /// Unsigned longs.
    pub fn ul(&mut self, tag: Tag, values: &[u32]) {
        self.0.put(DataElement::new(
            tag,
            VR::UL,
            PrimitiveValue::U32(values.iter().copied().collect()),
        ));
    }

    /// Attribute tags (AT), e.g. Frame Increment Pointer.
    pub fn at(&mut self, tag: Tag, values: &[Tag]) {
        self.0.put(DataElement::new(
            tag,
            VR::AT,
            PrimitiveValue::Tags(values.iter().copied().collect()),
        ));
    }

    /// A sequence of items (may be empty: a type 2 sequence without items).
    pub fn seq(&mut self, tag: Tag, items: Vec<InMemDicomObject>) {
        self.0
            .put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
    }

    /// Raw bytes (Pixel Data) with the VR given.
    pub fn bytes(&mut self, tag: Tag, vr: VR, bytes: Vec<u8>) {
        self.0
            .put(DataElement::new(tag, vr, PrimitiveValue::U8(bytes.into())));
    }

    /// A text value when present.
    pub fn opt_str(&mut self, tag: Tag, vr: VR, s: Option<&str>) {
        if let Some(s) = s {
            self.str(tag, vr, s);
        }
    }
}

/// A sequence item with a Referenced SOP Class UID and Referenced SOP Instance UID.
pub(crate) fn sop_ref(class: &str, instance: &str) -> InMemDicomObject {
    let mut o = Obj::new();
    o.str(tags::REFERENCED_SOP_CLASS_UID, VR::UI, class);
    o.str(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, instance);
    o.0
}

/// Which series module the object carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeriesModule {
    /// General Series (images, SEG).
    General,
    /// RT Series (RT Structure Set, RT Dose).
    Rt,
}

/// What [`base`] needs about the object.
pub(crate) struct Header<'a> {
    pub study: &'a StudyInfo,
    pub series: &'a SeriesInfo,
    pub modality: &'a str,
    pub sop_class_uid: &'a str,
    pub sop_instance_uid: &'a str,
    pub instance_number: u32,
    pub series_module: SeriesModule,
    /// The Frame of Reference UID when the IOD has the Frame of Reference module.
    pub frame_of_reference_uid: Option<&'a str>,
}

/// Checks the UIDs and names of the study and series before anything is encoded.
pub(crate) fn check_header(object: &str, h: &Header<'_>) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    for (what, uid) in [
        ("Study Instance UID", h.study.study_instance_uid.as_str()),
        ("Series Instance UID", h.series.series_instance_uid.as_str()),
        ("SOP Instance UID", h.sop_instance_uid),
    ] {
        if !is_valid_uid(uid) {
            return Err(bad(format!("{what} \"{uid}\" is not a valid DICOM UID")));
        }
    }
    if let Some(f) = h.frame_of_reference_uid
        && !is_valid_uid(f)
    {
        return Err(bad(format!(
            "Frame of Reference UID \"{f}\" is not a valid DICOM UID"
        )));
    }
    if let Some(m) = h.study.utc_offset_minutes
        && !(-12 * 60..=14 * 60).contains(&m)
    {
        return Err(bad(format!(
            "UTC offset {m} minutes is outside −12:00 … +14:00"
        )));
    }
    if h.study.study_id.len() > 16 {
        return Err(bad(format!(
            "Study ID \"{}\" is longer than 16 characters",
            h.study.study_id
        )));
    }
    for (what, s, max) in [
        ("Patient ID", h.study.patient_id.as_str(), 64),
        ("Accession Number", h.study.accession_number.as_str(), 16),
    ] {
        if s.len() > max {
            return Err(bad(format!(
                "{what} \"{s}\" is longer than {max} characters"
            )));
        }
    }
    Ok(())
}

/// SOP Common, Patient, Patient Study, General Study, General or RT Series, General Equipment
/// and (when given) Frame of Reference modules.
pub(crate) fn base(h: &Header<'_>) -> Obj {
    let mut o = Obj::new();
    let study = h.study;
    let series = h.series;
    // SOP Common.
    o.str(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    o.str(tags::SOP_CLASS_UID, VR::UI, h.sop_class_uid);
    o.str(tags::SOP_INSTANCE_UID, VR::UI, h.sop_instance_uid);
    if let Some(minutes) = study.utc_offset_minutes {
        // The creation instant in the study's zone.
        let now = CivilDateTime::now_utc().plus_seconds(f64::from(minutes) * 60.0);
        o.str(tags::INSTANCE_CREATION_DATE, VR::DA, &now.date());
        o.str(tags::INSTANCE_CREATION_TIME, VR::TM, &now.time());
        let sign = if minutes < 0 { '-' } else { '+' };
        let m = minutes.unsigned_abs();
        o.str(
            tags::TIMEZONE_OFFSET_FROM_UTC,
            VR::SH,
            &format!("{sign}{:02}{:02}", m / 60, m % 60),
        );
    }
    o.is(tags::INSTANCE_NUMBER, i64::from(h.instance_number));
    // Patient.
    o.str(tags::PATIENT_NAME, VR::PN, &study.patient_name);
    o.str(tags::PATIENT_ID, VR::LO, &study.patient_id);
    o.str(
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        study.patient_birth_date.as_deref().unwrap_or(""),
    );
    o.str(
        tags::PATIENT_SEX,
        VR::CS,
        study.patient_sex.as_deref().unwrap_or(""),
    );
    // Patient Study.
    if let Some(w) = study.patient_weight_kg {
        o.ds(tags::PATIENT_WEIGHT, &[w]);
    }
    if let Some(s) = study.patient_size_m {
        o.ds(tags::PATIENT_SIZE, &[s]);
    }
    // General Study.
    o.str(tags::STUDY_INSTANCE_UID, VR::UI, &study.study_instance_uid);
    o.str(tags::STUDY_DATE, VR::DA, &study.date_time.date());
    o.str(tags::STUDY_TIME, VR::TM, &study.date_time.time());
    o.str(
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        &study.referring_physician,
    );
    o.str(tags::STUDY_ID, VR::SH, &study.study_id);
    o.str(tags::ACCESSION_NUMBER, VR::SH, &study.accession_number);
    o.opt_str(
        tags::STUDY_DESCRIPTION,
        VR::LO,
        study.description.as_deref(),
    );
    // General Series / RT Series.
    o.str(tags::MODALITY, VR::CS, h.modality);
    o.str(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        &series.series_instance_uid,
    );
    o.is(tags::SERIES_NUMBER, i64::from(series.number));
    o.str(tags::SERIES_DATE, VR::DA, &series.date_time.date());
    o.str(tags::SERIES_TIME, VR::TM, &series.date_time.time());
    o.opt_str(
        tags::SERIES_DESCRIPTION,
        VR::LO,
        series.description.as_deref(),
    );
    if h.series_module == SeriesModule::Rt {
        o.empty(tags::OPERATORS_NAME, VR::PN);
    }
    // General Equipment.
    o.str(tags::MANUFACTURER, VR::LO, "sirtplan");
    o.str(tags::MANUFACTURER_MODEL_NAME, VR::LO, "sirtplan");
    o.str(tags::DEVICE_SERIAL_NUMBER, VR::LO, "0");
    o.str(
        tags::SOFTWARE_VERSIONS,
        VR::LO,
        concat!("sirtplan ", env!("CARGO_PKG_VERSION")),
    );
    // Frame of Reference.
    if let Some(f) = h.frame_of_reference_uid {
        o.str(tags::FRAME_OF_REFERENCE_UID, VR::UI, f);
        o.empty(tags::POSITION_REFERENCE_INDICATOR, VR::LO);
    }
    o
}

/// Checks the header ([`check_header`]) and starts the data set with its common modules
/// ([`base`]).
pub(crate) fn checked_base(object: &str, h: &Header<'_>) -> Result<Obj, WriteError> {
    check_header(object, h)?;
    Ok(base(h))
}

/// Content Date and Time (General Image): the series date and time.
pub(crate) fn content_date_time(o: &mut Obj, series: &SeriesInfo) {
    o.str(tags::CONTENT_DATE, VR::DA, &series.date_time.date());
    o.str(tags::CONTENT_TIME, VR::TM, &series.date_time.time());
}

/// Acquisition Date and Time (General Acquisition): the series date and time.
pub(crate) fn acquisition_date_time(o: &mut Obj, series: &SeriesInfo) {
    o.str(tags::ACQUISITION_DATE, VR::DA, &series.date_time.date());
    o.str(tags::ACQUISITION_TIME, VR::TM, &series.date_time.time());
}

/// Image Pixel module of grey-scale (MONOCHROME2) pixels of `bits` bits, all stored.
pub(crate) fn pixel_module(o: &mut Obj, rows: usize, columns: usize, bits: u16, signed: bool) {
    o.us(tags::SAMPLES_PER_PIXEL, &[1]);
    o.str(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    o.us(tags::ROWS, &[rows as u16]);
    o.us(tags::COLUMNS, &[columns as u16]);
    o.us(tags::BITS_ALLOCATED, &[bits]);
    o.us(tags::BITS_STORED, &[bits]);
    o.us(tags::HIGH_BIT, &[bits - 1]);
    o.us(tags::PIXEL_REPRESENTATION, &[u16::from(signed)]);
}

/// Encodes a data set as a Part 10 file (Explicit VR Little Endian).
pub(crate) fn encode(
    obj: Obj,
    object: &str,
    file_name: String,
    sop_class_uid: &str,
    sop_instance_uid: &str,
) -> Result<WrittenObject, WriteError> {
    let enc = |reason: String| WriteError::Encode {
        object: object.to_string(),
        reason,
    };
    let file = obj
        .0
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(EXPLICIT_VR_LE)
                .media_storage_sop_class_uid(sop_class_uid)
                .media_storage_sop_instance_uid(sop_instance_uid)
                .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                .implementation_version_name(IMPLEMENTATION_VERSION_NAME),
        )
        .map_err(|e| enc(error_chain(&e)))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| enc(error_chain(&e)))?;
    Ok(WrittenObject {
        file_name,
        sop_class_uid: sop_class_uid.to_string(),
        sop_instance_uid: sop_instance_uid.to_string(),
        bytes,
    })
}

/// Image Plane attributes of one plane: Pixel Spacing (row spacing = along j, column spacing =
/// along i), Image Orientation (Patient) (i then j direction cosines) and Image Position
/// (Patient) of the first pixel.
pub(crate) fn plane(o: &mut Obj, grid: &Grid, position: [f64; 3]) {
    o.ds(
        tags::PIXEL_SPACING,
        &[grid.spacing_mm[1], grid.spacing_mm[0]],
    );
    image_orientation(o, grid);
    o.ds(tags::IMAGE_POSITION_PATIENT, &position);
}

/// Image Orientation (Patient): the grid's i then j direction cosines.
pub(crate) fn image_orientation(o: &mut Obj, grid: &Grid) {
    let [r, c, _] = grid.direction;
    o.ds(
        tags::IMAGE_ORIENTATION_PATIENT,
        &[r[0], r[1], r[2], c[0], c[1], c[2]],
    );
}

/// NM/PET Patient Orientation module: the orientation (recumbent, supine or prone) and the
/// gantry relationship (head or feet first) coded from a Patient Position `HFS`, `HFP`, `FFS` or
/// `FFP`; other positions leave both (type 2) sequences empty.
pub(crate) fn patient_orientation(o: &mut Obj, patient_position: &str) {
    let (modifier, gantry) = match patient_position {
        "HFS" => (
            Code::new("40199007", "SCT", "supine"),
            Code::new("102540008", "SCT", "headfirst"),
        ),
        "HFP" => (
            Code::new("1240000", "SCT", "prone"),
            Code::new("102540008", "SCT", "headfirst"),
        ),
        "FFS" => (
            Code::new("40199007", "SCT", "supine"),
            Code::new("102541007", "SCT", "feet-first"),
        ),
        "FFP" => (
            Code::new("1240000", "SCT", "prone"),
            Code::new("102541007", "SCT", "feet-first"),
        ),
        _ => {
            o.seq(tags::PATIENT_ORIENTATION_CODE_SEQUENCE, vec![]);
            o.seq(tags::PATIENT_GANTRY_RELATIONSHIP_CODE_SEQUENCE, vec![]);
            return;
        }
    };
    let mut orientation = Obj(Code::new("102538003", "SCT", "recumbent").item());
    orientation.seq(
        tags::PATIENT_ORIENTATION_MODIFIER_CODE_SEQUENCE,
        vec![modifier.item()],
    );
    o.seq(tags::PATIENT_ORIENTATION_CODE_SEQUENCE, vec![orientation.0]);
    o.seq(
        tags::PATIENT_GANTRY_RELATIONSHIP_CODE_SEQUENCE,
        vec![gantry.item()],
    );
}

/// Whether the grid's k axis points along row × column cosines (the normal DICOM readers
/// assume for multi-frame stacks). When not, multi-frame writers store the slices in reverse.
pub(crate) fn k_along_normal(grid: &Grid) -> bool {
    let n = sirt_geometry::cross(grid.direction[0], grid.direction[1]);
    let d = grid.direction[2];
    n[0] * d[0] + n[1] * d[1] + n[2] * d[2] > 0.0
}

/// Whether two grids have the same voxels once their frames are written as UIDs.
pub(crate) fn same_written_grid(a: &Grid, b: &Grid) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.frame = FrameOfReference(frame_uid(&a.frame));
    b.frame = FrameOfReference(frame_uid(&b.frame));
    a.same_as(&b)
}

/// The first non-finite voxel of an image, as (i, j, k) and value.
pub(crate) fn first_non_finite(grid: &Grid, data: &[f32]) -> Option<([usize; 3], f32)> {
    data.iter()
        .position(|v| !v.is_finite())
        .map(|o| (grid.index_of_offset(o), data[o]))
}

/// Common image checks: at least one voxel, all finite.
pub(crate) fn check_image(object: &str, grid: &Grid, data: &[f32]) -> Result<(), WriteError> {
    if data.is_empty() {
        return Err(WriteError::InvalidInput {
            object: object.to_string(),
            what: "the image has no voxels".into(),
        });
    }
    if grid.dims[0] > 65535 || grid.dims[1] > 65535 {
        return Err(WriteError::InvalidInput {
            object: object.to_string(),
            what: format!(
                "{} × {} pixels per slice: DICOM Rows and Columns are at most 65535",
                grid.dims[0], grid.dims[1]
            ),
        });
    }
    if let Some((ijk, v)) = first_non_finite(grid, data) {
        return Err(WriteError::InvalidInput {
            object: object.to_string(),
            what: format!("voxel {ijk:?} is {v}: only finite values can be written"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uids_are_valid_and_unique() {
        let a = new_uid();
        let b = new_uid();
        assert_ne!(a, b);
        assert!(is_valid_uid(&a), "{a}");
        assert!(a.len() <= 64);
        assert!(!is_valid_uid("1.02.3"));
        assert!(!is_valid_uid("1..3"));
        assert!(is_valid_uid("1.0.3"));
        let f = frame_uid(&FrameOfReference("phantom".into()));
        assert!(is_valid_uid(&f), "{f}");
        assert_eq!(f, frame_uid(&FrameOfReference("phantom".into())));
    }

    #[test]
    fn decimal_strings_fit_16_characters() {
        for x in [
            0.1 + 0.2,
            -123456.789012345,
            1e-9,
            4.656612875245797e-8,
            -1e20,
            230760.0,
            -0.000123456789,
            1.0 / 3.0,
        ] {
            let s = ds(x);
            assert!(s.len() <= 16, "{x} → {s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - x).abs() <= x.abs() * 1e-6, "{x} → {s}");
        }
        assert_eq!(ds(0.30000000000000004), "0.3");
        assert_eq!(ds(2.0), "2");
    }

    #[test]
    fn dates_and_times() {
        let t = CivilDateTime::new(2024, 2, 29, 23, 30, 15.5).unwrap();
        assert_eq!(t.date(), "20240229");
        assert_eq!(t.time(), "233015.500000");
        let u = t.plus_seconds(3600.0);
        assert_eq!(u.datetime(), "20240301003015.500000");
        assert!((u.seconds_since(t) - 3600.0).abs() < 1e-9);
        assert!(CivilDateTime::new(2023, 2, 29, 0, 0, 0.0).is_err());
    }
}
