//! DICOM dates and times with their UTC offset when the object states one.
//!
//! A DICOM DA/TM/DT value carries no zone. The offset comes from the value itself (a DT may end
//! with `&ZZXX`, e.g. `20240301103000+0100`) or from Timezone Offset From UTC (0008,0201), which
//! applies to every date and time of the object that has no offset of its own. When neither is
//! present the zone is [`DicomZone::Unknown`]: the civil date and time are kept and no instant is
//! made up ([`DicomDateTime::instant`] returns [`ZoneUnknown`]).

use std::fmt;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use sirt_units::Instant;

use crate::DicomError;
use crate::file::Attrs;

/// Timezone Offset From UTC (0008,0201).
const TIMEZONE_OFFSET_FROM_UTC: Tag = Tag(0x0008, 0x0201);

/// Where a stated UTC offset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OffsetSource {
    /// The `&ZZXX` suffix of the DT value itself.
    ValueSuffix,
    /// Timezone Offset From UTC (0008,0201) of the object.
    TimezoneOffsetFromUtc,
}

/// The zone of a DICOM date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DicomZone {
    /// A stated offset from UTC.
    Offset {
        /// Seconds east of UTC (e.g. 3600 for `+0100`).
        seconds: i32,
        /// Where it was stated.
        source: OffsetSource,
    },
    /// No offset stated: the instant is unknown (the civil time is local to an unknown zone).
    Unknown,
}

/// A date and time as written in the object, with its zone when stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DicomDateTime {
    /// The civil date and time as written (local to `zone`).
    pub civil: DateTime,
    /// The UTC offset, or [`DicomZone::Unknown`].
    pub zone: DicomZone,
}

/// The instant of a [`DicomDateTime`] whose zone is unknown was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{civil}: no UTC offset is stated (neither Timezone Offset From UTC (0008,0201) nor an offset \
     in the value), so the instant is unknown"
)]
pub struct ZoneUnknown {
    /// The civil date and time.
    pub civil: DateTime,
}

/// How an elapsed time between two [`DicomDateTime`]s was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ElapsedBasis {
    /// Both offsets known: the difference of two instants.
    Absolute,
    /// At least one zone unknown: the difference of the civil times, assuming both were read on
    /// the same local clock (wrong by the shift if a daylight-saving change lies between them).
    SameLocalClock,
}

/// Time elapsed from one [`DicomDateTime`] to another.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Elapsed {
    /// Seconds (negative when the `earlier` one is later).
    pub seconds: f64,
    /// How it was obtained.
    pub basis: ElapsedBasis,
}

impl DicomDateTime {
    /// The instant, when the offset is known.
    pub fn instant(&self) -> Result<Instant, ZoneUnknown> {
        let DicomZone::Offset { seconds, .. } = self.zone else {
            return Err(ZoneUnknown { civil: self.civil });
        };
        let offset =
            Offset::from_seconds(seconds).map_err(|_| ZoneUnknown { civil: self.civil })?;
        self.civil
            .to_zoned_datetime(TimeZone::fixed(offset))
            .map(Instant::from_zoned)
            .map_err(|_| ZoneUnknown { civil: self.civil })
    }

    /// Time from `earlier` to `self`; see [`ElapsedBasis`].
    pub fn elapsed_since(&self, earlier: &DicomDateTime) -> Elapsed {
        if let (Ok(a), Ok(b)) = (self.instant(), earlier.instant()) {
            return Elapsed {
                seconds: a.since(&b).seconds(),
                basis: ElapsedBasis::Absolute,
            };
        }
        Elapsed {
            seconds: self.civil.duration_since(earlier.civil).as_secs_f64(),
            basis: ElapsedBasis::SameLocalClock,
        }
    }
}

impl fmt::Display for DicomDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.zone {
            DicomZone::Offset { seconds, .. } => {
                let sign = if seconds < 0 { '-' } else { '+' };
                let a = seconds.unsigned_abs();
                write!(
                    f,
                    "{}{sign}{:02}:{:02}",
                    self.civil,
                    a / 3600,
                    (a % 3600) / 60
                )
            }
            DicomZone::Unknown => write!(f, "{} (zone unknown)", self.civil),
        }
    }
}

/// Digits of `s` as a number; `None` unless all are ASCII digits.
fn num(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A DA value `YYYYMMDD` (or the old `YYYY.MM.DD`) → (year, month, day).
fn parse_date(s: &str) -> Result<(i16, i8, i8), String> {
    let t: String = s.chars().filter(|c| *c != '.').collect();
    if t.len() != 8 || !t.is_ascii() {
        return Err(format!("\"{s}\" is not a date YYYYMMDD"));
    }
    let (Some(y), Some(m), Some(d)) = (num(&t[0..4]), num(&t[4..6]), num(&t[6..8])) else {
        return Err(format!("\"{s}\" is not a date YYYYMMDD"));
    };
    Ok((y as i16, m as i8, d as i8))
}

/// A TM value `HHMM[SS[.F{1,6}]]` (or the old `HH:MM[:SS[.F]]`) → (h, m, s, ns). An hour alone
/// is refused (too coarse for decay arithmetic); a leap second 60 reads as 59.999999999.
fn parse_time(s: &str) -> Result<(i8, i8, i8, i32), String> {
    let bad = || format!("\"{s}\" is not a time HHMM[SS[.FFFFFF]]");
    let t: String = s.chars().filter(|c| *c != ':').collect();
    if !t.is_ascii() {
        return Err(bad());
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t.as_str(), None),
    };
    if !(whole.len() == 4 || whole.len() == 6) {
        if whole.len() == 2 {
            return Err(format!(
                "\"{s}\" gives the hour only, too coarse for decay arithmetic"
            ));
        }
        return Err(bad());
    }
    let h = num(&whole[0..2]).ok_or_else(bad)?;
    let m = num(&whole[2..4]).ok_or_else(bad)?;
    let sec = if whole.len() == 6 {
        num(&whole[4..6]).ok_or_else(bad)?
    } else {
        0
    };
    let mut ns = 0i32;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let digits = num(f).ok_or_else(bad)?;
        ns = digits * 10i32.pow(9 - f.len() as u32);
    }
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..=60).contains(&sec) {
        return Err(bad());
    }
    if sec == 60 {
        return Ok((h as i8, m as i8, 59, 999_999_999));
    }
    Ok((h as i8, m as i8, sec as i8, ns))
}

/// An offset `+HHMM` / `-HHMM` → seconds east of UTC, within −12:00 … +14:00.
fn parse_offset(s: &str) -> Result<i32, String> {
    let bad = || format!("\"{s}\" is not a UTC offset &ZZXX (e.g. +0100)");
    let b = s.as_bytes();
    if b.len() != 5 || !s.is_ascii() {
        return Err(bad());
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(bad()),
    };
    let hh = num(&s[1..3]).ok_or_else(bad)?;
    let mm = num(&s[3..5]).ok_or_else(bad)?;
    if mm >= 60 {
        return Err(bad());
    }
    let secs = sign * (hh * 3600 + mm * 60);
    if !(-12 * 3600..=14 * 3600).contains(&secs) {
        return Err(format!("{s} is outside −12:00 … +14:00"));
    }
    Ok(secs)
}

fn civil(date: (i16, i8, i8), time: (i8, i8, i8, i32), raw: &str) -> Result<DateTime, String> {
    DateTime::new(date.0, date.1, date.2, time.0, time.1, time.2, time.3)
        .map_err(|e| format!("\"{raw}\" is not a valid date and time ({e})"))
}

/// A DT value `YYYYMMDDHHMM[SS[.F]][&ZZXX]` → civil time and its own offset. A date without a
/// time of day (or with the hour only) is refused.
fn parse_dt(s: &str) -> Result<(DateTime, Option<i32>), String> {
    let (body, offset) = match s.get(8..).and_then(|t| t.rfind(['+', '-'])) {
        Some(p) => (&s[..8 + p], Some(parse_offset(&s[8 + p..])?)),
        None => (s, None),
    };
    if body.len() < 8 || !body.is_char_boundary(8) {
        return Err(format!(
            "\"{s}\" has no full date YYYYMMDD (too coarse for decay arithmetic)"
        ));
    }
    let date = parse_date(&body[..8])?;
    if body.len() == 8 {
        return Err(format!(
            "\"{s}\" has no time of day (too coarse for decay arithmetic)"
        ));
    }
    let time = parse_time(&body[8..])?;
    Ok((civil(date, time, s)?, offset))
}

/// Timezone Offset From UTC (0008,0201) of an object, in seconds, when present.
pub(crate) fn timezone_offset(a: Attrs<'_>) -> Result<Option<i32>, DicomError> {
    match a.opt_str(TIMEZONE_OFFSET_FROM_UTC) {
        None => Ok(None),
        Some(s) => parse_offset(&s)
            .map(Some)
            .map_err(|reason| DicomError::InvalidAttribute {
                file: a.path.to_path_buf(),
                attribute: "Timezone Offset From UTC (0008,0201)",
                reason,
            }),
    }
}

fn zone_of(own: Option<i32>, object: Option<i32>) -> DicomZone {
    match (own, object) {
        (Some(seconds), _) => DicomZone::Offset {
            seconds,
            source: OffsetSource::ValueSuffix,
        },
        (None, Some(seconds)) => DicomZone::Offset {
            seconds,
            source: OffsetSource::TimezoneOffsetFromUtc,
        },
        (None, None) => DicomZone::Unknown,
    }
}

/// Which attributes hold one date and time: a DT, or a DA and a TM.
pub(crate) struct DateTimeTags {
    pub datetime: Option<(Tag, &'static str)>,
    pub date: Option<(Tag, &'static str)>,
    pub time: (Tag, &'static str),
}

/// Acquisition DateTime (0008,002A), else Acquisition Date + Time.
pub(crate) const ACQUISITION: DateTimeTags = DateTimeTags {
    datetime: Some((
        tags::ACQUISITION_DATE_TIME,
        "Acquisition DateTime (0008,002A)",
    )),
    date: Some((tags::ACQUISITION_DATE, "Acquisition Date (0008,0022)")),
    time: (tags::ACQUISITION_TIME, "Acquisition Time (0008,0032)"),
};

/// Series Date + Series Time.
pub(crate) const SERIES: DateTimeTags = DateTimeTags {
    datetime: None,
    date: Some((tags::SERIES_DATE, "Series Date (0008,0021)")),
    time: (tags::SERIES_TIME, "Series Time (0008,0031)"),
};

/// A date and time from `a` (the DT when present, else DA + TM), with the object's offset
/// `tz` (from [`timezone_offset`]) when the value has none. `Ok(None)` when absent; when only
/// the time is present, `Ok(None)` too (see [`read_time_only`]).
pub(crate) fn read_datetime(
    a: Attrs<'_>,
    tags: &DateTimeTags,
    tz: Option<i32>,
) -> Result<Option<DicomDateTime>, DicomError> {
    let invalid = |attribute: &'static str, reason: String| DicomError::InvalidAttribute {
        file: a.path.to_path_buf(),
        attribute,
        reason,
    };
    if let Some((tag, name)) = tags.datetime
        && let Some(s) = a.opt_str(tag)
    {
        let (civil, own) = parse_dt(&s).map_err(|r| invalid(name, r))?;
        return Ok(Some(DicomDateTime {
            civil,
            zone: zone_of(own, tz),
        }));
    }
    let Some((dtag, dname)) = tags.date else {
        return Ok(None);
    };
    let (Some(d), Some(t)) = (a.opt_str(dtag), a.opt_str(tags.time.0)) else {
        return Ok(None);
    };
    let date = parse_date(&d).map_err(|r| invalid(dname, r))?;
    let time = parse_time(&t).map_err(|r| invalid(tags.time.1, r))?;
    let civil = civil(date, time, &format!("{d} {t}")).map_err(|r| invalid(dname, r))?;
    Ok(Some(DicomDateTime {
        civil,
        zone: zone_of(None, tz),
    }))
}

/// A TM attribute alone, combined with the date of `on` (the same day); the day before when that
/// would put it after `on` (a time before midnight and `on` after it). `Ok(None)` when absent.
pub(crate) fn read_time_only(
    a: Attrs<'_>,
    time: (Tag, &'static str),
    on: &DicomDateTime,
) -> Result<Option<DicomDateTime>, DicomError> {
    let Some(t) = a.opt_str(time.0) else {
        return Ok(None);
    };
    let invalid = |reason: String| DicomError::InvalidAttribute {
        file: a.path.to_path_buf(),
        attribute: time.1,
        reason,
    };
    let (h, m, s, ns) = parse_time(&t).map_err(&invalid)?;
    let tod = jiff::civil::Time::new(h, m, s, ns)
        .map_err(|e| invalid(format!("\"{t}\" is not a time of day ({e})")))?;
    let date = on.civil.date();
    let mut civil = date.to_datetime(tod);
    if civil > on.civil {
        civil = date
            .yesterday()
            .map_err(|e| invalid(format!("no day before {date} ({e})")))?
            .to_datetime(tod);
    }
    Ok(Some(DicomDateTime {
        civil,
        zone: on.zone,
    }))
}

/// A TM attribute alone, on the date of `after`; the next day when that would put it before
/// `after` (e.g. an administration that ends after midnight). `Ok(None)` when absent.
pub(crate) fn read_time_after(
    a: Attrs<'_>,
    time: (Tag, &'static str),
    after: &DicomDateTime,
) -> Result<Option<DicomDateTime>, DicomError> {
    let Some(t) = a.opt_str(time.0) else {
        return Ok(None);
    };
    let invalid = |reason: String| DicomError::InvalidAttribute {
        file: a.path.to_path_buf(),
        attribute: time.1,
        reason,
    };
    let (h, m, s, ns) = parse_time(&t).map_err(&invalid)?;
    let tod = jiff::civil::Time::new(h, m, s, ns)
        .map_err(|e| invalid(format!("\"{t}\" is not a time of day ({e})")))?;
    let date = after.civil.date();
    let mut civil = date.to_datetime(tod);
    if civil < after.civil {
        civil = date
            .tomorrow()
            .map_err(|e| invalid(format!("no day after {date} ({e})")))?
            .to_datetime(tod);
    }
    Ok(Some(DicomDateTime {
        civil,
        zone: after.zone,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dt_with_and_without_offset() {
        let (c, o) = parse_dt("20240301103005.25+0130").unwrap();
        assert_eq!(c.to_string(), "2024-03-01T10:30:05.25");
        assert_eq!(o, Some(5400));
        let (c, o) = parse_dt("202403011030").unwrap();
        assert_eq!(c.to_string(), "2024-03-01T10:30:00");
        assert_eq!(o, None);
        assert!(parse_dt("20240301").is_err());
        assert!(parse_dt("2024030110").is_err());
        assert!(parse_dt("20240301103000+2500").is_err());
        assert!(parse_dt("20240230103000").is_err());
        assert!(parse_dt("2024-03-01").is_err());
        assert!(parse_dt("").is_err());
        assert!(parse_dt("2024é301103000").is_err());
    }

    #[test]
    fn times_dates_offsets() {
        assert_eq!(parse_time("103005.5").unwrap(), (10, 30, 5, 500_000_000));
        assert_eq!(parse_time("10:30:05").unwrap(), (10, 30, 5, 0));
        assert_eq!(parse_time("235960").unwrap(), (23, 59, 59, 999_999_999));
        assert!(parse_time("10").is_err());
        assert!(parse_time("2460").is_err());
        assert!(parse_time("1030.").is_err());
        assert_eq!(parse_date("2024.03.01").unwrap(), (2024, 3, 1));
        assert_eq!(parse_offset("-0500").unwrap(), -18000);
        assert!(parse_offset("0500").is_err());
        assert!(parse_offset("+0560").is_err());
    }

    #[test]
    fn instants_and_elapsed() {
        let a = DicomDateTime {
            civil: DateTime::new(2024, 3, 1, 10, 0, 0, 0).unwrap(),
            zone: zone_of(None, Some(3600)),
        };
        let b = DicomDateTime {
            civil: DateTime::new(2024, 3, 1, 9, 30, 0, 0).unwrap(),
            zone: zone_of(Some(0), None),
        };
        // 10:00+01:00 is 09:00Z, half an hour before 09:30Z.
        let e = b.elapsed_since(&a);
        assert_eq!((e.seconds, e.basis), (1800.0, ElapsedBasis::Absolute));
        assert_eq!(a.to_string(), "2024-03-01T10:00:00+01:00");
        let u = DicomDateTime {
            civil: a.civil,
            zone: DicomZone::Unknown,
        };
        assert!(u.instant().is_err());
        assert!(u.to_string().ends_with("(zone unknown)"));
        let e = b.elapsed_since(&u);
        assert_eq!(
            (e.seconds, e.basis),
            (-1800.0, ElapsedBasis::SameLocalClock)
        );
    }
}
