//! Splitting "3.2 GBq" into a number and a unit, and the error a person reads when that fails.

use thiserror::Error;

/// Why a text could not be read as a quantity.
///
/// Every message quotes the text that was found and says what was expected, so that the
/// caller (which knows the file and field) can prefix it and hand it to a person as is.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParseQuantityError {
    /// The text was empty or only white space.
    #[error("expected {what} with a unit (e.g. \"{example}\"), found an empty value")]
    Empty {
        /// What kind of quantity was expected ("an activity").
        what: &'static str,
        /// An example of a valid value.
        example: &'static str,
    },
    /// The text did not start with a number.
    #[error(
        "expected {what} such as \"{example}\", found \"{input}\" (it does not start with a number)"
    )]
    BadNumber {
        /// The text as found.
        input: String,
        /// What kind of quantity was expected.
        what: &'static str,
        /// An example of a valid value.
        example: &'static str,
    },
    /// A number without any unit.
    #[error(
        "expected {what} with a unit ({units}), e.g. \"{example}\"; found the bare number \"{input}\""
    )]
    MissingUnit {
        /// The text as found.
        input: String,
        /// What kind of quantity was expected.
        what: &'static str,
        /// The accepted unit symbols, comma separated.
        units: String,
        /// An example of a valid value.
        example: &'static str,
    },
    /// A unit that this quantity does not accept (including a unit of another quantity).
    #[error("\"{input}\": unit \"{unit}\" is not a unit of {what}; accepted units: {units}")]
    UnknownUnit {
        /// The text as found.
        input: String,
        /// The unit part as found.
        unit: String,
        /// What kind of quantity was expected.
        what: &'static str,
        /// The accepted unit symbols, comma separated.
        units: String,
    },
    /// A finite value whose conversion to the base unit overflows.
    #[error("\"{input}\": {what} too large to represent")]
    TooLarge {
        /// The text as found.
        input: String,
        /// What kind of quantity was expected.
        what: &'static str,
    },
    /// A value that is negative (where that is meaningless), infinite or not a number.
    #[error("\"{input}\": {what} must be a finite, non-negative number")]
    OutOfRange {
        /// The text as found.
        input: String,
        /// What kind of quantity was expected.
        what: &'static str,
    },
}

/// A unit symbol and the factor that converts one of it to the quantity's base unit.
pub type UnitTable = &'static [(&'static str, f64)];

/// Splits "3.2 GBq" into (3.2, "GBq"). The unit part is trimmed; it may be empty.
fn split_number(input: &str) -> Option<(f64, &str)> {
    let s = input.trim();
    let bytes = s.as_bytes();
    let mut end = 0;
    let mut seen_digit = false;
    if end < bytes.len() && (bytes[end] == b'+' || bytes[end] == b'-') {
        end += 1;
    }
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
        seen_digit = true;
    }
    if end < bytes.len() && bytes[end] == b'.' {
        end += 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
            seen_digit = true;
        }
    }
    if !seen_digit {
        return None;
    }
    // Exponent: only when followed by digits, so that "5 e" is not eaten.
    if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
        let mut k = end + 1;
        if k < bytes.len() && (bytes[k] == b'+' || bytes[k] == b'-') {
            k += 1;
        }
        let digits_start = k;
        while k < bytes.len() && bytes[k].is_ascii_digit() {
            k += 1;
        }
        if k > digits_start {
            end = k;
        }
    }
    let value: f64 = s[..end].parse().ok()?;
    Some((value, s[end..].trim()))
}

/// Parses a non-negative finite quantity into its base unit using `units`.
pub(crate) fn parse_with_units(
    input: &str,
    units: UnitTable,
    what: &'static str,
    example: &'static str,
    signed: bool,
) -> Result<f64, ParseQuantityError> {
    parse_with_unit_index(input, units, what, example, signed).map(|(v, _)| v)
}

/// Parses "value unit" (a finite number, then one of the symbols of `units`; negative values only
/// when `signed`): the value in the base unit and the index in `units` of the symbol written, for
/// quantities that keep the unit they were given in (lab values in other crates).
pub fn parse_with_unit_index(
    input: &str,
    units: UnitTable,
    what: &'static str,
    example: &'static str,
    signed: bool,
) -> Result<(f64, usize), ParseQuantityError> {
    if input.trim().is_empty() {
        return Err(ParseQuantityError::Empty { what, example });
    }
    let Some((value, unit)) = split_number(input) else {
        return Err(ParseQuantityError::BadNumber {
            input: input.to_owned(),
            what,
            example,
        });
    };
    let list = || units.iter().map(|(u, _)| *u).collect::<Vec<_>>().join(", ");
    if unit.is_empty() {
        return Err(ParseQuantityError::MissingUnit {
            input: input.to_owned(),
            what,
            units: list(),
            example,
        });
    }
    let Some(index) = units.iter().position(|(u, _)| *u == unit) else {
        return Err(ParseQuantityError::UnknownUnit {
            input: input.to_owned(),
            unit: unit.to_owned(),
            what,
            units: list(),
        });
    };
    let base = value * units[index].1;
    if value.is_finite() && !base.is_finite() {
        return Err(ParseQuantityError::TooLarge {
            input: input.to_owned(),
            what,
        });
    }
    if !base.is_finite() || (!signed && base < 0.0) {
        return Err(ParseQuantityError::OutOfRange {
            input: input.to_owned(),
            what,
        });
    }
    Ok((base, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNITS: UnitTable = &[("kg", 1.0), ("g", 1e-3)];

    #[test]
    fn splits_numbers_and_units() {
        assert_eq!(split_number("3.2 GBq"), Some((3.2, "GBq")));
        assert_eq!(split_number("3.2GBq"), Some((3.2, "GBq")));
        assert_eq!(split_number("  .5 mL "), Some((0.5, "mL")));
        assert_eq!(split_number("1e3 g"), Some((1000.0, "g")));
        assert_eq!(split_number("2 e"), Some((2.0, "e")));
        assert_eq!(split_number("GBq"), None);
        assert_eq!(split_number("."), None);
    }

    #[test]
    fn rejects_bare_numbers_and_foreign_units() {
        assert!(matches!(
            parse_with_units("1.5", UNITS, "a mass", "1.5 kg", false),
            Err(ParseQuantityError::MissingUnit { .. })
        ));
        assert!(matches!(
            parse_with_units("1.5 GBq", UNITS, "a mass", "1.5 kg", false),
            Err(ParseQuantityError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_with_units("1.5 kg 3 g", UNITS, "a mass", "1.5 kg", false),
            Err(ParseQuantityError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_with_units("-1 kg", UNITS, "a mass", "1.5 kg", false),
            Err(ParseQuantityError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_with_units("", UNITS, "a mass", "1.5 kg", false),
            Err(ParseQuantityError::Empty { .. })
        ));
    }

    #[test]
    fn error_messages_quote_the_input() {
        let e = parse_with_units("1.5", UNITS, "a mass", "1.5 kg", false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a mass with a unit (kg, g), e.g. \"1.5 kg\"; found the bare number \"1.5\""
        );
    }
}
