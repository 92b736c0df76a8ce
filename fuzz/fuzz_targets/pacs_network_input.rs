//! What a PACS node sends (sirt-pacs): the first byte picks the reader. 0: the text as a
//! QIDO-RS answer (`parse_studies`, `parse_series`) and a STOW-RS answer (`parse_stow`).
//! 1: the bytes as a WADO-RS `multipart/related` body (boundary `B`) fed whole and in chunks of
//! a size taken from the second byte: both must give the same parts and bytes, and the same
//! result. 2: the bytes as PDUs (`dicom_ul::pdu::read_pdu`) fed to the DIMSE `Assembler`, and
//! as a command set (`decode_command`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_pacs::dimse::message::{Assembler, decode_command};
use sirt_pacs::web::json::{parse_series, parse_stow, parse_studies};
use sirt_pacs::web::multipart::{MultipartReader, PartSink};

#[derive(Default, PartialEq, Eq, Debug)]
struct Count {
    parts: Vec<(usize, u64)>,
}

impl PartSink for Count {
    fn begin(&mut self, headers: &[(String, String)]) -> Result<(), String> {
        self.parts.push((headers.len(), 0));
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), String> {
        match self.parts.last_mut() {
            Some(p) => {
                p.1 += bytes.len() as u64;
                Ok(())
            }
            None => Err("data before a part".into()),
        }
    }
    fn end(&mut self) -> Result<(), String> {
        Ok(())
    }
}

fn multipart(body: &[u8], chunk: usize) -> (Count, Result<usize, String>) {
    let mut sink = Count::default();
    let Ok(mut r) = MultipartReader::new("B") else {
        return (sink, Err("boundary".into()));
    };
    for piece in body.chunks(chunk.max(1)) {
        if let Err(e) = r.feed(piece, &mut sink) {
            return (sink, Err(e.to_string()));
        }
    }
    let done = r.finish().map_err(|e| e.to_string());
    (sink, done)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let _ = parse_studies(rest);
            let _ = parse_series(rest);
            let _ = parse_stow(rest);
        }
        1 => {
            let Some((&chunk, body)) = rest.split_first() else {
                return;
            };
            let whole = multipart(body, body.len());
            let pieces = multipart(body, usize::from(chunk));
            assert_eq!(
                whole.1.is_ok(),
                pieces.1.is_ok(),
                "chunking changed the result"
            );
            if whole.1.is_ok() {
                assert_eq!(whole.0, pieces.0, "chunking changed the parts");
            }
        }
        _ => {
            let _ = decode_command(rest);
            let mut buf = rest;
            let mut asm = Assembler::default();
            while let Ok(Some(pdu)) = dicom_ul::pdu::read_pdu(&mut buf, 16_384, false) {
                if asm.feed(pdu).is_err() {
                    break;
                }
                while asm.pop().is_some() {}
            }
        }
    }
});
