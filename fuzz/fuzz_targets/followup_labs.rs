//! Follow-up input of the web application on arbitrary UTF-8: the text as the value of every
//! laboratory key (`sirt_clinical::read_lab_entry`, the `sirt-units` parser), as a CTCAE term
//! (`sirt_server::followup_input::check_term`), and, where it is JSON, as a visit's `labs`
//! (`check_labs`, the body of `POST /api/cases/{id}/followups`) and as a stored row read back
//! (`read_stored_labs`, legacy rows included). Must return `Ok` or `Err`, never panic; what
//! `check_labs` accepts must read back whole, and an entry's text must read back to the same entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_clinical::{LAB_KEYS, LabInput, LabKind, read_lab_entry};
use sirt_server::followup_input::{check_labs, check_term, read_stored_labs};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for key in LAB_KEYS {
        let Some(kind) = LabKind::of_lab_key(key) else {
            continue;
        };
        match read_lab_entry(kind, &LabInput::from(text)) {
            Ok(e) => {
                assert!(e.value.is_finite() && e.normalised.value.is_finite());
                assert_eq!(read_lab_entry(kind, &e.to_input()), Ok(e));
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    match check_term(text) {
        Ok(t) => assert!(t.term.eq_ignore_ascii_case(text.trim())),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    match check_labs(Some(&value)) {
        Ok(stored) => {
            let back = read_stored_labs(&stored);
            assert!(back.unreadable.is_empty(), "{:?}", back.unreadable);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let serde_json::Value::Object(m) = &value {
        let _ = read_stored_labs(m);
    }
});
