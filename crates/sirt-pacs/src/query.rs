//! What a search asks for (patient, study, accession, modality, date range) and what it finds
//! (studies with their series).

use serde::Serialize;

/// A study date or an inclusive range of them, `YYYYMMDD` or `YYYYMMDD-YYYYMMDD` (PS3.4
/// §C.2.2.2.5, range matching; the same text in QIDO-RS, PS3.18 §8.3.4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateRange {
    from: String,
    to: String,
}

impl DateRange {
    /// Reads `YYYYMMDD` or `YYYYMMDD-YYYYMMDD` (the first not after the second).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (from, to) = s.split_once('-').unwrap_or((s, s));
        for d in [from, to] {
            if !is_date(d) {
                return Err(format!(
                    "date {s:?}: expected YYYYMMDD or YYYYMMDD-YYYYMMDD, found {d:?}"
                ));
            }
        }
        if from > to {
            return Err(format!("date range {s:?}: {from} is after {to}"));
        }
        Ok(Self {
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    /// The matching key: `YYYYMMDD` for one day, else `YYYYMMDD-YYYYMMDD`.
    pub fn key(&self) -> String {
        if self.from == self.to {
            self.from.clone()
        } else {
            format!("{}-{}", self.from, self.to)
        }
    }
}

/// A calendar date `YYYYMMDD` with a month 1–12 and a day 1–31.
fn is_date(d: &str) -> bool {
    d.len() == 8
        && d.bytes().all(|b| b.is_ascii_digit())
        && matches!(d[4..6].parse::<u8>(), Ok(1..=12))
        && matches!(d[6..8].parse::<u8>(), Ok(1..=31))
}

/// The longest Patient's Name searched: 64 characters per component group (PS3.5 §6.2, VR
/// PN), the alphabetic group only.
pub const PATIENT_NAME_MAX: usize = 64;

/// A study search: every given key must match (universal matching for the others).
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Patient ID (0010,0020).
    pub patient_id: Option<String>,
    /// Patient's Name (0010,0010): `FAMILY^GIVEN`, with the wild cards `*` and `?` allowed
    /// (PS3.4 §C.2.2.2.4; a name is seldom known to the letter).
    pub patient_name: Option<String>,
    /// Study Instance UID (0020,000D).
    pub study_uid: Option<String>,
    /// Accession Number (0008,0050).
    pub accession: Option<String>,
    /// A modality of the series wanted (Modalities in Study, 0008,0061, at study level;
    /// Modality, 0008,0060, at series level).
    pub modality: Option<String>,
    /// Study Date (0008,0020).
    pub date: Option<DateRange>,
}

impl Query {
    /// Refuses values that would change the matching: wildcards `*` `?` and backslashes
    /// (PS3.4 §C.2.2.2.4 wild card matching; `\` separates values) in the keys, which are
    /// single-value matches here.
    pub fn check(&self) -> Result<(), String> {
        let keys = [
            ("patient id", &self.patient_id),
            ("study UID", &self.study_uid),
            ("accession", &self.accession),
            ("modality", &self.modality),
        ];
        for (name, v) in keys {
            let bad = |v: &String| {
                v.is_empty()
                    || v.contains(['*', '?', '\\', '&', '#'])
                    || v.chars().any(char::is_control)
            };
            if let Some(v) = v.as_ref().filter(|v| bad(v)) {
                return Err(format!(
                    "{name} {v:?}: expected one exact value (no wildcard *, ?, no \\, & or #)"
                ));
            }
        }
        if let Some(v) = &self.patient_name {
            let bad = v.trim().is_empty()
                || v.contains(['\\', '&', '#'])
                || v.chars().any(char::is_control)
                || v.chars().count() > PATIENT_NAME_MAX;
            if bad {
                return Err(format!(
                    "patient name {v:?}: expected one name of at most {PATIENT_NAME_MAX} characters (FAMILY^GIVEN, wild cards * and ? allowed; no \\, & or #)"
                ));
            }
        }
        Ok(())
    }
}

/// One study found.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StudyHit {
    /// Study Instance UID.
    pub study_uid: String,
    /// Patient ID.
    pub patient_id: Option<String>,
    /// Patient's Name (as the node returned it).
    pub patient_name: Option<String>,
    /// Study Date.
    pub study_date: Option<String>,
    /// Accession Number.
    pub accession: Option<String>,
    /// Study Description.
    pub description: Option<String>,
    /// Its series (those matching the modality when one was asked).
    pub series: Vec<SeriesHit>,
}

/// One series found.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SeriesHit {
    /// Series Instance UID.
    pub series_uid: String,
    /// Modality.
    pub modality: Option<String>,
    /// Series Number.
    pub number: Option<i64>,
    /// Series Description.
    pub description: Option<String>,
    /// Number of Series Related Instances, when the node says.
    pub instances: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(DateRange::parse("20250115").unwrap().key(), "20250115");
        assert_eq!(
            DateRange::parse("20250101-20250131").unwrap().key(),
            "20250101-20250131"
        );
        for bad in [
            "2025011",
            "20251301",
            "20250132",
            "20250201-20250101",
            "2025-01-15",
            "",
        ] {
            assert!(DateRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcards_refused() {
        let q = Query {
            patient_id: Some("PAT*".into()),
            ..Query::default()
        };
        assert!(q.check().unwrap_err().contains("patient id"));
    }
}
