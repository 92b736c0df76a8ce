//! Documents of a case over the API: the list (metadata), the download (the bytes as stored,
//! checked against their SHA-256), and the plan report stored in its case as HTML and, with
//! Chromium, PDF (`store_document`: physicians and physicists).

use crate::answers::{DocumentList, DocumentView, StoredReport};
use crate::error::{ApiError, PathId};
use crate::{AppState, Auth, pages};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sha2::{Digest, Sha256};
use sirt_store::{Document, DocumentContent, NewDocument};

type ApiResult = Result<Response, ApiError>;

/// Kind of the stored plan report.
pub const PLAN_REPORT_KIND: &str = "plan_report";

/// Kind of a stored delivery addendum (beside the plan report of a plan with a recorded
/// delivery).
pub const DELIVERY_ADDENDUM_KIND: &str = "delivery_addendum";

/// MIME type of the stored HTML report (as `GET /api/plans/{id}/report.html` answers).
const HTML_MIME: &str = "text/html; charset=utf-8";

/// MIME type of the stored PDF report.
const PDF_MIME: &str = "application/pdf";

/// A document's record as answered, with its download link.
fn document_view(d: &Document) -> DocumentView {
    DocumentView {
        document: d.clone(),
        download: format!("/api/documents/{}", d.id),
    }
}

/// `GET /api/cases/{id}/documents`: the documents of a case and of its plans, oldest first,
/// without their bytes.
pub(crate) async fn list_documents(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    state.store.case(id).await?;
    let docs = state.store.documents(id).await?;
    let documents = docs.iter().map(document_view).collect();
    Ok(Json(DocumentList { documents }).into_response())
}

/// The file name of a download: `sirtplan-plan-12-v3-plan_report-7.pdf`,
/// `sirtplan-case-4-letter-9.bin`.
fn file_name(d: &Document) -> String {
    let kind: String = d
        .kind
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let mime = d.mime.to_ascii_lowercase();
    let ext = if mime.starts_with("text/html") {
        "html"
    } else if mime.starts_with("application/pdf") {
        "pdf"
    } else if mime.starts_with("text/plain") {
        "txt"
    } else if mime.starts_with("application/json") {
        "json"
    } else {
        "bin"
    };
    let owner = match (d.plan_id, d.plan_version, d.case_id) {
        (Some(p), Some(v), _) => format!("plan-{p}-v{v}"),
        (Some(p), None, _) => format!("plan-{p}"),
        (None, _, Some(c)) => format!("case-{c}"),
        (None, _, None) => "document".to_owned(),
    };
    format!("sirtplan-{owner}-{kind}-{}.{ext}", d.id)
}

/// `GET /api/documents/{id}`: the bytes with their stored MIME type, as an attachment. The
/// bytes are checked against the SHA-256 recorded when they were stored (500
/// `document_integrity` if they differ); a document recorded as a file outside the database
/// is 404 `not_stored_inline`.
pub(crate) async fn get_document(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let d = state.store.document(id).await?;
    let bytes = state.store.document_content(id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_stored_inline",
            format!(
                "document {id}: recorded as a file outside the database, which the API does not serve"
            ),
        )
    })?;
    if hex::encode(Sha256::digest(&bytes)) != d.sha256 {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "document_integrity",
            format!(
                "document {id}: the stored bytes do not match the SHA-256 recorded when it was stored; it is not served"
            ),
        ));
    }
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&d.mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file_name(&d))) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `POST /api/plans/{id}/documents/report`: stores the plan's report as it is now, as
/// documents of the plan's case (kind [`PLAN_REPORT_KIND`], the plan id and version): the HTML
/// of `report.html` (for an approved plan the report frozen at approval) and, when Chromium
/// prints it, the PDF of `report.pdf`, and for a plan with a recorded delivery its latest
/// delivery addendum as stored (kind [`DELIVERY_ADDENDUM_KIND`]), in one transaction with their
/// audit rows. Without Chromium no PDF is stored and `pdf_unavailable` says why.
pub(crate) async fn store_report(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
) -> ApiResult {
    let plan = state.store.plan(id).await?;
    let html = crate::report::report_document_html(&state, id).await?;
    let (pdf, pdf_unavailable) = match pages::print_report_pdf(html.clone(), id).await {
        Ok(bytes) => (Some(bytes), None),
        Err(e) if e.code == "pdf_unavailable" => (None, Some(e.message)),
        Err(e) => return Err(e),
    };
    let doc = |mime: &str, bytes: Vec<u8>| NewDocument {
        case_id: Some(plan.case_id),
        plan_id: Some(id),
        kind: PLAN_REPORT_KIND.to_owned(),
        mime: mime.to_owned(),
        content: DocumentContent::Inline(bytes),
    };
    let mut new = vec![doc(HTML_MIME, html.into_bytes())];
    if let Some(bytes) = pdf {
        new.push(doc(PDF_MIME, bytes));
    }
    if let Some(last) = state.store.delivery_addenda(id).await?.last() {
        let addendum = crate::report::delivery_addendum_html(&state, id, Some(last.seq)).await?;
        new.push(NewDocument {
            kind: DELIVERY_ADDENDUM_KIND.to_owned(),
            ..doc(HTML_MIME, addendum.into_bytes())
        });
    }
    let stored = state.store.add_documents(&auth.actor(), &new).await?;
    let documents = stored.iter().map(document_view).collect();
    Ok((
        StatusCode::CREATED,
        Json(StoredReport {
            plan_id: id,
            plan_version: plan.version,
            case_id: plan.case_id,
            documents,
            pdf_unavailable,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_say_what_the_document_is() {
        let d = Document {
            id: 7,
            case_id: Some(4),
            plan_id: Some(12),
            plan_version: Some(3),
            kind: "plan_report".into(),
            mime: "application/pdf".into(),
            path: None,
            sha256: String::new(),
            size_bytes: 0,
            created_by: None,
            created_at: String::new(),
        };
        assert_eq!(file_name(&d), "sirtplan-plan-12-v3-plan_report-7.pdf");
        let letter = Document {
            plan_id: None,
            plan_version: None,
            kind: "a \"letter\"/x".into(),
            mime: "image/png".into(),
            ..d
        };
        assert_eq!(file_name(&letter), "sirtplan-case-4-a__letter__x-7.bin");
    }
}
