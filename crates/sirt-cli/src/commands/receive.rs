//! `sirtplan receive`: a C-ECHO and C-STORE receiver (DIMSE SCP), one line per event: into a
//! folder (`--out DIR`), or into the web application's store (`--database URL --data DIR`:
//! each object's patient checked, the series stored under their patient through the upload's
//! checks; `sirt_server::dimse`, as `serve --dimse-port`); docs/pacs.md.

use crate::{Failure, Result, input};
use sirt_i18n::{Lang, t};
use sirt_pacs::dimse::{Receiver, ReceiverConfig, ReceiverEvent, Storage};
use sirt_pacs::{AeTitle, Timeouts};
use sirt_server::dimse::{DimseConfig, Received, Reporter};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// `sirtplan receive` options.
#[derive(clap::Args)]
pub(crate) struct ReceiveArgs {
    /// Our AE title: associations that call another title are rejected.
    #[arg(long, value_name = "AET", default_value = sirt_pacs::DEFAULT_CALLING_AET)]
    aet: String,
    /// The TCP port (11112: the port IANA registered for DICOM, service name "dicom"; unlike
    /// 104 it needs no administrator rights).
    #[arg(long, default_value_t = 11112)]
    port: u16,
    /// The address listened on: this machine only by default (design choice, as `serve`: the
    /// receiver accepts any calling AE title and holds up to a large data set per association;
    /// `--bind 0.0.0.0` opens it to the network, behind the site's firewall).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: String,
    /// The folder the accepted objects are written into (<Series UID>/<SOP Instance UID>.dcm).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "database",
        conflicts_with = "database"
    )]
    out: Option<PathBuf>,
    /// Store the objects in the web application's store instead: the servers' database
    /// (`sqlite://PATH` or a plain path, or `postgres://…`). Each object's Patient ID must be
    /// a patient's MRN, its name and birth date must agree with the record; each released
    /// association's series are stored under their patient.
    #[arg(long, value_name = "URL", requires = "data")]
    database: Option<String>,
    /// With --database: the servers' data folder.
    #[arg(long, value_name = "DIR", requires = "database")]
    data: Option<PathBuf>,
    /// With --database: the servers' audit key file (or SIRTPLAN_AUDIT_KEY), as for `serve`.
    #[arg(long, value_name = "FILE", requires = "database")]
    audit_key_file: Option<PathBuf>,
    /// With --database: the servers' site settings file.
    #[arg(long, value_name = "FILE", requires = "database")]
    site: Option<PathBuf>,
    /// Associations served at once.
    #[arg(long, value_name = "N", default_value_t = sirt_pacs::dimse::scp::DEFAULT_MAX_ASSOCIATIONS)]
    max_associations: usize,
}

/// `HOST:PORT` of a bind address and port (IPv6 in brackets).
pub(crate) fn listen_address(bind: &str, port: u16) -> String {
    if bind.contains(':') {
        format!("[{bind}]:{port}")
    } else {
        format!("{bind}:{port}")
    }
}

/// A reporter printing each line on standard output (the receiver's threads call it). The
/// main thread holds the lock of `std::io::stdout()` while the command runs: the lines go to
/// a duplicate of its descriptor instead, one write per line.
pub(crate) fn printing_reporter(lang: Lang) -> Result<Reporter> {
    let out = Mutex::new(stdout_handle()?);
    Ok(Reporter(Arc::new(move |r: Received| {
        let line = format!("{}\n", received_line(&r, lang));
        let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    })))
}

/// Standard output, unlocked: a duplicate of its descriptor.
#[cfg(unix)]
fn stdout_handle() -> Result<Box<dyn Write + Send>> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
    Ok(Box::new(std::fs::File::from(fd)))
}

/// Standard output, unlocked: standard error elsewhere than Unix.
#[cfg(not(unix))]
fn stdout_handle() -> Result<Box<dyn Write + Send>> {
    Ok(Box::new(std::io::stderr()))
}

/// Runs the receiver until the process is stopped, printing each event.
pub(crate) fn run(args: &ReceiveArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    match (&args.out, &args.database, &args.data) {
        (Some(dir), _, _) => run_into_folder(args, dir, lang, out),
        (None, Some(database), Some(data)) => run_into_store(args, database, data, lang, out),
        _ => Err(input(anyhow::anyhow!(
            "expected --out DIR, or --database URL with --data DIR; found neither"
        ))),
    }
}

/// `--database URL --data DIR`: into the store, through `sirt_server::dimse`.
fn run_into_store(
    args: &ReceiveArgs,
    database: &str,
    data: &std::path::Path,
    lang: Lang,
    out: &mut impl Write,
) -> Result<()> {
    let aet = AeTitle::new(&args.aet).map_err(input)?;
    let settings = crate::commands::plan::settings_in(args.site.as_deref(), Some(lang))?;
    let config = sirt_server::dimse::StandaloneConfig {
        database_url: crate::server_cmd::database_url(database),
        data_dir: data.to_owned(),
        audit_key: crate::server_cmd::audit_key(args.audit_key_file.as_deref())?,
        settings,
        dimse: DimseConfig {
            aet,
            address: listen_address(&args.bind, args.port),
            max_associations: args.max_associations.max(1),
            timeouts: Timeouts::default(),
            reporter: printing_reporter(lang)?,
        },
    };
    let shown = sirt_store::redact_url(&config.database_url);
    let mut ready_err = None;
    let r = sirt_server::dimse::run_blocking(config, |_| {
        let line = t!(
            lang,
            "cli-receive-store",
            database = shown.clone(),
            data = data.display().to_string()
        );
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            ready_err = Some(e);
        }
    });
    if let Some(e) = ready_err {
        return Err(e.into());
    }
    r.map_err(|e| match e {
        sirt_server::dimse::StandaloneError::Io(_)
        | sirt_server::dimse::StandaloneError::Engine(_) => Failure::Internal(e.into()),
        other => input(other),
    })
}

/// `--out DIR`: into a folder.
fn run_into_folder(
    args: &ReceiveArgs,
    dir: &std::path::Path,
    lang: Lang,
    out: &mut impl Write,
) -> Result<()> {
    let aet = AeTitle::new(&args.aet).map_err(input)?;
    let config = ReceiverConfig {
        aet: aet.clone(),
        out: dir.to_owned(),
        timeouts: Timeouts::default(),
        max_associations: args.max_associations.max(1),
        storage: Storage::Folder,
    };
    let address = listen_address(&args.bind, args.port);
    let receiver = Receiver::bind(&address, config).map_err(|e| Failure::Input(e.into()))?;
    let port = receiver
        .local_addr()
        .map_err(|e| Failure::Internal(e.into()))?
        .port();
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-receive-listening",
            aet = aet.to_string(),
            port = port.to_string(),
            dir = dir.display().to_string()
        )
    )?;
    writeln!(out, "{}", t!(lang, "cli-receive-left"))?;
    out.flush()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || receiver.serve(&tx));
    for event in rx {
        writeln!(out, "{}", event_line(&event, lang))?;
        out.flush()?;
    }
    Ok(())
}

/// What the receiver into the store did, for people.
pub(crate) fn received_line(r: &Received, lang: Lang) -> String {
    match r {
        Received::Listening { aet, address } => t!(
            lang,
            "cli-receive-dimse-listening",
            aet = aet.clone(),
            addr = address.to_string()
        ),
        Received::Event(e) => event_line(e, lang),
        Received::Stored {
            calling,
            peer,
            patient_id,
            study_id,
            series,
            instances,
        } => t!(
            lang,
            "cli-receive-study-stored",
            calling = calling.clone(),
            peer = peer.to_string(),
            patient = *patient_id,
            study = *study_id,
            series = *series,
            instances = *instances
        ),
        Received::NotStored {
            calling,
            peer,
            reason,
            ..
        } => t!(
            lang,
            "cli-receive-not-stored",
            calling = calling.clone(),
            peer = peer.to_string(),
            reason = reason.clone()
        ),
    }
}

/// One event, for people.
fn event_line(e: &ReceiverEvent, lang: Lang) -> String {
    match e {
        ReceiverEvent::Associated { peer, calling } => {
            t!(
                lang,
                "cli-receive-associated",
                calling = calling.clone(),
                peer = peer.to_string()
            )
        }
        ReceiverEvent::Echo { calling } => t!(lang, "cli-receive-echo", calling = calling.clone()),
        ReceiverEvent::Stored {
            calling,
            sop_instance_uid,
            path,
            ..
        } => t!(
            lang,
            "cli-receive-stored",
            uid = sop_instance_uid.clone(),
            calling = calling.clone(),
            path = path.display().to_string()
        ),
        ReceiverEvent::Refused {
            calling,
            sop_instance_uid,
            status,
            reason,
        } => t!(
            lang,
            "cli-receive-refused",
            uid = sop_instance_uid.clone(),
            calling = calling.clone(),
            status = format!("{status:#06X}"),
            reason = reason.clone()
        ),
        ReceiverEvent::Released { calling } => {
            t!(lang, "cli-receive-released", calling = calling.clone())
        }
        ReceiverEvent::Failed { peer, reason } => {
            t!(
                lang,
                "cli-receive-failed",
                peer = peer.to_string(),
                reason = reason.clone()
            )
        }
        ReceiverEvent::Ended {
            calling, instances, ..
        } => t!(
            lang,
            "cli-receive-ended",
            calling = calling.clone(),
            instances = *instances
        ),
    }
}
