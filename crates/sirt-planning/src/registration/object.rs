//! The DICOM Spatial Registration object of a registration (`sirt_dicom::write`): in the fixed
//! series' study, naming both series, with who made it and how.

use super::{RegisterError, Series};
use sirt_dicom::write::{
    CivilDateTime, RegistrationContent, RegistrationMethod, SeriesInfo, SeriesRef, StudyInfo,
    write_spatial_registration,
};
use sirt_geometry::Rigid;
use sirt_registration::Quality;

/// Series Number of the registration series written: design choice, after the images' numbers.
pub const REGISTRATION_SERIES_NUMBER: u32 = 900;

/// Content Label of the object written (PS3.3 C.10.9: CS, at most 16 characters).
pub const CONTENT_LABEL: &str = "SIRTPLAN_RIGID";

/// Series Description of the object written: design choice.
const SERIES_DESCRIPTION: &str = "sirtplan rigid registration";

/// How the transform of an object was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The automatic registration's result as it is.
    Automatic,
    /// The automatic result, then adjusted by hand.
    AutomaticAdjusted,
    /// Aligned by hand (no automatic result).
    ByHand,
}

impl Method {
    /// In the object's Content Description (English, as the object's other texts).
    pub fn words(self) -> &'static str {
        match self {
            Method::Automatic => "automatic",
            Method::AutomaticAdjusted => "automatic then adjusted by hand",
            Method::ByHand => "by hand",
        }
    }

    /// The Registration Type code (PS3.16 CID 7100): image content for the automatic result
    /// as it is, visual alignment once a person moved it.
    fn code(self) -> RegistrationMethod {
        match self {
            Method::Automatic => RegistrationMethod::ImageContent,
            Method::AutomaticAdjusted | Method::ByHand => RegistrationMethod::Visual,
        }
    }
}

/// What the object says about how it was made.
#[derive(Debug, Clone, Copy)]
pub struct Provenance<'a> {
    /// Content Creator's Name (DICOM person name, `Family^Given`), when known.
    pub creator: Option<&'a str>,
    /// How the transform was found.
    pub method: Method,
    /// The automatic registration's quality, when its result is written as it is.
    pub quality: Option<&'a Quality>,
}

/// A DICOM date (DA, PS3.5 6.2: eight digits YYYYMMDD) at midnight, when valid.
fn study_date(da: Option<&str>) -> Option<CivilDateTime> {
    let da = da?;
    if da.len() != 8 || !da.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |a: usize, b: usize| da.get(a..b).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(part(0, 4)?).ok()?;
    CivilDateTime::new(year, part(4, 6)?, part(6, 8)?, 0, 0, 0.0).ok()
}

/// The study the registration object is written in: the fixed series', with its Study Date
/// (the object shares the study's Study Instance UID, so it repeats the study's date; a date
/// made up here would contradict the study). Checked before a registration runs, so that a
/// series that cannot be written is refused at once. `purpose` names what needs it in messages
/// (`--out`).
pub fn writable_study(
    fixed: &Series,
    moving: &Series,
    purpose: &str,
) -> Result<StudyInfo, RegisterError> {
    let Some(st) = &fixed.study else {
        return Err(RegisterError::NotDicom {
            purpose: purpose.into(),
            label: fixed.label.clone(),
            path: fixed.path.clone(),
            why: "the registration object is written in its study, for its patient",
        });
    };
    if moving.study.is_none() {
        return Err(RegisterError::NotDicom {
            purpose: purpose.into(),
            label: moving.label.clone(),
            path: moving.path.clone(),
            why: "the object names its Frame of Reference UID",
        });
    }
    let date_time =
        study_date(st.study_date.as_deref()).ok_or_else(|| RegisterError::StudyDate {
            label: fixed.label.clone(),
            path: fixed.path.clone(),
            found: st
                .study_date
                .as_deref()
                .map_or_else(|| "none".to_owned(), |d| format!("\"{d}\"")),
        })?;
    let mut study = StudyInfo::new(
        st.patient_name.as_deref().unwrap_or(""),
        st.patient_id.as_deref().unwrap_or(""),
        date_time,
    );
    study.study_instance_uid = st.study_instance_uid.clone();
    study.description = st.description.clone();
    Ok(study)
}

/// The Content Description: the modalities and the method (at most 64 characters: the
/// modalities are DICOM terms or `NIfTI`).
fn description(fixed: &Series, moving: &Series, method: Method) -> String {
    format!(
        "{} to {}: Mattes MI, rigid, {}",
        moving.modality,
        fixed.modality,
        method.words()
    )
}

/// The Spatial Registration object's bytes (DICOM Part 10) of `fixed_from_moving` between
/// `fixed` and `moving` (the series registered: both DICOM), written in the fixed series'
/// study as a new series, with `made`'s creator and method.
pub fn registration_object(
    fixed_from_moving: &Rigid,
    fixed: &Series,
    moving: &Series,
    made: &Provenance<'_>,
) -> Result<Vec<u8>, RegisterError> {
    let study = writable_study(fixed, moving, "the registration object")?;
    let series = SeriesInfo::new(
        REGISTRATION_SERIES_NUMBER,
        SERIES_DESCRIPTION,
        CivilDateTime::now_utc(),
    );
    let references: Vec<&SeriesRef> = [&fixed.reference, &moving.reference]
        .into_iter()
        .flatten()
        .collect();
    let comment = made.quality.map(|q| {
        format!(
            "NMI {:.3} (start {:.3}); overlap {:.1} %",
            q.normalised_mi,
            q.normalised_mi_initial,
            q.overlap.percent()
        )
    });
    let content = RegistrationContent {
        label: CONTENT_LABEL.into(),
        description: Some(description(fixed, moving, made.method)),
        creator: made.creator.map(str::to_owned),
        method: made.method.code(),
        comment,
    };
    let object =
        write_spatial_registration(fixed_from_moving, &references, &study, &series, &content)?;
    Ok(object.bytes)
}
