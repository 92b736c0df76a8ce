//! A minimal PNG encoder (8-bit RGB, no interlace, filter 0 on every row, zlib by `flate2`) and
//! base64 for `data:` URIs, so that a raster picture can live inside a self-contained SVG.
//! PNG per ISO/IEC 15948 (W3C PNG 2nd ed.): signature, IHDR, one IDAT, IEND, each chunk with its
//! CRC-32 (polynomial 0xEDB88320, the PNG and zlib CRC).

use super::FigureError;
use std::io::Write;

/// zlib level of the figures' pixel data: 1, zlib's fastest (design choice: the figures are
/// redrawn after each change of a plan in the web application; on the phantom demo's 16
/// figures level 1 gives 429 kB against 385 kB at level 6, zlib's default, for a deflate that
/// went from 7 % of a recomputation's processor time to under 1 %; level 9 took most of it).
const PNG_ZLIB_LEVEL: u32 = 1;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

const fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[n] = c;
        n += 1;
    }
    t
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 of `bytes` (the PNG chunk CRC).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), FigureError> {
    let len = u32::try_from(data.len()).map_err(|_| FigureError::TooLarge)?;
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// An 8-bit RGB image as PNG bytes; `rgb` holds `width × height` pixels, rows top to bottom.
pub fn encode_rgb(width: usize, height: usize, rgb: &[u8]) -> Result<Vec<u8>, FigureError> {
    if width == 0 || height == 0 || rgb.len() != width * height * 3 {
        return Err(FigureError::BadImage {
            width,
            height,
            bytes: rgb.len(),
        });
    }
    let w = u32::try_from(width).map_err(|_| FigureError::TooLarge)?;
    let h = u32::try_from(height).map_err(|_| FigureError::TooLarge)?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB), compression 0, filter method 0, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut raw = Vec::with_capacity(height * (width * 3 + 1));
    for row in rgb.chunks_exact(width * 3) {
        raw.push(0); // filter type None
        raw.extend_from_slice(row);
    }
    let mut z =
        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(PNG_ZLIB_LEVEL));
    z.write_all(&raw)
        .map_err(|e| FigureError::Deflate(e.to_string()))?;
    let idat = z
        .finish()
        .map_err(|e| FigureError::Deflate(e.to_string()))?;
    let mut out = SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &ihdr)?;
    chunk(&mut out, b"IDAT", &idat)?;
    chunk(&mut out, b"IEND", &[])?;
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648 §4, with `=` padding).
pub fn base64(bytes: &[u8]) -> String {
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        let sextet = |s: u32| char::from(B64[((n >> s) & 63) as usize]);
        o.push(sextet(18));
        o.push(sextet(12));
        o.push(if c.len() > 1 { sextet(6) } else { '=' });
        o.push(if c.len() > 2 { sextet(0) } else { '=' });
    }
    o
}

/// PNG bytes as a `data:image/png;base64,…` URI.
pub fn png_data_uri(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64(png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_base64_known_values() {
        // CRC-32 check value of "123456789" (the catalogue's 0xCBF43926).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // The IEND chunk's CRC every PNG ends with.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        // RFC 4648 §10 test vectors.
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn refuses_wrong_sizes() {
        assert!(encode_rgb(2, 2, &[0; 11]).is_err());
        assert!(encode_rgb(0, 2, &[]).is_err());
    }
}
