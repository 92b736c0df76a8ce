//! A check of every element length in encoded DICOM before dicom-rs reads it: dicom-rs
//! allocates an element's declared length before reading it, so 12 bytes from the network that
//! declare a 4 GB value abort the process (found by the fuzz target `pacs_network_input`). Here
//! each declared length must fit in the bytes that are there; undefined lengths are followed
//! through their items and delimiters (PS3.5 §7.1, §7.5).

/// Undefined length (PS3.5 §7.1.1).
const UNDEFINED: u32 = 0xFFFF_FFFF;
/// Item, Item Delimitation and Sequence Delimitation tags' group (PS3.5 §7.5).
const ITEM_GROUP: u16 = 0xFFFE;
/// Item (FFFE,E000).
const ITEM: u16 = 0xE000;
/// Pixel Data (7FE0,0010): with undefined length its items are fragments, not data sets
/// (PS3.5 §A.4).
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);
/// Nesting depth accepted: design choice, real objects nest sequences a few levels deep; a
/// bound keeps a crafted input from exhausting the stack.
const MAX_DEPTH: usize = 32;

/// VRs with a 2-byte reserved field and a 4-byte length in Explicit VR (PS3.5 §7.1.2).
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];

struct Walker<'a> {
    b: &'a [u8],
    explicit: bool,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

impl Walker<'_> {
    fn short(at: usize) -> String {
        format!("element header cut short at byte {at}")
    }

    /// Walks elements from `pos` to `end`, or to a delimiter when `delimited`; returns the
    /// position after the last element (after the delimiter).
    fn elements(
        &self,
        mut pos: usize,
        end: usize,
        delimited: bool,
        depth: usize,
    ) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!("sequences nested deeper than {MAX_DEPTH}"));
        }
        while pos < end {
            let group = u16_at(self.b, pos).ok_or_else(|| Self::short(pos))?;
            let element = u16_at(self.b, pos + 2).ok_or_else(|| Self::short(pos))?;
            if group == ITEM_GROUP {
                let len = u32_at(self.b, pos + 4).ok_or_else(|| Self::short(pos))?;
                if element == ITEM {
                    return Err(format!("an item outside a sequence at byte {pos}"));
                }
                if len != 0 {
                    return Err(format!("a delimiter of length {len} at byte {pos}"));
                }
                return if delimited {
                    Ok(pos + 8)
                } else {
                    Err(format!("an unexpected delimiter at byte {pos}"))
                };
            }
            let (len, header, is_sq) = self.header(pos)?;
            if len == UNDEFINED && !self.may_be_undefined(pos, group, element, is_sq) {
                return Err(format!(
                    "element ({group:04X},{element:04X}) has an undefined length, allowed only for sequences, UN and encapsulated pixel data (PS3.5 §7.1)"
                ));
            }
            pos += header;
            if len == UNDEFINED {
                pos = self.items(pos, None, (group, element) == PIXEL_DATA, depth + 1)?;
            } else {
                let len = len as usize;
                if len > end - pos {
                    return Err(format!(
                        "element ({group:04X},{element:04X}) declares {len} bytes, {} remain",
                        end - pos
                    ));
                }
                if is_sq || (!self.explicit && is_sequence(group, element)) {
                    self.items(pos, Some(pos + len), false, depth + 1)?;
                }
                pos += len;
            }
        }
        if delimited {
            return Err("the data ended before a delimiter".into());
        }
        Ok(pos)
    }

    /// Whether an element may have an undefined length: a sequence, UN, or encapsulated pixel
    /// data (Explicit VR); in Implicit VR a tag the standard dictionary gives the VR SQ, or one
    /// it does not know (PS3.5 §7.1, §6.2.2).
    fn may_be_undefined(&self, pos: usize, group: u16, element: u16, is_sq: bool) -> bool {
        if (group, element) == PIXEL_DATA {
            return self.explicit;
        }
        if self.explicit {
            return is_sq || self.b.get(pos + 4..pos + 6) == Some(b"UN");
        }
        use dicom_core::dictionary::DataDictionary;
        is_sequence(group, element)
            || dicom_dictionary_std::StandardDataDictionary
                .by_tag(dicom_core::Tag(group, element))
                .is_none()
    }

    /// The value length, header size and whether it is a sequence (known in Explicit VR).
    fn header(&self, pos: usize) -> Result<(u32, usize, bool), String> {
        if !self.explicit {
            let len = u32_at(self.b, pos + 4).ok_or_else(|| Self::short(pos))?;
            return Ok((len, 8, false));
        }
        let vr = [
            *self.b.get(pos + 4).ok_or_else(|| Self::short(pos))?,
            *self.b.get(pos + 5).ok_or_else(|| Self::short(pos))?,
        ];
        if LONG_VRS.iter().any(|v| **v == vr) {
            let len = u32_at(self.b, pos + 8).ok_or_else(|| Self::short(pos))?;
            Ok((len, 12, &vr == b"SQ"))
        } else {
            let len = u16_at(self.b, pos + 6).ok_or_else(|| Self::short(pos))?;
            Ok((u32::from(len), 8, false))
        }
    }

    /// Items of a sequence (data sets) or of encapsulated pixel data (fragments), up to `end`
    /// or, for undefined length (`None`), to the Sequence Delimitation Item.
    fn items(
        &self,
        mut pos: usize,
        end: Option<usize>,
        fragments: bool,
        depth: usize,
    ) -> Result<usize, String> {
        let limit = end.unwrap_or(self.b.len());
        while pos < limit {
            let group = u16_at(self.b, pos).ok_or_else(|| Self::short(pos))?;
            let element = u16_at(self.b, pos + 2).ok_or_else(|| Self::short(pos))?;
            let len = u32_at(self.b, pos + 4).ok_or_else(|| Self::short(pos))?;
            if group != ITEM_GROUP {
                return Err(format!(
                    "({group:04X},{element:04X}) where an item was expected at byte {pos}"
                ));
            }
            pos += 8;
            if element != ITEM {
                // Sequence Delimitation Item: the end of an undefined-length sequence.
                return Ok(pos);
            }
            if len == UNDEFINED {
                if fragments {
                    return Err("a fragment of undefined length".into());
                }
                pos = self.elements(pos, limit, true, depth)?;
            } else {
                let len = len as usize;
                if len > limit - pos {
                    return Err(format!(
                        "an item declares {len} bytes, {} remain",
                        limit - pos
                    ));
                }
                if !fragments {
                    self.elements(pos, pos + len, false, depth)?;
                }
                pos += len;
            }
        }
        if end.is_none() {
            return Err("the data ended before a sequence delimiter".into());
        }
        Ok(pos)
    }
}

/// Whether the standard dictionary gives `tag` the VR SQ (for Implicit VR, PS3.5 §7.1.3).
fn is_sequence(group: u16, element: u16) -> bool {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
    dicom_dictionary_std::StandardDataDictionary
        .by_tag(dicom_core::Tag(group, element))
        .is_some_and(|e| e.vr() == VirtualVr::Exact(dicom_core::VR::SQ))
}

/// Checks the file meta group (Explicit VR Little Endian, group 0002, PS3.10 §7.1) at the start
/// of `bytes` (just after `DICM`): every element's length must fit.
pub(crate) fn check_meta(bytes: &[u8]) -> Result<(), String> {
    let w = Walker {
        b: bytes,
        explicit: true,
    };
    let mut pos = 0;
    while u16_at(bytes, pos) == Some(0x0002) {
        let (len, header, _) = w.header(pos)?;
        pos += header;
        if len == UNDEFINED || len as usize > bytes.len() - pos {
            return Err(format!(
                "file meta element at byte {pos} declares {len} bytes"
            ));
        }
        pos += len as usize;
    }
    Ok(())
}

/// Series Instance UID (0020,000E) and SOP Instance UID (0008,0018) from the top-level elements
/// at the start of a data set (`head`: its first bytes, or all of it): what a retrieved file is
/// named by, read without dicom-rs. Elements are walked (lengths checked) until both are found.
pub(crate) fn find_uids(head: &[u8], explicit: bool) -> Result<(String, String), String> {
    let w = Walker { b: head, explicit };
    let (mut series, mut instance) = (None, None);
    let mut pos = 0;
    while pos + 8 <= head.len() && (series.is_none() || instance.is_none()) {
        let (Some(group), Some(element)) = (u16_at(head, pos), u16_at(head, pos + 2)) else {
            break;
        };
        let (len, header, is_sq) = w.header(pos)?;
        if len == UNDEFINED && !w.may_be_undefined(pos, group, element, is_sq) {
            return Err(format!(
                "element ({group:04X},{element:04X}) has an undefined length"
            ));
        }
        let start = pos + header;
        if len == UNDEFINED || is_sq || (!explicit && is_sequence(group, element)) {
            // A sequence before the UIDs (e.g. (0008,0006) Language Code Sequence): walk it.
            let end = (len != UNDEFINED).then(|| start + len as usize);
            pos = w.items(start, end, false, 1)?;
            continue;
        }
        let end = start + len as usize;
        let Some(value) = head.get(start..end) else {
            break;
        };
        let text = || {
            String::from_utf8_lossy(value)
                .trim_end_matches(['\0', ' '])
                .to_owned()
        };
        match (group, element) {
            (0x0020, 0x000E) => series = Some(text()),
            (0x0008, 0x0018) => instance = Some(text()),
            _ => {}
        }
        pos = end;
    }
    match (series, instance) {
        (Some(s), Some(i)) => Ok((s, i)),
        _ => Err("no Series Instance UID and SOP Instance UID at the start of the data set".into()),
    }
}

/// Checks every length of a data set encoded in Little Endian (`explicit` VR or implicit).
pub(crate) fn check(bytes: &[u8], explicit: bool) -> Result<(), String> {
    Walker { b: bytes, explicit }
        .elements(0, bytes.len(), false, 0)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths_must_fit() {
        // (0008,0016) UI of 4 bytes, implicit: fits.
        let ok = [0x08, 0, 0x16, 0, 4, 0, 0, 0, b'1', b'.', b'2', 0];
        assert!(check(&ok, false).is_ok());
        // The same declaring 4 GB - 2.
        let bad = [0x08, 0, 0x16, 0, 0xFE, 0xFF, 0xFF, 0xFF, b'1'];
        assert!(check(&bad, false).unwrap_err().contains("declares"));
        // An undefined-length sequence with one empty undefined-length item, explicit VR.
        let sq = [
            0x08, 0, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, // (0008,1115) SQ
            0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF, // item, undefined
            0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, // item delimitation
            0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0, // sequence delimitation
        ];
        assert!(check(&sq, true).is_ok());
        assert!(check(&sq[..sq.len() - 8], true).is_err());
        // The fuzz target's second finding: (0000,0000) UL with an undefined length, followed by
        // a delimiter, made dicom-rs allocate 4 GB.
        let ul = [
            0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0,
        ];
        assert!(check(&ul, false).unwrap_err().contains("undefined length"));
    }
}

#[cfg(test)]
mod uid_tests {
    use super::*;

    #[test]
    fn uids_from_the_head() {
        // (0008,0018) UI "1.2" padded, (0020,000E) UI "1.3" padded, then pixel data cut short.
        let b = [
            0x08, 0, 0x18, 0, 4, 0, 0, 0, b'1', b'.', b'2', 0, //
            0x20, 0, 0x0E, 0, 4, 0, 0, 0, b'1', b'.', b'3', 0, //
            0xE0, 0x7F, 0x10, 0, 0, 0, 1, 0,
        ];
        assert_eq!(find_uids(&b, false).unwrap(), ("1.3".into(), "1.2".into()));
        assert!(find_uids(&b[..12], false).is_err());
    }
}
