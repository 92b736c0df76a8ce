//! `multipart/related` bodies (RFC 2046 §5.1, RFC 2387; PS3.18 §8.6.1.2): the streaming reader
//! of WADO-RS answers (each part handed to a sink as it comes, never the whole body in memory)
//! and the writer of STOW-RS requests.

/// The most bytes of one part's header block: a part has one or two short headers
/// (`Content-Type`, maybe `Content-Length`, `Content-Location`); design choice, 16 KiB refuses a
/// stream that is not multipart long before it fills the memory.
pub const MAX_PART_HEADER_BYTES: usize = 16 * 1024;

/// The longest boundary (RFC 2046 §5.1.1: 1 to 70 characters).
pub const MAX_BOUNDARY_LEN: usize = 70;

/// What a multipart body broke.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The body is not multipart as announced.
    #[error("{0}")]
    Malformed(String),
    /// The sink refused a part (its reason).
    #[error("{0}")]
    Sink(String),
}

/// Receives the parts of a body, in order.
pub trait PartSink {
    /// A part starts, with its headers (names in lower case).
    fn begin(&mut self, headers: &[(String, String)]) -> Result<(), String>;
    /// The next bytes of the current part.
    fn data(&mut self, bytes: &[u8]) -> Result<(), String>;
    /// The current part is complete.
    fn end(&mut self) -> Result<(), String>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter.
    Preamble,
    /// Just after a delimiter: `--` (the close) or padding and CRLF.
    AfterDelimiter,
    /// In a part's headers.
    Headers,
    /// In a part's body.
    Body,
    /// After the close delimiter: the rest is ignored (RFC 2046 §5.1.1, epilogue).
    Epilogue,
}

/// A streaming `multipart/*` reader: [`feed`](Self::feed) the body's chunks as they come, then
/// [`finish`](Self::finish).
#[derive(Debug)]
pub struct MultipartReader {
    /// `CRLF--boundary`.
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    state: State,
    parts: usize,
}

/// The boundary parameter of a `Content-Type` value (quoted or not).
pub fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        Some(v.to_owned())
    })
}

/// The position of `needle` in `hay` (first byte found by a scan, then compared).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        let end = at + needle.len();
        if end > hay.len() {
            // A prefix of the needle may continue in the next chunk.
            return None;
        }
        if &hay[at + 1..end] == rest {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

impl MultipartReader {
    /// A reader for parts separated by `boundary` (1 to 70 characters, RFC 2046 §5.1.1).
    pub fn new(boundary: &str) -> Result<Self, MultipartError> {
        if boundary.is_empty() || boundary.len() > MAX_BOUNDARY_LEN {
            return Err(MultipartError::Malformed(format!(
                "boundary of {} characters; expected 1 to 70 (RFC 2046 §5.1.1)",
                boundary.len()
            )));
        }
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        Ok(Self {
            delimiter,
            // The first delimiter may open the body without a CRLF before it.
            buf: b"\r\n".to_vec(),
            state: State::Preamble,
            parts: 0,
        })
    }

    /// Parts seen so far.
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// Takes the next chunk of the body.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn PartSink) -> Result<(), MultipartError> {
        if self.state == State::Epilogue {
            return Ok(());
        }
        self.buf.extend_from_slice(chunk);
        while self.step(sink)? {}
        Ok(())
    }

    /// The body has ended: complete only after the close delimiter.
    pub fn finish(self) -> Result<usize, MultipartError> {
        match self.state {
            State::Epilogue => Ok(self.parts),
            State::Preamble => Err(MultipartError::Malformed(
                "no delimiter: the body is not multipart with the announced boundary".into(),
            )),
            _ => Err(MultipartError::Malformed(format!(
                "the body ended inside part {} (no close delimiter): the transfer is incomplete",
                self.parts.max(1)
            ))),
        }
    }

    /// One step of the state machine; `true` when it can go on with the bytes it has.
    fn step(&mut self, sink: &mut dyn PartSink) -> Result<bool, MultipartError> {
        let sink_err = MultipartError::Sink;
        match self.state {
            State::Preamble => match find(&self.buf, &self.delimiter) {
                Some(at) => {
                    self.buf.drain(..at + self.delimiter.len());
                    self.state = State::AfterDelimiter;
                    Ok(true)
                }
                None => {
                    self.keep_tail();
                    Ok(false)
                }
            },
            State::AfterDelimiter => self.after_delimiter(),
            State::Headers => {
                // A part without headers: its blank line comes at once.
                let empty = self.buf.starts_with(b"\r\n").then_some(usize::MAX);
                let Some(at) = empty.or_else(|| find(&self.buf, b"\r\n\r\n")) else {
                    if self.buf.len() > MAX_PART_HEADER_BYTES {
                        return Err(MultipartError::Malformed(format!(
                            "part {} has more than {MAX_PART_HEADER_BYTES} bytes of headers",
                            self.parts + 1
                        )));
                    }
                    return Ok(false);
                };
                let (block, consumed) = if at == usize::MAX {
                    (Vec::new(), 2)
                } else {
                    (self.buf[..at].to_vec(), at + 4)
                };
                if block.len() > MAX_PART_HEADER_BYTES {
                    return Err(MultipartError::Malformed(format!(
                        "part {} has more than {MAX_PART_HEADER_BYTES} bytes of headers",
                        self.parts + 1
                    )));
                }
                let headers = parse_headers(&block, self.parts + 1)?;
                self.buf.drain(..consumed);
                self.parts += 1;
                sink.begin(&headers).map_err(sink_err)?;
                self.state = State::Body;
                Ok(true)
            }
            State::Body => match find(&self.buf, &self.delimiter) {
                Some(at) => {
                    sink.data(&self.buf[..at]).map_err(sink_err)?;
                    sink.end().map_err(sink_err)?;
                    self.buf.drain(..at + self.delimiter.len());
                    self.state = State::AfterDelimiter;
                    Ok(true)
                }
                None => {
                    let keep = self.delimiter.len() - 1;
                    if self.buf.len() > keep {
                        let emit = self.buf.len() - keep;
                        sink.data(&self.buf[..emit]).map_err(sink_err)?;
                        self.buf.drain(..emit);
                    }
                    Ok(false)
                }
            },
            State::Epilogue => {
                self.buf.clear();
                Ok(false)
            }
        }
    }

    /// After a delimiter: `--` closes the body; else optional linear white space and CRLF
    /// open a part (RFC 2046 §5.1.1, transport padding).
    fn after_delimiter(&mut self) -> Result<bool, MultipartError> {
        if self.buf.len() < 2 {
            return Ok(false);
        }
        if self.buf.starts_with(b"--") {
            self.state = State::Epilogue;
            self.buf.clear();
            return Ok(false);
        }
        let pad = self
            .buf
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        if pad > MAX_PART_HEADER_BYTES {
            return Err(MultipartError::Malformed(
                "endless padding after a delimiter".into(),
            ));
        }
        match self.buf.get(pad..pad + 2) {
            None => Ok(false),
            Some(b"\r\n") => {
                self.buf.drain(..pad + 2);
                self.state = State::Headers;
                Ok(true)
            }
            Some(other) => Err(MultipartError::Malformed(format!(
                "after a boundary delimiter: {:?}; expected CRLF or \"--\"",
                String::from_utf8_lossy(other)
            ))),
        }
    }

    /// In the preamble, keeps only what may start a delimiter.
    fn keep_tail(&mut self) {
        let keep = self.delimiter.len() - 1;
        if self.buf.len() > keep {
            let cut = self.buf.len() - keep;
            self.buf.drain(..cut);
        }
    }
}

/// `Name: value` lines (names in lower case); a line without a colon is an error.
fn parse_headers(block: &[u8], part: usize) -> Result<Vec<(String, String)>, MultipartError> {
    let text = std::str::from_utf8(block)
        .map_err(|_| MultipartError::Malformed(format!("part {part}: headers are not text")))?;
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (k, v) = line.split_once(':').ok_or_else(|| {
                MultipartError::Malformed(format!(
                    "part {part}: header line {:?} has no colon",
                    line.chars().take(80).collect::<String>()
                ))
            })?;
            Ok((k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        })
        .collect()
}

/// The body of a `multipart/related; type="application/dicom"` request: each file a part.
pub fn write_related(boundary: &str, parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + 128 * parts.len());
    for p in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\nContent-Type: application/dicom\r\n\r\n");
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Headers = Vec<(String, String)>;

    #[derive(Default)]
    struct Collect {
        parts: Vec<(Headers, Vec<u8>)>,
        open: bool,
    }

    impl PartSink for Collect {
        fn begin(&mut self, h: &[(String, String)]) -> Result<(), String> {
            assert!(!self.open);
            self.open = true;
            self.parts.push((h.to_vec(), Vec::new()));
            Ok(())
        }
        fn data(&mut self, b: &[u8]) -> Result<(), String> {
            self.parts.last_mut().unwrap().1.extend_from_slice(b);
            Ok(())
        }
        fn end(&mut self) -> Result<(), String> {
            self.open = false;
            Ok(())
        }
    }

    /// RFC 2046 §5.1.1's example body, fed in every chunk size from 1 byte: the two parts
    /// exactly as the RFC writes them.
    #[test]
    fn rfc_2046_example_in_any_chunking() {
        let body = b"This is the preamble.  It is to be ignored, though it\r\n\
is a handy place for composition agents to include an\r\n\
explanatory note to non-MIME conformant readers.\r\n\r\n\
--simple boundary\r\n\r\n\
This is implicitly typed plain US-ASCII text.\r\n\
It does NOT end with a linebreak.\r\n\
--simple boundary\r\n\
Content-type: text/plain; charset=us-ascii\r\n\r\n\
This is explicitly typed plain US-ASCII text.\r\n\
It DOES end with a linebreak.\r\n\r\n\
--simple boundary--\r\n\r\n\
This is the epilogue.  It is also to be ignored.\r\n";
        for chunk in 1..=body.len() {
            let mut r = MultipartReader::new("simple boundary").unwrap();
            let mut c = Collect::default();
            for piece in body.chunks(chunk) {
                r.feed(piece, &mut c).unwrap();
            }
            assert_eq!(r.finish().unwrap(), 2);
            assert_eq!(c.parts[0].0, vec![]);
            assert_eq!(
                c.parts[0].1,
                b"This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak."
            );
            assert_eq!(
                c.parts[1].0,
                vec![(
                    "content-type".to_owned(),
                    "text/plain; charset=us-ascii".to_owned()
                )]
            );
            assert_eq!(
                c.parts[1].1,
                b"This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n"
            );
        }
    }

    #[test]
    fn truncated_body_is_incomplete() {
        let body = write_related("B", &[vec![1, 2, 3], vec![4, 5]]);
        let cut = &body[..body.len() - 10];
        let mut r = MultipartReader::new("B").unwrap();
        let mut c = Collect::default();
        r.feed(cut, &mut c).unwrap();
        assert!(r.finish().unwrap_err().to_string().contains("incomplete"));
        let mut r = MultipartReader::new("B").unwrap();
        r.feed(b"{\"not\": \"multipart\"}", &mut c).unwrap();
        assert!(
            r.finish()
                .unwrap_err()
                .to_string()
                .contains("not multipart")
        );
    }

    #[test]
    fn boundary_parameter() {
        assert_eq!(
            boundary_of("multipart/related; type=\"application/dicom\"; boundary=\"ab cd\"")
                .as_deref(),
            Some("ab cd")
        );
        assert_eq!(
            boundary_of("multipart/related;boundary=xyz").as_deref(),
            Some("xyz")
        );
        assert_eq!(boundary_of("application/dicom"), None);
    }
}
