//! `sirtplan pacs echo|find|pull|push`: the PACS connection through `sirt-pacs`, over DICOMweb
//! (`--url`) or DIMSE (`--dimse AET@HOST:PORT`, our AE title `--aet`); docs/pacs.md.

use crate::cli::Format;
use crate::{Failure, Result, input};
use sirt_i18n::{Lang, t};
use sirt_pacs::dimse::DimseClient;
use sirt_pacs::web::WebClient;
use sirt_pacs::{
    AeTitle, Credentials, DateRange, DimseNode, Node, PacsError, Progress, PullSelector,
    PushOutcome, Query, StudyHit, Timeouts, WebNode,
};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Credentials of a DICOMweb service kept out of the command line (and so out of `ps` and the
/// shell's history): `USER:PASSWORD` for HTTP Basic, or `Bearer TOKEN`.
const CREDENTIALS_ENV: &str = "SIRTPLAN_PACS_CREDENTIALS";

/// Progress is printed every this many instances: design choice, a line per 50 instances keeps
/// a 300-slice CT to six lines.
const PROGRESS_EVERY: usize = 50;

/// The node and the timeouts (every `pacs` command).
#[derive(clap::Args)]
pub(crate) struct NodeArgs {
    /// A DICOMweb service: http://HOST:PORT/ROOT (the root under which /studies is). Credentials
    /// go in SIRTPLAN_PACS_CREDENTIALS (USER:PASSWORD or "Bearer TOKEN"), or in the URL.
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "dimse",
        conflicts_with = "dimse"
    )]
    url: Option<String>,
    /// A DIMSE node: its AE title, host and port.
    #[arg(long, value_name = "AET@HOST:PORT")]
    dimse: Option<String>,
    /// Our AE title (calling AE title) with --dimse.
    #[arg(long, value_name = "AET", default_value = sirt_pacs::DEFAULT_CALLING_AET)]
    aet: String,
    /// Longest wait for the connection, seconds (default 10).
    #[arg(long, value_name = "S")]
    connect_timeout: Option<f64>,
    /// Longest wait for an answer or its next part, seconds (default 60).
    #[arg(long, value_name = "S")]
    request_timeout: Option<f64>,
    /// Longest whole transfer, seconds (default 1800).
    #[arg(long, value_name = "S")]
    transfer_timeout: Option<f64>,
}

/// `sirtplan pacs` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum PacsCmd {
    /// Check that the node answers: C-ECHO, or a QIDO-RS search over DICOMweb.
    Echo {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Search studies (every key given must match) and list each with its series and their
    /// modalities.
    Find {
        #[command(flatten)]
        node: NodeArgs,
        /// Patient ID.
        #[arg(long, value_name = "ID")]
        patient_id: Option<String>,
        /// Study Instance UID.
        #[arg(long, value_name = "UID")]
        study: Option<String>,
        /// Accession number.
        #[arg(long, value_name = "A")]
        accession: Option<String>,
        /// A modality (only the series of that modality are listed).
        #[arg(long, value_name = "M")]
        modality: Option<String>,
        /// Study date, or an inclusive range.
        #[arg(long, value_name = "YYYYMMDD[-YYYYMMDD]")]
        date: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Retrieve a patient's studies, a study or a series into a folder (DIR/<SOP Instance
    /// UID>.dcm) that scan, plan and dose read; nothing is left in it when the transfer fails.
    Pull {
        #[command(flatten)]
        node: NodeArgs,
        /// Every study of this patient.
        #[arg(long, value_name = "ID", group = "what")]
        patient_id: Option<String>,
        /// This study.
        #[arg(long, value_name = "UID", group = "what")]
        study: Option<String>,
        /// This series.
        #[arg(long, value_name = "UID", group = "what")]
        series: Option<String>,
        /// The folder written.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Send DICOM files (folders searched recursively; other files are skipped and listed).
    Push {
        #[command(flatten)]
        node: NodeArgs,
        /// Files or folders.
        #[arg(required = true, value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
}

/// A duration option in seconds (positive, finite).
fn seconds(v: Option<f64>, default: Duration, name: &str) -> Result<Duration> {
    match v {
        None => Ok(default),
        Some(s) if s.is_finite() && s > 0.0 && s < 1e7 => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(input(anyhow::anyhow!(
            "--{name} {s}: expected a positive number of seconds"
        ))),
    }
}

impl NodeArgs {
    fn timeouts(&self) -> Result<Timeouts> {
        Ok(Timeouts {
            connect: seconds(
                self.connect_timeout,
                sirt_pacs::DEFAULT_CONNECT_TIMEOUT,
                "connect-timeout",
            )?,
            request: seconds(
                self.request_timeout,
                sirt_pacs::DEFAULT_REQUEST_TIMEOUT,
                "request-timeout",
            )?,
            transfer: seconds(
                self.transfer_timeout,
                sirt_pacs::DEFAULT_TRANSFER_TIMEOUT,
                "transfer-timeout",
            )?,
        })
    }

    fn node(&self) -> Result<Node> {
        if let Some(url) = &self.url {
            let mut node = WebNode::parse(url).map_err(input)?;
            let from_env = std::env::var(CREDENTIALS_ENV).ok();
            if let Some(c) = from_env.filter(|_| node.credentials().is_none()) {
                node = node.with_credentials(Some(parse_credentials(&c)?));
            }
            return Ok(Node::Web(node));
        }
        let calling = AeTitle::new(&self.aet).map_err(input)?;
        let dimse = self.dimse.as_deref().unwrap_or_default();
        Ok(Node::Dimse(
            DimseNode::parse(dimse, calling).map_err(input)?,
        ))
    }
}

/// `USER:PASSWORD` or `Bearer TOKEN` (never echoed in the error).
fn parse_credentials(s: &str) -> Result<Credentials> {
    if let Some(token) = s.strip_prefix("Bearer ") {
        return Ok(Credentials::Bearer(token.trim().to_owned()));
    }
    match s.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok(Credentials::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        }),
        _ => Err(input(anyhow::anyhow!(
            "{CREDENTIALS_ENV}: expected USER:PASSWORD or \"Bearer TOKEN\""
        ))),
    }
}

/// A PACS error: the user's (exit 2) when it is about what was asked, else 1.
fn failure(e: PacsError) -> Failure {
    match e {
        // A file or folder named on the command line (or the --out folder) that cannot be used.
        PacsError::Request(_) | PacsError::NotDicom { .. } | PacsError::Io { .. } => {
            Failure::Input(e.into())
        }
        other => Failure::Internal(other.into()),
    }
}

/// Runs a DICOMweb future on a runtime of this thread.
fn block_on<T>(
    f: impl std::future::Future<Output = std::result::Result<T, PacsError>>,
) -> Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(e.into()))?;
    rt.block_on(f).map_err(failure)
}

/// `sirtplan pacs …`.
pub(crate) fn run(cmd: &PacsCmd, lang: Lang, out: &mut impl Write) -> Result<()> {
    match cmd {
        PacsCmd::Echo { node } => echo(node, lang, out),
        PacsCmd::Find {
            node,
            patient_id,
            study,
            accession,
            modality,
            date,
            format,
        } => {
            let date = date
                .as_deref()
                .map(DateRange::parse)
                .transpose()
                .map_err(|e| input(anyhow::anyhow!("--date: {e}")))?;
            let query = Query {
                patient_id: patient_id.clone(),
                patient_name: None,
                study_uid: study.clone(),
                accession: accession.clone(),
                modality: modality.clone(),
                date,
            };
            find(node, &query, *format, lang, out)
        }
        PacsCmd::Pull {
            node,
            patient_id,
            study,
            series,
            out: dir,
        } => {
            let selector = match (patient_id, study, series) {
                (Some(p), _, _) => PullSelector::Patient(p.clone()),
                (_, Some(s), _) => PullSelector::Study(s.clone()),
                (_, _, Some(s)) => PullSelector::Series(s.clone()),
                _ => {
                    return Err(input(anyhow::anyhow!(
                        "pacs pull: give --patient-id, --study or --series"
                    )));
                }
            };
            pull(node, &selector, dir, lang, out)
        }
        PacsCmd::Push { node, paths } => push(node, paths, lang, out),
    }
}

fn echo(args: &NodeArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    let (node, timeouts) = (args.node()?, args.timeouts()?);
    let protocol = match &node {
        Node::Web(w) => {
            block_on(WebClient::new(w.clone(), timeouts).echo())?;
            "QIDO-RS"
        }
        Node::Dimse(d) => {
            DimseClient::new(d.clone(), timeouts)
                .echo()
                .map_err(failure)?;
            "C-ECHO"
        }
    };
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-pacs-echo-ok",
            node = node.to_string(),
            protocol = protocol
        )
    )?;
    Ok(())
}

fn find(
    args: &NodeArgs,
    query: &Query,
    format: Format,
    lang: Lang,
    out: &mut impl Write,
) -> Result<()> {
    let (node, timeouts) = (args.node()?, args.timeouts()?);
    query.check().map_err(|e| input(anyhow::anyhow!(e)))?;
    let studies = match &node {
        Node::Web(w) => block_on(WebClient::new(w.clone(), timeouts).find(query))?,
        Node::Dimse(d) => DimseClient::new(d.clone(), timeouts)
            .find(query)
            .map_err(failure)?,
    };
    if let Format::Json = format {
        let json =
            serde_json::to_string_pretty(&studies).map_err(|e| Failure::Internal(e.into()))?;
        writeln!(out, "{json}")?;
        return Ok(());
    }
    print_studies(&node.to_string(), &studies, lang, out)
}

/// The studies and their series, for people.
fn print_studies(node: &str, studies: &[StudyHit], lang: Lang, out: &mut impl Write) -> Result<()> {
    let n_series: usize = studies.iter().map(|s| s.series.len()).sum();
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-pacs-find-summary",
            node = node,
            studies = studies.len(),
            series = n_series
        )
    )?;
    let quoted = |d: &Option<String>| {
        d.as_deref()
            .map(|d| format!("  \"{d}\""))
            .unwrap_or_default()
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for st in studies {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-pacs-study",
                uid = st.study_uid.clone(),
                patient = dash(&st.patient_id),
                name = dash(&st.patient_name),
                date = dash(&st.study_date),
                accession = dash(&st.accession),
                description = quoted(&st.description)
            )
        )?;
        for se in &st.series {
            writeln!(
                out,
                "{}",
                t!(
                    lang,
                    "cli-pacs-series",
                    number = se
                        .number
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "-".into()),
                    modality = dash(&se.modality),
                    instances = se.instances.map_or(0, |n| n as i64),
                    uid = se.series_uid.clone(),
                    description = quoted(&se.description)
                )
            )?;
        }
    }
    Ok(())
}

/// Prints a progress line every [`PROGRESS_EVERY`] instances, on standard error.
fn progress_printer(lang: Lang) -> impl FnMut(Progress) {
    let mut last = 0;
    move |p: Progress| {
        if p.instances >= last + PROGRESS_EVERY {
            last = p.instances;
            let mb = format!("{:.1}", p.bytes as f64 / 1e6);
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "{}",
                t!(
                    lang,
                    "cli-pacs-progress",
                    instances = p.instances,
                    megabytes = mb
                )
            );
        }
    }
}

fn pull(
    args: &NodeArgs,
    selector: &PullSelector,
    dir: &std::path::Path,
    lang: Lang,
    out: &mut impl Write,
) -> Result<()> {
    let (node, timeouts) = (args.node()?, args.timeouts()?);
    let mut progress = progress_printer(lang);
    let files = match &node {
        Node::Web(w) => {
            block_on(WebClient::new(w.clone(), timeouts).pull(selector, dir, &mut progress))?
        }
        Node::Dimse(d) => DimseClient::new(d.clone(), timeouts)
            .pull(selector, dir, &mut progress)
            .map_err(failure)?,
    };
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-pacs-pulled",
            count = files.len(),
            node = node.to_string(),
            dir = dir.display().to_string()
        )
    )?;
    Ok(())
}

fn push(args: &NodeArgs, paths: &[PathBuf], lang: Lang, out: &mut impl Write) -> Result<()> {
    let (node, timeouts) = (args.node()?, args.timeouts()?);
    let (send, skipped) = sirt_pacs::transfer::outgoing(paths).map_err(failure)?;
    let mut progress = progress_printer(lang);
    let mut outcome: PushOutcome = match &node {
        Node::Web(w) => block_on(WebClient::new(w.clone(), timeouts).push(&send, &mut progress))?,
        Node::Dimse(d) => DimseClient::new(d.clone(), timeouts)
            .push(&send, &mut progress)
            .map_err(failure)?,
    };
    outcome.skipped = skipped;
    print_push(&node.to_string(), &outcome, lang, out)?;
    if outcome.refused.is_empty() {
        Ok(())
    } else {
        Err(input(anyhow::anyhow!(
            "{}",
            t!(
                lang,
                "cli-pacs-refused-error",
                refused = outcome.refused.len(),
                sent = send.len(),
                node = node.to_string()
            )
        )))
    }
}

fn print_push(node: &str, o: &PushOutcome, lang: Lang, out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-pacs-pushed",
            node = node,
            stored = o.stored.len(),
            refused = o.refused.len(),
            skipped = o.skipped.len()
        )
    )?;
    for r in &o.refused {
        let reason = match r.status {
            Some(s) => format!("{s:#06X} {}", r.reason),
            None => r.reason.clone(),
        };
        let path = r
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-pacs-refused",
                path = path,
                uid = r.sop_instance_uid.clone(),
                reason = reason
            )
        )?;
    }
    for (p, reason) in &o.skipped {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-pacs-skipped",
                path = p.display().to_string(),
                reason = reason.clone()
            )
        )?;
    }
    Ok(())
}
