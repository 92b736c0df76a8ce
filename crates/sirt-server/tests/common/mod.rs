//! An in-process client of the router (tower `oneshot`), with accounts of every role.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use sirt_server::{AppState, LoginLimit, app};
use sirt_store::{Actor, NewUser, Role, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

/// The password of every test account.
pub const PASSWORD: &str = "correct horse battery staple";

/// The username of the test account of each role.
pub fn username(role: Role) -> &'static str {
    match role {
        Role::Admin => "ada.admin",
        Role::Physician => "dr.house",
        Role::Physicist => "phys.curie",
        Role::Technologist => "tech.bob",
        Role::Viewer => "view.vic",
    }
}

/// An Argon2id hash of [`PASSWORD`] with small costs (m = 8 KiB, t = 1), so that the many
/// logins of the tests are quick in debug builds; the verifier reads the costs from the hash.
/// One test logs in with an account hashed with the server's own parameters.
pub fn cheap_hash() -> String {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        let a = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        );
        a.hash_password(PASSWORD.as_bytes()).unwrap().to_string()
    })
    .clone()
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
    /// The body as received (binary answers).
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The error code of a JSON error.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    /// The error message of a JSON error.
    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or("")
    }
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user_id: i64,
}

/// The application over a fresh database, with one account per role.
pub struct T {
    pub app: Router,
    /// The server's state the router was made from.
    pub state: AppState,
    pub store: Store,
    /// The data folder of the uploads (a fresh temporary folder, not yet created).
    pub data_dir: PathBuf,
}

/// The data folder goes with the application when the test passes (kept when it fails).
impl Drop for T {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// A fresh data folder path in the temporary folder.
fn data_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sirtplan-test-data-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

impl T {
    pub async fn new(url: &str) -> T {
        T::with_limit(url, LoginLimit::default()).await
    }

    pub async fn with_limit(url: &str, limit: LoginLimit) -> T {
        let store = Store::open(url).await.unwrap();
        for role in Role::ALL {
            store
                .create_user(
                    &Actor::system("test"),
                    &NewUser {
                        username: username(role).into(),
                        display_name: format!("Test {role}"),
                        role,
                        password_hash: cheap_hash(),
                    },
                )
                .await
                .unwrap();
        }
        let data_dir = data_dir();
        let state = AppState::with_data_dir(store.clone(), false, limit, data_dir.clone()).unwrap();
        T {
            app: app(state.clone()),
            state,
            store,
            data_dir,
        }
    }

    /// The same server made anew under another engine id (a new server version over the same
    /// database and data folder).
    pub fn with_engine_id(&mut self, engine_id: &str) {
        self.state = self.state.with_engine_id(engine_id);
        self.app = app(self.state.clone());
    }

    /// A request from 127.0.0.1.
    pub async fn call(
        &self,
        s: Option<&Session>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        self.call_with(s, method, path, body, |_| {}).await
    }

    /// A request, after `edit` changed it (headers, peer address).
    pub async fn call_with(
        &self,
        s: Option<&Session>,
        method: Method,
        path: &str,
        body: Option<Value>,
        edit: impl FnOnce(&mut Request<Body>),
    ) -> Resp {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if let Some(s) = s {
            b = b.header(header::COOKIE, format!("sirtplan_session={}", s.cookie));
            if method != Method::GET {
                b = b.header("x-csrf-token", &s.csrf);
            }
        }
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        edit(&mut req);
        self.send(req).await
    }

    /// A request with a raw body of a content type (uploads).
    pub async fn call_raw(
        &self,
        s: Option<&Session>,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if let Some(s) = s {
            b = b.header(header::COOKIE, format!("sirtplan_session={}", s.cookie));
            if method != Method::GET {
                b = b.header("x-csrf-token", &s.csrf);
            }
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let mut req = b.body(Body::from(body)).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let r = self.app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), 64 * 1024 * 1024)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
            bytes: bytes.to_vec(),
        }
    }

    /// Signs in as a username; panics unless it works.
    pub async fn login_as(&self, user: &str) -> Session {
        let r = self
            .call(
                None,
                Method::POST,
                "/api/login",
                Some(serde_json::json!({ "username": user, "password": PASSWORD })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {user}: {}", r.text);
        let set = r.headers[header::SET_COOKIE].to_str().unwrap();
        let cookie = set
            .strip_prefix("sirtplan_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        Session {
            cookie,
            csrf: r.json["csrf_token"].as_str().unwrap().to_owned(),
            user_id: r.json["user"]["id"].as_i64().unwrap(),
        }
    }

    pub async fn login(&self, role: Role) -> Session {
        self.login_as(username(role)).await
    }

    /// `GET path` asked again while it answers 202 (a background job computes the plan's voxel
    /// part, `crate::jobs`), every 100 ms for at most 5 minutes: the first other answer. A
    /// listing (`…/volumes`) is asked with `wait_ms=1000`, as the page asks it.
    #[allow(dead_code)]
    pub async fn get_when_computed(&self, s: &Session, path: &str) -> Resp {
        let started = std::time::Instant::now();
        let asked = if path.ends_with("/volumes") {
            format!("{path}?wait_ms=1000")
        } else {
            path.to_owned()
        };
        loop {
            let r = self
                .call(Some(s), axum::http::Method::GET, &asked, None)
                .await;
            if r.status != axum::http::StatusCode::ACCEPTED {
                return r;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(300),
                "{path}: still {}",
                r.text
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Imports the digital-phantom demo (`POST /api/demo/import-phantom`, 201 checked): its
    /// answer (patient, case, plan).
    #[allow(dead_code)]
    pub async fn import_phantom(&self, s: &Session) -> Resp {
        let r = self
            .call(
                Some(s),
                axum::http::Method::POST,
                "/api/demo/import-phantom",
                Some(serde_json::json!({})),
            )
            .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text);
        r
    }
}

/// The standard digital phantom of the demo (seed 1; its DICOM Patient ID is `SIRT-PHANTOM-1`),
/// generated once per test binary.
#[allow(dead_code)]
pub fn phantom() -> &'static sirt_phantom::Phantom {
    static P: OnceLock<sirt_phantom::Phantom> = OnceLock::new();
    P.get_or_init(|| sirt_phantom::generate(sirt_phantom::Preset::Standard, 1).unwrap())
}

/// The phantom's DICOM files (CT, NM SPECT, PET, SEG, RT Struct) as one zip, as a user uploads a
/// DICOM folder.
#[allow(dead_code)]
pub fn phantom_dicom_zip() -> &'static [u8] {
    use std::io::Write;
    static Z: OnceLock<Vec<u8>> = OnceLock::new();
    Z.get_or_init(|| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (name, bytes) in sirt_planning::phantom_dicom::files(phantom()).unwrap() {
            w.start_file(name.as_str(), o).unwrap();
            w.write_all(&bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    })
}
