//! The web application's pages and what only they need: the page shell and its scripts and
//! style (served from the binary: no CDN), the plan report as PDF (headless Chromium, as
//! `sirtplan plan --pdf`), and the cohort statistics (sirt-survival, as `sirtplan cohort km`).

use crate::AppState;
use crate::answers::{DemoRegistry, KmAnswer, KmBody, Messages};
use crate::error::{ApiError, ApiJson, PathId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sirt_i18n::{Lang, t};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Content-Security-Policy of the application page: its own scripts, styles and data only.
/// `img-src data:` for the plots rendered by the server as SVG and for the image viewer's font
/// atlas (NiiVue draws its orientation letters from a PNG inlined in its bundle); `frame-src
/// 'self'` for the report. The viewer library (NiiVue, [`NIIVUE_BUNDLE`]) needs nothing more:
/// WebGL2 is not governed by the policy, and the bundle has no `eval` or `new Function` (no
/// `'unsafe-eval'`), starts no worker (no `worker-src`, no `blob:`) and carries no WebAssembly
/// (no `'wasm-unsafe-eval'`: the Zarr codecs that would need it are left out by
/// `viewer-bundle/no-codec.js`); `tests/viewer.rs` checks all three on the served bundle.
pub const APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../static/index.html");

/// The image viewer's library: NiiVue and its dependencies in one minified ES module, built
/// from `viewer-bundle/package-lock.json` by `viewer-bundle/build.sh` (CI rebuilds it and
/// compares), served at `/static/niivue.min.js`.
pub const NIIVUE_BUNDLE: &str = include_str!("../static/vendor/niivue.min.js");

/// The licences of the code in [`NIIVUE_BUNDLE`] (NiiVue BSD-2-Clause, its dependencies MIT and
/// ISC), served at `/static/niivue.LICENSES.txt`.
pub const NIIVUE_LICENSES: &str = include_str!("../static/vendor/niivue.LICENSES.txt");

/// The files of the application, served at `/static/{name}`: (name, content type, bytes).
const STATIC_FILES: [(&str, &str, &str); 10] = [
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/i18n.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    ),
    (
        "viewer.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/viewer.js"),
    ),
    (
        "registration.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/registration.js"),
    ),
    (
        "structures.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/structures.js"),
    ),
    (
        "pacs.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/pacs.js"),
    ),
    (
        "uncertainty.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/uncertainty.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../static/app.css"),
    ),
    (
        "niivue.min.js",
        "text/javascript; charset=utf-8",
        NIIVUE_BUNDLE,
    ),
    (
        "niivue.LICENSES.txt",
        "text/plain; charset=utf-8",
        NIIVUE_LICENSES,
    ),
];

fn with_type(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Escapes text for HTML (text and attribute values).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The application page in a language: `<html lang>` and the texts shown before the script
/// runs.
pub(crate) fn index_html(lang: Lang) -> String {
    INDEX_HTML
        .replace("{{lang}}", lang.code())
        .replace("{{noscript}}", &escape(&t!(lang, "web-page-noscript")))
        .replace("{{loading}}", &escape(&t!(lang, "web-page-loading")))
}

/// `GET /`: the application page, in the signed-in user's language (else the site's).
pub(crate) async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = crate::auth::request_language(&state, &headers).await;
    let mut r = index_html(lang).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CSP),
    );
    r
}

/// The prefixes of the catalogue's messages the web application reads: its own, the words
/// shared by every output (yes/no, check statuses and bases, the subjects of checks, the
/// research-use notice), and the report's words for a plan's binding constraint and a session's
/// extent (shown in the planning workspace as the report prints them).
const WEB_MESSAGE_PREFIXES: [&str; 7] = [
    "web-",
    "common-",
    "status-",
    "basis-",
    "subject-",
    "report-constraint-",
    "report-extent-",
];

/// The web application's messages in `lang`: id → text, variables left as `{$name}` for the
/// page to fill.
pub(crate) fn web_messages(lang: Lang) -> BTreeMap<String, String> {
    sirt_i18n::message_ids(lang)
        .into_iter()
        .filter(|id| WEB_MESSAGE_PREFIXES.iter().any(|p| id.starts_with(p)))
        .map(|id| {
            let text = sirt_i18n::tr(lang, &id);
            (id, text)
        })
        .collect()
}

/// The titles of the site's rules in `lang`, by their English wording (what a plan's stored
/// result holds); only those whose wording differs (French wordings of the rule files).
pub(crate) fn rule_titles(state: &AppState, lang: Lang) -> BTreeMap<String, String> {
    state
        .engine
        .site()
        .rules
        .rules()
        .iter()
        .filter_map(|r| {
            let text = r.title_text().render(lang);
            (text != r.title).then(|| (r.title.clone(), text))
        })
        .collect()
}

/// `GET /api/i18n/{lang}`: the web application's messages in a language (`en`, `fr`), and the
/// titles of the site's rules in it; public, so that the sign-in page speaks the site's
/// language. 404 for another language.
pub(crate) async fn messages(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let lang: Lang = code
        .parse()
        .map_err(|e: sirt_i18n::UnknownLang| ApiError::not_found(e.to_string()))?;
    let mut r = Json(Messages {
        lang,
        messages: web_messages(lang),
        rule_titles: rule_titles(&state, lang),
    })
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// `GET /static/{file}`: a script or style of the application.
pub(crate) async fn static_file(Path(name): Path<String>) -> Result<Response, ApiError> {
    STATIC_FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, t, body)| with_type(body, t))
        .ok_or_else(|| ApiError::not_found(format!("no static file `{name}`")))
}

/// PDFs printed at once at most (each runs a Chromium process of a few hundred MB).
/// Design choice for a small server; further requests wait their turn.
const PDF_AT_ONCE: usize = 2;

static PDF_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PDF_AT_ONCE);
static PDF_SEQ: AtomicU64 = AtomicU64::new(0);

/// `GET /api/plans/{id}/report.pdf`: the plan report printed by headless Chromium (the same
/// document as `report.html`). 503 `pdf_unavailable` without Chromium.
pub(crate) async fn report_pdf(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    // An approved plan's PDF is the one printed at its approval (`frozen`) when the HTML served
    // is the one stored then; otherwise the HTML served, printed now.
    let html = crate::report::report_document_html(&state, id).await?;
    let stored_pdf = state
        .store
        .frozen(id)
        .await?
        .filter(|f| f.report_html == html)
        .and_then(|f| f.report_pdf);
    let bytes = match stored_pdf {
        Some(b) => b,
        None => print_report_pdf(html, id).await?,
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let name = format!(
        "attachment; filename=\"sirtplan-plan-{id}-v{}.pdf\"",
        plan.version
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Prints the HTML report of plan `id` to PDF with headless Chromium (as `sirtplan plan
/// --pdf`), at most [`PDF_AT_ONCE`] at a time, in a temporary folder removed afterwards.
/// 503 `pdf_unavailable` (naming the cause) when Chromium is missing or fails.
pub(crate) async fn print_report_pdf(html: String, id: i64) -> Result<Vec<u8>, ApiError> {
    let _slot = PDF_SLOTS
        .acquire()
        .await
        .map_err(|_| ApiError::internal())?;
    let seq = PDF_SEQ.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("sirtplan-report-{}-{seq}-{id}", std::process::id()));
    // What went wrong stays on the server (paths, Chromium's output); the answer says which
    // of the two cases it is.
    enum Failure {
        NoChromium,
        Failed,
    }
    tokio::task::spawn_blocking(move || {
        let result = (|| {
            std::fs::create_dir_all(&dir).map_err(|_| Failure::Failed)?;
            let html_path = dir.join("report.html");
            let pdf_path = dir.join("report.pdf");
            std::fs::write(&html_path, html).map_err(|_| Failure::Failed)?;
            sirt_report::pdf::print_pdf(&html_path, &pdf_path).map_err(|e| match e {
                sirt_report::pdf::PdfError::NoChromium(_) => Failure::NoChromium,
                _ => Failure::Failed,
            })?;
            std::fs::read(&pdf_path).map_err(|_| Failure::Failed)
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|f| {
        let why = match f {
            Failure::NoChromium => {
                "this server has no Chromium to print it (an administrator installs it: Debian `apt-get install chromium`, or sets SIRTPLAN_CHROMIUM)"
            }
            Failure::Failed => "Chromium failed to print it on this server",
        };
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "pdf_unavailable",
            format!("the PDF could not be printed: {why}; the HTML report is at /api/plans/{id}/report.html"),
        )
    })
}

/// The synthetic demo registry (`examples/demo-registry.csv`, written by its generator).
const DEMO_REGISTRY: &str = include_str!("../../../examples/demo-registry.csv");

/// `GET /api/cohort/demo-registry`: the synthetic registry for trying the cohort page.
pub(crate) async fn demo_registry() -> Response {
    Json(DemoRegistry {
        registry_csv: DEMO_REGISTRY.to_owned(),
        note: "synthetic registry (examples/demo-registry.csv): invented patients, for trying the statistics only".to_owned(),
    })
    .into_response()
}

/// Largest registry accepted by `POST /api/cohort/km`, characters (the body limit is 2 MiB).
const REGISTRY_MAX_CHARS: usize = 1_000_000;

/// `POST /api/cohort/km`: Kaplan–Meier curves of a registry (as `sirtplan cohort km`, log-log
/// intervals at 95 %), the summary text and the plot as SVG.
pub(crate) async fn cohort_km(ApiJson(body): ApiJson<KmBody>) -> Result<Response, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m);
    let n = body.registry_csv.chars().count();
    if n > REGISTRY_MAX_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            format!(
                "field `registry_csv`: expected at most {REGISTRY_MAX_CHARS} characters, found {n}"
            ),
        ));
    }
    let unit: sirt_survival::TimeUnit = body
        .unit
        .parse()
        .map_err(|e: String| bad(format!("field `unit`: {e}")))?;
    let mut columns = sirt_survival::CohortColumns::new(&body.duration, &body.event, unit);
    if let Some(g) = body.group.as_deref().filter(|g| !g.trim().is_empty()) {
        columns = columns.with_group(g);
    }
    let report = tokio::task::spawn_blocking(move || {
        let cohort = sirt_survival::parse_cohort_csv(&body.registry_csv, "registry_csv", &columns)
            .map_err(|e| e.to_string())?;
        sirt_survival::kaplan_meier(&cohort, &sirt_survival::KmOptions::default())
            .map_err(|e| format!("registry_csv: {e}"))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(bad)?;
    let svg = sirt_survival::render_km_svg(&report, &sirt_survival::KmPlotOptions::default());
    let text = sirt_survival::km_summary_text(&report, None);
    let Value::Object(report) = serde_json::to_value(&report).map_err(|_| ApiError::internal())?
    else {
        return Err(ApiError::internal());
    };
    Ok(Json(KmAnswer {
        report,
        summary_text: text,
        svg,
    })
    .into_response())
}
