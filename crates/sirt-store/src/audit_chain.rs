//! The audit chain's secret key and its MAC: each audit row carries
//! HMAC-SHA-256 (RFC 2104, FIPS 180-4) keyed with a secret kept outside the database, over the
//! previous chained row's MAC and the row's own columns, so that a change, a removal or an
//! insertion made in the database behind the application's back is found by
//! [`Store::verify_audit`](crate::Store::verify_audit).
//!
//! The message authenticated for a row (version 1), with `LP(s)` the byte length of `s` (UTF-8)
//! as 8 bytes big-endian followed by its bytes, `I64(n)` 8 bytes big-endian two's complement,
//! and `OPT(x)` one byte `0x00` for SQL NULL or `0x01` followed by `x`:
//!
//! ```text
//! LP("sirtplan audit v1") || prev (32 bytes) || I64(id) || LP(at) || OPT(I64(user_id))
//!   || LP(username) || LP(action) || LP(entity) || LP(entity_id)
//!   || OPT(LP(before_json)) || OPT(LP(after_json))
//! ```
//!
//! `prev` is the previous chained row's MAC (32 bytes; 32 zero bytes for the first row of the
//! chain). The MAC is stored as 64 lowercase hexadecimal digits in `audit_log.mac`.
//!
//! The chain's head (`audit_chain_head`, one row) holds the chain's genesis, written with the
//! chain's first row and never changed after: `first_id`, that row's id, and `unprotected`, the
//! number of rows without a MAC and with an id from 1 to `first_id - 1` at that moment (rows
//! written before the key was given). It also holds the last chained row's id and MAC, moved
//! with each chained row. The head carries its own MAC (version 2) over
//!
//! ```text
//! LP("sirtplan audit head v2") || I64(first_id) || I64(unprotected) || I64(last_id)
//!   || last_mac (32 bytes)
//! ```
//!
//! so that neither the genesis nor the last row can be changed, and the head cannot be emptied,
//! without the verification naming it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Shortest key accepted: 32 bytes, the output length of SHA-256 (RFC 2104 section 3: "less
/// than L bytes is strongly discouraged"; L = 32 for SHA-256).
pub const AUDIT_KEY_MIN_BYTES: usize = 32;

/// Bytes of a key made by [`AuditKey::generate`]: 32 (RFC 2104 section 3: L bytes suffice;
/// keys longer than L do not significantly increase the function strength).
pub const AUDIT_KEY_NEW_BYTES: usize = 32;

/// Largest key file read: 4 096 bytes (design choice: a key is 64 to a few hundred hexadecimal
/// digits; a larger file is not a key file and is not read whole).
pub const AUDIT_KEY_FILE_MAX_BYTES: u64 = 4096;

/// Bytes of one MAC: 32 (HMAC-SHA-256's output, RFC 4231 section 2).
pub const MAC_BYTES: usize = 32;

/// Domain tag of a row's message (version 1 of the encoding above).
const ROW_TAG: &str = "sirtplan audit v1";

/// Domain tag of the head's message (version 2: with the genesis).
const HEAD_TAG: &str = "sirtplan audit head v2";

/// The secret key of the audit chain. Its `Debug` shows no byte of it.
#[derive(Clone)]
pub struct AuditKey {
    /// The key's bytes.
    bytes: Vec<u8>,
    /// HMAC-SHA-256 keyed with them, before any message (cloned for each MAC).
    keyed: Hmac<Sha256>,
}

impl PartialEq for AuditKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for AuditKey {}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKey({} bytes, hidden)", self.bytes.len())
    }
}

/// Why a key could not be read, checked or written.
#[derive(Debug, Error)]
pub enum AuditKeyError {
    /// The text is not hexadecimal.
    #[error("audit key ({origin}): expected hexadecimal digits (0-9, a-f), found {found}")]
    Hex {
        /// Where the key came from (a file, the environment variable).
        origin: String,
        /// What was found instead (never the key's text).
        found: String,
    },
    /// The key is too short.
    #[error(
        "audit key ({origin}): expected at least {min} bytes ({} hexadecimal digits), found {found} bytes; make one with `sirtplan admin create-audit-key --out PATH`",
        2 * .min
    )]
    TooShort {
        /// Where the key came from.
        origin: String,
        /// The least accepted.
        min: usize,
        /// Bytes found.
        found: usize,
    },
    /// The key file could not be read.
    #[error("audit key file {}: cannot read it", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Other users may read the key file.
    #[error(
        "audit key file {}: mode {mode:04o} lets other users read it; expected 0600 (or 0400): run `chmod 600 {}`",
        .path.display(), .path.display()
    )]
    Mode {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file is larger than a key file can be.
    #[error("audit key file {}: expected at most {max} bytes, found {found}", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Largest accepted.
        max: u64,
        /// Its size.
        found: u64,
    },
    /// A new key file would replace a file.
    #[error("audit key file {}: it already exists; nothing was written (remove it or choose another path)", .path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A new key file could not be written.
    #[error("audit key file {}: cannot write it", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The HMAC implementation refused the key (it takes keys of any length: not expected).
    #[error("audit key ({origin}): HMAC-SHA-256 refused a key of {found} bytes")]
    Length {
        /// Where the key came from.
        origin: String,
        /// Bytes found.
        found: usize,
    },
    /// The operating system gave no random bytes.
    #[error("audit key: the operating system's random generator failed: {0}")]
    Random(String),
}

impl AuditKey {
    /// A key from its bytes (at least [`AUDIT_KEY_MIN_BYTES`]); `origin` names where they came
    /// from in the error.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<AuditKey, AuditKeyError> {
        if bytes.len() < AUDIT_KEY_MIN_BYTES {
            return Err(AuditKeyError::TooShort {
                origin: origin.to_owned(),
                min: AUDIT_KEY_MIN_BYTES,
                found: bytes.len(),
            });
        }
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(bytes).map_err(|_| {
            AuditKeyError::Length {
                origin: origin.to_owned(),
                found: bytes.len(),
            }
        })?;
        Ok(AuditKey {
            bytes: bytes.to_vec(),
            keyed,
        })
    }

    /// A key from hexadecimal text (surrounding white space ignored), as in a key file or
    /// `SIRTPLAN_AUDIT_KEY`.
    pub fn from_hex(text: &str, origin: &str) -> Result<AuditKey, AuditKeyError> {
        let text = text.trim();
        let bytes = hex::decode(text).map_err(|e| AuditKeyError::Hex {
            origin: origin.to_owned(),
            found: match e {
                hex::FromHexError::OddLength => format!("an odd number of digits ({})", text.len()),
                hex::FromHexError::InvalidHexCharacter { index, .. } => {
                    format!("another character at position {}", index + 1)
                }
                hex::FromHexError::InvalidStringLength => "a text of another length".into(),
            },
        })?;
        AuditKey::from_bytes(&bytes, origin)
    }

    /// The key in a file: hexadecimal text that only its owner may read (mode 0600 or 0400;
    /// a file that others may read is refused, naming it and its mode).
    pub fn from_file(path: &Path) -> Result<AuditKey, AuditKeyError> {
        let read = |source| AuditKeyError::Read {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        check_private(path, &meta)?;
        if meta.len() > AUDIT_KEY_FILE_MAX_BYTES {
            return Err(AuditKeyError::TooLarge {
                path: path.to_owned(),
                max: AUDIT_KEY_FILE_MAX_BYTES,
                found: meta.len(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        AuditKey::from_hex(&text, &format!("file {}", path.display()))
    }

    /// A new random key of [`AUDIT_KEY_NEW_BYTES`] bytes from the operating system's generator.
    pub fn generate() -> Result<AuditKey, AuditKeyError> {
        let mut bytes = vec![0u8; AUDIT_KEY_NEW_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| AuditKeyError::Random(e.to_string()))?;
        AuditKey::from_bytes(&bytes, "new key")
    }

    /// Writes the key as hexadecimal text (one line) to a new file created with mode 0600;
    /// refuses a path that exists.
    pub fn write_new_file(&self, path: &Path) -> Result<(), AuditKeyError> {
        let mut text = hex::encode(&self.bytes);
        text.push('\n');
        crate::files::write_new_private(path, text.as_bytes()).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                AuditKeyError::Exists {
                    path: path.to_owned(),
                }
            } else {
                AuditKeyError::Write {
                    path: path.to_owned(),
                    source,
                }
            }
        })
    }
}

/// Refuses a key file that others than its owner may read.
#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), AuditKeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(AuditKeyError::Mode {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Elsewhere than Unix the file's access control list is the administrator's.
#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), AuditKeyError> {
    Ok(())
}

/// The columns of one audit row, as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowContent<'a> {
    pub id: i64,
    pub at: &'a str,
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
}

/// The chain's head, read back whole: its genesis and its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeadContent {
    /// The chain's first row.
    pub first_id: i64,
    /// Rows without a MAC, with ids from 1 to `first_id - 1`, when the chain began.
    pub unprotected: i64,
    /// The last chained row.
    pub last_id: i64,
    /// Its MAC.
    pub last_mac: [u8; MAC_BYTES],
}

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`; `None` only if the implementation
/// refused the key (it takes keys of any length).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Option<[u8; MAC_BYTES]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
    mac.update(message);
    Some(mac.finalize().into_bytes().into())
}

fn put_text(m: &mut Vec<u8>, s: &str) {
    m.extend_from_slice(&(s.len() as u64).to_be_bytes());
    m.extend_from_slice(s.as_bytes());
}

fn put_opt_text(m: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => m.push(0),
        Some(s) => {
            m.push(1);
            put_text(m, s);
        }
    }
}

/// The message a row's MAC authenticates (the encoding in the module's documentation).
pub(crate) fn row_message(prev: &[u8; MAC_BYTES], row: &RowContent<'_>) -> Vec<u8> {
    let mut m = Vec::with_capacity(
        128 + row.before_json.map_or(0, str::len) + row.after_json.map_or(0, str::len),
    );
    put_text(&mut m, ROW_TAG);
    m.extend_from_slice(prev);
    m.extend_from_slice(&row.id.to_be_bytes());
    put_text(&mut m, row.at);
    match row.user_id {
        None => m.push(0),
        Some(u) => {
            m.push(1);
            m.extend_from_slice(&u.to_be_bytes());
        }
    }
    put_text(&mut m, row.username);
    put_text(&mut m, row.action);
    put_text(&mut m, row.entity);
    put_text(&mut m, row.entity_id);
    put_opt_text(&mut m, row.before_json);
    put_opt_text(&mut m, row.after_json);
    m
}

impl AuditKey {
    /// The MAC of a row after `prev`.
    pub(crate) fn row_mac(&self, prev: &[u8; MAC_BYTES], row: &RowContent<'_>) -> [u8; MAC_BYTES] {
        self.mac(&row_message(prev, row))
    }

    /// The MAC of the chain's head.
    pub(crate) fn head_mac(&self, head: &HeadContent) -> [u8; MAC_BYTES] {
        self.mac(&head_message(head))
    }

    fn mac(&self, message: &[u8]) -> [u8; MAC_BYTES] {
        let mut mac = self.keyed.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

/// The message the head's MAC authenticates (the encoding in the module's documentation).
pub(crate) fn head_message(head: &HeadContent) -> Vec<u8> {
    let mut m = Vec::with_capacity(96);
    put_text(&mut m, HEAD_TAG);
    m.extend_from_slice(&head.first_id.to_be_bytes());
    m.extend_from_slice(&head.unprotected.to_be_bytes());
    m.extend_from_slice(&head.last_id.to_be_bytes());
    m.extend_from_slice(&head.last_mac);
    m
}

/// A stored MAC read back: 64 hexadecimal digits, or `None`.
pub(crate) fn parse_mac(text: &str) -> Option<[u8; MAC_BYTES]> {
    let mut out = [0u8; MAC_BYTES];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 section 4.2, test case 1.
    #[test]
    fn rfc_4231_test_case_1() {
        let key = [0x0b; 20];
        assert_eq!(
            hex::encode(hmac_sha256(&key, b"Hi There").unwrap()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    /// RFC 4231 section 4.3, test case 2 (a key shorter than the block).
    #[test]
    fn rfc_4231_test_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?").unwrap()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// RFC 4231 section 4.7, test case 6 (a key longer than the block, hashed first).
    #[test]
    fn rfc_4231_test_case_6() {
        let key = [0xaa; 131];
        assert_eq!(
            hex::encode(
                hmac_sha256(
                    &key,
                    b"Test Using Larger Than Block-Size Key - Hash Key First"
                )
                .unwrap()
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_encoding_separates_fields() {
        // Moving a byte from one field to the next changes the message.
        let prev = [0u8; MAC_BYTES];
        let a = RowContent {
            id: 1,
            at: "t",
            user_id: None,
            username: "ab",
            action: "c",
            entity: "e",
            entity_id: "1",
            before_json: None,
            after_json: Some(""),
        };
        let b = RowContent {
            username: "a",
            action: "bc",
            ..a
        };
        let c = RowContent {
            after_json: None,
            before_json: Some(""),
            ..a
        };
        assert_ne!(row_message(&prev, &a), row_message(&prev, &b));
        assert_ne!(row_message(&prev, &a), row_message(&prev, &c));
    }

    #[test]
    fn the_head_message_is_the_documented_bytes() {
        // Written out by hand from the module's documentation.
        let head = HeadContent {
            first_id: 11,
            unprotected: 3,
            last_id: -2,
            last_mac: [0xab; MAC_BYTES],
        };
        let mut expected = vec![0, 0, 0, 0, 0, 0, 0, 22];
        expected.extend_from_slice(b"sirtplan audit head v2");
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 11]);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3]);
        expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
        expected.extend_from_slice(&[0xab; MAC_BYTES]);
        assert_eq!(head_message(&head), expected);
    }

    #[test]
    fn keys_are_checked_and_hidden() {
        let short = AuditKey::from_hex(&"ab".repeat(31), "test").unwrap_err();
        assert!(short.to_string().contains("at least 32 bytes"), "{short}");
        assert!(short.to_string().contains("found 31 bytes"), "{short}");
        let bad = AuditKey::from_hex(&format!("{}zz", "ab".repeat(32)), "test").unwrap_err();
        assert!(bad.to_string().contains("position 65"), "{bad}");
        let k = AuditKey::from_hex(&format!(" {}\n", "AB".repeat(32)), "test").unwrap();
        assert_eq!(format!("{k:?}"), "AuditKey(32 bytes, hidden)");
        assert_eq!(k, AuditKey::from_bytes(&[0xab; 32], "test").unwrap());
        // The kept keyed instance gives the function's MAC (RFC 4231 case 2's message).
        let msg = b"what do ya want for nothing?";
        assert_eq!(Some(k.mac(msg)), hmac_sha256(&[0xab; 32], msg));
    }
}
