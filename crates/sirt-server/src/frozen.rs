//! The record frozen at approval: the report rendered then (HTML, and the PDF when this server
//! has Chromium) stored with its SHA-256, and the approval hash over everything the result
//! depends on (case file, parameters, the SHA-256 of every image file used, the device
//! catalogue, the rule set, the site settings, the engine). An approved plan's report is the
//! stored one ([`crate::report::report_document_html`]); `GET /api/plans/{id}/recompute-difference`
//! recomputes with today's engine and says what differs, never silently.

use crate::AppState;
use crate::answers::RecomputeDifference;
use crate::engine::{compute_stored, parameters_from, parse_json};
use crate::error::{ApiError, PathId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sirt_store::{Frozen, Plan, PlanState, Signature, SignedStep};
use std::path::Path;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The engine that makes results by default: this server's version and the planning engine's
/// id. The server's state carries the one it records ([`AppState`]'s `engine_id`).
pub fn default_engine_id() -> String {
    format!(
        "sirt-server {} / {}",
        env!("CARGO_PKG_VERSION"),
        sirt_planning::ENGINE_ID
    )
}

/// The SHA-256 of files read in order: of their bytes one after the other (what
/// `cat FILES | sha256sum` prints).
pub(crate) fn files_sha256(files: &[(&str, &str)]) -> String {
    let mut h = Sha256::new();
    for (_, text) in files {
        h.update(text.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Each file with the SHA-256 of its bytes, in order.
fn files_list(files: &[(&str, &str)]) -> Value {
    Value::Array(
        files
            .iter()
            .map(|(name, text)| json!({ "file": name, "sha256": sha256_hex(text.as_bytes()) }))
            .collect(),
    )
}

/// The record frozen at the approval of plan `id`, checked against the SHA-256 recorded at
/// approval (the HTML, and the PDF when one was printed): 500 `frozen_integrity` naming the
/// plan when the stored bytes do not match, never served then.
pub(crate) async fn stored(state: &AppState, id: i64) -> Result<Option<Frozen>, ApiError> {
    let Some(f) = state.store.frozen(id).await? else {
        return Ok(None);
    };
    let integrity = |what: &str, expected: &str, found: &str| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "frozen_integrity",
            format!(
                "plan {id}: the {what} frozen at approval does not match the SHA-256 recorded then (expected {expected}, found {found}); it is not served"
            ),
        )
    };
    let html_sha = sha256_hex(f.report_html.as_bytes());
    if html_sha != f.report_html_sha256 {
        return Err(integrity("report (HTML)", &f.report_html_sha256, &html_sha));
    }
    match (&f.report_pdf, &f.report_pdf_sha256) {
        (None, None) => {}
        (Some(pdf), Some(want)) => {
            let found = sha256_hex(pdf);
            if &found != want {
                return Err(integrity("report (PDF)", want, &found));
            }
        }
        (Some(pdf), None) => {
            return Err(integrity("report (PDF)", "none", &sha256_hex(pdf)));
        }
        (None, Some(want)) => return Err(integrity("report (PDF)", want, "no PDF")),
    }
    Ok(Some(f))
}

/// The SHA-256 of an image input: of the file, or of every file under the folder (relative
/// path and contents, in path order).
fn hash_image(path: &Path) -> Result<String, std::io::Error> {
    if path.is_file() {
        return Ok(sha256_hex(&std::fs::read(path)?));
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let rel = f.strip_prefix(path).unwrap_or(f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(sha256_hex(&std::fs::read(f)?).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// The parts of the approval hash of a plan version, each with its SHA-256, and the hash over
/// them (the SHA-256 of the parts as JSON).
pub(crate) async fn approval_inputs(
    state: &AppState,
    plan: &Plan,
) -> Result<(Value, String), ApiError> {
    let case = state.store.case(plan.case_id).await?;
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let computed = compute_stored(state, plan, params).await?;
    let mut images = Map::new();
    if let Some(im) = &computed.plan.case.images {
        let base = state.patient_folder(case.patient_id);
        let mut named: Vec<(String, Option<&String>)> = vec![
            ("ct".into(), Some(&im.ct)),
            ("maa_spect".into(), im.maa_spect.as_ref()),
            ("y90_pet".into(), im.y90_pet.as_ref()),
            ("structures".into(), Some(&im.structures)),
        ];
        // One object keeps the record's name of old, `registration`; more are numbered.
        for (i, p) in im.registration.iter().enumerate() {
            let field = if i == 0 {
                "registration".to_owned()
            } else {
                format!("registration[{i}]")
            };
            named.push((field, Some(p)));
        }
        for (field, path) in named {
            let Some(path) = path else { continue };
            let full = base.join(path);
            let hash = tokio::task::spawn_blocking(move || hash_image(&full))
                .await
                .map_err(|_| ApiError::internal())?
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "images_unreadable",
                        format!(
                            "images.{field}: expected a readable file or folder under the patient's folder, found `{path}` unreadable ({e})"
                        ),
                    )
                })?;
            images.insert(field.to_owned(), json!({ "path": path, "sha256": hash }));
        }
    }
    let site = state.engine.site();
    let settings = serde_json::to_string(&site.settings).map_err(|_| ApiError::internal())?;
    let parts = json!({
        "case_toml_sha256": sha256_hex(plan.case_toml.as_bytes()),
        "parameters_sha256": sha256_hex(plan.parameters_json.as_bytes()),
        "images": Value::Object(images),
        "devices_sha256": files_sha256(state.engine.device_files()),
        "device_files": files_list(state.engine.device_files()),
        "rules_sha256": files_sha256(state.engine.rule_files()),
        "rule_files": files_list(state.engine.rule_files()),
        "settings_sha256": sha256_hex(settings.as_bytes()),
        "engine": state.engine_id.clone(),
    });
    let hash = sha256_hex(parts.to_string().as_bytes());
    Ok((parts, hash))
}

/// The rows the frozen report adds to the plan record: the signatures, the acknowledged failed
/// checks, the engine and the approval hash.
fn frozen_rows(
    state: &AppState,
    signatures: &[Signature],
    acks: &[sirt_store::Acknowledgement],
    engine: &str,
    approval_sha256: &str,
) -> Vec<(String, String)> {
    use crate::report::instant_text;
    use sirt_i18n::t;
    let lang = crate::report::report_lang(state);
    let mut rows: Vec<(String, String)> = signatures
        .iter()
        .map(|s| {
            (
                t!(lang, "record-signature"),
                t!(
                    lang,
                    "record-signature-value",
                    name = &s.full_name,
                    username = &s.username,
                    role = crate::report::role_text(lang, &s.role),
                    at = instant_text(state, &s.signed_at),
                    meaning = crate::report::meaning_text(lang, &s.step, &s.meaning)
                ),
            )
        })
        .collect();
    for a in acks {
        rows.push((
            t!(lang, "record-ack"),
            t!(
                lang,
                "record-ack-value",
                rule = &a.rule,
                subject = sirt_report::words::subject(lang, &a.subject),
                name = &a.full_name,
                username = &a.username,
                at = instant_text(state, &a.acknowledged_at),
                reason = &a.reason
            ),
        ));
    }
    rows.push((t!(lang, "record-engine"), engine.to_owned()));
    rows.push((t!(lang, "record-approval-sha"), approval_sha256.to_owned()));
    rows
}

/// The plan as it reads once approved by `approver` at `at` (what the frozen report prints).
fn as_approved(plan: &Plan, approver: &str, at: &str) -> Plan {
    let mut p = plan.clone();
    p.state = PlanState::Approved;
    p.approved_by = Some(approver.to_owned());
    p.approved_at = Some(at.to_owned());
    p.delivered_by = None;
    p.delivered_at = None;
    p.inputs_sha256 = Some(sirt_store::inputs_sha256(
        &plan.case_toml,
        &plan.parameters_json,
    ));
    p
}

/// The acknowledgements that count for this result.
fn current_acks(
    plan: &Plan,
    acks: Vec<sirt_store::Acknowledgement>,
) -> Vec<sirt_store::Acknowledgement> {
    let sha = sha256_hex(plan.result_json.as_bytes());
    acks.into_iter()
        .filter(|a| a.result_sha256 == sha)
        .collect()
}

/// The report of a plan approved by `approver` (with their signature) at `at`, made now.
async fn render_approved(
    state: &AppState,
    plan: &Plan,
    approval: &Signature,
    approval_sha256: &str,
    engine: &str,
) -> Result<String, ApiError> {
    let mut signatures: Vec<Signature> = state
        .store
        .signatures(plan.id)
        .await?
        .into_iter()
        .filter(|s| s.step == SignedStep::Check.as_str())
        .collect();
    signatures.push(approval.clone());
    let acks = current_acks(plan, state.store.acknowledgements(plan.id).await?);
    let projected = as_approved(plan, &approval.username, &approval.signed_at);
    let rows = frozen_rows(state, &signatures, &acks, engine, approval_sha256);
    crate::report::render_report_html(state, &projected, rows, Some(signatures), None).await
}

/// Refuses (409 `result_changed`) an approval whose plan, computed now, differs from the result
/// stored and checked (another engine or settings since the check): what is approved and frozen
/// must be what the physicist checked and the acknowledgements refer to.
async fn same_as_checked(state: &AppState, plan: &Plan) -> Result<(), ApiError> {
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let now = compute_stored(state, plan, params).await?;
    if now.result == parse_json(&plan.result_json) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "result_changed",
        "the plan computed now differs from the result that was checked (the engine or the site settings changed since): recompute it (edit or save its parameters) and check it again before approval".to_owned(),
    ))
}

/// The frozen record of a plan about to be approved by `auth`'s user at `at`: the approval hash
/// (the images must be readable) and the report made now (the PDF too when Chromium prints it).
pub(crate) async fn freeze(
    state: &AppState,
    plan: &Plan,
    user: &sirt_store::User,
    full_name: &str,
    at: &str,
) -> Result<sirt_store::NewFrozen, ApiError> {
    let (parts, approval_sha256) = approval_inputs(state, plan).await?;
    same_as_checked(state, plan).await?;
    let engine = state.engine_id.clone();
    let approval = Signature {
        id: 0,
        plan_id: plan.id,
        step: SignedStep::Approve.as_str().to_owned(),
        user_id: user.id,
        username: user.username.clone(),
        full_name: full_name.to_owned(),
        role: user.role.as_str().to_owned(),
        meaning: SignedStep::Approve.meaning().to_owned(),
        signed_at: at.to_owned(),
    };
    let report_html = render_approved(state, plan, &approval, &approval_sha256, &engine).await?;
    let report_pdf = if sirt_report::pdf::chromium_candidates().is_empty() {
        None
    } else {
        crate::pages::print_report_pdf(report_html.clone(), plan.id)
            .await
            .ok()
    };
    Ok(sirt_store::NewFrozen {
        report_html,
        report_pdf,
        approval_sha256,
        approval_inputs_json: parts.to_string(),
        engine_id: engine,
        signed_at: at.to_owned(),
    })
}

/// The names of the parts that differ between two approval-hash parts objects.
fn changed_parts(stored: &Value, now: &Value) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = stored
        .as_object()
        .into_iter()
        .chain(now.as_object())
        .flat_map(|m| m.keys())
        .collect();
    keys.into_iter()
        .filter(|k| stored.get(k.as_str()) != now.get(k.as_str()))
        .cloned()
        .collect()
}

/// `GET /api/plans/{id}/recompute-difference`: the approved plan recomputed with today's
/// engine and inputs, compared with the record frozen at approval (409 `not_frozen` for a plan
/// approved without one or not approved).
pub(crate) async fn recompute_difference(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    let Some(frozen) = stored(&state, id).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_frozen",
            format!(
                "plan {id} (state {}): expected an approved plan with the record frozen at its approval, found none",
                plan.state
            ),
        ));
    };
    let (parts, approval_sha256_now) = approval_inputs(&state, &plan).await?;
    let stored_parts = parse_json(&frozen.approval_inputs_json);
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let computed = compute_stored(&state, &plan, params).await?;
    let result_differs = computed.result != parse_json(&plan.result_json);
    let approval = state
        .store
        .signatures(id)
        .await?
        .into_iter()
        .rfind(|s| s.step == SignedStep::Approve.as_str())
        .ok_or_else(ApiError::internal)?;
    let engine_now = state.engine_id.clone();
    let html_now =
        render_approved(&state, &plan, &approval, &approval_sha256_now, &engine_now).await?;
    let report_html_sha256_now = sha256_hex(html_now.as_bytes());
    let report_differs = report_html_sha256_now != frozen.report_html_sha256;
    let inputs_changed = changed_parts(&stored_parts, &parts);
    let differs = result_differs || report_differs || !inputs_changed.is_empty();
    let summary = if differs {
        format!(
            "recomputed with {engine_now} (approved with {}): {}{}{}; the approved report stays the one stored at approval",
            frozen.engine_id,
            if inputs_changed.is_empty() {
                "inputs unchanged".to_owned()
            } else {
                format!("changed inputs: {}", inputs_changed.join(", "))
            },
            if result_differs {
                "; the result differs"
            } else {
                "; the result is the same"
            },
            if report_differs {
                "; the report differs"
            } else {
                "; the report is the same"
            },
        )
    } else {
        format!("recomputed with {engine_now}: no difference from the record frozen at approval")
    };
    Ok(Json(RecomputeDifference {
        plan_id: id,
        differs,
        engine_at_approval: frozen.engine_id,
        engine_now,
        approval_sha256_stored: frozen.approval_sha256,
        approval_sha256_now,
        inputs_changed,
        result_differs,
        report_html_sha256_stored: frozen.report_html_sha256,
        report_html_sha256_now,
        report_differs,
        summary,
    })
    .into_response())
}

/// Fills the report's sign-off block ("Checked by", "Approved by") from the plan's electronic
/// signatures: the last check signature while the plan is checked, the approval signature once
/// approved. A plan not yet signed keeps the empty fields to sign by hand.
pub(crate) fn fill_sign_off(
    state: &AppState,
    plan: &Plan,
    document: &mut sirt_report::document::Document,
    signatures: &[Signature],
) {
    use sirt_report::document::Block;
    use sirt_report::signoff::{ReportOptions, SignOff, is_sign_off_heading};
    let lang = state.engine.site().settings.language;
    let pick = |step: SignedStep| {
        let s = signatures.iter().rev().find(|s| s.step == step.as_str())?;
        Some(sirt_report::signoff::Signature {
            name: s.full_name.clone(),
            role: crate::report::role_text(lang, &s.role),
            instant: s.signed_at.parse().ok()?,
            meaning: crate::report::meaning_text(lang, &s.step, &s.meaning),
        })
    };
    // "Prepared by": the account that created this version, its role then, the creation instant.
    let prepared = plan
        .created_at
        .parse()
        .ok()
        .map(|instant| sirt_report::signoff::Signature {
            name: plan.created_by.clone(),
            role: plan
                .created_by_role
                .as_deref()
                .map_or_else(|| "—".to_owned(), |r| crate::report::role_text(lang, r)),
            instant,
            meaning: sirt_i18n::t!(lang, "sign-meaning-prepared", version = plan.version),
        });
    let options = ReportOptions {
        time_zone: state.engine.site().settings.zone(),
        sign_off: SignOff {
            prepared,
            checked: plan.checked_at.as_ref().and(pick(SignedStep::Check)),
            approved: plan.approved_at.as_ref().and(pick(SignedStep::Approve)),
        },
        lang,
    };
    let at = document
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading(1, t) if is_sign_off_heading(t)));
    if let Some(at) = at
        && matches!(document.blocks.get(at + 1), Some(Block::Table(_)))
    {
        document.blocks[at + 1] = Block::Table(options.sign_off.table(&options));
    }
}
