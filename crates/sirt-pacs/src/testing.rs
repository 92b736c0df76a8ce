//! Test support (feature `test-support`): the peers of the PACS tests, Orthanc with its
//! DICOMweb plugin and dcmtk, started and stopped by the tests themselves.
//!
//! Orthanc 1.10 listens on every interface and has no bind-address setting, so a test that
//! starts it runs in a private network namespace holding only a loopback interface
//! ([`private_network`]: the test binary re-runs that one test under `unshare --net`);
//! everything the test starts (Orthanc, dcmtk, `sirtplan`) inherits it. Nothing is reachable
//! from outside and the ports cannot collide with other tests.
//!
//! `SIRTPLAN_REQUIRE_PEERS=1` makes a missing peer a failure ([`peers_missing`] is then an
//! error for the caller to report); otherwise the tests print a skip.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable set inside the private network namespace.
pub const INSIDE_ENV: &str = "SIRTPLAN_PACS_NETNS";

/// The Orthanc server binary of Debian's `orthanc` package.
pub const ORTHANC_BIN: &str = "/usr/sbin/Orthanc";

/// The DICOMweb plugin of Debian's `orthanc-dicomweb` package.
pub const DICOMWEB_PLUGIN: &str = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

/// How long Orthanc may take to answer `/system` after its start (it starts in 0.13 s here,
/// shared/services.md); design choice, 30 s for a loaded CI machine.
const ORTHANC_START_LIMIT: Duration = Duration::from_secs(30);

/// How long a clean shutdown may take after SIGTERM (3.4 s here, shared/services.md).
const ORTHANC_STOP_LIMIT: Duration = Duration::from_secs(15);

/// Whether `SIRTPLAN_REQUIRE_PEERS=1`.
pub fn peers_required() -> bool {
    std::env::var("SIRTPLAN_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Which of the needed peers is missing: Orthanc and its DICOMweb plugin, and the named dcmtk
/// tools, plus `unshare` and `ip` for the namespace. `None` when all are there.
pub fn peers_missing(dcmtk: &[&str]) -> Option<String> {
    let mut missing = Vec::new();
    for f in [ORTHANC_BIN, DICOMWEB_PLUGIN] {
        if !Path::new(f).exists() {
            missing.push(f.to_owned());
        }
    }
    for tool in dcmtk.iter().chain(&["unshare", "ip"]) {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            missing.push((*tool).to_owned());
        }
    }
    let may_unshare = Command::new("unshare")
        .args(["--net", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if missing.is_empty() && !may_unshare {
        missing.push(
            "the right to run `unshare --net` (root, or unprivileged user namespaces)".into(),
        );
    }
    (!missing.is_empty()).then(|| {
        format!(
            "missing peers: {} (apt-get install -y --no-install-recommends orthanc orthanc-dicomweb dcmtk iproute2)",
            missing.join(", ")
        )
    })
}

/// Where a test runs.
#[derive(Debug)]
pub enum Namespace {
    /// Already inside the private network: run the test's body.
    Inside,
    /// The test was run inside it by a child process: its exit status and output.
    Ran {
        /// Whether it passed.
        success: bool,
        /// Its standard output and error.
        output: String,
    },
}

/// Runs the test `name` (its full path in the test binary, e.g. `dicomweb_round_trip`) in a
/// new network namespace with only loopback, or says that this process is already inside.
pub fn private_network(name: &str) -> Result<Namespace, String> {
    let args = [name, "--exact", "--nocapture", "--test-threads=1"].map(String::from);
    private_network_with(&args)
}

/// Runs this binary again with `args` in a new network namespace with only loopback (a bench
/// passes its own arguments), or says that this process is already inside.
pub fn private_network_with(args: &[String]) -> Result<Namespace, String> {
    if std::env::var(INSIDE_ENV).is_ok_and(|v| v == "1") {
        return Ok(Namespace::Inside);
    }
    let exe = std::env::current_exe().map_err(|e| format!("current test binary: {e}"))?;
    let out = Command::new("unshare")
        .args([
            "--net",
            "--",
            "sh",
            "-c",
            "ip link set lo up && exec \"$0\" \"$@\"",
        ])
        .arg(&exe)
        .args(args)
        .env(INSIDE_ENV, "1")
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    Ok(Namespace::Ran {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A temporary folder removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder under the system's temporary folder.
    pub fn new(label: &str) -> Result<Self, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p =
            std::env::temp_dir().join(format!("sirt-pacs-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(Self(p))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running Orthanc with the DICOMweb plugin, stopped by SIGTERM when dropped.
#[derive(Debug)]
pub struct Orthanc {
    child: Child,
    dir: TempDir,
    /// Its HTTP port (REST API and DICOMweb under `/dicom-web`).
    pub http_port: u16,
    /// Its DICOM port (AE title `ORTHANC`).
    pub dicom_port: u16,
}

impl Orthanc {
    /// Starts Orthanc (shared/services.md's configuration, C-GET allowed) on free ports and
    /// waits until `/system` answers.
    pub fn start() -> Result<Self, String> {
        let dir = TempDir::new("orthanc")?;
        let (http_port, dicom_port) = (free_port()?, free_port()?);
        let config = serde_json::json!({
            "Name": "SIRTPLAN-TEST",
            "StorageDirectory": dir.path().join("storage"),
            "IndexDirectory": dir.path().join("db"),
            "Plugins": [DICOMWEB_PLUGIN],
            "HttpPort": http_port, "DicomPort": dicom_port, "DicomAet": "ORTHANC",
            "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
            "DicomCheckCalledAet": false,
            "DicomAlwaysAllowEcho": true, "DicomAlwaysAllowStore": true,
            "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true,
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": true,
                "WadoRoot": "/wado", "Host": format!("127.0.0.1:{http_port}"), "Ssl": false },
            "StableAge": 2
        });
        let cfg = dir.path().join("orthanc.json");
        std::fs::write(&cfg, config.to_string()).map_err(|e| format!("{}: {e}", cfg.display()))?;
        let log =
            std::fs::File::create(dir.path().join("orthanc.log")).map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(ORTHANC_BIN)
            .arg(&cfg)
            // DCMTK (Orthanc's DICOM layer) leaves Nagle's algorithm on unless TCP_NODELAY=1:
            // each small DIMSE message then waits for a delayed acknowledgement (the phantom's
            // 126 C-STOREs: 6.0 s without it, 0.27 s with it, measured here).
            .env("TCP_NODELAY", "1")
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {ORTHANC_BIN}: {e}"))?;
        let orthanc = Self {
            child,
            dir,
            http_port,
            dicom_port,
        };
        let start = Instant::now();
        while orthanc.rest("/system").is_err() {
            if start.elapsed() > ORTHANC_START_LIMIT {
                return Err(format!(
                    "Orthanc did not answer within 30 s; its log:\n{}",
                    orthanc.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(orthanc)
    }

    /// Its DICOMweb root URL.
    pub fn dicomweb_url(&self) -> String {
        format!("http://127.0.0.1:{}/dicom-web", self.http_port)
    }

    /// Its DIMSE address `ORTHANC@127.0.0.1:PORT`.
    pub fn dimse_address(&self) -> String {
        format!("ORTHANC@127.0.0.1:{}", self.dicom_port)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("orthanc.log")).unwrap_or_default()
    }

    /// GETs a path of Orthanc's own REST API (not DICOMweb): the answer's body, or an error.
    pub fn rest(&self, path: &str) -> Result<String, String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.http_port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
        let (head, body) = answer.split_once("\r\n\r\n").ok_or("no HTTP head")?;
        if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
            return Err(head.lines().next().unwrap_or("").to_owned());
        }
        Ok(body.to_owned())
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < ORTHANC_STOP_LIMIT {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
