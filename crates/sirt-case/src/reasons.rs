//! The reasons a case file gives for entering a value the images also measure:
//! `mapping.lsf_reason`, `injections[].lsf_reason`, `injections[].perfused_volume_reason` and
//! `injections[].tumours[].tnr_reason` (docs/case-format.md, "Measured inputs"). A reason stands
//! beside its value: it must not be empty, and the value it explains must be in the file. The
//! plan report prints it beside the entered and the measured value.

use crate::CaseError;

/// A reason's text checked: not empty, and its value present.
fn check_one(
    file: &str,
    field: String,
    reason: Option<&str>,
    value_present: bool,
) -> Result<(), CaseError> {
    let Some(reason) = reason else {
        return Ok(());
    };
    let invalid = |expected: &str, found: String| CaseError::Invalid {
        file: file.to_owned(),
        field: field.clone(),
        expected: expected.to_owned(),
        found,
    };
    if reason.trim().is_empty() {
        return Err(invalid(
            "a reason in words (why the entered value is used instead of the measured one)",
            "an empty text".to_owned(),
        ));
    }
    if !value_present {
        let value = field.trim_end_matches("_reason");
        return Err(invalid(
            &format!("`{value}` beside its reason (a reason explains an entered value)"),
            format!("no `{value}`"),
        ));
    }
    Ok(())
}

/// A string of a key of a TOML table (a reason that is not a string is left to the typed read,
/// which refuses it naming its type).
fn text_of<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(toml::Value::as_str)
}

/// The tables of an array of tables (`injections`, `tumours`).
fn tables<'a>(t: &'a toml::Table, key: &str) -> impl Iterator<Item = &'a toml::Table> {
    t.get(key)
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
}

/// Checks every reason of the case file as written (`table`: its TOML, before any value left
/// out is filled in by a placeholder or a measurement, so that "its value present" means "the
/// file enters it").
pub(crate) fn check(table: &toml::Table, file: &str) -> Result<(), CaseError> {
    if let Some(m) = table.get("mapping").and_then(toml::Value::as_table) {
        check_one(
            file,
            "mapping.lsf_reason".into(),
            text_of(m, "lsf_reason"),
            m.contains_key("lsf"),
        )?;
    }
    for (n, inj) in tables(table, "injections").enumerate() {
        check_one(
            file,
            format!("injections[{n}].lsf_reason"),
            text_of(inj, "lsf_reason"),
            inj.contains_key("lsf"),
        )?;
        check_one(
            file,
            format!("injections[{n}].perfused_volume_reason"),
            text_of(inj, "perfused_volume_reason"),
            inj.contains_key("perfused_volume"),
        )?;
        for (m, share) in tables(inj, "tumours").enumerate() {
            check_one(
                file,
                format!("injections[{n}].tumours[{m}].tnr_reason"),
                text_of(share, "tnr_reason"),
                share.contains_key("tnr"),
            )?;
        }
    }
    Ok(())
}
