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
    },
}

/// A plain path means a SQLite file.
fn database_url(s: &str) -> String {
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
    let config = sirt_server::ServerConfig {
        bind: args.bind,
        database_url: database_url(&args.database),
        secure_cookies: args.secure_cookies,
        data_dir: args.data_dir.clone(),
        settings,
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
        | sirt_server::ServeError::Bind { .. }
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
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        if echo_off {
            let _ = std::process::Command::new("stty")
                .arg("echo")
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
        } => {
            let password = read_password(lang)?;
            let req = sirt_server::admin::CreateUser {
                database_url: database_url(database),
                username: username.clone(),
                display_name: display_name.clone(),
                role: role.clone(),
                password,
            };
            let user = sirt_server::admin::create_user_blocking(&req).map_err(|e| match e {
                sirt_server::admin::AdminError::Runtime(_) => Failure::Internal(e.into()),
                other => input(other),
            })?;
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
    }
}
