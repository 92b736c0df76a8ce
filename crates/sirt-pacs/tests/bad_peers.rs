//! Nodes that are down, silent or answer garbage: a clear error naming the node (never its
//! credentials) within the timeouts, never a hang; a WADO-RS answer cut short leaves nothing in
//! the destination folder. The peers are tiny TCP listeners on 127.0.0.1 in the test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]
use sirt_pacs::dimse::DimseClient;
use sirt_pacs::testing::{TempDir, free_port};
use sirt_pacs::web::WebClient;
use sirt_pacs::{AeTitle, DimseNode, PacsError, PullSelector, Timeouts, WebNode};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// Short timeouts: each case must end within them.
const SHORT: Timeouts = Timeouts {
    connect: Duration::from_secs(2),
    request: Duration::from_secs(1),
    transfer: Duration::from_secs(5),
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn web(port: u16) -> WebClient {
    let node = WebNode::parse(&format!("http://alice:hunter2@127.0.0.1:{port}/dicom-web")).unwrap();
    WebClient::new(node, SHORT)
}

fn dimse(port: u16) -> DimseClient {
    let node = DimseNode::parse(
        &format!("PACS@127.0.0.1:{port}"),
        AeTitle::new("SIRTPLAN").unwrap(),
    )
    .unwrap();
    DimseClient::new(node, SHORT)
}

/// A listener that answers every connection with `answer` (after reading the request's
/// first bytes), or never answers when `answer` is `None`.
fn peer(answer: Option<Vec<u8>>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            let mut s = s.unwrap();
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            match &answer {
                Some(a) => {
                    let _ = s.write_all(a);
                }
                None => held.push(s),
            }
        }
    });
    port
}

#[test]
fn node_down_is_named_at_once() {
    let port = free_port().unwrap();
    let t = Instant::now();
    let e = runtime().block_on(web(port).echo()).unwrap_err();
    let PacsError::Connect { source, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(
        e.to_string(),
        format!("cannot connect to http://127.0.0.1:{port}/dicom-web")
    );
    assert!(!format!("{e:?}").contains("hunter2"));
    let e = dimse(port).echo().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("cannot connect to PACS@127.0.0.1:{port}")
    );
    assert!(t.elapsed() < SHORT.connect, "{:?}", t.elapsed());
}

#[test]
fn silent_node_times_out() {
    let port = peer(None);
    let t = Instant::now();
    let e = runtime().block_on(web(port).echo()).unwrap_err();
    let elapsed = t.elapsed();
    assert_eq!(
        e.to_string(),
        format!(
            "http://127.0.0.1:{port}/dicom-web did not answer the QIDO-RS search /studies?limit=1 within 1 s (request timeout)"
        )
    );
    assert!(
        elapsed >= SHORT.request && elapsed < SHORT.request * 3,
        "{elapsed:?}"
    );
    let t = Instant::now();
    let e = dimse(port).echo().unwrap_err();
    let elapsed = t.elapsed();
    assert!(
        e.to_string().contains(&format!("PACS@127.0.0.1:{port}")),
        "{e}"
    );
    assert!(elapsed < SHORT.request * 3, "{elapsed:?}");
}

#[test]
fn garbage_answers_are_clear_errors() {
    let port = peer(Some(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec()));
    let e = runtime().block_on(web(port).echo()).unwrap_err();
    assert!(matches!(e, PacsError::Http { .. }), "{e:?}");
    assert!(e.to_string().contains("not a valid HTTP exchange"), "{e}");
    let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>";
    let port = peer(Some(html.to_vec()));
    let e = runtime().block_on(web(port).echo()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "http://127.0.0.1:{port}/dicom-web answered the QIDO-RS search /studies?limit=1 with text/html (<html></html>); expected a DICOM JSON answer (application/dicom+json)"
        )
    );
    let json = b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"a\": 1}";
    let port = peer(Some(json.to_vec()));
    let e = runtime().block_on(web(port).echo()).unwrap_err();
    assert!(e.to_string().ends_with("expected DICOM JSON"), "{e}");
    assert!(
        e.to_string().contains("an object, expected an array"),
        "{e}"
    );
    // A DIMSE node that answers the association request with bytes that are no PDU.
    let port = peer(Some(vec![0xAB; 64]));
    let e = dimse(port).echo().unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "DICOM association with PACS@127.0.0.1:{port} failed"
        )),
        "{e}"
    );
}

#[test]
fn cut_retrieve_leaves_nothing() {
    // A study answer whose multipart body stops inside its second part.
    let qido = b"[{\"0020000D\":{\"vr\":\"UI\",\"Value\":[\"1.2.3\"]}}]";
    let mut part = vec![0u8; 128];
    part.extend_from_slice(b"DICM");
    let body = [
        &b"--B\r\nContent-Type: application/dicom\r\n\r\n"[..],
        &part,
        b"\r\n--B\r\nContent-Type: application/dicom\r\n\r\n",
        &part[..50],
    ]
    .concat();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let mut s = s.unwrap();
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let answer = if req.starts_with("GET /dicom-web/studies?") {
                [format!("HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", qido.len()).as_bytes(), qido].concat()
            } else {
                [format!("HTTP/1.1 200 OK\r\nContent-Type: multipart/related; type=\"application/dicom\"; boundary=B\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).as_bytes(), &body].concat()
            };
            let _ = s.write_all(&answer);
        }
    });
    let dest = TempDir::new("cut").unwrap();
    let mut seen = 0;
    let e = runtime()
        .block_on(
            web(port).pull(&PullSelector::Patient("P1".into()), dest.path(), &mut |p| {
                seen = p.instances
            }),
        )
        .unwrap_err();
    assert_eq!(seen, 1, "the first part was complete");
    assert!(e.to_string().contains("the transfer is incomplete"), "{e}");
    assert_eq!(
        std::fs::read_dir(dest.path()).unwrap().count(),
        0,
        "nothing left in the folder"
    );
}
