//! A decoded text document: its bytes' fingerprint, its text exactly as decoded (CRLF kept), and
//! indexes that convert between code-point positions and byte offsets quickly at any size.
//!
//! Every position the rest of the crate speaks of is a Unicode code point index into
//! [`Document::text`], end exclusive. Bytes appear only at the edge where a `&str` is sliced.
//! This module never touches annotations or the GUI.

use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use unicode_segmentation::GraphemeCursor;

use crate::error::Error;

/// How many code points lie between two entries of the code point → byte checkpoint table.
const CHECKPOINT_EVERY: usize = 64;

/// Largest document that is opened at all (bigger files are refused with a message).
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// A span of code points, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start: start.min(end), end: start.max(end) }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    pub fn contains(&self, pos: usize) -> bool {
        self.start <= pos && pos < self.end
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The encoding a document was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl SourceEncoding {
    pub fn label(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (with BOM)",
            SourceEncoding::Utf16Le => "UTF-16 LE",
            SourceEncoding::Utf16Be => "UTF-16 BE",
            SourceEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// One paragraph (a run of text ended by a line break, or the end of the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paragraph {
    /// Code points of the paragraph's text, without its line break.
    pub chars: Span,
    /// Byte range of the same text.
    pub bytes: (usize, usize),
}

#[derive(Debug, Clone)]
pub struct Document {
    path: Option<PathBuf>,
    text: String,
    encoding: SourceEncoding,
    fingerprint: String,
    len_chars: usize,
    /// `checkpoints[i]` is the byte offset of code point `i * CHECKPOINT_EVERY`.
    checkpoints: Vec<usize>,
    paragraphs: Vec<Paragraph>,
}

impl Document {
    /// Reads and decodes a file. Refuses binary files and files over [`MAX_DOCUMENT_BYTES`].
    pub fn open(path: &Path) -> Result<Self, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, "cannot read the document", e))?;
        if meta.is_dir() {
            return Err(Error::document(path, "is a folder, not a text file", "open a .txt or .md file inside it"));
        }
        crate::io::check_regular(path, &meta)?;
        if meta.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::document(
                path,
                &format!("is {} MB; documents up to {} MB can be opened", meta.len() / 1_000_000, MAX_DOCUMENT_BYTES / 1_000_000),
                "split the text into smaller files",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the document", e))?;
        let mut doc = Self::from_vec(bytes).map_err(|why| match why {
            DecodeError::Binary { offset } => Error::document(
                path,
                &format!("looks like a binary file (byte {offset} is not text)"),
                "open a plain-text (.txt) or Markdown (.md) file; convert other formats to text first",
            ),
            DecodeError::BadUtf16 { offset } => Error::document(
                path,
                &format!("starts with a UTF-16 byte-order mark but byte {offset} is not valid UTF-16"),
                "re-save the file as UTF-8",
            ),
        })?;
        doc.path = Some(path.to_path_buf());
        Ok(doc)
    }

    /// Decodes bytes: UTF-8 (BOM or not), UTF-16 LE/BE with BOM, else Windows-1252 when the
    /// bytes are text. The BOM is not part of the text.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (decoded, fingerprint) = alongside(bytes.len(), || decode(bytes), || fingerprint_of(bytes));
        let (text, encoding) = decoded?;
        Ok(Self::build(text, encoding, fingerprint))
    }

    /// [`Self::from_bytes`] for bytes the document may keep: a UTF-8 file (the usual case)
    /// becomes the text in place, without a copy, so a 200 MB file needs 200 MB, not 400.
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, DecodeError> {
        const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
        let bom = bytes.starts_with(UTF8_BOM);
        // Anything else than UTF-8 is decoded into new text, as `from_bytes` does; so is a text
        // with a NUL byte, which is refused with the offset of that byte.
        let other = !bom && (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || bytes.contains(&0));
        if other {
            return Self::from_bytes(&bytes);
        }
        let mut text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return Self::from_bytes(e.as_bytes()),
        };
        if bom {
            text.drain(..UTF8_BOM.len());
        }
        let fingerprint = || {
            let mut hash = Sha256::new();
            if bom {
                hash.update(UTF8_BOM);
            }
            hash.update(text.as_bytes());
            hex(&hash.finalize())
        };
        let (checked, fingerprint) = alongside(text.len(), || check_text(&text).map(|()| index(&text)), fingerprint);
        let encoding = if bom { SourceEncoding::Utf8Bom } else { SourceEncoding::Utf8 };
        Ok(Self::with_index(text, encoding, fingerprint, checked?))
    }

    /// A document made from a string (used by tests, imports and generated text).
    pub fn from_text(text: impl Into<String>) -> Self {
        let text = text.into();
        let (index, fingerprint) = alongside(text.len(), || index(&text), || fingerprint_of(text.as_bytes()));
        Self::with_index(text, SourceEncoding::Utf8, fingerprint, index)
    }

    fn build(text: String, encoding: SourceEncoding, fingerprint: String) -> Self {
        let index = index(&text);
        Self::with_index(text, encoding, fingerprint, index)
    }

    fn with_index(text: String, encoding: SourceEncoding, fingerprint: String, index: Index) -> Self {
        let Index { checkpoints, paragraphs, len_chars } = index;
        Self { path: None, text, encoding, fingerprint, len_chars, checkpoints, paragraphs }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    pub fn set_path(&mut self, path: PathBuf) {
        self.path = Some(path);
    }
    /// The file name shown to users and written into sidecars.
    pub fn file_name(&self) -> String {
        self.path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "untitled.txt".to_owned())
    }
    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn encoding(&self) -> SourceEncoding {
        self.encoding
    }
    /// A warning for the user when the encoding had to be guessed.
    pub fn encoding_warning(&self) -> Option<String> {
        (self.encoding == SourceEncoding::Windows1252)
            .then(|| "This file is not UTF-8; it was opened as Windows-1252. Check that accented letters look right.".to_owned())
    }
    /// SHA-256 of the file's bytes, lower-case hex.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
    /// Length in code points.
    pub fn len_chars(&self) -> usize {
        self.len_chars
    }
    pub fn is_empty(&self) -> bool {
        self.len_chars == 0
    }
    pub fn paragraphs(&self) -> &[Paragraph] {
        &self.paragraphs
    }

    /// The index of the paragraph holding code point `pos` (a line break counts with the
    /// paragraph it ends).
    pub fn paragraph_at(&self, pos: usize) -> usize {
        match self.paragraphs.binary_search_by(|p| p.chars.start.cmp(&pos)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of code point `pos` (clamped to the end).
    pub fn byte_of(&self, pos: usize) -> usize {
        if pos >= self.len_chars {
            return self.text.len();
        }
        let cp = pos / CHECKPOINT_EVERY;
        let base = self.checkpoints[cp];
        // Step over whole characters by their first byte's length (the text is valid UTF-8);
        // cheaper than decoding each one, and this is called for every quote and its context.
        let bytes = self.text.as_bytes();
        let mut b = base;
        for _ in 0..pos - cp * CHECKPOINT_EVERY {
            b += match bytes[b] {
                0x00..=0x7F => 1,
                0x80..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
        }
        b.min(self.text.len())
    }

    /// Code point index of byte offset `byte` (which must be a char boundary; otherwise the
    /// char containing it).
    pub fn char_of(&self, byte: usize) -> usize {
        // A byte inside a multi-byte char counts as that char's first byte.
        let byte = self.text.floor_char_boundary(byte.min(self.text.len()));
        let cp = self.checkpoints.partition_point(|&b| b <= byte).saturating_sub(1);
        let base = self.checkpoints[cp];
        cp * CHECKPOINT_EVERY + self.text[base..byte].chars().count()
    }

    pub fn byte_range(&self, span: Span) -> Range<usize> {
        self.byte_of(span.start)..self.byte_of(span.end)
    }

    /// The text of a span (clamped to the document).
    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.byte_range(span)]
    }

    /// Up to `n` code points before `pos`.
    pub fn before(&self, pos: usize, n: usize) -> &str {
        self.slice(Span::new(pos.saturating_sub(n), pos.min(self.len_chars)))
    }

    /// Up to `n` code points from `pos` on.
    pub fn after(&self, pos: usize, n: usize) -> &str {
        let pos = pos.min(self.len_chars);
        self.slice(Span::new(pos, (pos + n).min(self.len_chars)))
    }

    /// Is code point `pos` a grapheme-cluster boundary?
    pub fn is_grapheme_boundary(&self, pos: usize) -> bool {
        if pos == 0 || pos >= self.len_chars {
            return true;
        }
        let b = self.byte_of(pos);
        GraphemeCursor::new(b, self.text.len(), true).is_boundary(&self.text, 0).unwrap_or(true)
    }

    /// The grapheme boundary at or before `pos`.
    pub fn grapheme_floor(&self, pos: usize) -> usize {
        let pos = pos.min(self.len_chars);
        if self.is_grapheme_boundary(pos) {
            return pos;
        }
        let b = self.byte_of(pos);
        let mut cursor = GraphemeCursor::new(b, self.text.len(), true);
        match cursor.prev_boundary(&self.text, 0) {
            Ok(Some(prev)) => self.char_of(prev),
            _ => pos,
        }
    }

    /// The grapheme boundary at or after `pos`.
    pub fn grapheme_ceil(&self, pos: usize) -> usize {
        let pos = pos.min(self.len_chars);
        if self.is_grapheme_boundary(pos) {
            return pos;
        }
        let b = self.byte_of(pos);
        let mut cursor = GraphemeCursor::new(b, self.text.len(), true);
        match cursor.next_boundary(&self.text, 0) {
            Ok(Some(next)) => self.char_of(next),
            _ => self.len_chars,
        }
    }

    /// The next grapheme boundary strictly after `pos` (or the end).
    pub fn next_grapheme(&self, pos: usize) -> usize {
        if pos >= self.len_chars {
            return self.len_chars;
        }
        let b = self.byte_of(pos);
        let mut cursor = GraphemeCursor::new(b, self.text.len(), true);
        match cursor.next_boundary(&self.text, 0) {
            Ok(Some(next)) => self.char_of(next),
            _ => self.len_chars,
        }
    }

    /// The previous grapheme boundary strictly before `pos` (or 0).
    pub fn prev_grapheme(&self, pos: usize) -> usize {
        if pos == 0 {
            return 0;
        }
        let pos = pos.min(self.len_chars);
        let b = self.byte_of(pos);
        let mut cursor = GraphemeCursor::new(b, self.text.len(), true);
        match cursor.prev_boundary(&self.text, 0) {
            Ok(Some(prev)) => self.char_of(prev),
            _ => 0,
        }
    }

    /// Clamps a span into the document and widens it outward to grapheme boundaries.
    pub fn snap(&self, span: Span) -> Span {
        let start = self.grapheme_floor(span.start.min(self.len_chars));
        let end = self.grapheme_ceil(span.end.min(self.len_chars));
        Span::new(start, end)
    }

    /// The word around `pos` (for double-click): letters, digits and joiners; else the grapheme.
    pub fn word_at(&self, pos: usize) -> Span {
        use unicode_segmentation::UnicodeSegmentation;
        let para = &self.paragraphs[self.paragraph_at(pos)];
        let ptext = &self.text[para.bytes.0..para.bytes.1];
        let mut char_pos = para.chars.start;
        for word in ptext.split_word_bounds() {
            let n = word.chars().count();
            if pos < char_pos + n {
                return Span::new(char_pos, char_pos + n);
            }
            char_pos += n;
        }
        self.snap(Span::new(pos, pos + 1))
    }

    /// The 1-based line and column (in code points) of `pos`, for messages: the numbering of
    /// [`crate::error::line_col`], found through the paragraph index instead of a scan.
    pub fn line_col(&self, pos: usize) -> (usize, usize) {
        let p = self.paragraph_at(pos);
        (p + 1, pos - self.paragraphs[p].chars.start + 1)
    }
}

/// The position indexes of a text (see [`Document`]'s fields).
struct Index {
    checkpoints: Vec<usize>,
    paragraphs: Vec<Paragraph>,
    len_chars: usize,
}

/// Counts code points, places a checkpoint every [`CHECKPOINT_EVERY`] of them and ends a
/// paragraph at every line feed (a CR before it belongs to the line break). Works on bytes: a
/// code point starts at every byte that is not a UTF-8 continuation byte (`10xxxxxx`), which is
/// several times faster on a long text than decoding each character.
fn index(text: &str) -> Index {
    let bytes = text.as_bytes();
    let mut checkpoints = Vec::with_capacity(bytes.len() / CHECKPOINT_EVERY + 2);
    let mut paragraphs = Vec::new();
    let mut para_start_char = 0;
    let mut para_start_byte = 0;
    let mut n = 0usize;
    for (byte, &b) in bytes.iter().enumerate() {
        if (b as i8) < -0x40 {
            continue; // a continuation byte
        }
        if n.is_multiple_of(CHECKPOINT_EVERY) {
            checkpoints.push(byte);
        }
        if b == b'\n' {
            let (end_char, end_byte) =
                if byte > para_start_byte && bytes[byte - 1] == b'\r' { (n - 1, byte - 1) } else { (n, byte) };
            paragraphs.push(Paragraph { chars: Span::new(para_start_char, end_char), bytes: (para_start_byte, end_byte) });
            para_start_char = n + 1;
            para_start_byte = byte + 1;
        }
        n += 1;
    }
    if n.is_multiple_of(CHECKPOINT_EVERY) {
        checkpoints.push(text.len());
    }
    paragraphs.push(Paragraph { chars: Span::new(para_start_char, n), bytes: (para_start_byte, text.len()) });
    Index { checkpoints, paragraphs, len_chars: n }
}

/// Runs `work` here and `hash` on another core at the same time when the text is long enough
/// for that to pay (hashing a 200 MB file takes as long as decoding and indexing it).
fn alongside<W: Send, H: Send>(len: usize, work: impl FnOnce() -> W + Send, hash: impl FnOnce() -> H + Send) -> (W, H) {
    if len < 1 << 20 {
        return (work(), hash());
    }
    std::thread::scope(|scope| {
        let hashed = scope.spawn(hash);
        let done = work();
        (done, hashed.join().expect("hashing does not panic"))
    })
}

/// SHA-256 of some bytes, lower-case hex.
pub fn fingerprint_of(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub use crate::error::{QUOTE_CHARS, excerpt};
pub use crate::io::hex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Binary { offset: usize },
    BadUtf16 { offset: usize },
}

fn decode(bytes: &[u8]) -> Result<(String, SourceEncoding), DecodeError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let kind = if enc == encoding_rs::UTF_8 {
            SourceEncoding::Utf8Bom
        } else if enc == encoding_rs::UTF_16LE {
            SourceEncoding::Utf16Le
        } else {
            SourceEncoding::Utf16Be
        };
        if kind == SourceEncoding::Utf8Bom {
            return match std::str::from_utf8(body) {
                Ok(s) => check_text(s).map(|()| (s.to_owned(), kind)),
                Err(e) => Err(DecodeError::Binary { offset: bom_len + e.valid_up_to() }),
            };
        }
        let (text, had_errors) = enc.decode_without_bom_handling(body);
        if had_errors {
            let offset = first_bad_utf16(body, kind == SourceEncoding::Utf16Le);
            return Err(DecodeError::BadUtf16 { offset: bom_len + offset });
        }
        check_text(&text)?;
        return Ok((text.into_owned(), kind));
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(DecodeError::Binary { offset });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            check_text(s)?;
            Ok((s.to_owned(), SourceEncoding::Utf8))
        }
        Err(_) => {
            // Bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned in Windows-1252: not text.
            if let Some(offset) = bytes.iter().position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)) {
                return Err(DecodeError::Binary { offset });
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            check_text(&text)?;
            Ok((text.into_owned(), SourceEncoding::Windows1252))
        }
    }
}

/// Text has no NUL and few control characters other than tab, line feed, carriage return and
/// form feed. Works on the UTF-8 bytes: a control character (Unicode category Cc) is a byte
/// below 0x20, 0x7F, or one of U+0080 to U+009F, written 0xC2 0x80 to 0xC2 0x9F; runs of bytes
/// with none of those are skipped a block at a time.
fn check_text(s: &str) -> Result<(), DecodeError> {
    const BLOCK: usize = 64;
    let bytes = s.as_bytes();
    let suspect = |b: u8| b < 0x20 || b == 0x7F || b == 0xC2;
    let mut controls = 0usize;
    for (k, block) in bytes.chunks(BLOCK).enumerate() {
        if !block.iter().fold(false, |any, &b| any | suspect(b)) {
            continue;
        }
        for (j, &b) in block.iter().enumerate() {
            let i = k * BLOCK + j;
            let control = match b {
                0 => return Err(DecodeError::Binary { offset: i }),
                b'\t' | b'\n' | b'\r' | 0x0c => false,
                0x01..=0x1F | 0x7F => true,
                0xC2 => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
                _ => false,
            };
            if control {
                controls += 1;
                if controls > 8 && controls * 100 > s.len().min(100_000) {
                    return Err(DecodeError::Binary { offset: i });
                }
            }
        }
    }
    Ok(())
}

fn first_bad_utf16(body: &[u8], little: bool) -> usize {
    let units: Vec<u16> = body
        .chunks(2)
        .map(|c| {
            if c.len() < 2 {
                0xDC00
            } else if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    let mut i = 0;
    while i < units.len() {
        let u = units[i];
        if (0xD800..0xDC00).contains(&u) {
            if i + 1 < units.len() && (0xDC00..0xE000).contains(&units[i + 1]) && body.len() >= (i + 2) * 2 {
                i += 2;
                continue;
            }
            return i * 2;
        }
        if (0xDC00..0xE000).contains(&u) {
            return i * 2;
        }
        i += 1;
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_agree_with_the_message_helper() {
        let doc = Document::from_text("Zoë 🚣 rows,\r\nthe café\n\nends");
        for pos in 0..=doc.len_chars() {
            assert_eq!(doc.line_col(pos), crate::error::line_col(doc.text(), doc.byte_of(pos)), "at {pos}");
        }
        assert_eq!(doc.line_col(doc.len_chars()), (4, 5));
    }

    #[test]
    fn excerpts_cut_between_whole_characters_and_stay_on_one_line() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("Vote early,\r\nvote often", 40), "Vote early, vote often");
        assert_eq!(excerpt("abcdef", 4), "abc…");
        assert_eq!(excerpt("abcd", 4), "abcd");
        // A family emoji and a decomposed ễ each count as one and are never split.
        assert_eq!(excerpt("👨‍👩‍👧‍👦 Nguye\u{302}\u{303}n", 3), "👨‍👩‍👧‍👦 …");
        assert_eq!(excerpt("Nguye\u{302}\u{303}n family", 7), "Nguye\u{302}\u{303}n…");
        assert_eq!(excerpt("", 5), "");
    }

    #[test]
    fn excerpts_agree_with_cutting_cluster_by_cluster() {
        use unicode_segmentation::UnicodeSegmentation;
        // The definition, one grapheme cluster at a time (how excerpts were first made).
        fn reference(s: &str, n: usize) -> String {
            let clusters: Vec<&str> = s.graphemes(true).take(n + 1).collect();
            let cut = clusters.len() > n;
            let keep = if cut { n.saturating_sub(1) } else { clusters.len() };
            let mut out: String =
                clusters[..keep].iter().map(|g| if g.chars().any(char::is_control) { " " } else { g }).collect();
            if cut {
                out.push('…');
            }
            out
        }
        let samples = [
            "",
            "plain ascii text",
            "e\u{301}e\u{301}x",
            "a\r\nb\tc\n",
            "#\u{fe0f}\u{20e3} keycap",
            "🇫🇷🇮🇸x🇳",
            "👨\u{200d}👩\u{200d}👧 family",
            "\u{600}1 prepended digit",
            "\u{1100}\u{1161}\u{11a8}a hangul",
            "क्षत्रिय x",
            "a\u{200d}b\u{94f}c",
            "x\u{85}y\u{7f}z",
            "“Vote,” said Zoë — 🗳️ now.",
        ];
        for s in samples {
            for n in 0..30 {
                assert_eq!(excerpt(s, n), reference(s, n), "{s:?} {n}");
            }
        }
    }

    #[test]
    fn positions_round_trip_through_bytes() {
        let doc = Document::from_text("héllo 👋🏽 wörld\r\nnext 🇫🇷 line\n");
        for pos in 0..=doc.len_chars() {
            assert_eq!(doc.char_of(doc.byte_of(pos)), pos);
        }
        assert_eq!(doc.paragraphs().len(), 3);
        assert_eq!(doc.slice(doc.paragraphs()[0].chars), "héllo 👋🏽 wörld");
    }

    #[test]
    fn snapping_never_splits_an_emoji_with_a_skin_tone() {
        let doc = Document::from_text("a👋🏽b");
        // code points: a, 👋, 🏽, b
        assert_eq!(doc.snap(Span::new(2, 3)), Span::new(1, 3));
        assert_eq!(doc.snap(Span::new(1, 2)), Span::new(1, 3));
    }

    #[test]
    fn decodes_boms_and_windows_1252() {
        let utf16le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("hé".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        let d = Document::from_bytes(&utf16le).unwrap();
        assert_eq!(d.text(), "hé");
        assert_eq!(d.encoding(), SourceEncoding::Utf16Le);
        let cp1252 = b"caf\xe9 \x93quoted\x94";
        let d = Document::from_bytes(cp1252).unwrap();
        assert_eq!(d.text(), "café \u{201c}quoted\u{201d}");
        assert!(d.encoding_warning().is_some());
        assert!(matches!(Document::from_bytes(b"ab\0cd"), Err(DecodeError::Binary { offset: 2 })));
        assert_eq!(Document::from_bytes(b"").unwrap().len_chars(), 0);
    }
}
