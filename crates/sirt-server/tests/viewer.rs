//! The viewer's volumes over the API: the phantom demo imported, its volumes on the CT grid
//! checked against the phantom generator's ground truth (grid and structure volumes from
//! `sirt-phantom`, not from the server), and image paths that leave the patient's folder
//! refused; the viewer library (NiiVue) served from the binary as the committed bundle, with its
//! licences, under the application page's unchanged Content-Security-Policy. SQLite only (the
//! database plays no part in the volumes; the API tests cover both).

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode, header};
use common::{PASSWORD, T};
use serde_json::json;
use sirt_store::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phantom_volumes_match_the_generator() {
    let url = harness::sqlite_url("viewer_phantom");
    let t = T::new(&url).await;
    let s = t.login(Role::Physicist).await;
    let r = t.import_phantom(&s).await;
    let plan = r.json["plan"]["id"].as_i64().unwrap();
    let m = t
        .get_when_computed(&s, &format!("/api/plans/{plan}/volumes"))
        .await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.text);

    let truth = sirt_phantom::generate(sirt_phantom::Preset::Standard, 1).unwrap();
    let ct = truth.ct.grid();
    let dims: Vec<usize> = serde_json::from_value(m.json["grid"]["dims"].clone()).unwrap();
    assert_eq!(dims, ct.dims.to_vec());
    let spacing: Vec<f64> = serde_json::from_value(m.json["grid"]["spacing_mm"].clone()).unwrap();
    for (a, b) in spacing.iter().zip(ct.spacing_mm) {
        assert!(
            (a - b).abs() < 1e-6,
            "spacing {spacing:?} vs {:?}",
            ct.spacing_mm
        );
    }
    let voxel_ml = ct.spacing_mm.iter().product::<f64>() / 1000.0;
    let n: usize = dims.iter().product();

    // Every volume has one value per CT voxel; the doses are finite and non-negative.
    for v in m.json["volumes"].as_array().unwrap() {
        let bytes = t
            .call(Some(&s), Method::GET, v["url"].as_str().unwrap(), None)
            .await
            .bytes;
        assert_eq!(bytes.len(), 4 * n, "{}", v["name"]);
        if v["kind"] == "dose" {
            let max = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .inspect(|x| assert!(x.is_finite() && *x >= 0.0))
                .fold(0.0f32, f32::max);
            assert!(max > 50.0, "{}: max {max} Gy", v["label"]);
        }
    }
    // Structure volumes on the CT grid against the generator's truth.volumes_ml.
    let mut checked = 0;
    for st in m.json["structures"].as_array().unwrap() {
        let name = st["name"].as_str().unwrap();
        let Some((_, want)) = truth.truth.volumes_ml.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let mask = t
            .call(Some(&s), Method::GET, st["url"].as_str().unwrap(), None)
            .await
            .bytes;
        assert_eq!(mask.len(), n);
        let ml = mask.iter().filter(|&&b| b == 1).count() as f64 * voxel_ml;
        assert!(
            (ml - want).abs() <= 0.001 * want + voxel_ml,
            "{name}: {ml} mL on the viewer grid, truth {want} mL"
        );
        checked += 1;
    }
    assert!(checked >= 6, "liver, lungs and tumours checked: {checked}");
    // DVH curves: cumulative, from 100 % down.
    for c in m.json["dvh"].as_array().unwrap() {
        let v: Vec<f64> = serde_json::from_value(c["volume_percent"].clone()).unwrap();
        assert!((v[0] - 100.0).abs() < 1e-9, "{}", c["name"]);
        assert!(v.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{}", c["name"]);
    }
    // After an edit, the arrays of the earlier listing are refused (409), not mixed with the
    // new version's; checking the plan does not change its volumes' version.
    let old_ct = m.json["volumes"][0]["url"].as_str().unwrap().to_owned();
    let rv = t
        .call(Some(&s), Method::GET, &format!("/api/plans/{plan}"), None)
        .await
        .json["row_version"]
        .as_i64()
        .unwrap();
    let c = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/plans/{plan}/check"),
            Some(json!({"row_version": rv, "password": PASSWORD})),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let same = t.call(Some(&s), Method::GET, &old_ct, None).await;
    assert_eq!(
        same.status,
        StatusCode::OK,
        "a check keeps the volumes: {}",
        same.text
    );
    let rv = c.json["row_version"].as_i64().unwrap();
    let e = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{plan}"),
            Some(json!({"row_version": rv, "parameters": {"injections": {"WL": {"tnr": {"T1": 3.5}}}}})),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let stale = t.call(Some(&s), Method::GET, &old_ct, None).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.message().contains("reload"), "{}", stale.message());
    // The listing of the changed plan: at once, 202 with the job's state; asked with
    // `wait_ms`, the answer waits for the job and is the listing (one request; the phantom's
    // recomputation takes about a second here, well within the 10 s allowed).
    let listing = format!("/api/plans/{plan}/volumes");
    let now = t.call(Some(&s), Method::GET, &listing, None).await;
    assert_eq!(now.status, StatusCode::ACCEPTED, "{}", now.text);
    assert!(now.json["job_id"].as_i64().is_some(), "{}", now.text);
    // (A loaded machine may need more than one 10 s wait.)
    let mut waited = None;
    for _ in 0..12 {
        let asked = std::time::Instant::now();
        let r = t
            .call(
                Some(&s),
                Method::GET,
                &format!("{listing}?wait_ms=60000"),
                None,
            )
            .await;
        if r.status == StatusCode::OK {
            waited = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        // A 202 comes only once the wait, capped at 10 s, has passed.
        assert!(asked.elapsed() >= std::time::Duration::from_millis(9_900));
    }
    assert!(
        waited.is_some(),
        "the recomputation did not end within 2 minutes"
    );
    let bad = t
        .call(
            Some(&s),
            Method::GET,
            &format!("{listing}?wait_ms=-1"),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    // An unknown volume is a clear 404 (once the plan's new voxel part is computed: 202 before).
    let r = t
        .get_when_computed(&s, &format!("/api/plans/{plan}/volumes/nope"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.message().contains("no volume `nope`"), "{}", r.message());
    harness::remove_sqlite(&url);
    let _ = std::fs::remove_dir_all(&t.data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_paths_must_stay_in_the_patients_folder() {
    let url = harness::sqlite_url("viewer_paths");
    let t = T::new(&url).await;
    let s = t.login(Role::Physicist).await;
    let demo = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.text);
    let case = demo.json["case"]["id"].as_i64().unwrap();
    // The analytic demo has no images.
    let plan = demo.json["plan"]["id"].as_i64().unwrap();
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{plan}/volumes"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "no_images");
    // The phantom's images with the analytic demo's patient (born 1972-09-14: 52 at the
    // phantom's session of 2025-01-29), so that the case file matches the case it is attached to.
    let phantom = include_str!("../../../examples/demo-phantom-case.toml")
        .replace("id = \"PHANTOM-001\"", "id = \"DEMO-NET-001\"")
        .replace("sex = \"female\"", "sex = \"male\"")
        .replace("age = 61", "age = 52");
    let phantom = phantom.as_str();
    for (field, bad) in [
        ("ct", "../../../../etc"),
        ("ct", "/etc"),
        ("structures", "dicom/../../../x.dcm"),
    ] {
        let text = match field {
            "ct" => phantom.replace("ct = \"dicom/ct\"", &format!("ct = \"{bad}\"")),
            _ => phantom.replace(
                "structures = \"dicom/rtstruct.dcm\"",
                &format!("structures = \"{bad}\""),
            ),
        };
        assert_ne!(text, phantom);
        let p = t
            .call(
                Some(&s),
                Method::POST,
                &format!("/api/cases/{case}/plans"),
                Some(json!({ "case_toml": text })),
            )
            .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let id = p.json["id"].as_i64().unwrap();
        let r = t
            .call(
                Some(&s),
                Method::GET,
                &format!("/api/plans/{id}/volumes"),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.code(), "image_path");
        assert!(r.message().contains(&format!("images.{field}")) && r.message().contains(bad));
    }
    harness::remove_sqlite(&url);
    let _ = std::fs::remove_dir_all(&t.data_dir);
}

/// The Content-Security-Policy the application page must carry, written out here (not read from
/// the server's constant): the viewer library adds nothing to it.
const EXPECTED_APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Whether `text` calls `name(` as a global function (`eval(`, not `x.eval(` or `medieval(`).
fn calls_global(text: &str, name: &str) -> bool {
    text.match_indices(&format!("{name}(")).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_library_is_served_from_the_binary_under_the_strict_policy() {
    let url = harness::sqlite_url("viewer_bundle");
    let t = T::new(&url).await;
    let static_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");

    // The bundle is the committed file, byte for byte, as JavaScript (a module script needs a
    // JavaScript type: with `nosniff` a wrong one is refused by the browser).
    let committed = std::fs::read(static_dir.join("vendor/niivue.min.js")).unwrap();
    let r = t
        .call(None, Method::GET, "/static/niivue.min.js", None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        r.bytes == committed,
        "served bundle ({} bytes) differs from static/vendor/niivue.min.js ({} bytes)",
        r.bytes.len(),
        committed.len()
    );
    assert!(
        committed.len() > 500_000,
        "a bundle of NiiVue: {} bytes",
        committed.len()
    );
    // What the page's policy forbids is not in it: no eval or Function constructor
    // ('unsafe-eval'), no worker (worker-src, blob:), no WebAssembly ('wasm-unsafe-eval').
    let text = String::from_utf8(committed).unwrap();
    assert!(!calls_global(&text, "eval"), "the bundle calls eval");
    assert!(
        !text.contains("new Function("),
        "the bundle builds functions from text"
    );
    assert!(
        !text.contains("Function(\"return"),
        "the bundle builds functions from text"
    );
    for absent in [
        "new Worker(",
        "new SharedWorker(",
        "importScripts(",
        "WebAssembly.",
    ] {
        assert!(!text.contains(absent), "the bundle contains {absent}");
    }
    // It is an ES module exporting what viewer.js imports.
    let viewer = std::fs::read_to_string(static_dir.join("viewer.js")).unwrap();
    let import = "import { Niivue, NVImage, SLICE_TYPE, DRAG_MODE, MULTIPLANAR_TYPE, SHOW_RENDER } from './niivue.min.js';";
    assert!(viewer.contains(import), "viewer.js imports the bundle");
    let exports = text.rsplit("export{").next().unwrap();
    for name in [
        "Niivue",
        "NVImage",
        "SLICE_TYPE",
        "DRAG_MODE",
        "MULTIPLANAR_TYPE",
        "SHOW_RENDER",
    ] {
        assert!(
            exports.contains(&format!(" as {name},")) || exports.contains(&format!(" as {name}}}")),
            "the bundle exports {name}: {exports}"
        );
    }

    // The licences travel with it: NiiVue's BSD-2-Clause notice and each bundled package's.
    let l = t
        .call(None, Method::GET, "/static/niivue.LICENSES.txt", None)
        .await;
    assert_eq!(l.status, StatusCode::OK);
    assert_eq!(l.headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    for want in [
        "==== @niivue/niivue 0.69.0 (BSD-2-Clause) ====",
        "Copyright (c) 2021, Niivue",
        "==== gl-matrix ",
        "==== nifti-reader-js ",
    ] {
        assert!(l.text.contains(want), "licences: {want}");
    }

    // The page's policy is unchanged by the viewer.
    let page = t.call(None, Method::GET, "/", None).await;
    assert_eq!(
        page.headers[header::CONTENT_SECURITY_POLICY],
        EXPECTED_APP_CSP
    );
    harness::remove_sqlite(&url);
    let _ = std::fs::remove_dir_all(&t.data_dir);
}
