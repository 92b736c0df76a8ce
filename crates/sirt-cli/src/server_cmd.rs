//! `sirtplan serve` and `sirtplan admin`: the web application backend (sirt-server,
//! docs/server.md).

use crate::{Failure, Result, input};
use clap::Subcommand;
use sirt_i18n::{Lang, t};
use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;

/// `sirtplan serve` options.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Database: a SQLite file (`sqlite://PATH` or a plain path; created when missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`. Migrations are applied at start.
    #[arg(long, value_name = "URL", default_value = "sqlite://sirtplan.db")]
    database: String,
    /// Address to listen on (loopback by default; another address exposes the server).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Mark the session cookie Secure on every response (behind a TLS proxy that does not send
    /// X-Forwarded-Proto).
    #[arg(long)]
    secure_cookies: bool,
    /// Folder of the uploaded images (created at start): `patients/{id}/studies/{study}/` under
    /// it. Keep it with the database: the database records what lies there.
    #[arg(long, value_name = "DIR", default_value = sirt_server::DEFAULT_DATA_DIR)]
    data_dir: std::path::PathBuf,
    /// The site settings file (docs/site-settings.md): event profile, plausibility bounds,
    /// image-consistency limits, MAA liver margin, imaging age, paper size.
    #[arg(long, value_name = "FILE")]
    site: Option<std::path::PathBuf>,
    /// The audit key file (hexadecimal, mode 0600; `sirtplan admin create-audit-key`): each
    /// audit row gets an HMAC chained on the previous row's. Without it, SIRTPLAN_AUDIT_KEY;
    /// without either, audit rows carry no MAC (refused once the database's chain has begun).
    #[arg(long, value_name = "FILE")]
    audit_key_file: Option<std::path::PathBuf>,
    /// A proxy (an address or a network, `10.0.0.0/8`) whose `X-Forwarded-For` names the
    /// client; repeat for several. The login limits and the audit log then key on the client
    /// it names. Without it, every client behind a proxy shares the proxy's address.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<sirt_server::Cidr>,
    /// Background jobs (the voxel part of plans) this server computes at once; 0 leaves them to
    /// `sirtplan worker` processes on the same database and data folder.
    #[arg(long, value_name = "N", default_value_t = 1)]
    workers: u16,
    /// Run the DIMSE C-STORE receiver on this port too (11112 is DICOM's registered port):
    /// objects sent to it are stored under their patient (Patient ID = MRN, name and birth
    /// date agreeing), as `sirtplan receive --database` does. Off by default.
    #[arg(long, value_name = "PORT")]
    dimse_port: Option<u16>,
    /// The receiver's AE title.
    #[arg(long, value_name = "AET", default_value = sirt_pacs::DEFAULT_CALLING_AET, requires = "dimse_port")]
    dimse_aet: String,
    /// The address the receiver listens on: this machine only by default (as `receive
    /// --bind`); `0.0.0.0` opens it to the network, behind the site's firewall.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1",
        requires = "dimse_port"
    )]
    dimse_bind: String,
}

/// The receiver of `serve --dimse-port`.
fn dimse_config(args: &ServeArgs, lang: Lang) -> Result<Option<sirt_server::dimse::DimseConfig>> {
    let Some(port) = args.dimse_port else {
        return Ok(None);
    };
    Ok(Some(sirt_server::dimse::DimseConfig {
        aet: sirt_pacs::AeTitle::new(&args.dimse_aet).map_err(input)?,
        address: crate::commands::receive::listen_address(&args.dimse_bind, port),
        max_associations: sirt_pacs::dimse::scp::DEFAULT_MAX_ASSOCIATIONS,
        timeouts: sirt_pacs::Timeouts::default(),
        reporter: crate::commands::receive::printing_reporter(lang)?,
    }))
}

#[derive(Subcommand)]
pub(crate) enum Admin {
    /// Create an account; the password is read from standard input (one line), or asked for
    /// twice when standard input is a terminal. There is no default account or password.
    CreateUser {
        /// Login name (letters, digits, `.`, `_`, `-`).
        #[arg(long)]
        username: String,
        /// admin, physician, physicist, technologist or viewer.
        #[arg(long)]
        role: String,
        /// Name shown (default: the username).
        #[arg(long, default_value = "")]
        display_name: String,
        /// Database, as for `serve`.
        #[arg(long, value_name = "URL", default_value = "sqlite://sirtplan.db")]
        database: String,
        /// The audit key file, as for `serve` (needed once the database's audit chain has begun).
        #[arg(long, value_name = "FILE")]
        audit_key_file: Option<std::path::PathBuf>,
    },
    /// Write a new random audit key (32 bytes, hexadecimal) to a new file with mode 0600.
    CreateAuditKey {
        /// The key file to create (refused when it exists).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Walk the audit log's HMAC chain: prints OK with the count, or names each row whose MAC
    /// does not match (id, action, instant) and exits 2.
    VerifyAudit {
        /// Database, as for `serve`.
        #[arg(long, value_name = "URL", default_value = "sqlite://sirtplan.db")]
        database: String,
        /// The audit key file (or SIRTPLAN_AUDIT_KEY).
        #[arg(long, value_name = "FILE")]
        audit_key_file: Option<std::path::PathBuf>,
    },
    /// Copy a live SQLite database to a new file (mode 0600), consistent at one instant
    /// (`VACUUM INTO`). PostgreSQL: use `pg_dump` (docs/server.md).
    Backup {
        /// Database, as for `serve`.
        #[arg(long, value_name = "URL", default_value = "sqlite://sirtplan.db")]
        database: String,
        /// The backup file to create (refused when it exists).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

/// The audit key from `--audit-key-file`, else from SIRTPLAN_AUDIT_KEY; a bad key is the
/// user's input.
pub(crate) fn audit_key(file: Option<&std::path::Path>) -> Result<Option<sirt_store::AuditKey>> {
    let env = std::env::var(sirt_server::admin::AUDIT_KEY_ENV).ok();
    sirt_server::admin::audit_key(file, env.as_deref()).map_err(input)
}

/// Where the key came from, for the startup line.
fn audit_key_source(file: Option<&std::path::Path>) -> String {
    match file {
        Some(f) => f.display().to_string(),
        None => sirt_server::admin::AUDIT_KEY_ENV.to_owned(),
    }
}

/// A plain path means a SQLite file.
pub(crate) fn database_url(s: &str) -> String {
    if s.contains("://") || s.starts_with("sqlite:") {
        s.to_owned()
    } else {
        format!("sqlite://{s}")
    }
}

/// `sirtplan serve`: the site's language (`--lang` overrides the site file's) is the reports'
/// and the web application's default.
pub(crate) fn serve(args: &ServeArgs, lang: Option<Lang>, out: &mut impl Write) -> Result<()> {
    let settings = crate::commands::plan::settings_in(args.site.as_deref(), lang)?;
    let lang = settings.language;
    let audit_key = audit_key(args.audit_key_file.as_deref())?;
    let audit_line = if audit_key.is_some() {
        t!(
            lang,
            "cli-serve-audit-chained",
            source = audit_key_source(args.audit_key_file.as_deref())
        )
    } else {
        t!(lang, "cli-serve-audit-unprotected")
    };
    let config = sirt_server::ServerConfig {
        audit_key,
        bind: args.bind,
        database_url: database_url(&args.database),
        secure_cookies: args.secure_cookies,
        data_dir: args.data_dir.clone(),
        settings,
        trusted_proxies: sirt_server::TrustedProxies::new(args.trusted_proxies.clone()),
        workers: usize::from(args.workers),
        dimse: dimse_config(args, lang)?,
        ..Default::default()
    };
    let shown = sirt_store::redact_url(&config.database_url);
    let data_dir = config.data_dir.clone();
    let mut ready_err = None;
    let r = sirt_server::run_blocking(config, |addr| {
        let r = writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-serve-ready",
                addr = addr.to_string(),
                database = shown.clone(),
                images = data_dir.display().to_string()
            )
        )
        .and_then(|()| writeln!(out, "{audit_line}"))
        .and_then(|()| out.flush());
        if let Err(e) = r {
            ready_err = Some(e);
        }
    });
    if let Some(e) = ready_err {
        return Err(e.into());
    }
    r.map_err(|e| match e {
        sirt_server::ServeError::Database(_)
        | sirt_server::ServeError::AuditKey(_)
        | sirt_server::ServeError::Bind { .. }
        | sirt_server::ServeError::Dimse(_)
        | sirt_server::ServeError::DataDir { .. } => input(e),
        other => Failure::Internal(other.into()),
    })
}

/// Reads the password: one line of standard input, or a prompt (without echo) twice.
fn read_password(lang: Lang) -> Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    let ask = |prompt: &str| -> Result<String> {
        let mut err = std::io::stderr();
        write!(err, "{prompt}")?;
        err.flush()?;
        let echo_off = std::process::Command::new("stty")
            .arg("-echo")
            .env_remove(sirt_server::admin::AUDIT_KEY_ENV)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        if echo_off {
            let _ = std::process::Command::new("stty")
                .arg("echo")
                .env_remove(sirt_server::admin::AUDIT_KEY_ENV)
                .stdin(std::process::Stdio::inherit())
                .status();
        }
        writeln!(err)?;
        read?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    };
    let a = ask(&format!("{} ", t!(lang, "cli-password")))?;
    let b = ask(&format!("{} ", t!(lang, "cli-password-again")))?;
    if a != b {
        return Err(input(anyhow::anyhow!(
            "password: the two entries differ; nothing was created"
        )));
    }
    Ok(a)
}

pub(crate) fn admin(cmd: &Admin, lang: Lang, out: &mut impl Write) -> Result<()> {
    match cmd {
        Admin::CreateUser {
            username,
            role,
            display_name,
            database,
            audit_key_file,
        } => {
            let key = audit_key(audit_key_file.as_deref())?;
            let password = read_password(lang)?;
            let req = sirt_server::admin::CreateUser {
                database_url: database_url(database),
                username: username.clone(),
                display_name: display_name.clone(),
                role: role.clone(),
                password,
            };
            let user =
                sirt_server::admin::create_user_blocking(&req, key).map_err(admin_failure)?;
            writeln!(
                out,
                "{}",
                t!(
                    lang,
                    "cli-admin-created",
                    username = user.username.clone(),
                    role = user.role.to_string(),
                    database = sirt_store::redact_url(&req.database_url)
                )
            )?;
            Ok(())
        }
        Admin::CreateAuditKey { out: path } => {
            sirt_server::admin::create_audit_key(path).map_err(input)?;
            writeln!(
                out,
                "{}",
                t!(
                    lang,
                    "cli-admin-audit-key-created",
                    path = path.display().to_string()
                )
            )?;
            Ok(())
        }
        Admin::VerifyAudit {
            database,
            audit_key_file,
        } => {
            let key = required_audit_key(audit_key_file.as_deref())?;
            crate::admin_audit::verify(&database_url(database), &key, lang, out)
        }
        Admin::Backup {
            database,
            out: path,
        } => {
            let url = database_url(database);
            let bytes = sirt_server::admin::backup_blocking(&url, path).map_err(admin_failure)?;
            writeln!(
                out,
                "{}",
                t!(
                    lang,
                    "cli-admin-backup-done",
                    database = sirt_store::redact_url(&url),
                    path = path.display().to_string(),
                    bytes = bytes.to_string()
                )
            )?;
            Ok(())
        }
    }
}

/// An admin command's error: the system's (exit 1) or the input's (exit 2).
pub(crate) fn admin_failure(e: sirt_server::admin::AuditAdminError) -> Failure {
    if e.is_internal() {
        Failure::Internal(e.into())
    } else {
        input(e)
    }
}

/// The audit key of `verify-audit`: required.
fn required_audit_key(file: Option<&std::path::Path>) -> Result<sirt_store::AuditKey> {
    audit_key(file)?.ok_or_else(|| {
        input(anyhow::anyhow!(
            "audit key: expected --audit-key-file FILE or {}, found neither",
            sirt_server::admin::AUDIT_KEY_ENV
        ))
    })
}
