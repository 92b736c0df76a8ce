//! The DICOM JSON model (PS3.18 Annex F) of QIDO-RS and STOW-RS answers: only the attributes
//! read here, every shape checked (a wrong one is an error saying what was found).

use crate::query::{SeriesHit, StudyHit};
use serde_json::{Map, Value};

/// Study Instance UID (0020,000D).
const STUDY_UID: &str = "0020000D";
/// Series Instance UID (0020,000E).
const SERIES_UID: &str = "0020000E";
/// Patient ID (0010,0020).
const PATIENT_ID: &str = "00100020";
/// Patient's Name (0010,0010).
const PATIENT_NAME: &str = "00100010";
/// Study Date (0008,0020).
const STUDY_DATE: &str = "00080020";
/// Accession Number (0008,0050).
const ACCESSION: &str = "00080050";
/// Study Description (0008,1030).
const STUDY_DESCRIPTION: &str = "00081030";
/// Modality (0008,0060).
const MODALITY: &str = "00080060";
/// Series Number (0020,0011).
const SERIES_NUMBER: &str = "00200011";
/// Series Description (0008,103E).
const SERIES_DESCRIPTION: &str = "0008103E";
/// Number of Series Related Instances (0020,1209).
const SERIES_INSTANCES: &str = "00201209";
/// Referenced SOP Sequence (0008,1199) of a STOW-RS answer (PS3.18 §10.5.3).
const REFERENCED_SOP_SEQUENCE: &str = "00081199";
/// Failed SOP Sequence (0008,1198).
const FAILED_SOP_SEQUENCE: &str = "00081198";
/// Referenced SOP Instance UID (0008,1155).
const REFERENCED_SOP_INSTANCE: &str = "00081155";
/// Failure Reason (0008,1197).
const FAILURE_REASON: &str = "00081197";

/// The first value of attribute `tag` as text: strings as they are, numbers written out, a
/// person name's alphabetic group (PS3.18 §F.2.2).
fn first_text(obj: &Map<String, Value>, tag: &str) -> Result<Option<String>, String> {
    let Some(attr) = obj.get(tag) else {
        return Ok(None);
    };
    let attr = attr
        .as_object()
        .ok_or_else(|| format!("attribute {tag} is {}, expected an object", kind(attr)))?;
    let Some(values) = attr.get("Value") else {
        return Ok(None);
    };
    let values = values.as_array().ok_or_else(|| {
        format!(
            "attribute {tag}'s Value is {}, expected an array",
            kind(values)
        )
    })?;
    Ok(match values.first() {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim_end_matches(['\0', ' ']).to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Object(pn)) => pn
            .get("Alphabetic")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Some(other) => return Err(format!("attribute {tag}'s value is {}", kind(other))),
    })
}

/// What a JSON value is, in words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The objects of a QIDO-RS answer (an array; an empty body is no match).
fn objects(body: &[u8]) -> Result<Vec<Map<String, Value>>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let Value::Array(items) = v else {
        return Err(format!(
            "{}, expected an array of DICOM JSON objects",
            kind(&v)
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(m) => Ok(m),
            other => Err(format!("item {i} is {}, expected an object", kind(&other))),
        })
        .collect()
}

/// A required UID.
fn uid(obj: &Map<String, Value>, tag: &str, i: usize) -> Result<String, String> {
    let v = first_text(obj, tag)?.ok_or_else(|| format!("item {i} has no {tag} (a UID)"))?;
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') || v.len() > 64 {
        return Err(format!("item {i}: {tag} {v:?} is not a UID"));
    }
    Ok(v)
}

/// The studies of a QIDO-RS `/studies` answer (their series left empty).
pub fn parse_studies(body: &[u8]) -> Result<Vec<StudyHit>, String> {
    objects(body)?
        .iter()
        .enumerate()
        .map(|(i, o)| {
            Ok(StudyHit {
                study_uid: uid(o, STUDY_UID, i)?,
                patient_id: first_text(o, PATIENT_ID)?,
                patient_name: first_text(o, PATIENT_NAME)?,
                study_date: first_text(o, STUDY_DATE)?,
                accession: first_text(o, ACCESSION)?,
                description: first_text(o, STUDY_DESCRIPTION)?,
                series: Vec::new(),
            })
        })
        .collect()
}

/// The series of a QIDO-RS `/series` answer, with the study each belongs to when the answer
/// says (`/studies/{uid}/series` answers may leave it out).
pub fn parse_series(body: &[u8]) -> Result<Vec<(Option<String>, SeriesHit)>, String> {
    objects(body)?
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let number = first_text(o, SERIES_NUMBER)?
                .map(|s| {
                    s.trim()
                        .parse::<i64>()
                        .map_err(|_| format!("item {i}: series number {s:?}"))
                })
                .transpose()?;
            let instances = first_text(o, SERIES_INSTANCES)?
                .map(|s| {
                    s.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("item {i}: instance count {s:?}"))
                })
                .transpose()?;
            Ok((
                first_text(o, STUDY_UID)?,
                SeriesHit {
                    series_uid: uid(o, SERIES_UID, i)?,
                    modality: first_text(o, MODALITY)?,
                    number,
                    description: first_text(o, SERIES_DESCRIPTION)?,
                    instances,
                },
            ))
        })
        .collect()
}

/// A STOW-RS answer (PS3.18 §10.5.3): the instances stored and those refused with their
/// Failure Reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StowAnswer {
    /// SOP Instance UIDs stored.
    pub stored: Vec<String>,
    /// SOP Instance UIDs refused, with the Failure Reason (a C-STORE status, PS3.4 §B.2.3).
    pub failed: Vec<(String, Option<u16>)>,
}

/// The items of a sequence attribute.
fn items<'a>(
    obj: &'a Map<String, Value>,
    tag: &str,
) -> Result<Vec<&'a Map<String, Value>>, String> {
    let Some(values) = obj.get(tag).and_then(|a| a.get("Value")) else {
        return Ok(Vec::new());
    };
    let values = values
        .as_array()
        .ok_or_else(|| format!("sequence {tag} is {}, expected an array", kind(values)))?;
    values
        .iter()
        .map(|v| {
            v.as_object()
                .ok_or_else(|| format!("an item of {tag} is {}", kind(v)))
        })
        .collect()
}

/// Reads a STOW-RS answer body.
pub fn parse_stow(body: &[u8]) -> Result<StowAnswer, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let Value::Object(obj) = v else {
        return Err(format!("{}, expected a DICOM JSON object", kind(&v)));
    };
    let mut answer = StowAnswer::default();
    for item in items(&obj, REFERENCED_SOP_SEQUENCE)? {
        if let Some(uid) = first_text(item, REFERENCED_SOP_INSTANCE)? {
            answer.stored.push(uid);
        }
    }
    for item in items(&obj, FAILED_SOP_SEQUENCE)? {
        let uid = first_text(item, REFERENCED_SOP_INSTANCE)?.unwrap_or_default();
        let reason = first_text(item, FAILURE_REASON)?
            .map(|r| {
                r.parse::<u16>()
                    .map_err(|_| format!("failure reason {r:?}"))
            })
            .transpose()?;
        answer.failed.push((uid, reason));
    }
    Ok(answer)
}

/// The meaning of a STOW-RS Failure Reason / C-STORE status (PS3.4 §B.2.3, PS3.18 §10.5.3).
pub fn failure_reason_text(code: u16) -> &'static str {
    match code {
        0xA700..=0xA7FF => "refused: out of resources",
        0xA900..=0xA9FF => "error: data set does not match SOP class",
        0xC122 => "transfer syntax not supported",
        0xC000..=0xCFFF => "error: cannot understand",
        0x0110 => "processing failure",
        0x0122 => "SOP class not supported",
        0x0124 => "not authorized",
        _ => "failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PS3.18 §F.2.1.1.2's example shape: a study with a person name and an IS value.
    #[test]
    fn study_and_series_fields() {
        let body = br#"[{"0020000D":{"vr":"UI","Value":["1.2.3"]},
            "00100010":{"vr":"PN","Value":[{"Alphabetic":"Phantom^SIRT"}]},
            "00100020":{"vr":"LO","Value":["P1"]},"00080020":{"vr":"DA","Value":["20250115"]}}]"#;
        let s = parse_studies(body).unwrap();
        assert_eq!(s[0].study_uid, "1.2.3");
        assert_eq!(s[0].patient_name.as_deref(), Some("Phantom^SIRT"));
        assert_eq!(s[0].accession, None);
        let se =
            br#"[{"0020000E":{"vr":"UI","Value":["1.2.3.4"]},"00080060":{"vr":"CS","Value":["NM"]},
            "00200011":{"vr":"IS","Value":[7]},"00201209":{"vr":"IS","Value":["64"]}}]"#;
        let s = parse_series(se).unwrap();
        assert_eq!(s[0].1.modality.as_deref(), Some("NM"));
        assert_eq!((s[0].1.number, s[0].1.instances), (Some(7), Some(64)));
        assert!(parse_studies(b"").unwrap().is_empty());
    }

    #[test]
    fn wrong_shapes_are_named() {
        assert!(parse_studies(b"<html>").unwrap_err().contains("not JSON"));
        assert!(
            parse_studies(b"{}")
                .unwrap_err()
                .contains("expected an array")
        );
        assert!(parse_studies(b"[{}]").unwrap_err().contains("0020000D"));
        assert!(
            parse_studies(br#"[{"0020000D":{"Value":["x; rm"]}}]"#)
                .unwrap_err()
                .contains("not a UID")
        );
    }

    #[test]
    fn stow_failures() {
        let body = br#"{"00081198":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2"]},
            "00081197":{"vr":"US","Value":[43264]}}]},
            "00081199":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.3"]}}]}}"#;
        let a = parse_stow(body).unwrap();
        assert_eq!(a.stored, vec!["1.3"]);
        // 43264 = 0xA900.
        assert_eq!(a.failed, vec![("1.2".to_owned(), Some(0xA900))]);
        assert_eq!(
            failure_reason_text(0xA900),
            "error: data set does not match SOP class"
        );
    }
}
