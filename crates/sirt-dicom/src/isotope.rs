//! Radiopharmaceutical Information Sequence (0054,0016) of NM and PET objects.

use dicom_core::Tag;
use dicom_dictionary_std::tags;

use crate::DicomError;
use crate::datetime::{
    DateTimeTags, DicomDateTime, read_datetime, read_time_after, read_time_only,
};
use crate::file::Attrs;

/// How the administration start was stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StartStated {
    /// Radiopharmaceutical Start DateTime (0018,1078).
    DateTime,
    /// Radiopharmaceutical Start Time (0018,1072) only: the date is that of the object's
    /// reference (series or acquisition) date, the day before when the time is later than the
    /// reference time (an injection before midnight). Check it when the two may be days apart.
    TimeOnlyDateAssumed,
}

/// One item of the Radiopharmaceutical Information Sequence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Radiopharmaceutical {
    /// Radiopharmaceutical (0018,0031), e.g. `Fluorodeoxyglucose`, when stated.
    pub name: Option<String>,
    /// Radionuclide Code Sequence (0054,0300): code meaning (e.g. `^90^Yttrium`), when stated.
    pub radionuclide: Option<String>,
    /// Radionuclide Code Sequence: code value (SNOMED, e.g. `C-131A3`), when stated.
    pub radionuclide_code: Option<String>,
    /// Radionuclide Total Dose (0018,1074) in Bq. The attribute is in Bq in PET objects but in
    /// MBq in NM objects (PS3.3 C.8.4.10.1.7); NM values are converted.
    pub total_dose_bq: Option<f64>,
    /// Radionuclide Half Life (0018,1075), s.
    pub half_life_s: Option<f64>,
    /// Radionuclide Positron Fraction (0018,1076).
    pub positron_fraction: Option<f64>,
    /// Radiopharmaceutical Volume (0018,1071), mL.
    pub volume_ml: Option<f64>,
    /// Radiopharmaceutical Route (0018,1070).
    pub route: Option<String>,
    /// Start of the administration.
    pub start: Option<DicomDateTime>,
    /// How `start` was stated (`None` when absent).
    pub start_stated: Option<StartStated>,
    /// End of the administration (Stop DateTime, or Stop Time on the start's date).
    pub stop: Option<DicomDateTime>,
}

const START_DT: Tag = Tag(0x0018, 0x1078);
const STOP_DT: Tag = Tag(0x0018, 0x1079);
const START_TM: Tag = Tag(0x0018, 0x1072);
const STOP_TM: Tag = Tag(0x0018, 0x1073);

/// The items of the Radiopharmaceutical Information Sequence of `a`. `dose_scale` converts
/// Radionuclide Total Dose to Bq (1 for PET, 1e6 for NM); `tz` is the object's UTC offset;
/// `reference` the date and time a bare Start Time is put on.
pub(crate) fn read_radiopharmaceuticals(
    a: Attrs<'_>,
    dose_scale: f64,
    tz: Option<i32>,
    reference: Option<&DicomDateTime>,
) -> Result<Vec<Radiopharmaceutical>, DicomError> {
    let mut out = Vec::new();
    for item in a.items(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE) {
        let r = Attrs::new(item, a.path);
        let positive = |tag: Tag, name: &'static str| -> Result<Option<f64>, DicomError> {
            match r.opt_f64(tag, name)? {
                Some(v) if v <= 0.0 => Err(DicomError::InvalidAttribute {
                    file: a.path.to_path_buf(),
                    attribute: name,
                    reason: format!("{v}: must be above 0"),
                }),
                v => Ok(v),
            }
        };
        let code = r
            .items(tags::RADIONUCLIDE_CODE_SEQUENCE)
            .first()
            .map(|c| Attrs::new(c, a.path));
        let start_dt = read_datetime(
            r,
            &DateTimeTags {
                datetime: Some((START_DT, "Radiopharmaceutical Start DateTime (0018,1078)")),
                date: None,
                time: (START_TM, "Radiopharmaceutical Start Time (0018,1072)"),
            },
            tz,
        )?;
        let (start, start_stated) = match (start_dt, reference) {
            (Some(s), _) => (Some(s), Some(StartStated::DateTime)),
            (None, Some(on)) => {
                let s = read_time_only(
                    r,
                    (START_TM, "Radiopharmaceutical Start Time (0018,1072)"),
                    on,
                )?;
                let stated = s.map(|_| StartStated::TimeOnlyDateAssumed);
                (s, stated)
            }
            (None, None) => (None, None),
        };
        let stop = match read_datetime(
            r,
            &DateTimeTags {
                datetime: Some((STOP_DT, "Radiopharmaceutical Stop DateTime (0018,1079)")),
                date: None,
                time: (STOP_TM, "Radiopharmaceutical Stop Time (0018,1073)"),
            },
            tz,
        )? {
            Some(s) => Some(s),
            None => match &start {
                Some(st) => read_time_after(
                    r,
                    (STOP_TM, "Radiopharmaceutical Stop Time (0018,1073)"),
                    st,
                )?,
                None => None,
            },
        };
        out.push(Radiopharmaceutical {
            name: r.opt_str(tags::RADIOPHARMACEUTICAL),
            radionuclide: code.and_then(|c| c.opt_str(tags::CODE_MEANING)),
            radionuclide_code: code.and_then(|c| c.opt_str(tags::CODE_VALUE)),
            total_dose_bq: positive(
                tags::RADIONUCLIDE_TOTAL_DOSE,
                "Radionuclide Total Dose (0018,1074)",
            )?
            .map(|d| d * dose_scale),
            half_life_s: positive(
                tags::RADIONUCLIDE_HALF_LIFE,
                "Radionuclide Half Life (0018,1075)",
            )?,
            positron_fraction: r.opt_f64(
                tags::RADIONUCLIDE_POSITRON_FRACTION,
                "Radionuclide Positron Fraction (0018,1076)",
            )?,
            volume_ml: r.opt_f64(
                tags::RADIOPHARMACEUTICAL_VOLUME,
                "Radiopharmaceutical Volume (0018,1071)",
            )?,
            route: r.opt_str(tags::RADIOPHARMACEUTICAL_ROUTE),
            start,
            start_stated,
            stop,
        });
    }
    Ok(out)
}
