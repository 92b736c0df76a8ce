//! `sirtplan worker`: runs the web application's background jobs (the voxel part of plans)
//! alone, without HTTP, on the servers' database and data folder (docs/deployment.md,
//! "Workers and the job queue").

use crate::{Failure, Result, input};
use sirt_i18n::{Lang, t};
use std::io::Write;

/// `sirtplan worker` options.
#[derive(clap::Args)]
pub(crate) struct WorkerArgs {
    /// The servers' database: `sqlite://PATH` (or a plain path) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(long, value_name = "URL", default_value = "sqlite://sirtplan.db")]
    db: String,
    /// The servers' data folder (shared by every server and worker: images are read there and
    /// results written there).
    #[arg(long, value_name = "DIR", default_value = sirt_server::DEFAULT_DATA_DIR)]
    data: std::path::PathBuf,
    /// The site settings file, the servers' own (docs/site-settings.md).
    #[arg(long, value_name = "FILE")]
    site: Option<std::path::PathBuf>,
    /// Jobs computed at once; each is one voxel computation (a few hundred MB for a
    /// 512 × 512 CT).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    workers: u16,
}

/// A plain path means a SQLite file (as for `serve`).
fn database_url(s: &str) -> String {
    if s.contains("://") || s.starts_with("sqlite:") {
        s.to_owned()
    } else {
        format!("sqlite://{s}")
    }
}

/// `sirtplan worker`: prints where it works, then runs jobs until Ctrl-C or SIGTERM.
pub(crate) fn run(args: &WorkerArgs, lang: Option<Lang>, out: &mut impl Write) -> Result<()> {
    let settings = crate::commands::plan::settings_in(args.site.as_deref(), lang)?;
    let lang = settings.language;
    let config = sirt_server::jobs::WorkerConfig {
        database_url: database_url(&args.db),
        data_dir: args.data.clone(),
        settings,
        workers: usize::from(args.workers),
    };
    let shown = sirt_store::redact_url(&config.database_url);
    let data = config.data_dir.display().to_string();
    let workers = config.workers;
    let mut ready_err = None;
    let r = sirt_server::jobs::run_worker_blocking(config, || {
        let line = t!(
            lang,
            "cli-worker-ready",
            database = shown.clone(),
            data = data.clone(),
            workers = workers
        );
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            ready_err = Some(e);
        }
    });
    if let Some(e) = ready_err {
        return Err(e.into());
    }
    r.map_err(|e| match e {
        sirt_server::jobs::WorkerError::Database(_)
        | sirt_server::jobs::WorkerError::DataDir { .. } => input(e),
        other => Failure::Internal(other.into()),
    })
}
