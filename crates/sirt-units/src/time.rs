//! Instants with their time zone. A decay needs a date, a time and a zone: anything less is refused.

use crate::TimeSpan;
use jiff::fmt::temporal::{DateTimeParser, Pieces, PiecesOffset};
use jiff::tz::Disambiguation;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Why a text could not be read as an instant.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParseInstantError {
    /// Date and time without an offset or zone: the instant is ambiguous.
    #[error(
        "\"{input}\" has no time zone; write the offset or the zone, e.g. \
         \"2026-03-04T10:00:00+01:00\" or \"2026-03-04T10:00:00[Europe/Paris]\""
    )]
    MissingZone {
        /// The text as found.
        input: String,
    },
    /// A date without a time of day.
    #[error(
        "\"{input}\" has no time of day; a decay needs date, time and zone, e.g. \"2026-03-04T10:00:00+01:00\""
    )]
    MissingTime {
        /// The text as found.
        input: String,
    },
    /// A local time that does not exist or exists twice in its zone (daylight-saving change).
    #[error(
        "\"{input}\" falls in a daylight-saving change of its zone (the local time does not exist \
         or exists twice); write the offset too, e.g. \"2026-10-25T02:30:00+01:00[Europe/Paris]\" ({reason})"
    )]
    Ambiguous {
        /// The text as found.
        input: String,
        /// What the date-time parser said.
        reason: String,
    },
    /// Not an RFC 3339 / RFC 9557 date-time at all, or an offset that contradicts its zone.
    #[error(
        "\"{input}\" is not a date-time with zone (RFC 3339 / RFC 9557, e.g. \"2026-03-04T10:00:00+01:00\"): {reason}"
    )]
    Invalid {
        /// The text as found.
        input: String,
        /// What the date-time parser said.
        reason: String,
    },
}

/// An instant on the time line together with the zone it was given in (kept for printing).
///
/// ```
/// use sirt_units::Instant;
/// let a: Instant = "2026-03-01T12:00:00-05:00".parse().unwrap();
/// let b: Instant = "2026-03-04T09:00:00-05:00".parse().unwrap();
/// assert_eq!(b.since(&a).hours(), 69.0);
/// assert!("2026-03-01T12:00:00".parse::<Instant>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    zoned: ZonedDateTime,
}

impl Instant {
    /// Wraps a zoned date-time.
    pub fn from_zoned(zoned: ZonedDateTime) -> Self {
        Self { zoned }
    }

    /// The zoned date-time.
    pub fn zoned(&self) -> &ZonedDateTime {
        &self.zoned
    }

    /// The instant as reports print it, "2026-03-05 10:00 +01:00": date, time to the minute and
    /// UTC offset, in its own zone (one format for every instant a person reads).
    pub fn report_text(&self) -> String {
        self.zoned.strftime("%Y-%m-%d %H:%M %:z").to_string()
    }

    /// The absolute instant.
    pub fn timestamp(&self) -> Timestamp {
        self.zoned.timestamp()
    }

    /// Time elapsed from `earlier` to `self` (negative when `earlier` is later).
    pub fn since(&self, earlier: &Instant) -> TimeSpan {
        let d = self.timestamp().duration_since(earlier.timestamp());
        TimeSpan::from_seconds(d.as_secs_f64())
    }

    /// This instant shifted by a span (rounded to the nanosecond), in the same zone.
    ///
    /// Returns `None` when the result falls outside the representable range of years.
    pub fn plus(&self, span: TimeSpan) -> Option<Instant> {
        let nanos = (span.seconds() * 1e9).round();
        if !nanos.is_finite() || nanos.abs() > 9.0e18 {
            return None;
        }
        let d = jiff::SignedDuration::from_nanos(nanos as i64);
        self.zoned.checked_add(d).ok().map(Instant::from_zoned)
    }

    /// The same instant printed in another zone.
    pub fn in_zone(&self, tz: TimeZone) -> Instant {
        Instant::from_zoned(self.timestamp().to_zoned_datetime(tz))
    }
}

impl FromStr for Instant {
    type Err = ParseInstantError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        let invalid = |reason: String| ParseInstantError::Invalid {
            input: input.to_owned(),
            reason,
        };
        let pieces = Pieces::parse(input).map_err(|e| invalid(e.to_string()))?;
        if pieces.time().is_none() {
            return Err(ParseInstantError::MissingTime {
                input: input.to_owned(),
            });
        }
        if pieces.time_zone_annotation().is_some() {
            // A bracketed zone: jiff checks a written offset against the zone's rules, and a
            // local time that falls in a daylight-saving gap or overlap is refused rather than
            // moved: the person must write the offset they mean.
            return DateTimeParser::new()
                .disambiguation(Disambiguation::Reject)
                .parse_zoned_datetime(input)
                .map(Instant::from_zoned)
                .map_err(|e| {
                    if pieces.offset().is_none() {
                        ParseInstantError::Ambiguous {
                            input: input.to_owned(),
                            reason: e.to_string(),
                        }
                    } else {
                        invalid(e.to_string())
                    }
                });
        }
        let tz = match pieces.offset() {
            None => {
                return Err(ParseInstantError::MissingZone {
                    input: input.to_owned(),
                });
            }
            Some(PiecesOffset::Zulu) => TimeZone::UTC,
            Some(PiecesOffset::Numeric(n)) => TimeZone::fixed(n.offset()),
            Some(_) => {
                // "-00:00" style unknown local offset (RFC 9557): not an instant we can use.
                return Err(ParseInstantError::MissingZone {
                    input: input.to_owned(),
                });
            }
        };
        let ts: Timestamp = input
            .parse()
            .map_err(|e: jiff::Error| invalid(e.to_string()))?;
        Ok(Instant::from_zoned(ts.to_zoned_datetime(tz)))
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 with offset; the zone name in brackets when the instant carries one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let z = &self.zoned;
        let base = z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
        match z.time_zone().iana_name() {
            Some(name) => write!(f, "{base}[{name}]"),
            None => write!(f, "{base}"),
        }
    }
}

impl serde::Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "a date-time with zone as a string, e.g. \"2026-03-04T10:00:00+01:00\""
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Instant, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_zones() {
        let a: Instant = "2026-03-04T10:00:00+01:00".parse().unwrap();
        let b: Instant = "2026-03-04T10:00:00[Europe/Paris]".parse().unwrap();
        assert_eq!(a.timestamp(), b.timestamp());
        let z: Instant = "2026-03-04T09:00:00Z".parse().unwrap();
        assert_eq!(z.timestamp(), a.timestamp());
        assert_eq!(b.to_string(), "2026-03-04T10:00:00+01:00[Europe/Paris]");
        assert_eq!(a.to_string(), "2026-03-04T10:00:00+01:00");
    }

    #[test]
    fn daylight_saving_is_respected() {
        // Paris switches to summer time on 2026-03-29: 48 h of wall clock are 47 h of time.
        let a: Instant = "2026-03-28T10:00:00[Europe/Paris]".parse().unwrap();
        let b: Instant = "2026-03-30T10:00:00[Europe/Paris]".parse().unwrap();
        assert_eq!(b.since(&a).hours(), 47.0);
    }

    #[test]
    fn incomplete_instants_are_refused() {
        assert!(matches!(
            "2026-03-04T10:00:00".parse::<Instant>(),
            Err(ParseInstantError::MissingZone { .. })
        ));
        assert!(matches!(
            "2026-03-04".parse::<Instant>(),
            Err(ParseInstantError::MissingTime { .. })
        ));
        assert!(matches!(
            "next tuesday".parse::<Instant>(),
            Err(ParseInstantError::Invalid { .. })
        ));
        // An offset that contradicts the zone's rules.
        assert!(
            "2026-03-04T10:00:00+05:00[Europe/Paris]"
                .parse::<Instant>()
                .is_err()
        );
    }

    #[test]
    fn plus_and_since_compose() {
        let a: Instant = "2026-03-01T12:00:00-05:00".parse().unwrap();
        let b = a.plus(TimeSpan::from_hours(64.1)).unwrap();
        assert!((b.since(&a).hours() - 64.1).abs() < 1e-9);
    }
}
