//! Delivery of an approved plan, one session at a time (`POST /api/plans/{id}/deliver`,
//! `GET /api/plans/{id}/deliveries`; docs/server.md, "Delivery").
//!
//! Each injection's record (injection instant, vial assay with its instant, residual with its
//! instant, catheter position) is checked against the plan before it is stored; a refusal is 422
//! naming the field, what was expected and what was found:
//!
//! | check | field |
//! |---|---|
//! | an injection of the session, once per request | `treatments[n].injection_id` |
//! | instants with a zone, within [`WINDOW_DAYS`] of the session's planned treatment (and the injection inside the vial's usable window); the assay not after the injection, the residual not before it | `treatments[n].administered_at`, `.vial_assayed_at`, `.residual_measured_at` |
//! | the vial at injection (decayed with the device's nuclide) at most the ordered vial(s) at injection + [`VIAL_TOLERANCE`] | `treatments[n].vial_activity` |
//! | the residual at injection at most the vial at injection (`sirt_devices::delivered`) | `treatments[n].residual` |
//! | delivered more than [`CONFIRM_DEVIATION`] from the plan's intended activity: a reason | `treatments[n].confirm_reason` |
//! | an injection with a record already: a correction reason (a new version of the record) | `treatments[n].correction_reason` |
//!
//! The records in force are given to the engine as typed overrides (`[injections.delivery]`
//! of each injection, `sirt_case::DeliveryOverride`), so that the delivery answer's `result`, the
//! report and the voxel part carry the recorded delivery, the delivered doses and the
//! post-treatment checks; the stored case file, parameters and result (and so the approval's
//! SHA-256 and the acknowledgements of its failed checks) do not change.

use crate::answers::{
    DeliverBody, DeliveryEntry, DeliveryInjection, DeliverySession, DeliveryView,
};
use crate::engine::{Computed, Parameters, parameters_from, parse_json};
use crate::error::{ApiError, ApiJson, PathId};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sirt_case::{DeliveryOverride, Overrides};
use sirt_store::{
    DeliveryAddendum, NewAddendum, NewDelivery, Plan, PlanDeliveries, SessionDelivery,
};
use sirt_units::{Activity, Instant};
use sirt_workflow::{InjectionPlan, SessionPlan};

/// How far from the session's planned treatment a delivery instant may be, in days: the bound
/// the case file's own `[injections.delivery]` is validated against
/// (`sirt_workflow::DELIVERY_MAX_SHIFT_DAYS`, 2 days: more than that apart is another session).
/// The vial's usable window (`data/devices.toml`: TheraSphere 0 to 12 days after its Sunday
/// calibration, SIR-Spheres 1 day either side of its calibration, Ho-166 at treatment) is
/// checked too, but alone it is too wide for glass to catch a mistyped day or month; the session
/// window catches those, and a year such as 1999, while leaving a treatment moved by a day.
pub const WINDOW_DAYS: f64 = sirt_workflow::DELIVERY_MAX_SHIFT_DAYS;

/// How much the assayed vial may exceed the ordered vial(s) at the injection instant: the
/// manufacturer's tolerance on a vial's activity at calibration (SIR-Spheres: "3.0 GBq ± 10 %",
/// the catalogue's `vial_source`), so that a calibrator reading within it is accepted and a
/// wrong unit or a misplaced decimal point (192 GBq for a 1.9 GBq vial) is not.
pub const VIAL_TOLERANCE: f64 = 0.10;

/// A delivered activity further than this from the plan's intended activity is stored only
/// with a reason (`confirm_reason`).
pub const CONFIRM_DEVIATION: f64 = 0.50;

/// An entry checked against the plan: what is stored and what the engine is given.
struct Checked {
    record: NewDelivery,
    delivery: DeliveryOverride,
}

fn refuse(
    field: String,
    expected: impl std::fmt::Display,
    found: impl std::fmt::Display,
) -> ApiError {
    ApiError::invalid(format!(
        "field `{field}`: expected {expected}, found {found}"
    ))
}

fn gbq(a: Activity) -> String {
    format!("{:.4} GBq", a.gbq())
}

/// The sessions of the plan in treatment order, with their injections' ids.
fn plan_sessions(plan: &sirt_workflow::Plan) -> Vec<(String, Vec<String>)> {
    plan.sessions
        .iter()
        .map(|s| {
            let ids = s
                .injections
                .iter()
                .map(|&n| plan.injections[n].input.id.clone())
                .collect();
            (s.id.clone(), ids)
        })
        .collect()
}

/// The parameters' overrides with the delivery records in force.
pub(crate) fn with_records(
    params: &Parameters,
    records: &PlanDeliveries,
) -> Result<Overrides, ApiError> {
    let mut o = params.overrides();
    for r in records.current() {
        let instant = |field: &str, v: &str| {
            v.parse::<Instant>().map_err(|e| {
                refuse(
                    format!("delivery record {} {field}", r.id),
                    "an instant with its zone",
                    format!("`{v}` ({e})"),
                )
            })
        };
        o.injections
            .entry(r.injection_id.clone())
            .or_default()
            .delivery = Some(DeliveryOverride {
            injected: instant("administered_at", &r.administered_at)?,
            vial_activity: Some(Activity::from_gbq(r.vial_at_injection_gbq)),
            residual: Activity::from_gbq(r.residual_gbq),
            residual_measured: instant("residual_measured_at", &r.residual_measured_at)?,
        });
    }
    Ok(o)
}

/// Computes a plan version's case file with overrides off the async threads, with the
/// measurement the version keeps (`crate::engine::compute_stored_overrides`).
pub(crate) async fn compute_with(
    state: &AppState,
    plan: &sirt_store::Plan,
    overrides: Overrides,
) -> Result<Computed, ApiError> {
    crate::engine::compute_stored_overrides(state, plan, overrides).await
}

/// An instant within the session's window.
fn instant_in_window(field: &str, text: &str, session: &SessionPlan) -> Result<Instant, ApiError> {
    let t: Instant = text.parse().map_err(|e| {
        refuse(
            field.to_owned(),
            "an instant with its zone or offset (`2026-03-05T10:25:00[Europe/Paris]`)",
            format!("`{}` ({e})", text.chars().take(60).collect::<String>()),
        )
    })?;
    let days = t.since(&session.treatment).days();
    if days.abs() > WINDOW_DAYS {
        return Err(refuse(
            field.to_owned(),
            format!(
                "an instant within {WINDOW_DAYS} days of session {}'s planned treatment ({})",
                session.id, session.treatment
            ),
            format!("{t}, {days:.1} days from it"),
        ));
    }
    Ok(t)
}

fn activity(field: &str, text: &str) -> Result<Activity, ApiError> {
    let a: Activity = text.parse().map_err(|e| {
        refuse(
            field.to_owned(),
            "an activity with its unit (`1.95 GBq`, `52.7 mCi`)",
            format!("`{}` ({e})", text.chars().take(40).collect::<String>()),
        )
    })?;
    if !(a.gbq().is_finite() && a.gbq() >= 0.0) {
        return Err(refuse(field.to_owned(), "an activity of 0 or more", gbq(a)));
    }
    Ok(a)
}

/// The three instants of an entry: each within the session's window, the assay not after the
/// injection, the residual not before it, the injection inside the vial's usable window.
fn instants(
    n: usize,
    e: &DeliveryEntry,
    device: &sirt_devices::Device,
    order: &sirt_devices::VialOrder,
    session: &SessionPlan,
) -> Result<(Instant, Instant, Instant), ApiError> {
    let f = |name: &str| format!("treatments[{n}].{name}");
    let injected = instant_in_window(&f("administered_at"), &e.administered_at, session)?;
    let assayed = instant_in_window(&f("vial_assayed_at"), &e.vial_assayed_at, session)?;
    let measured = instant_in_window(&f("residual_measured_at"), &e.residual_measured_at, session)?;
    if assayed > injected {
        return Err(refuse(
            f("vial_assayed_at"),
            format!("the assay before the injection ({injected})"),
            assayed,
        ));
    }
    if measured < injected {
        return Err(refuse(
            f("residual_measured_at"),
            format!("the residual measured after the injection ({injected})"),
            measured,
        ));
    }
    let cal = &device.calibration;
    if !cal.at_treatment {
        let since = injected.since(&order.chosen.calibration);
        if since < cal.usable_from || since > cal.usable_to {
            return Err(refuse(
                f("administered_at"),
                format!(
                    "an instant in the vial's usable window, {:.2} to {:.2} days after its calibration ({})",
                    cal.usable_from.days(),
                    cal.usable_to.days(),
                    order.chosen.calibration
                ),
                format!("{injected}, {:.2} days after", since.days()),
            ));
        }
    }
    Ok((injected, assayed, measured))
}

/// What the approved result (the stored result, as checked and approved: the acknowledgements
/// and the approval hash refer to it) planned for one injection. A delivery is compared with
/// it, never with the plan computed again now (another engine or settings may compute another
/// activity).
#[derive(Debug, Clone, PartialEq)]
struct Approved {
    /// The intended activity: administered with the ordered vial(s)
    /// (`with_ordered_vial.administered_activity_gbq`).
    intended: Activity,
    /// The ordered vial(s) at calibration, all vials together.
    ordered: Activity,
    /// The calibration instant of the ordered vial.
    calibration: Instant,
}

/// The approved result's plan of injection `id` (`injections[]` of the stored result JSON):
/// 422 naming `field` for an injection without a planned activity there, 500 `approved_result`
/// when the stored result lacks a value it must hold.
fn approved_of(result: &serde_json::Value, id: &str, field: &str) -> Result<Approved, ApiError> {
    let inj = result["injections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["id"].as_str() == Some(id));
    let Some(inj) = inj.filter(|i| i["status"].as_str() == Some("planned")) else {
        return Err(refuse(
            field.to_owned(),
            "an injection with a planned activity in the approved result",
            format!("`{id}` (no activity planned)"),
        ));
    };
    let broken = |what: &str, found: &serde_json::Value| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "approved_result",
            format!(
                "the approved result of injection {id}: expected {what}, found {}",
                found.to_string().chars().take(80).collect::<String>()
            ),
        )
    };
    let number = |v: &serde_json::Value, what: &str| {
        v.as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| broken(what, v))
    };
    let w = &inj["with_ordered_vial"]["administered_activity_gbq"];
    let intended = number(w, "`with_ordered_vial.administered_activity_gbq` in GBq")?;
    let order = &inj["vial_order"];
    let per_vial = number(
        &order["vial_activity_at_calibration_gbq"],
        "`vial_order.vial_activity_at_calibration_gbq` in GBq",
    )?;
    let vials = number(&order["vials"], "`vial_order.vials`, a count")?;
    let cal = &order["calibration"];
    let calibration = cal
        .as_str()
        .and_then(|t| t.parse::<Instant>().ok())
        .ok_or_else(|| broken("`vial_order.calibration`, an instant", cal))?;
    Ok(Approved {
        intended: Activity::from_gbq(intended),
        ordered: Activity::from_gbq(per_vial * vials),
        calibration,
    })
}

/// Checks one entry against its injection's plan (see the module's table): the activities with
/// the approved result's (`approved`), the device and the windows with the plan's.
fn check_entry(
    n: usize,
    e: &DeliveryEntry,
    inj: &InjectionPlan,
    session: &SessionPlan,
    approved: &Approved,
) -> Result<Checked, ApiError> {
    let f = |name: &str| format!("treatments[{n}].{name}");
    let planned = inj.planned().ok_or_else(|| {
        refuse(
            f("injection_id"),
            "an injection with a planned activity",
            format!("`{}` (no activity planned)", inj.input.id),
        )
    })?;
    let device = &inj.device;
    let order = &planned.order;
    let (injected, assayed, measured) = instants(n, e, device, order, session)?;
    let vial = activity(&f("vial_activity"), &e.vial_activity)?;
    if !vial.is_positive() {
        return Err(refuse(f("vial_activity"), "an activity above 0", gbq(vial)));
    }
    let residual = activity(&f("residual"), &e.residual)?;
    let nuclide = device.nuclide;
    let vial_at_injection = nuclide.activity_at(vial, &assayed, &injected);
    let ordered = nuclide.activity_at(approved.ordered, &approved.calibration, &injected);
    let most = ordered * (1.0 + VIAL_TOLERANCE);
    if vial_at_injection > most {
        return Err(refuse(
            f("vial_activity"),
            format!(
                "at most {} at the injection: the ordered vial of the approved plan ({} at calibration {}, {}) decayed to the injection, + {:.0} %",
                gbq(most),
                gbq(approved.ordered),
                approved.calibration.report_text(),
                nuclide,
                VIAL_TOLERANCE * 100.0
            ),
            format!(
                "{} ({} at injection)",
                e.vial_activity,
                gbq(vial_at_injection)
            ),
        ));
    }
    let delivered = sirt_devices::delivered(
        device,
        vial_at_injection,
        &injected,
        residual,
        &measured,
    )
    .map_err(|_| {
        let at_injection = nuclide.activity_at(residual, &measured, &injected);
        refuse(
            f("residual"),
            format!(
                "at most the vial at injection ({}), the residual decayed to the injection with {}",
                gbq(vial_at_injection),
                nuclide
            ),
            format!("{} ({} at injection)", e.residual, gbq(at_injection)),
        )
    })?;
    let intended = approved.intended;
    let deviation = delivered.delivered / intended - 1.0;
    let reason = |r: &Option<String>| r.as_ref().filter(|s| !s.trim().is_empty()).cloned();
    let confirm_reason = reason(&e.confirm_reason);
    if deviation.abs() > CONFIRM_DEVIATION && confirm_reason.is_none() {
        return Err(refuse(
            f("confirm_reason"),
            format!(
                "a reason confirming a delivered activity {:+.0} % from the approved plan's intended activity ({}; more than ±{:.0} % asks for confirmation)",
                deviation * 100.0,
                gbq(intended),
                CONFIRM_DEVIATION * 100.0
            ),
            format!("none (delivered {})", gbq(delivered.delivered)),
        ));
    }
    Ok(Checked {
        record: NewDelivery {
            injection_id: e.injection_id.clone(),
            administered_at: e.administered_at.clone(),
            vial_entered: e.vial_activity.clone(),
            vial_activity_gbq: vial.gbq(),
            vial_assayed_at: e.vial_assayed_at.clone(),
            vial_at_injection_gbq: vial_at_injection.gbq(),
            residual_entered: e.residual.clone(),
            residual_gbq: residual.gbq(),
            residual_measured_at: e.residual_measured_at.clone(),
            delivered_activity_gbq: delivered.delivered.gbq(),
            catheter_position: e.catheter_position.clone(),
            confirm_reason,
            correction_reason: reason(&e.correction_reason),
        },
        delivery: DeliveryOverride {
            injected,
            vial_activity: Some(vial_at_injection),
            residual,
            residual_measured: measured,
        },
    })
}

/// The checked entries of a request, in its order.
fn check_body(
    body: &DeliverBody,
    plan: &sirt_workflow::Plan,
    approved_result: &serde_json::Value,
    records: &PlanDeliveries,
) -> Result<Vec<Checked>, ApiError> {
    let session = plan
        .sessions
        .iter()
        .find(|s| s.id == body.session)
        .ok_or_else(|| {
            let ids: Vec<&str> = plan.sessions.iter().map(|s| s.id.as_str()).collect();
            refuse(
                "session".into(),
                format!("a session of the plan ({})", ids.join(", ")),
                format!("`{}`", body.session.chars().take(40).collect::<String>()),
            )
        })?;
    if body.treatments.is_empty() {
        return Err(refuse(
            "treatments".into(),
            format!("a record for each injection of session {}", session.id),
            "none",
        ));
    }
    let mut out = Vec::new();
    for (n, e) in body.treatments.iter().enumerate() {
        let ids: Vec<&str> = session
            .injections
            .iter()
            .map(|&i| plan.injections[i].input.id.as_str())
            .collect();
        let inj = session
            .injections
            .iter()
            .map(|&i| &plan.injections[i])
            .find(|i| i.input.id == e.injection_id)
            .ok_or_else(|| {
                refuse(
                    format!("treatments[{n}].injection_id"),
                    format!(
                        "an injection of session {} ({})",
                        session.id,
                        ids.join(", ")
                    ),
                    format!("`{}`", e.injection_id.chars().take(40).collect::<String>()),
                )
            })?;
        if body.treatments[..n]
            .iter()
            .any(|o| o.injection_id == e.injection_id)
        {
            return Err(refuse(
                format!("treatments[{n}].injection_id"),
                "one record per injection",
                format!("`{}` a second time", e.injection_id),
            ));
        }
        let approved = approved_of(
            approved_result,
            &e.injection_id,
            &format!("treatments[{n}].injection_id"),
        )?;
        let checked = check_entry(n, e, inj, session, &approved)?;
        let previous = records.current().find(|r| r.injection_id == e.injection_id);
        match (previous, &checked.record.correction_reason) {
            (Some(p), None) => {
                return Err(refuse(
                    format!("treatments[{n}].correction_reason"),
                    format!(
                        "a reason for correcting the recorded delivery of injection {} (version {}, recorded by {} at {}): one record per injection, a correction is a new version",
                        p.injection_id, p.record_version, p.recorded_by, p.recorded_at
                    ),
                    "none",
                ));
            }
            (None, Some(_)) => {
                return Err(refuse(
                    format!("treatments[{n}].correction_reason"),
                    format!(
                        "none: injection {} has no record to correct",
                        e.injection_id
                    ),
                    "a correction reason",
                ));
            }
            _ => {}
        }
        out.push(checked);
    }
    Ok(out)
}

/// The delivery answer: the plan, its result with the records in force (`computed`), its
/// records and sessions.
fn view(
    state: &AppState,
    p: &Plan,
    computed: Computed,
    delivery: PlanDeliveries,
    addenda: Vec<DeliveryAddendum>,
) -> Result<DeliveryView, ApiError> {
    let plan = &computed.plan;
    let sessions = plan
        .sessions
        .iter()
        .map(|s| DeliverySession {
            id: s.id.clone(),
            treatment: s.treatment.to_string(),
            delivered: delivery.sessions.iter().any(|d| d.session_id == s.id),
            injections: s
                .injections
                .iter()
                .map(|&i| {
                    let inj = &plan.injections[i];
                    DeliveryInjection {
                        id: inj.input.id.clone(),
                        label: inj.input.label.clone(),
                        device: inj.device.id.clone(),
                        intended_gbq: inj.planned().map(|p| p.expected.administered.gbq()),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(DeliveryView {
        plan: crate::api::plan_view(state, p)?,
        result: computed.result,
        delivery,
        sessions,
        addenda,
    })
}

/// `POST /api/plans/{id}/deliver`: the delivery of one session (the module's checks, then the
/// plan computed with the records in force, which the engine validates too), stored; the answer
/// carries that result.
pub(crate) async fn deliver_plan(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<DeliverBody>,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let records = state.store.deliveries(id).await?;
    let planned = compute_with(&state, &plan, params.overrides()).await?;
    let checked = check_body(
        &body,
        &planned.plan,
        &parse_json(&plan.result_json),
        &records,
    )?;
    let mut overrides = with_records(&params, &records)?;
    for c in &checked {
        overrides
            .injections
            .entry(c.record.injection_id.clone())
            .or_default()
            .delivery = Some(c.delivery.clone());
    }
    let delivered = compute_with(&state, &plan, overrides).await?;
    let sessions = plan_sessions(&planned.plan);
    let at = sirt_store::now();
    let actor = auth.actor();
    let after = projected(
        &plan,
        &records,
        &checked,
        &body.session,
        &sessions,
        &actor.name,
        &at,
    );
    let addendum = render_addendum(&state, &after, &body.session, &at).await?;
    let (p, delivery) = state
        .store
        .deliver_plan(
            &actor,
            id,
            body.row_version,
            &SessionDelivery {
                session_id: body.session.clone(),
                records: checked.into_iter().map(|c| c.record).collect(),
                sessions,
                addendum,
            },
        )
        .await?;
    let addenda = state.store.delivery_addenda(id).await?;
    Ok(Json(view(&state, &p, delivered, delivery, addenda)?).into_response())
}

/// The plan and its delivery as they will read once `checked` (the entries of session
/// `session`) are stored by `user` at `at`, as the store writes them (`sirt_store`'s
/// `deliver_plan`: a correction a new version replacing the record in force, a session
/// delivered when each of its injections has a record, the plan when every session is): what
/// the delivery addendum prints. The new records have no id yet (0).
fn projected(
    plan: &Plan,
    records: &PlanDeliveries,
    checked: &[Checked],
    session: &str,
    sessions: &[(String, Vec<String>)],
    user: &str,
    at: &str,
) -> (Plan, PlanDeliveries) {
    let mut out = records.clone();
    for c in checked {
        let r = &c.record;
        let previous = out
            .records
            .iter_mut()
            .find(|p| p.current && p.injection_id == r.injection_id);
        let (record_version, replaces) = match previous {
            Some(p) => {
                p.current = false;
                (p.record_version + 1, Some(p.id))
            }
            None => (1, None),
        };
        out.records.push(sirt_store::DeliveryRecord {
            id: 0,
            plan_id: plan.id,
            session_id: session.to_owned(),
            injection_id: r.injection_id.clone(),
            record_version,
            replaces,
            current: true,
            administered_at: r.administered_at.clone(),
            vial_entered: r.vial_entered.clone(),
            vial_activity_gbq: r.vial_activity_gbq,
            vial_assayed_at: r.vial_assayed_at.clone(),
            vial_at_injection_gbq: r.vial_at_injection_gbq,
            residual_entered: r.residual_entered.clone(),
            residual_gbq: r.residual_gbq,
            residual_measured_at: r.residual_measured_at.clone(),
            delivered_activity_gbq: r.delivered_activity_gbq,
            catheter_position: r.catheter_position.clone(),
            confirm_reason: r.confirm_reason.clone(),
            correction_reason: r.correction_reason.clone(),
            recorded_by: user.to_owned(),
            recorded_at: at.to_owned(),
        });
    }
    let has_record = |inj: &String| out.records.iter().any(|r| &r.injection_id == inj);
    let session_done = sessions
        .iter()
        .find(|(s, _)| s == session)
        .is_some_and(|(_, injections)| injections.iter().all(has_record));
    if session_done && !out.sessions.iter().any(|s| s.session_id == session) {
        out.sessions.push(sirt_store::SessionDelivered {
            session_id: session.to_owned(),
            delivered_by: user.to_owned(),
            delivered_at: at.to_owned(),
        });
    }
    let mut p = plan.clone();
    let all_done = sessions
        .iter()
        .all(|(s, _)| out.sessions.iter().any(|d| &d.session_id == s));
    if all_done && p.state == sirt_store::PlanState::Approved {
        p.state = sirt_store::PlanState::Delivered;
        p.delivered_by = Some(user.to_owned());
        p.delivered_at = Some(at.to_owned());
    }
    (p, out)
}

/// The delivery addendum of a recording: the plan report made now with the records in force
/// after it (`after`, [`projected`]) — the recorded delivery, the delivered doses and the
/// post-treatment checks — headed by what it is: the recording it belongs to, the approved
/// report it adds to (unchanged, by its SHA-256), the instant and the engine that computed it.
async fn render_addendum(
    state: &AppState,
    (plan, records): &(Plan, PlanDeliveries),
    session: &str,
    at: &str,
) -> Result<NewAddendum, ApiError> {
    let engine = state.engine_id.clone();
    let frozen = crate::frozen::stored(state, plan.id).await?;
    let corrected = records
        .current()
        .any(|r| r.id == 0 && r.correction_reason.is_some());
    use crate::report::instant_text;
    use sirt_i18n::t;
    let lang = crate::report::report_lang(state);
    let who = records
        .current()
        .find(|r| r.id == 0)
        .map_or("—", |r| r.recorded_by.as_str());
    let when = instant_text(state, at);
    let rows = vec![
        (
            t!(lang, "record-recording"),
            if corrected {
                t!(
                    lang,
                    "record-recording-correction",
                    session = session,
                    who = who,
                    at = when.clone()
                )
            } else {
                t!(
                    lang,
                    "record-recording-delivery",
                    session = session,
                    who = who,
                    at = when.clone()
                )
            },
        ),
        (
            t!(lang, "record-approved-report"),
            match &frozen {
                Some(f) => t!(
                    lang,
                    "record-approved-report-value",
                    at = instant_text(state, &f.frozen_at),
                    sha = &f.report_html_sha256,
                    approval = &f.approval_sha256
                ),
                None => t!(lang, "record-approved-report-none"),
            },
        ),
        (
            t!(lang, "record-computed"),
            t!(lang, "record-computed-value", at = when, engine = &engine),
        ),
    ];
    let document =
        crate::report::report_document(state, plan, Vec::new(), None, Some(records), rows).await?;
    Ok(NewAddendum {
        report_html: sirt_report::document::to_html(&document),
        engine_id: engine,
        rendered_at: at.to_owned(),
    })
}

/// `GET /api/plans/{id}/deliveries`: the plan, its result with the records in force, every
/// delivery record and the sessions with their state (what the delivery form shows).
pub(crate) async fn get_deliveries(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let records = state.store.deliveries(id).await?;
    let delivered = compute_with(&state, &plan, with_records(&params, &records)?).await?;
    let addenda = state.store.delivery_addenda(id).await?;
    Ok(Json(view(&state, &plan, delivered, records, addenda)?).into_response())
}

/// The delivery records in force as the report prints them (after the plan record), one row per
/// injection, and the sessions delivered.
pub(crate) fn report_rows(state: &AppState, d: &PlanDeliveries) -> Vec<(String, String)> {
    use crate::report::instant_text;
    use sirt_i18n::t;
    let lang = crate::report::report_lang(state);
    let mut rows: Vec<(String, String)> = d
        .current()
        .map(|r| {
            let mut text = t!(
                lang,
                "record-injection-value",
                injected = instant_text(state, &r.administered_at),
                vial = lang.numeric(&r.vial_entered),
                assayed = instant_text(state, &r.vial_assayed_at),
                vial_at_injection = lang.quantity(r.vial_at_injection_gbq, 4, "GBq"),
                residual = lang.numeric(&r.residual_entered),
                measured = instant_text(state, &r.residual_measured_at),
                delivered = lang.quantity(r.delivered_activity_gbq, 4, "GBq"),
                catheter = &r.catheter_position,
                who = &r.recorded_by,
                at = instant_text(state, &r.recorded_at),
                version = r.record_version
            );
            if let Some(c) = &r.confirm_reason {
                text.push_str(&t!(lang, "record-confirmed", reason = c));
            }
            if let Some(c) = &r.correction_reason {
                text.push_str(&t!(lang, "record-correction", reason = c));
            }
            (
                t!(
                    lang,
                    "record-injection",
                    injection = &r.injection_id,
                    session = &r.session_id
                ),
                text,
            )
        })
        .collect();
    if !d.sessions.is_empty() {
        let sessions: Vec<String> = d
            .sessions
            .iter()
            .map(|s| {
                t!(
                    lang,
                    "record-session-delivered",
                    session = &s.session_id,
                    who = &s.delivered_by,
                    at = instant_text(state, &s.delivered_at)
                )
            })
            .collect();
        rows.push((
            t!(lang, "record-sessions-delivered"),
            sessions.join(crate::report::list_separator(lang)),
        ));
    }
    rows
}
