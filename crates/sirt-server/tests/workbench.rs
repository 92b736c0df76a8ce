//! Planning from images through the API (issue 16), on SQLite and PostgreSQL (`both!`): a new
//! patient, the digital phantom's DICOM files (`sirt_planning::phantom_dicom::files`, standard
//! preset, seed 1) uploaded as one zip, the series picked for each role, the structures, the
//! measurements and the prescription, to a stored draft plan whose case file carries the volumes
//! of the phantom's ground truth (`GroundTruth`) and leaves out the values the images measure:
//! the plan's result has them measured, with their provenance (the SPECT picked, the masks, the
//! method), the LSF within 5 % of the truth; a TNR changed by a plan parameter says so and moves
//! the activity as the partition model does, recomputed without reading the images; the plan is
//! checked and approved, its report showing the measured inputs; a new case file is measured
//! again. And the refusals:
//! a series of the wrong modality for its role, a SPECT in another frame of reference without a
//! registration, a structure the structures series does not hold, a refused plausibility check
//! not yet accepted, prescription values that do not read, a value left out that nothing can
//! measure (422 naming the field).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{Resp, Session, T};
use serde_json::{Value, json};
use sirt_store::Role;
use std::io::{Cursor, Write};

use common::phantom;

fn dicom_zip() -> &'static [u8] {
    common::phantom_dicom_zip()
}

fn truth_ml(name: &str) -> f64 {
    phantom()
        .truth
        .volumes_ml
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{name} in the phantom's truth"))
}

fn tumour_ids() -> Vec<String> {
    phantom()
        .truth
        .anatomy
        .tumours
        .iter()
        .map(|t| t.id.clone())
        .collect()
}

async fn call(t: &T, s: &Session, m: Method, path: &str, body: Option<Value>) -> Resp {
    t.call(Some(s), m, path, body).await
}

/// The series id of the first series of a modality in the workbench answer.
fn series_of(w: &Value, modality: &str) -> i64 {
    w["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["modality"] == modality)
        .unwrap_or_else(|| panic!("a {modality} series in {}", w["series"]))["id"]
        .as_i64()
        .unwrap()
}

/// Saves a draft; returns the answer.
async fn save(t: &T, s: &Session, case: i64, revision: i64, draft: &Value) -> Resp {
    call(
        t,
        s,
        Method::PUT,
        &format!("/api/cases/{case}/workbench"),
        Some(json!({"revision": revision, "draft": draft})),
    )
    .await
}

/// The prescription of the phantom demo (examples/demo-phantom-case.toml) as a clinician types it.
fn prescription() -> Value {
    json!({
        "weight": "68 kg", "height": "1.65 m", "grade": "G2", "ki67_percent": "8",
        "primary_site": "ileum (small bowel)",
        "device": "therasphere", "residual_fraction": "3 %", "liver_density": "1.05 g/mL",
        "limits": {"whole_liver_ntad_max": "75 Gy", "lung_session_max": "30 Gy", "lung_cumulative_max": "50 Gy"},
        "treatment": {"date": "2025-01-29", "time": "10:00", "zone": "Europe/London"},
        "mapping": {"date": "2025-01-15", "time": "09:00", "zone": "Europe/London"},
    })
}

both!(a_new_patient_goes_from_dicom_images_to_a_plan);
async fn a_new_patient_goes_from_dicom_images_to_a_plan(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    // A new patient (the MRN of the files' Patient ID), its record's sex and birth date (the
    // generated case file is checked against them), and a case.
    let r = call(
        &t,
        &s,
        Method::POST,
        "/api/patients",
        Some(json!({"mrn": "SIRT-PHANTOM-1", "name": "Phantom Wizard", "birth_date": "1963-08-20", "sex": "female"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pid = r.json["id"].as_i64().unwrap();
    let r = call(
        &t,
        &s,
        Method::POST,
        &format!("/api/patients/{pid}/cases"),
        Some(json!({"title": "SIRT work-up from images", "indication": "NET"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let case = r.json["id"].as_i64().unwrap();
    let wb = format!("/api/cases/{case}/workbench");

    // Before any image: an empty draft, nothing to pick, the registration step waits.
    let r = call(&t, &s, Method::GET, &wb, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["revision"], 0);
    assert_eq!(r.json["series"].as_array().unwrap().len(), 0);
    assert_eq!(r.json["registration"]["state"], "incomplete");

    // 1. The upload: one zip of the DICOM folder.
    let r = t
        .call_raw(
            Some(&s),
            Method::POST,
            &format!("/api/patients/{pid}/studies?filename=phantom.zip"),
            Some("application/zip"),
            dicom_zip().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let w = call(&t, &s, Method::GET, &wb, None).await.json;
    let modalities: Vec<&str> = w["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["modality"].as_str().unwrap())
        .collect();
    for m in ["CT", "NM", "PT", "SEG", "RTSTRUCT"] {
        assert!(modalities.contains(&m), "{m} in {modalities:?}");
    }
    let (ct, nm, pt, rt) = (
        series_of(&w, "CT"),
        series_of(&w, "NM"),
        series_of(&w, "PT"),
        series_of(&w, "RTSTRUCT"),
    );
    let ct_row = w["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == ct)
        .unwrap();
    assert_eq!(ct_row["images"], phantom().ct.grid().dims[2]);
    assert_eq!(
        ct_row["frame_of_reference_uid"],
        phantom().truth.frame_of_reference_uid
    );

    // A series of the wrong modality for its role: refused naming the role and both
    // modalities, nothing saved.
    let mut draft = json!({"roles": {"planning_ct": ct, "maa_spect": ct, "structures": rt}});
    let r = save(&t, &s, case, 0, &draft).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "wrong_modality");
    for part in [
        "roles.maa_spect",
        "modality NM",
        "of modality CT",
        "MAA SPECT",
    ] {
        assert!(r.message().contains(part), "{part}: {}", r.message());
    }
    let r = save(&t, &s, case, 0, &json!({"roles": {"planning_ct": pt}})).await;
    assert_eq!(r.code(), "wrong_modality", "{}", r.text);
    assert!(r.message().contains("roles.planning_ct"), "{}", r.message());
    assert_eq!(
        call(&t, &s, Method::GET, &wb, None).await.json["revision"],
        0
    );

    // The right series; the SPECT shares the CT's frame: no registration needed.
    draft["roles"]["maa_spect"] = json!(nm);
    let r = save(&t, &s, case, 0, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["revision"], 1);
    assert_eq!(
        r.json["registration"]["state"], "same_frame",
        "{}",
        r.json["registration"]
    );
    // A stale revision is refused (409), naming who saved.
    let r = save(&t, &s, case, 0, &draft).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.message().contains("phys.curie"), "{}", r.message());

    // 2. The structures with their volumes on the planning CT: the phantom's truth (the RT
    // Struct's contours were drawn from its label map) within 0.5 %.
    let r = call(&t, &s, Method::GET, &format!("{wb}/structures"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let structures = r.json["structures"].as_array().unwrap().clone();
    let volume = |name: &str| {
        structures
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {structures:?}"))["volume_ml"]
            .as_f64()
            .unwrap()
    };
    let mut names = vec!["liver".to_owned(), "lungs".to_owned(), "stomach".to_owned()];
    names.extend(tumour_ids());
    for name in &names {
        let (v, truth) = (volume(name), truth_ml(name));
        eprintln!("structure {name}: {v:.2} mL, truth {truth:.2} mL");
        assert!(
            (v / truth - 1.0).abs() < 0.005,
            "{name}: {v} mL vs truth {truth} mL"
        );
    }

    // The structures picked and one whole-liver injection with every tumour.
    draft["structures"] = json!({
        "liver": "liver", "lungs": "lungs", "extrahepatic": ["stomach"],
        "tumours": tumour_ids().iter().map(|id| json!({"id": id, "structure": id})).collect::<Vec<_>>(),
    });
    draft["injections"] = json!([{
        "id": "WL", "label": "proper hepatic artery", "territory": "whole-liver", "lobe": "both",
        "method": "partition", "goal": {"kind": "tumour_dose", "value": "150 Gy", "tumour": "combined"},
        "tumours": tumour_ids().iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
    }]);
    // A structure the RT Struct does not hold: refused naming the field and the name.
    let mut bad = draft.clone();
    bad["structures"]["tumours"][0]["structure"] = json!("T99");
    let r = save(&t, &s, case, 1, &bad).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(&t, &s, Method::GET, &format!("{wb}/measurements"), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("structures.tumours[0].structure") && r.message().contains("T99"),
        "{}",
        r.message()
    );
    // No liver picked: named.
    let mut bad = draft.clone();
    bad["structures"]["liver"] = Value::Null;
    let r = save(&t, &s, case, 2, &bad).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(&t, &s, Method::GET, &format!("{wb}/measurements"), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("field `structures.liver`"),
        "{}",
        r.message()
    );

    // 4. The measurements. The phantom's CT holds the lung bases only: the segmented lung
    // volume is refused by the site's plausibility bounds until the draft accepts it.
    let r = save(&t, &s, case, 3, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(&t, &s, Method::GET, &format!("{wb}/measurements"), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "measurement", "{}", r.text);
    assert!(
        r.message().contains("images.lungs.volume"),
        "{}",
        r.message()
    );
    assert!(
        !r.message().contains(&t.data_dir.display().to_string()),
        "{}",
        r.message()
    );
    draft["accepted"] = json!([
        {"what": "images.lungs.volume", "reason": "digital phantom: the CT holds the lung bases only"},
        {"what": "lungs.mass", "reason": "digital phantom: the CT holds the lung bases only"},
    ]);
    let r = save(&t, &s, case, 4, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(&t, &s, Method::GET, &format!("{wb}/measurements"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = r.json;
    let lsf = m["lsf"].as_f64().unwrap();
    let truth_lsf = phantom().truth.maa.lsf;
    eprintln!("LSF measured {lsf:.4}, truth {truth_lsf:.4}");
    // The SPECT's blur (13 mm FWHM) spills lung counts across the diaphragm: within 5 %.
    assert!(
        (lsf / truth_lsf - 1.0).abs() < 0.05,
        "LSF {lsf} vs truth {truth_lsf}"
    );
    assert_eq!(m["lsf_provenance"]["lung_mask"], "lungs");
    assert_eq!(m["lsf_provenance"]["liver_mask"], "liver");
    assert!(
        m["lsf_provenance"]["spect"]
            .as_str()
            .unwrap()
            .starts_with("studies/")
    );
    let perfused = m["perfused"][0]["volume_ml"].as_f64().unwrap();
    assert!(
        (perfused / truth_ml("liver") - 1.0).abs() < 0.005,
        "perfused {perfused}"
    );
    for tnr in m["tnr"].as_array().unwrap() {
        let id = tnr["tumour"].as_str().unwrap();
        let truth = phantom()
            .truth
            .maa
            .tnr
            .iter()
            .find(|(t, _)| t == id)
            .map(|(_, v)| *v);
        eprintln!("TNR {id}: measured {:.3}, truth {truth:?}", tnr["tnr"]);
        assert_eq!(tnr["injection"], "WL");
        // Hot tumours seen through the SPECT's blur: above 1, below their true ratio (the
        // partial-volume effect only spills counts out of a hot spot).
        let v = tnr["tnr"].as_f64().unwrap();
        assert!(
            v > 1.0 && v < truth.unwrap(),
            "TNR {id}: {v} vs truth {truth:?}"
        );
    }
    assert_eq!(m["tnr"].as_array().unwrap().len(), tumour_ids().len());
    // The measured case leaves the measured values out.
    let measured_case = m["case_toml"].as_str().unwrap();
    assert!(!measured_case.contains("lsf"), "{measured_case}");

    // 5. The prescription: values that do not read are refused naming the field.
    let mut rx = prescription();
    rx["weight"] = json!("68");
    draft["prescription"] = rx;
    let r = save(&t, &s, case, 5, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let plan = format!("{wb}/plan");
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 6}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().starts_with("field `patient.weight`"),
        "{}",
        r.message()
    );
    let mut rx = prescription();
    rx["residual_fraction"] = json!("150 %");
    draft["prescription"] = rx;
    save(&t, &s, case, 6, &draft).await;
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 7}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("field `planning.residual_fraction`"),
        "{}",
        r.message()
    );
    let mut rx = prescription();
    rx["treatment"]["zone"] = json!("");
    draft["prescription"] = rx;
    save(&t, &s, case, 7, &draft).await;
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 8}))).await;
    assert!(
        r.message().contains("field `sessions[0].treatment`"),
        "{}",
        r.message()
    );
    // A goal naming no tumour of the case: the case reader's refusal names the injection.
    draft["prescription"] = prescription();
    draft["injections"][0]["goal"]["tumour"] = json!("T42");
    save(&t, &s, case, 8, &draft).await;
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 9}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("field `injections[0]"),
        "{}",
        r.message()
    );
    // A plan asked for an older revision than the draft's: 409.
    draft["injections"][0]["goal"]["tumour"] = json!("combined");
    save(&t, &s, case, 9, &draft).await;
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 9}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // 6. The plan: a draft version of the case's plan, its case file generated with the
    // phantom's volumes and without the values the images measure (the lung shunt fraction, the
    // TNRs, the perfused volume): the engine measures them and keeps them with the version.
    let r = call(&t, &s, Method::POST, &plan, Some(json!({"revision": 10}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["state"], "draft");
    assert_eq!(r.json["version"], 1);
    let plan_id = r.json["id"].as_i64().unwrap();
    let text = r.json["case_toml"].as_str().unwrap().to_owned();
    let stated = sirt_case::stated_values(&text, "generated").unwrap();
    assert_eq!(stated.lsf, None, "{text}");
    assert!(stated.injection_lsf.is_empty(), "{text}");
    assert!(stated.tnr.is_empty(), "{text}");
    assert!(stated.perfused_volume.is_empty(), "{text}");
    let table: toml::Table = toml::from_str(&text).unwrap();
    assert!(table["mapping"].get("lsf").is_none(), "{text}");
    let injection = &table["injections"][0];
    assert!(injection.get("perfused_volume").is_none(), "{text}");
    for share in injection["tumours"].as_array().unwrap() {
        assert!(share.get("tnr").is_none(), "{text}");
    }
    assert!(!text.contains("measured: "), "{text}");
    let (parsed, _) = sirt_case::parse_for_measurement(&text, "generated").unwrap();
    let close = |a: f64, b: f64, tol: f64| (a / b - 1.0).abs() < tol;
    assert!(
        close(parsed.liver.volume.ml(), truth_ml("liver"), 0.005),
        "{text}"
    );
    for tumour in &parsed.tumours {
        assert!(
            close(tumour.volume.ml(), truth_ml(&tumour.id), 0.005),
            "{}",
            tumour.id
        );
    }
    assert_eq!(parsed.tumours.len(), tumour_ids().len());
    assert!(!text.contains(&t.data_dir.display().to_string()), "{text}");
    assert!(text.contains("volume of structure \"liver\""), "{text}");
    assert_eq!(parsed.patient.id, "SIRT-PHANTOM-1");
    assert_eq!(
        parsed.patient.age_years,
        Some(61),
        "from the birth date at the treatment"
    );
    // The result: each value measured, with its provenance (the SPECT picked for the role, the
    // masks, the method), the LSF within 5 % of the phantom's truth, the same as the workbench's
    // measurement step showed.
    let result = &r.json["result"];
    let inputs = &result["input_provenance"];
    let spect_path = w_path(&call(&t, &s, Method::GET, &wb, None).await.json, nm);
    assert_eq!(inputs["lsf"][0]["origin"]["kind"], "measured", "{inputs}");
    let lsf_measured = &inputs["lsf_measured"];
    assert_eq!(lsf_measured["source"]["image"], spect_path.as_str());
    assert_eq!(lsf_measured["lung_mask"], "lungs");
    assert_eq!(lsf_measured["liver_mask"], "liver");
    assert!(
        lsf_measured["source"]["method"]
            .as_str()
            .unwrap()
            .contains("lung"),
        "{lsf_measured}"
    );
    let plan_lsf = result["injections"][0]["lsf"].as_f64().unwrap();
    eprintln!("plan LSF {plan_lsf:.4}, truth {truth_lsf:.4}");
    assert!(
        (plan_lsf / truth_lsf - 1.0).abs() < 0.05,
        "LSF {plan_lsf} vs truth {truth_lsf}"
    );
    assert_eq!(plan_lsf, lsf, "the LSF of the measurement step");
    assert_eq!(inputs["lsf"][0]["lsf"].as_f64().unwrap(), plan_lsf);
    let tnr_inputs = inputs["tnr"].as_array().unwrap();
    assert_eq!(tnr_inputs.len(), tumour_ids().len());
    for x in tnr_inputs {
        assert_eq!(x["origin"]["kind"], "measured", "{x}");
        let step = m["tnr"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tumour"] == x["tumour"])
            .unwrap();
        assert_eq!(x["tnr"], step["tnr"], "{x}");
        assert_eq!(x["measured"]["tnr"], step["tnr"], "{x}");
    }
    assert_eq!(inputs["tnr_source"]["image"], spect_path.as_str());
    assert_eq!(inputs["perfused"][0]["origin"]["kind"], "measured");
    let perfused_ml = inputs["perfused"][0]["perfused_volume_ml"]
        .as_f64()
        .unwrap();
    assert!(
        close(perfused_ml, truth_ml("liver"), 0.005),
        "perfused {perfused_ml}"
    );
    assert!(
        result["injections"][0]["prescribed_activity_gbq"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    // A TNR changed by a plan parameter: recomputed from the kept measurement without reading
    // the images (the patient's folder is moved away meanwhile), the provenance says "plan
    // parameter" for that tumour only, and the activity for the combined tumour dose changes as
    // the partition model says: the tumours take A (1 − LSF) S / (S + M_N) and their mean dose
    // is K times that over Σ Mᵢ, so A ∝ (S + M_N) / S, S = Σ TNRᵢ Mᵢ over the tumours, M_N the
    // territory's normal liver mass (K, LSF and the masses are unchanged).
    let (a1, s1, m_n) = partition_terms(result, &text);
    let first = tumour_ids()[0].clone();
    let measured_tnr = tnr_inputs
        .iter()
        .find(|x| x["tumour"] == first.as_str())
        .unwrap()["tnr"]
        .as_f64()
        .unwrap();
    let new_tnr = 2.0 * measured_tnr;
    let folder = t.data_dir.join("patients").join(pid.to_string());
    let away = t.data_dir.join("patients").join(format!("{pid}-away"));
    std::fs::rename(&folder, &away).unwrap();
    let row_version = r.json["row_version"].as_i64().unwrap();
    let p = call(
        &t,
        &s,
        Method::PATCH,
        &format!("/api/plans/{plan_id}"),
        Some(json!({"row_version": row_version, "parameters": {"injections": {"WL": {"tnr": {first.as_str(): new_tnr}}}}})),
    )
    .await;
    std::fs::rename(&away, &folder).unwrap();
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let changed = &p.json["result"];
    let x = changed["input_provenance"]["tnr"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["tumour"] == first.as_str())
        .unwrap();
    assert_eq!(
        x["origin"],
        json!({"kind": "parameter", "field": format!("injections.WL.tnr.{first}")})
    );
    assert_eq!(x["tnr"].as_f64().unwrap(), new_tnr);
    assert_eq!(x["measured"]["tnr"].as_f64().unwrap(), measured_tnr);
    for other in changed["input_provenance"]["tnr"].as_array().unwrap() {
        if other["tumour"] != first.as_str() {
            assert_eq!(other["origin"]["kind"], "measured", "{other}");
        }
    }
    assert_eq!(
        changed["input_provenance"]["lsf"][0]["origin"]["kind"],
        "measured"
    );
    let (a2, s2, m_n2) = partition_terms(changed, &text);
    assert_eq!(m_n, m_n2);
    assert!(s2 > s1);
    let predicted = a1 * ((s2 + m_n) / s2) / ((s1 + m_n) / s1);
    eprintln!("target activity {a1:.4} GBq → {a2:.4} GBq, partition model {predicted:.4} GBq");
    assert!(
        (a2 / predicted - 1.0).abs() < 1e-9,
        "{a2} GBq vs the partition model's {predicted} GBq"
    );
    assert!(
        a2 < a1,
        "a hotter tumour takes less activity for the same dose"
    );
    // The target now sets the prescription (before, a limit was lower than it).
    assert_eq!(
        changed["injections"][0]["binding_constraint"],
        "tumour_target"
    );
    assert_eq!(
        changed["injections"][0]["prescribed_activity_gbq"]
            .as_f64()
            .unwrap(),
        a2
    );

    // Checked and approved: the approval recomputes the plan with the kept measurement and
    // finds the result checked; the report frozen at approval shows the measured inputs with
    // their provenance, the TNR the parameter changed as such.
    let row_version = p.json["row_version"].as_i64().unwrap();
    let r = call(
        &t,
        &s,
        Method::POST,
        &format!("/api/plans/{plan_id}/check"),
        Some(json!({"row_version": row_version, "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let dr = t.login(Role::Physician).await;
    let r = call(
        &t,
        &dr,
        Method::POST,
        &format!("/api/plans/{plan_id}/approve"),
        Some(json!({"row_version": r.json["row_version"], "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "approved");
    let report = call(
        &t,
        &s,
        Method::GET,
        &format!("/api/plans/{plan_id}/report.html"),
        None,
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    for part in [
        "Measured inputs",
        spect_path.as_str(),
        &format!("plan parameter (injections.WL.tnr.{first})"),
    ] {
        assert!(report.text.contains(part), "{part} in the approved report");
    }
    // The draft remembers the plan; a reload resumes there.
    let w = call(&t, &s, Method::GET, &wb, None).await.json;
    assert_eq!(w["plan_id"], plan_id);
    assert_eq!(w["draft"]["prescription"]["weight"], "68 kg");
    // The case lists the new version; a second plan from the draft is version 2.
    let r = call(
        &t,
        &s,
        Method::POST,
        &plan,
        Some(json!({"revision": w["revision"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["version"], 2);
    let c = call(&t, &s, Method::GET, &format!("/api/cases/{case}"), None).await;
    assert_eq!(c.json["plans"].as_array().unwrap().len(), 2);
    // A new case file (the goal changed by hand) is measured again on the images: the same
    // images give the same LSF to the last bit, and the new goal takes effect.
    let v2 = r.json["id"].as_i64().unwrap();
    let text2 = r.json["case_toml"].as_str().unwrap();
    let edited = text2.replacen("\"150 Gy\"", "\"120 Gy\"", 1);
    assert_ne!(edited, text2, "the goal in {text2}");
    let p = call(
        &t,
        &s,
        Method::PATCH,
        &format!("/api/plans/{v2}"),
        Some(json!({"row_version": r.json["row_version"], "case_toml": edited})),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let again = &p.json["result"];
    assert_eq!(
        again["input_provenance"]["lsf"][0]["origin"]["kind"],
        "measured"
    );
    assert_eq!(again["injections"][0]["lsf"].as_f64().unwrap(), plan_lsf);
    assert_eq!(p.json["case_toml"].as_str().unwrap(), edited);
    // A case file whose images cannot measure a value it leaves out (no MAA SPECT named: no
    // LSF): refused naming the field, nothing changed, the server's folders not shown.
    let no_spect: String = edited
        .lines()
        .filter(|l| !l.trim_start().starts_with("maa_spect"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(
        no_spect.lines().count(),
        edited.lines().count(),
        "images.maa_spect in {edited}"
    );
    let r = call(
        &t,
        &s,
        Method::PATCH,
        &format!("/api/plans/{v2}"),
        Some(json!({"row_version": p.json["row_version"], "case_toml": no_spect})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "measurement", "{}", r.text);
    eprintln!("refused: {}", r.message());
    assert!(r.message().contains("mapping.lsf"), "{}", r.message());
    assert!(
        !r.message().contains(&t.data_dir.display().to_string()),
        "{}",
        r.message()
    );
    // A viewer reads the draft but may not change it or plan.
    let v = t.login(Role::Viewer).await;
    assert_eq!(
        call(&t, &v, Method::GET, &wb, None).await.status,
        StatusCode::OK
    );
    let r = call(&t, &v, Method::POST, &plan, Some(json!({"revision": 11}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The path of a series of the workbench answer (relative to the patient's folder).
fn w_path(w: &Value, series: i64) -> String {
    w["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == series)
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The activity (GBq) the plan's one injection needs for its tumour target (the candidate the
/// prescription weighs against the limits), and the partition model's terms
/// of the case the plan was made with (its case file with the measured values the result keeps,
/// read by `sirt_case`): S = Σ TNRᵢ Mᵢ over the injection's tumours (kg) and the territory's
/// normal liver mass M_N (kg), the TNRs as the result used them.
fn partition_terms(result: &Value, text: &str) -> (f64, f64, f64) {
    let kept = &result["measured_values"];
    let mut values = sirt_case::MeasuredValues {
        lsf: kept["lsf"].as_f64().and_then(sirt_units::Fraction::new),
        ..Default::default()
    };
    for (inj, tumours) in kept["tnr"].as_object().unwrap() {
        for (tumour, v) in tumours.as_object().unwrap() {
            values
                .tnr
                .insert((inj.clone(), tumour.clone()), v.as_f64().unwrap());
        }
    }
    for (inj, ml) in kept["perfused_volume_ml"].as_object().unwrap() {
        values.perfused_volume.insert(
            inj.clone(),
            sirt_units::Volume::from_ml(ml.as_f64().unwrap()),
        );
    }
    let (case, _) = sirt_case::parse_with_measured(
        text,
        "generated",
        &sirt_case::Overrides::default(),
        &values,
    )
    .unwrap();
    let injection = &case.injections[0];
    let used: std::collections::BTreeMap<String, f64> = result["input_provenance"]["tnr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["tumour"].as_str().unwrap().to_owned(),
                x["tnr"].as_f64().unwrap(),
            )
        })
        .collect();
    let s: f64 = injection
        .tumours
        .iter()
        .map(|share| {
            let tumour = case.tumours.iter().find(|t| t.id == share.id).unwrap();
            used[&share.id] * tumour.mass.kg() * share.fraction.value()
        })
        .sum();
    let activity = result["injections"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["constraint"] == "tumour_target")
        .unwrap_or_else(|| panic!("a tumour target in {}", result["injections"][0]))["activity_gbq"]
        .as_f64()
        .unwrap();
    (activity, s, injection.normal_liver_mass.kg())
}

both!(a_value_left_out_without_images_is_refused_naming_it);
/// A case file without `[images]` that leaves out a TNR: nothing can measure it; the plan is
/// refused naming the field (code `measurement`), and nothing is stored.
async fn a_value_left_out_without_images_is_refused_naming_it(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let r = call(
        &t,
        &s,
        Method::POST,
        "/api/patients",
        Some(json!({"mrn": "DEMO-NET-001", "name": "No Images", "sex": "female"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pid = r.json["id"].as_i64().unwrap();
    let r = call(
        &t,
        &s,
        Method::POST,
        &format!("/api/patients/{pid}/cases"),
        Some(json!({"title": "analytic", "indication": "NET"})),
    )
    .await;
    let case = r.json["id"].as_i64().unwrap();
    let demo = include_str!("../../../examples/demo-net-case.toml");
    let without = demo.replacen("{ id = \"T1\", tnr = 2.8 }", "{ id = \"T1\" }", 1);
    assert_ne!(without, demo);
    let r = call(
        &t,
        &s,
        Method::POST,
        &format!("/api/cases/{case}/plans"),
        Some(json!({"case_toml": without})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "measurement", "{}", r.text);
    for part in ["injections[0].tumours[0].tnr", "[images]"] {
        assert!(r.message().contains(part), "{part}: {}", r.message());
    }
    let c = call(&t, &s, Method::GET, &format!("/api/cases/{case}"), None).await;
    assert_eq!(c.json["plans"].as_array().unwrap().len(), 0, "{}", c.text);
}

both!(a_spect_in_another_frame_needs_a_registration);
async fn a_spect_in_another_frame_needs_a_registration(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physician).await;
    let r = call(
        &t,
        &s,
        Method::POST,
        "/api/patients",
        Some(json!({"mrn": "SIRT-PHANTOM-1", "name": "Phantom Frames", "birth_date": "1963-08-20", "sex": "female"})),
    )
    .await;
    let pid = r.json["id"].as_i64().unwrap();
    let r = call(
        &t,
        &s,
        Method::POST,
        &format!("/api/patients/{pid}/cases"),
        Some(json!({"title": "frames", "indication": "NET"})),
    )
    .await;
    let case = r.json["id"].as_i64().unwrap();
    let up = |q: &'static str, ct: &'static str, body: Vec<u8>| {
        let t = &t;
        let s = &s;
        async move {
            let r = t
                .call_raw(
                    Some(s),
                    Method::POST,
                    &format!("/api/patients/{pid}/studies{q}"),
                    Some(ct),
                    body,
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    };
    up(
        "?filename=phantom.zip",
        "application/zip",
        dicom_zip().to_vec(),
    )
    .await;
    // The SPECT again, as DICOM NM in a frame of reference of its own (a SPECT/CT scanner's):
    // the phantom's SPECT with another Frame of Reference UID.
    let mut moved = phantom().clone();
    let grid = sirt_geometry::Grid {
        frame: sirt_geometry::FrameOfReference("2.25.4242424242424242424242".into()),
        ..moved.spect.grid().clone()
    };
    moved.spect = sirt_geometry::Image::new(grid, moved.spect.data().to_vec()).unwrap();
    let nm_zip = {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        for (name, bytes) in sirt_planning::phantom_dicom::files(&moved).unwrap() {
            if name.starts_with("dicom/spect/") {
                w.start_file(name.replace("dicom/spect/", "other-frame/"), o)
                    .unwrap();
                w.write_all(&bytes).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    };
    up("?filename=spect-other-frame.zip", "application/zip", nm_zip).await;
    let w = call(
        &t,
        &s,
        Method::GET,
        &format!("/api/cases/{case}/workbench"),
        None,
    )
    .await
    .json;
    let other = w["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["frame_of_reference_uid"] == "2.25.4242424242424242424242")
        .unwrap_or_else(|| panic!("the SPECT in its own frame among {}", w["series"]))["id"]
        .as_i64()
        .unwrap();
    let draft = json!({"roles": {"planning_ct": series_of(&w, "CT"), "maa_spect": other, "structures": series_of(&w, "RTSTRUCT")}});
    let r = save(&t, &s, case, 0, &draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["registration"]["state"], "needed",
        "{}",
        r.json["registration"]
    );
    let msg = r.json["registration"]["message"].as_str().unwrap();
    assert!(
        msg.contains("no spatial registration") && msg.contains("sirtplan register"),
        "{msg}"
    );
    // Measuring is refused, never guessed.
    let r = call(
        &t,
        &s,
        Method::GET,
        &format!("/api/cases/{case}/workbench/measurements"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "registration_needed");
    assert!(
        r.message().contains("roles.registration"),
        "{}",
        r.message()
    );
}
