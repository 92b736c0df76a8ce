//! `sirtplan receive`: a C-ECHO and C-STORE receiver (DIMSE SCP) writing the objects it
//! accepts into a folder, one line per event; docs/pacs.md.

use crate::{Failure, Result, input};
use sirt_i18n::{Lang, t};
use sirt_pacs::dimse::{Receiver, ReceiverConfig, ReceiverEvent};
use sirt_pacs::{AeTitle, Timeouts};
use std::io::Write;
use std::path::PathBuf;

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
    /// The folder the accepted objects are written into (<SOP Instance UID>.dcm).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Associations served at once.
    #[arg(long, value_name = "N", default_value_t = sirt_pacs::dimse::scp::DEFAULT_MAX_ASSOCIATIONS)]
    max_associations: usize,
}

/// Runs the receiver until the process is stopped, printing each event.
pub(crate) fn run(args: &ReceiveArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    let aet = AeTitle::new(&args.aet).map_err(input)?;
    let config = ReceiverConfig {
        aet: aet.clone(),
        out: args.out.clone(),
        timeouts: Timeouts::default(),
        max_associations: args.max_associations.max(1),
    };
    let address = if args.bind.contains(':') {
        format!("[{}]:{}", args.bind, args.port)
    } else {
        format!("{}:{}", args.bind, args.port)
    };
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
            dir = args.out.display().to_string()
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
    }
}
