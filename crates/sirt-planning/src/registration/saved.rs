//! A registration saved as a DICOM Spatial Registration object, read back for the planning
//! pages (issue 16, "Registration": the transform picked for a case shown again after a
//! reload): its `fixed_from_moving` between the two frames named, how it was found and who made
//! it when, as far as the object says.

use super::{CONTENT_LABEL, Method, RegisterError};
use sirt_geometry::{FrameOfReference, Rigid};
use std::path::Path;

/// A saved registration read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRegistration {
    /// Takes a point of the moving frame into the fixed frame.
    pub fixed_from_moving: Rigid,
    /// How it was found, for an object written by sirtplan (its Content Label
    /// [`CONTENT_LABEL`] and the method's words ending its Content Description); `None` for
    /// an object of another program.
    pub method: Option<Method>,
    /// The object's Content Description, when present.
    pub description: Option<String>,
    /// Content Creator's Name (`Family^Given` or as written), when present.
    pub creator: Option<String>,
    /// Content Date and Time as the object states them (`2024-05-01 14:03:12`; sirtplan writes
    /// UTC), or the date alone, when present.
    pub made_at: Option<String>,
    /// The Registration Type codes' meanings (CID 7100), as written.
    pub registration_types: Vec<String>,
}

/// The method of an object sirtplan wrote: its label [`CONTENT_LABEL`], its description ending
/// with ", " and [`Method::words`] (written by `registration_object`).
fn method_of(info: &sirt_dicom::RegistrationInfo) -> Option<Method> {
    if info.label.as_deref() != Some(CONTENT_LABEL) {
        return None;
    }
    let d = info.description.as_deref()?;
    [Method::AutomaticAdjusted, Method::ByHand, Method::Automatic]
        .into_iter()
        .find(|m| d.ends_with(&format!(", {}", m.words())))
}

/// "2024-05-01 14:03:12" from DA "20240501" and TM "140312.5"; the date alone without a valid
/// time; `None` without a valid date.
fn made_at(date: Option<&str>, time: Option<&str>) -> Option<String> {
    let d = date?;
    if d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day = format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8]);
    let t = time.unwrap_or("");
    let digits = t.split('.').next().unwrap_or("");
    if digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = digits.get(4..6).unwrap_or("00");
        Some(format!(
            "{day} {}:{}:{seconds}",
            &digits[0..2],
            &digits[2..4]
        ))
    } else {
        Some(day)
    }
}

/// The registration saved in `path` (a REG file; `label` names it in messages: a request field
/// or CLI flag) between `fixed` and `moving`: the transform taking the moving frame into the
/// fixed one, refused when the object relates neither or only one of them.
pub fn saved_registration(
    path: &Path,
    label: &str,
    fixed: &FrameOfReference,
    moving: &FrameOfReference,
) -> Result<SavedRegistration, RegisterError> {
    let reg = sirt_imaging::load_registration(path)?;
    let fixed_from_moving =
        reg.between(fixed, moving)
            .ok_or_else(|| RegisterError::NoTransform {
                label: label.into(),
                path: path.into(),
                fixed: fixed.0.clone(),
                moving: moving.0.clone(),
                found: std::iter::once(reg.reference.0.clone())
                    .chain(reg.transforms.iter().map(|t| t.from.0.clone()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
    let info = &reg.content;
    Ok(SavedRegistration {
        fixed_from_moving,
        method: method_of(info),
        description: info.description.clone(),
        creator: info.creator.clone(),
        made_at: made_at(info.date.as_deref(), info.time.as_deref()),
        registration_types: info.methods.clone(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn made_at_reads_dicom_date_and_time() {
        assert_eq!(
            made_at(Some("20240501"), Some("140312.25")).as_deref(),
            Some("2024-05-01 14:03:12")
        );
        assert_eq!(
            made_at(Some("20240501"), Some("1403")).as_deref(),
            Some("2024-05-01 14:03:00")
        );
        assert_eq!(
            made_at(Some("20240501"), None).as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(made_at(Some("2024-05-01"), Some("1403")), None);
        assert_eq!(made_at(None, Some("1403")), None);
    }

    #[test]
    fn the_method_is_read_from_sirtplan_objects_only() {
        let info = |label: &str, d: &str| sirt_dicom::RegistrationInfo {
            label: Some(label.into()),
            description: Some(d.into()),
            ..Default::default()
        };
        let ours = |d: &str| method_of(&info(CONTENT_LABEL, d));
        assert_eq!(
            ours("NM to CT: Mattes MI, rigid, automatic"),
            Some(Method::Automatic)
        );
        assert_eq!(
            ours("CT to CT: Mattes MI, rigid, automatic then adjusted by hand"),
            Some(Method::AutomaticAdjusted)
        );
        assert_eq!(
            ours("CT to CT: Mattes MI, rigid, by hand"),
            Some(Method::ByHand)
        );
        assert_eq!(ours("CT to CT: something else"), None);
        assert_eq!(
            method_of(&info("MIM", "CT to CT: Mattes MI, rigid, by hand")),
            None
        );
    }
}
