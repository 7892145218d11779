//! The annotation list of a sidecar, written and read directly.
//!
//! A sidecar of a large document holds 100,000 annotations or more, and the general RON
//! serializer and parser spend most of their time on per-character work (every character of
//! every string goes through a formatter call, and the parser re-checks UTF-8 slice by slice).
//! The list is the one part of the file that grows, and its shape is fixed, so it is written
//! here in exactly the text the RON serializer would produce (the tests compare the two byte
//! for byte), and read back by a strict reader that accepts only that layout.
//!
//! Reading is only a fast path: when anything differs from the written layout (a file edited by
//! hand, a field left out, another line ending), [`read_annotations`] returns `None` and the
//! caller parses the whole file with RON, which also gives the precise error messages.
//! Characters that need escaping are escaped by `char::escape_debug`, as the RON serializer
//! does, so the two writers agree on every string.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use uuid::Uuid;

use crate::annotation::{AnchorStatus, Annotation, Conflict};

/// Indentation of an annotation's parentheses and of its fields (RON pretty, four spaces).
const ITEM: &str = "        ";
const FIELD: &str = "            ";
const ENTRY: &str = "                ";

/// Appends the annotations as the items of the sidecar's `annotations: [` list, each ending
/// in `),\n`. A `Reanchored` status is written as `Anchored`: the saved span then matches the
/// saved fingerprint.
pub fn write_annotations<'a>(out: &mut String, annotations: impl IntoIterator<Item = &'a Annotation>) {
    for a in annotations {
        out.push_str(ITEM);
        out.push_str("(\n");
        field_str(out, "id", a.id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        field_num(out, "start", a.start);
        field_num(out, "end", a.end);
        field_str(out, "exact", &a.exact);
        field_str(out, "prefix", &a.prefix);
        field_str(out, "suffix", &a.suffix);
        field_str(out, "code", &a.code);
        field_str(out, "note", &a.note);
        out.push_str(FIELD);
        out.push_str("attributes: {");
        if !a.attributes.is_empty() {
            out.push('\n');
            for (k, v) in &a.attributes {
                out.push_str(ENTRY);
                string(out, k);
                out.push_str(": ");
                string(out, v);
                out.push_str(",\n");
            }
            out.push_str(FIELD);
        }
        out.push_str("},\n");
        field_str(out, "coder", &a.coder);
        field_str(out, "created", &a.created);
        field_str(out, "modified", &a.modified);
        let status = match a.status {
            AnchorStatus::Anchored | AnchorStatus::Reanchored => "Anchored",
            AnchorStatus::Orphaned => "Orphaned",
        };
        out.push_str(FIELD);
        out.push_str("status: ");
        out.push_str(status);
        out.push_str(",\n");
        match a.conflict {
            None => {}
            Some(Conflict::ChangedOnBothSides(other)) => {
                out.push_str(FIELD);
                out.push_str("conflict: Some(ChangedOnBothSides(");
                string(out, other.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
                out.push_str(")),\n");
            }
            Some(Conflict::ChangedAndDeleted) => {
                out.push_str(FIELD);
                out.push_str("conflict: Some(ChangedAndDeleted),\n");
            }
        }
        out.push_str(ITEM);
        out.push_str("),\n");
    }
}

fn field_str(out: &mut String, name: &str, value: &str) {
    out.push_str(FIELD);
    out.push_str(name);
    out.push_str(": ");
    string(out, value);
    out.push_str(",\n");
}

fn field_num(out: &mut String, name: &str, value: usize) {
    out.push_str(FIELD);
    out.push_str(name);
    out.push_str(": ");
    let _ = write!(out, "{value}");
    out.push_str(",\n");
}

/// Writes the list items of `annotations` (already sorted) to `out`, in chunks that every core
/// prepares while the writing thread writes the chunks before them, in order.
pub fn write_annotations_parallel(annotations: &[&Annotation], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    const CHUNK: usize = 2048;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunks: Vec<&[&Annotation]> = annotations.chunks(CHUNK).collect();
    if workers < 2 || chunks.len() < 2 {
        let mut text = String::new();
        for chunk in chunks {
            text.clear();
            write_annotations(&mut text, chunk.iter().copied());
            out.write_all(text.as_bytes())?;
        }
        return Ok(());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Bounded, so that workers run at most a few chunks ahead of the disk.
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, String)>(workers * 2);
        for _ in 0..workers {
            let send = send.clone();
            let (next, stop, chunks) = (&next, &stop, &chunks);
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k >= chunks.len() || stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let mut text = String::with_capacity(chunks[k].len() * 900);
                    write_annotations(&mut text, chunks[k].iter().copied());
                    if send.send((k, text)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        let result = (|| {
            for (k, text) in &receive {
                waiting.insert(k, text);
                while let Some(text) = waiting.remove(&due) {
                    out.write_all(text.as_bytes())?;
                    due += 1;
                }
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            drop(receive);
        }
        result
    })
}

/// Does `escape_debug` change this character? Printable ASCII is decided here; every other
/// character is looked up in a table of one bit per code point, filled a page of 256 code
/// points at a time, the first time a character of that page is met, by asking `escape_debug`.
fn needs_escape(c: char) -> bool {
    const PAGES: usize = 0x11_0000 / 256;
    static TABLE: [std::sync::OnceLock<[u64; 4]>; PAGES] = [const { std::sync::OnceLock::new() }; PAGES];
    let n = c as u32;
    if n < 0x80 {
        return !matches!(c, ' '..='~') || matches!(c, '"' | '\\' | '\'');
    }
    let page = TABLE[(n >> 8) as usize].get_or_init(|| {
        let base = n & !0xFF;
        let mut bits = [0u64; 4];
        for k in 0..256u32 {
            if char::from_u32(base + k).is_some_and(escape_changes) {
                bits[k as usize / 64] |= 1 << (k % 64);
            }
        }
        bits
    });
    page[(n as usize & 0xFF) / 64] >> (n % 64) & 1 == 1
}

fn escape_changes(c: char) -> bool {
    let mut escaped = c.escape_debug();
    !(escaped.next() == Some(c) && escaped.next().is_none())
}

/// A quoted string, escaped as the RON serializer escapes it (`char::escape_debug` per
/// character), copying unchanged runs whole.
fn string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Codes, dates and most notes are plain ASCII: one pass over the bytes decides it.
    if s.bytes().all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'"' | b'\\' | b'\'')) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut from = 0;
    for (i, c) in s.char_indices() {
        if needs_escape(c) {
            out.push_str(&s[from..i]);
            out.extend(c.escape_debug());
            from = i + c.len_utf8();
        }
    }
    out.push_str(&s[from..]);
    out.push('"');
}

/// The line every item of the list starts with, with the line break before it.
const ITEM_START: &[u8] = b"\n        (\n";

/// Reads a list written by [`write_annotations`] (the text between `annotations: [\n` and the
/// closing `    ],`). `None` when the text is in any way not in that layout.
pub fn read_annotations(list: &str) -> Option<Vec<Annotation>> {
    // Already text: a short list is read here without checking it again.
    if list.len() < 1 << 20 {
        return read_items(list);
    }
    read_annotations_bytes(list.as_bytes())
}

/// [`read_annotations`] for bytes not yet known to be UTF-8 (each part is checked by the thread
/// that reads it).
pub fn read_annotations_bytes(list: &[u8]) -> Option<Vec<Annotation>> {
    // Split the list at item boundaries and read the parts on all cores: a written string never
    // holds a raw line break, so an item starts exactly where a line reads `        (`.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || list.len() < 1 << 20 {
        return read_items(simdutf8::basic::from_utf8(list).ok()?);
    }
    let mut parts = Vec::with_capacity(threads);
    let mut from = 0;
    for k in 1..threads {
        // Cut only before a newline (ASCII), so every share is whole characters.
        let target = (list.len() * k / threads).max(from);
        let Some(found) = memchr::memmem::find(&list[target..], ITEM_START) else { break };
        let cut = target + found + 1;
        parts.push(&list[from..cut]);
        from = cut;
    }
    parts.push(&list[from..]);
    // Each part is read straight into its place in the one list: gathering parts read apart
    // into it would hold every annotation twice for a moment (256 MB more for a million).
    let checked: Vec<Option<(&str, usize)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                scope.spawn(move || simdutf8::basic::from_utf8(part).ok().map(|part| (part, count_items(part.as_bytes()))))
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok().flatten()).collect()
    });
    let checked: Vec<(&str, usize)> = checked.into_iter().collect::<Option<_>>()?;
    let mut all: Vec<Annotation> = Vec::new();
    all.resize_with(checked.iter().map(|(_, n)| n).sum(), placeholder);
    let mut places = Vec::with_capacity(checked.len());
    let mut rest = all.as_mut_slice();
    for &(part, n) in &checked {
        let (place, tail) = rest.split_at_mut(n);
        places.push((part, place));
        rest = tail;
    }
    let read: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = places.into_iter().map(|(part, place)| scope.spawn(move || read_items_into(part, place))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or(false)).collect()
    });
    read.iter().all(|&ok| ok).then_some(all)
}

/// An empty annotation (no string allocated) for a place in the list about to be read into.
fn placeholder() -> Annotation {
    Annotation {
        id: Uuid::nil(),
        start: 0,
        end: 0,
        exact: String::new(),
        prefix: String::new(),
        suffix: String::new(),
        code: String::new(),
        note: String::new(),
        attributes: BTreeMap::new(),
        coder: String::new(),
        created: String::new(),
        modified: String::new(),
        status: AnchorStatus::Anchored,
        conflict: None,
    }
}

/// How many items a part of the list holds, by the line each one starts with (the reader
/// checks the count: a part that holds another number of items is refused).
fn count_items(part: &[u8]) -> usize {
    usize::from(part.starts_with(&ITEM_START[1..])) + memchr::memmem::find_iter(part, ITEM_START).count()
}

/// Reads exactly `place.len()` items from `part` into `place`; false when the part is in any
/// way not in the written layout or holds another number of items.
fn read_items_into(part: &str, place: &mut [Annotation]) -> bool {
    let mut r = Reader { rest: part };
    for slot in place.iter_mut() {
        match r.item() {
            Some(a) => *slot = a,
            None => return false,
        }
    }
    r.rest.is_empty()
}

fn read_items(list: &str) -> Option<Vec<Annotation>> {
    let mut r = Reader { rest: list };
    let mut out = Vec::with_capacity(list.len() / 600 + 1);
    while !r.rest.is_empty() {
        out.push(r.item()?);
    }
    Some(out)
}

struct Reader<'a> {
    rest: &'a str,
}

impl Reader<'_> {
    fn lit(&mut self, s: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(s)?;
        Some(())
    }

    fn field(&mut self, name: &str) -> Option<()> {
        self.lit(FIELD)?;
        self.lit(name)?;
        self.lit(": ")
    }

    fn str_field(&mut self, name: &str) -> Option<String> {
        self.field(name)?;
        let s = self.string()?;
        self.lit(",\n")?;
        Some(s)
    }

    fn num_field(&mut self, name: &str) -> Option<usize> {
        self.field(name)?;
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 19 {
            return None;
        }
        let n = self.rest[..digits].parse().ok()?;
        self.rest = &self.rest[digits..];
        self.lit(",\n")?;
        Some(n)
    }

    fn item(&mut self) -> Option<Annotation> {
        self.lit(ITEM)?;
        self.lit("(\n")?;
        let id = Uuid::parse_str(&self.str_field("id")?).ok()?;
        let start = self.num_field("start")?;
        let end = self.num_field("end")?;
        let exact = self.str_field("exact")?;
        let prefix = self.str_field("prefix")?;
        let suffix = self.str_field("suffix")?;
        let code = self.str_field("code")?;
        let note = self.str_field("note")?;
        self.field("attributes")?;
        let mut attributes = BTreeMap::new();
        if self.lit("{},\n").is_none() {
            self.lit("{\n")?;
            while self.lit(ENTRY).is_some() {
                let k = self.string()?;
                self.lit(": ")?;
                let v = self.string()?;
                self.lit(",\n")?;
                attributes.insert(k, v);
            }
            self.lit(FIELD)?;
            self.lit("},\n")?;
            if attributes.is_empty() {
                return None;
            }
        }
        let coder = self.str_field("coder")?;
        let created = self.str_field("created")?;
        let modified = self.str_field("modified")?;
        self.field("status")?;
        let status = if self.lit("Anchored").is_some() {
            AnchorStatus::Anchored
        } else if self.lit("Orphaned").is_some() {
            AnchorStatus::Orphaned
        } else {
            self.lit("Reanchored")?;
            AnchorStatus::Reanchored
        };
        self.lit(",\n")?;
        // An optional last field, written only when set.
        let conflict = if self.rest.starts_with(FIELD) {
            self.field("conflict")?;
            self.lit("Some(")?;
            let conflict = if self.lit("ChangedAndDeleted").is_some() {
                Conflict::ChangedAndDeleted
            } else {
                self.lit("ChangedOnBothSides(")?;
                let other = Uuid::parse_str(&self.string()?).ok()?;
                self.lit(")")?;
                Conflict::ChangedOnBothSides(other)
            };
            self.lit("),\n")?;
            Some(conflict)
        } else {
            None
        };
        self.lit(ITEM)?;
        self.lit("),\n")?;
        Some(Annotation {
            id,
            start,
            end,
            exact,
            prefix,
            suffix,
            code,
            note,
            attributes,
            coder,
            created,
            modified,
            status,
            conflict,
        })
    }

    /// A quoted string with the escapes `escape_debug` writes; anything else is refused.
    fn string(&mut self) -> Option<String> {
        self.lit("\"")?;
        let bytes = self.rest.as_bytes();
        let end = bytes.iter().position(|&b| b == b'"' || b == b'\\')?;
        if bytes[end] == b'"' {
            let s = self.rest[..end].to_owned();
            self.rest = &self.rest[end + 1..];
            return Some(s);
        }
        let mut s = String::with_capacity(end + 16);
        loop {
            let bytes = self.rest.as_bytes();
            let end = bytes.iter().position(|&b| b == b'"' || b == b'\\')?;
            s.push_str(&self.rest[..end]);
            if bytes[end] == b'"' {
                self.rest = &self.rest[end + 1..];
                return Some(s);
            }
            // Only an ASCII letter or sign may follow the backslash: anything else (a line end,
            // a letter with an accent, an emoji) is refused before the text is cut after it,
            // since a cut one byte further could fall inside a character.
            let escape = *bytes.get(end + 1)?;
            if !matches!(escape, b't' | b'r' | b'n' | b'0' | b'\\' | b'"' | b'\'' | b'u') {
                return None;
            }
            self.rest = &self.rest[end + 2..];
            s.push(match escape {
                b't' => '\t',
                b'r' => '\r',
                b'n' => '\n',
                b'0' => '\0',
                b'\\' => '\\',
                b'"' => '"',
                b'\'' => '\'',
                b'u' => {
                    let body = self.rest.strip_prefix('{')?;
                    let close = body.find('}')?;
                    let hex = &body[..close];
                    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    self.rest = &body[close + 1..];
                    c
                }
                _ => return None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::codebook::Codebook;
    use crate::sidecar::{DocumentRef, Sidecar, read_fast, ron_options, to_ron_pretty};

    fn sample() -> Sidecar {
        let doc = crate::Document::from_text("“Vote,” said Chloé — 🗳️ and 🇫🇷.\r\nIt's\tdone.\\ \"Yes\"");
        let mut annotations = Vec::new();
        for (i, (s, e)) in [(0, 7), (13, 18), (20, 23), (33, 40)].into_iter().enumerate() {
            let mut a = Annotation::new(&doc, crate::Span::new(s, e), "opinion", "amara");
            a.id = Uuid::from_u128(i as u128 + 1);
            a.note = format!("note {i}: \u{301}combining, \u{200d}zwj, \u{7f} del, \u{0} nul, 'quotes' \"too\"\n");
            if i % 2 == 0 {
                a.attributes.insert("stance".into(), "for".into());
                a.attributes.insert("ton\"e".into(), "a\\b".into());
            }
            a.created = "2026-03-01T09:30:00Z".into();
            a.modified = a.created.clone();
            annotations.push(a);
        }
        annotations[3].status = AnchorStatus::Orphaned;
        annotations[1].conflict = Some(crate::Conflict::ChangedOnBothSides(Uuid::from_u128(3)));
        annotations[2].conflict = Some(crate::Conflict::ChangedOnBothSides(Uuid::from_u128(2)));
        annotations[3].conflict = Some(crate::Conflict::ChangedAndDeleted);
        let doc_ref = DocumentRef { file_name: "t.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
        Sidecar::new(doc_ref, "amara", Codebook::default(), annotations)
    }

    #[test]
    fn the_list_is_written_as_ron_writes_it_and_read_back() {
        let sc = sample();
        let text = sc.to_ron();
        assert_eq!(text, to_ron_pretty(&sc));
        assert_eq!(read_fast(&text).as_ref(), Some(&sc));
        let empty = Sidecar { annotations: vec![], ..sc.clone() };
        assert_eq!(empty.to_ron(), to_ron_pretty(&empty));
    }

    #[test]
    fn the_reader_splits_a_long_list_across_threads_without_losing_an_item() {
        let base = sample();
        let mut annotations = Vec::new();
        for k in 0..6000u128 {
            let mut a = base.annotations[(k % 4) as usize].clone();
            a.id = Uuid::from_u128(k + 10);
            annotations.push(a);
        }
        let sc = Sidecar::new(base.document.clone(), "amara", Codebook::default(), annotations);
        let text = sc.to_ron();
        assert!(text.len() > 1 << 20, "the list must be long enough to be split");
        assert_eq!(read_fast(&text), Some(sc));
    }

    /// A sidecar of `n` annotations (over 1 MB for 6,000), written to a file in `dir`.
    fn long_sidecar(dir: &Path, n: u128) -> (std::path::PathBuf, Sidecar) {
        let base = sample();
        let mut annotations = Vec::new();
        for k in 0..n {
            let mut a = base.annotations[(k % 4) as usize].clone();
            a.id = Uuid::from_u128(k + 10);
            // The sample's two merge marks name each other: here each names its neighbour.
            if let Some(crate::Conflict::ChangedOnBothSides(_)) = a.conflict {
                let other = if k % 4 == 1 { k + 11 } else { k + 9 };
                a.conflict = Some(crate::Conflict::ChangedOnBothSides(Uuid::from_u128(other)));
            }
            if k == n / 2 {
                // One item longer than the smaller blocks below.
                a.note = "Ünïcode, \"quoted\" and\nbroken ".repeat(200);
            }
            annotations.push(a);
        }
        let sc = Sidecar::new(base.document.clone(), "amara", Codebook::default(), annotations);
        let path = dir.join("t.txt.annotations.ron");
        std::fs::write(&path, sc.to_ron()).unwrap();
        (path, sc)
    }

    #[test]
    fn a_sidecar_read_block_by_block_is_the_one_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (path, sc) = long_sidecar(dir.path(), 6000);
        let whole = crate::sidecar::load(&path).unwrap().unwrap();
        assert_eq!(whole.sidecar, sc);
        let meta = std::fs::metadata(&path).unwrap();
        assert!(meta.len() > 1 << 20);
        for block in [500, 4096, 65_536, 1 << 20, 1 << 24] {
            let streamed = crate::sidecar::load_streamed(&path, &meta, block).expect("the written layout is read in blocks");
            assert_eq!(streamed.sidecar, whole.sidecar, "block {block}");
            assert_eq!(streamed.stamp, whole.stamp, "block {block}");
        }
        // Anything else is left to the whole-file reader, which still loads it or explains why not.
        let text = sc.to_ron();
        let variants = [
            text.replace('\n', "\r\n"),
            text.replace("    ],\n)\n", "    ]\n)\n"),
            text.replacen("            prefix: ", "            prefix:  ", 1),
            text.replacen("version: 2", "version: 0", 1),
            text.replacen("code: \"opinion\"", "code: \"no-such-code\"", 1),
            format!("{}\u{ff}", &text[..text.len() - 1]),
        ];
        for variant in variants {
            std::fs::write(&path, &variant).unwrap();
            let meta = std::fs::metadata(&path).unwrap();
            for block in [4096, 1 << 20] {
                assert!(crate::sidecar::load_streamed(&path, &meta, block).is_none());
            }
        }
    }

    #[test]
    fn a_raw_line_break_that_looks_like_an_item_start_does_not_split_the_list() {
        // A hand-edited note may hold raw line breaks (RON allows them), even one followed by
        // what starts an item: the fast reader must not take it for one.
        let dir = tempfile::tempdir().unwrap();
        let (path, sc) = long_sidecar(dir.path(), 6000);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = text.replacen("note: \"note 0: ", "note: \"raw\n        (\n", 1);
        assert_ne!(edited, text);
        std::fs::write(&path, &edited).unwrap();
        let loaded = crate::sidecar::load(&path).unwrap().unwrap();
        let expected: Sidecar = ron_options().from_str(&edited).unwrap();
        assert_eq!(loaded.sidecar, expected);
        assert!(loaded.sidecar.annotations[0].note.starts_with("raw\n        (\n"));
        assert_eq!(loaded.sidecar.annotations.len(), sc.annotations.len());
        let meta = std::fs::metadata(&path).unwrap();
        for block in [4096, 1 << 20, 1 << 24] {
            if let Some(streamed) = crate::sidecar::load_streamed(&path, &meta, block) {
                assert_eq!(streamed.sidecar, expected, "block {block}");
            }
        }
    }

    #[test]
    fn files_in_another_layout_are_left_to_ron_and_still_load() {
        let sc = sample();
        let text = sc.to_ron();
        let variants = [
            text.replace('\n', "\r\n"),
            text.replace("            prefix: ", "            prefix:  "),
            text.replace("    ],\n)\n", "    ]\n)\n"),
            text.replace("            prefix: \"\",\n", ""),
            text.replacen("exact: \"Chlo\u{e9}\"", "exact: r#\"Chlo\u{e9}\"#", 1),
            text.replacen("start: 0,", "start: 0x0,", 1),
        ];
        for variant in variants {
            assert_ne!(variant, text);
            assert!(read_fast(&variant).is_none(), "{variant}");
            let by_ron: Sidecar = ron_options().from_str(&variant).unwrap();
            let loaded = Sidecar::from_ron(&variant, Path::new("t.txt.annotations.ron")).unwrap();
            assert_eq!(loaded, by_ron);
        }
    }

    #[test]
    fn the_escape_table_agrees_with_escape_debug_everywhere() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(needs_escape(c), escape_changes(c) || matches!(c, '"' | '\\' | '\''), "{:?}", c);
        }
    }

    #[test]
    fn broken_escapes_are_refused_by_the_reader() {
        for bad in ["\"a\\q\"", "\"\\u{}\"", "\"\\u{110000}\"", "\"\\u{d800}\"", "\"open"] {
            assert_eq!(Reader { rest: bad }.string(), None, "{bad}");
        }
        assert_eq!(Reader { rest: "\"\\u{1F600}\\t\\'\"" }.string().as_deref(), Some("😀\t'"));
    }

    #[test]
    fn a_backslash_before_a_character_outside_ascii_is_refused_not_a_crash() {
        for bad in ["\"\\é\"", "\"a\\😀b\"", "\"\\\u{80}\"", "\"x\\\u{10FFFF}\"", "\"\\\n\"", "\"\\"] {
            assert_eq!(Reader { rest: bad }.string(), None, "{bad:?}");
        }
        // In every string field of a written sidecar, on one thread and split across threads.
        let sc = sample();
        let text = sc.to_ron();
        for field in ["id", "exact", "prefix", "suffix", "code", "note", "coder", "created", "modified"] {
            for bad in ["\\é", "\\😀", "\\\u{301}"] {
                let needle = format!("            {field}: \"");
                let broken = text.replacen(&needle, &format!("{needle}{bad}"), 1);
                assert_ne!(broken, text);
                assert!(read_fast(&broken).is_none(), "{field} {bad}");
                let err = Sidecar::from_ron(&broken, Path::new("t.txt.annotations.ron")).unwrap_err();
                assert!(err.to_string().starts_with("t.txt.annotations.ron:"), "{err}");
                assert!(err.place.is_some(), "{err}");
            }
        }
    }

    #[test]
    fn a_long_list_is_split_between_characters_whatever_their_width() {
        // Notes of two-, three- and four-byte characters put many of the split points inside
        // a character; each one must move to the next character's start.
        let base = sample();
        let mut annotations = Vec::new();
        for k in 0..5000u128 {
            let mut a = base.annotations[(k % 4) as usize].clone();
            a.id = Uuid::from_u128(k + 10);
            a.note = ["é", "€", "😀"][(k % 3) as usize].repeat(150 + (k % 7) as usize);
            annotations.push(a);
        }
        let sc = Sidecar::new(base.document.clone(), "amara", Codebook::default(), annotations);
        let text = sc.to_ron();
        let at = text.find("\n    annotations: [\n").unwrap() + "\n    annotations: [\n".len();
        let list = text[at..].strip_suffix("    ],\n)\n").unwrap();
        assert!(list.len() > 1 << 20);
        // Lists of the first items end at different places, and so do their split points.
        let starts: Vec<usize> = list.match_indices("        (\n").map(|(i, _)| i).collect();
        let mut inside = 0;
        for m in 4980..5000 {
            let part = &list[..starts[m]];
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
            inside += (1..threads).filter(|k| !part.is_char_boundary(part.len() * k / threads)).count();
            assert_eq!(read_annotations(part).map(|v| v.len()), Some(m));
        }
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(inside > 0, "no split point fell inside a character");
        }
    }
}
