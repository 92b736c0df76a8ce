//! `sirtplan admin verify-audit`: walks the audit log's HMAC chain and prints OK with the
//! count, or each row that fails (id, action, instant, why), the chain's head and its genesis,
//! then exits 2.

use crate::server_cmd::admin_failure;
use crate::{Result, input};
use sirt_i18n::{Lang, t};
use sirt_store::{AuditFault, AuditKey, AuditVerification, HeadProblem};
use std::io::Write;

/// Verifies the chain of the database at `url` under `key`.
pub(crate) fn verify(url: &str, key: &AuditKey, lang: Lang, out: &mut impl Write) -> Result<()> {
    let v = sirt_server::admin::verify_audit_blocking(url, key).map_err(admin_failure)?;
    if v.is_intact() {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-admin-verify-ok",
                verified = v.verified,
                unprotected = v.unprotected
            )
        )?;
        return Ok(());
    }
    print_problems(&v, lang, out)?;
    let head = if v.head.is_some() || v.genesis.is_some() {
        t!(lang, "cli-admin-verify-failed-head")
    } else {
        String::new()
    };
    Err(input(anyhow::anyhow!(t!(
        lang,
        "cli-admin-verify-failed",
        rows = v.problems.len(),
        head = head,
        verified = v.verified
    ))))
}

/// One line per failed row, then the head's problem.
fn print_problems(v: &AuditVerification, lang: Lang, out: &mut impl Write) -> Result<()> {
    for p in &v.problems {
        let fault = match p.fault {
            AuditFault::Mismatch => t!(lang, "cli-admin-verify-mismatch"),
            AuditFault::NoMac => t!(lang, "cli-admin-verify-no-mac"),
            AuditFault::Unreadable => t!(lang, "cli-admin-verify-unreadable"),
            AuditFault::BeforeChain => t!(lang, "cli-admin-verify-before-chain"),
            AuditFault::IdOutOfRange => t!(lang, "cli-admin-verify-id-out-of-range"),
        };
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-admin-verify-row",
                id = p.id,
                action = p.action.clone(),
                at = p.at.clone(),
                fault = fault
            )
        )?;
    }
    if let Some(g) = &v.genesis {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-admin-verify-genesis",
                first = g.first_id,
                counted = g.counted,
                found = g.found
            )
        )?;
    }
    if let Some(h) = &v.head {
        writeln!(out, "{}", head_line(h, lang))?;
    }
    Ok(())
}

fn head_line(h: &HeadProblem, lang: Lang) -> String {
    let row = |r: Option<i64>| r.map_or_else(|| "—".to_owned(), |r| r.to_string());
    match h {
        HeadProblem::Empty { last_row } => {
            t!(lang, "cli-admin-verify-head-empty", last = row(*last_row))
        }
        HeadProblem::Mac { head_id } => t!(lang, "cli-admin-verify-head-mac", head = *head_id),
        HeadProblem::NotLast {
            head_id,
            last_row,
            head_row_exists: false,
        } => t!(
            lang,
            "cli-admin-verify-head-missing",
            head = *head_id,
            last = row(*last_row)
        ),
        HeadProblem::NotLast {
            head_id, last_row, ..
        } => t!(
            lang,
            "cli-admin-verify-head-not-last",
            head = *head_id,
            last = row(*last_row)
        ),
    }
}
