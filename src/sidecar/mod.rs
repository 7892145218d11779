//! The RON sidecar file: schema v2 (v1 read and upgraded on save), validated loading, deterministic atomic saving with a
//! backup, and detection of changes made on disk by someone else.
//!
//! A sidecar that failed to load is never written over: loading returns an error and the
//! caller has nothing to save it with. Saving never replaces a file that changed since it was
//! read; it reports a conflict instead and leaves both versions for the caller to settle.

pub mod text;

use std::borrow::Borrow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::annotation::{Annotation, is_rfc3339};
use crate::codebook::Codebook;
use crate::document::{excerpt, fingerprint_of};
use crate::error::{Error, ErrorKind};
pub use crate::io::{
    DiskStamp, UNKNOWN_FIELD_HINT, backup_path, ron_options, to_ron_pretty, unknown_field, write_atomic, write_atomic_with,
};
use crate::link::Link;

/// The value of the `format` field, which tells a Marginalia sidecar from other RON files.
pub const FORMAT: &str = "marginalia-annotations";
/// The newest sidecar version this build reads and the one it writes. Version 2 added
/// `links`; a version 1 file reads as one without links and is written back as version 2.
pub const VERSION: u32 = 2;
/// Sidecars larger than this are refused (a 10 MB text with 100,000 annotations is ~60 MB).
pub const MAX_SIDECAR_BYTES: u64 = 1 << 30;

/// Which text a sidecar belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    pub file_name: String,
    /// SHA-256 of the document's bytes, lower-case hex.
    pub fingerprint: String,
    /// Length in code points.
    pub length: usize,
}

/// The whole content of a sidecar file. Field order here is the order in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    pub format: String,
    pub version: u32,
    pub document: DocumentRef,
    /// The display name of the person whose annotations these are.
    pub coder: String,
    /// That person's stable id (see [`crate::coder`]); absent in files written before ids,
    /// which belong to whoever has the name in `coder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coder_id: Option<uuid::Uuid>,
    /// The coder marked this document as finished (shown in the corpus view).
    #[serde(default)]
    pub done: bool,
    pub codebook: Codebook,
    /// Typed links between the annotations below, sorted by id (version 2; absent in version 1).
    /// Written before the annotations so that the long annotation list stays the file's tail.
    #[serde(default)]
    pub links: Vec<Link>,
    pub annotations: Vec<Annotation>,
}

impl Sidecar {
    pub fn new(document: DocumentRef, coder: &str, codebook: Codebook, mut annotations: Vec<Annotation>) -> Self {
        annotations.sort_by_key(Annotation::sort_key);
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            document,
            coder: coder.to_owned(),
            coder_id: None,
            done: false,
            codebook,
            links: Vec::new(),
            annotations,
        }
    }

    /// The deterministic text of this sidecar: annotations sorted, fields in a fixed order.
    pub fn to_ron(&self) -> String {
        text_of(self, &self.annotations)
    }

    /// Parses and validates sidecar text. `path` is only used in messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, Error> {
        // One full parse in the usual case (a 100,000-annotation file takes seconds to parse).
        // Only when it fails is the header read on its own, so that a foreign file or a newer
        // version gets the right message even when the rest of its schema differs.
        let parsed = match read_fast(text) {
            Some(sidecar) => Ok(sidecar),
            None => ron_options().from_str(text),
        };
        let sidecar: Sidecar = match parsed {
            Ok(sidecar) => sidecar,
            Err(e) => {
                #[derive(Deserialize)]
                struct Header {
                    format: Option<String>,
                    version: Option<u32>,
                }
                // The fields are written without `Some(...)`: read them as implicit options.
                let header: Result<Header, _> =
                    ron_options().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME).from_str(text);
                if let Ok(h) = header {
                    check_header(h.format.as_deref(), h.version, text, path)?;
                }
                let (line, col) = error_place(text, &e);
                if let Some(unknown) = unknown_field(&e.code) {
                    return Err(sidecar_error(path, unknown).at(line, col).hint(UNKNOWN_FIELD_HINT));
                }
                let what = match e.code {
                    // RON's own message speaks to programmers ("try increasing recursion_limit").
                    ron::Error::ExceededRecursionLimit => "brackets are nested too deeply (more than 64 levels)".to_owned(),
                    // RON quotes what it found (a field name, a value): keep the message short.
                    code => excerpt(&code.to_string(), 4 * crate::document::QUOTE_CHARS),
                };
                return Err(sidecar_error(path, format!("is not valid: {what}")).at(line, col).hint(
                    "fix the file at that place (it is plain text), or restore the .bak copy beside it; it was left untouched",
                ));
            }
        };
        check_header(Some(&sidecar.format), Some(sidecar.version), text, path)?;
        if sidecar.version == 0 {
            let (line, col) = locate(text, "version:");
            return Err(sidecar_error(path, "has version 0, which never existed")
                .at(line, col)
                .hint("set `version: 2` (or 1 for a file without links)"));
        }
        sidecar.validate(text, path)?;
        Ok(sidecar)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), Error> {
        self.codebook.validate().map_err(|e| {
            let (line, col) = locate(text, "codebook:");
            Error { file: Some(path.to_path_buf()), ..e }.at(line, col)
        })?;
        let mut ids = std::collections::HashSet::new();
        for a in &self.annotations {
            let at = || {
                let (line, col) = locate(text, &a.id.to_string());
                (line, col)
            };
            let fail = |msg: String, hint: &str| {
                let (line, col) = at();
                Err(sidecar_error(path, msg).at(line, col).hint(hint.to_owned()))
            };
            if !ids.insert(a.id) {
                return fail(format!("has two annotations with the id {}", a.id), "give one of them a new id (any UUID)");
            }
            if self.codebook.code(&a.code).is_none() {
                return fail(
                    format!(
                        "annotation {} uses the code \"{}\", which its codebook does not define",
                        a.id,
                        excerpt(&a.code, crate::document::QUOTE_CHARS)
                    ),
                    "add that code to the codebook in the file, or change the annotation's code",
                );
            }
            for (what, value) in [("quote", &a.exact), ("prefix", &a.prefix), ("suffix", &a.suffix)] {
                // Bytes first: no string has fewer bytes than characters, and counting a
                // megabytes-long string's characters is what a hostile file would make us do.
                if value.len() > self.document.length && value.chars().count() > self.document.length {
                    return fail(
                        format!(
                            "annotation {} has a {what} of {} characters, longer than the whole text ({} characters)",
                            a.id,
                            value.chars().count(),
                            self.document.length
                        ),
                        "correct the annotation, or delete it",
                    );
                }
            }
            if a.start > a.end || a.end > self.document.length {
                return fail(
                    format!(
                        "annotation {} has the span {}..{}, outside the text's {} characters",
                        a.id, a.start, a.end, self.document.length
                    ),
                    "correct the span, or delete the annotation",
                );
            }
            if !is_rfc3339(&a.created) || !is_rfc3339(&a.modified) {
                return fail(
                    format!("annotation {} has a time that is not RFC 3339", a.id),
                    "write times like 2026-01-31T12:00:00Z",
                );
            }
        }
        // A merge mark names the other version kept beside this one: another annotation of
        // this file.
        for a in &self.annotations {
            if let Some(crate::annotation::Conflict::ChangedOnBothSides(other)) = a.conflict {
                let problem = if other == a.id {
                    "with itself".to_owned()
                } else if !ids.contains(&other) {
                    format!("with {other}, which is not an annotation in this file")
                } else {
                    continue;
                };
                let (line, col) = locate(text, &a.id.to_string());
                return Err(sidecar_error(path, format!("annotation {} is marked as a merge conflict {problem}", a.id))
                    .at(line, col)
                    .hint("delete its `conflict: ...` line to keep this version (or restore the .bak copy beside it)"));
            }
        }
        self.validate_links(&ids, text, path)
    }

    /// Every link joins two different annotations of this file with a type of its codebook.
    fn validate_links(&self, annotations: &std::collections::HashSet<uuid::Uuid>, text: &str, path: &Path) -> Result<(), Error> {
        let mut ids = std::collections::HashSet::new();
        for l in &self.links {
            let fail = |msg: String, hint: &str| {
                let (line, col) = locate(text, &l.id.to_string());
                Err(sidecar_error(path, msg).at(line, col).hint(hint.to_owned()))
            };
            if !ids.insert(l.id) {
                return fail(format!("has two links with the id {}", l.id), "give one of them a new id (any UUID)");
            }
            if self.codebook.link_type(&l.link_type).is_none() {
                return fail(
                    format!(
                        "link {} has the type \"{}\", which its codebook does not define",
                        l.id,
                        excerpt(&l.link_type, crate::document::QUOTE_CHARS)
                    ),
                    "add that link type to the codebook's `link_types` in the file, or change the link's type",
                );
            }
            for (which, end) in [("origin", l.origin), ("target", l.target)] {
                if !annotations.contains(&end) {
                    return fail(
                        format!("link {} has the {which} {end}, which is not an annotation in this file", l.id),
                        "correct the id, or delete the link",
                    );
                }
            }
            if l.origin == l.target {
                return fail(
                    format!("link {} starts and ends at the same annotation", l.id),
                    "correct the target, or delete the link",
                );
            }
            if !is_rfc3339(&l.created) || !is_rfc3339(&l.modified) {
                return fail(format!("link {} has a time that is not RFC 3339", l.id), "write times like 2026-01-31T12:00:00Z");
            }
        }
        Ok(())
    }
}

/// Refuses files of another program and sidecars newer than this build reads.
fn check_header(format: Option<&str>, version: Option<u32>, text: &str, path: &Path) -> Result<(), Error> {
    let at = |field: &str| locate(text, field);
    match format {
        Some(FORMAT) => {}
        Some(other) => {
            let (line, col) = at("format:");
            return Err(sidecar_error(
                path,
                format!("is a \"{}\" file, not a Marginalia sidecar", excerpt(other, crate::document::QUOTE_CHARS)),
            )
            .at(line, col)
            .hint("pass the right file with --sidecar, or move this one aside"));
        }
        None => {
            return Err(sidecar_error(
                path,
                "is not a Marginalia sidecar (it has no `format: \"marginalia-annotations\"` field)",
            )
            .at(1, 1)
            .hint("pass the right file with --sidecar, or move this one aside"));
        }
    }
    if let Some(v) = version
        && v > VERSION
    {
        return Err(sidecar_error(
            path,
            format!("uses sidecar format version {v}; this Marginalia reads up to version {VERSION}"),
        )
        .at(at("version:").0, at("version:").1)
        .hint("update Marginalia to open it; the file was left untouched"));
    }
    Ok(())
}

fn sidecar_error(path: &Path, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Sidecar, message).in_file(path)
}

/// The 1-based line and column of the first occurrence of `needle` (or 1:1).
fn locate(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle).map_or((1, 1), |byte| crate::error::line_col(text, byte))
}

/// The 1-based line and column a RON error points to, moved past any white space: RON
/// reports an unexpected value at the space before it, people look for the value itself.
pub fn error_place(text: &str, e: &ron::error::SpannedError) -> (usize, usize) {
    let (mut line, mut col) = (e.span.start.line.max(1), e.span.start.col.max(1));
    let Some(line_text) = text.split('\n').nth(line - 1) else { return (line, col) };
    let start = line_text.char_indices().nth(col - 1).map_or(line_text.len(), |(b, _)| b);
    let rest = &text[text.split('\n').take(line - 1).map(|l| l.len() + 1).sum::<usize>() + start..];
    for c in rest.chars() {
        match c {
            '\n' => (line, col) = (line + 1, 1),
            c if c.is_whitespace() => col += 1,
            _ => return (line, col),
        }
    }
    (e.span.start.line, e.span.start.col)
}

/// How the annotation list opens and how the file ends, as written.
const LIST_OPEN: &str = "\n    annotations: [\n";
const LIST_CLOSE: &str = "    ],\n)\n";
const EMPTY_LIST_END: &str = "\n    annotations: [],\n)\n";

/// The text of a sidecar whose annotations are `annotations` (the header's own list is not
/// used). See [`write_text`].
pub fn text_of<A: Borrow<Annotation> + Sync>(header: &Sidecar, annotations: &[A]) -> String {
    let mut out = Vec::new();
    write_text(header, annotations, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("the text is UTF-8")
}

/// Writes the text of a sidecar: everything before the annotation list through RON, the list
/// through [`text::write_annotations`], which writes the same text far faster, in chunks
/// made on every core while earlier chunks are being written. Annotations are sorted and
/// `Reanchored` is written as `Anchored`.
pub fn write_text<A: Borrow<Annotation> + Sync>(header: &Sidecar, annotations: &[A], out: &mut dyn Write) -> std::io::Result<()> {
    /// The sidecar's fields in the sidecar's order, with an empty list.
    #[derive(Serialize)]
    struct Head<'a> {
        format: &'a str,
        version: u32,
        document: &'a DocumentRef,
        coder: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        coder_id: Option<uuid::Uuid>,
        done: bool,
        codebook: &'a Codebook,
        links: &'a [Link],
        annotations: &'a [Annotation],
    }
    let mut links = header.links.clone();
    links.sort_by_key(|l| l.id);
    let head = Head {
        format: &header.format,
        // Whatever version was read, what is written is this build's format.
        version: VERSION,
        document: &header.document,
        coder: &header.coder,
        coder_id: header.coder_id,
        done: header.done,
        codebook: &header.codebook,
        links: &links,
        annotations: &[],
    };
    let head = to_ron_pretty(&head);
    let Some(before_list) = head.strip_suffix(EMPTY_LIST_END).filter(|_| !annotations.is_empty()) else {
        return out.write_all(head.as_bytes());
    };
    out.write_all(before_list.as_bytes())?;
    out.write_all(LIST_OPEN.as_bytes())?;
    let mut sorted: Vec<&Annotation> = annotations.iter().map(Borrow::borrow).collect();
    if !sorted.is_sorted_by_key(|a| a.sort_key()) {
        sorted.sort_by_key(|a| a.sort_key());
    }
    text::write_annotations_parallel(&sorted, out)?;
    out.write_all(LIST_CLOSE.as_bytes())
}

/// Reads a sidecar in exactly the layout [`text_of`] writes; `None` for anything else (the
/// caller then parses it with RON, which also explains what is wrong).
fn read_fast(text: &str) -> Option<Sidecar> {
    let at = text.find(LIST_OPEN)?;
    let list = text[at + LIST_OPEN.len()..].strip_suffix(LIST_CLOSE)?;
    let head = format!("{}{EMPTY_LIST_END}", &text[..at]);
    let mut sidecar: Sidecar = ron_options().from_str(&head).ok()?;
    sidecar.annotations = text::read_annotations(list)?;
    Some(sidecar)
}

/// A sidecar read from disk, with the stamp needed to save over it safely later.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub sidecar: Sidecar,
    pub stamp: DiskStamp,
}

/// Reads and validates a sidecar. `Ok(None)` when there is no file at `path`.
pub fn load(path: &Path) -> Result<Option<Loaded>, Error> {
    let Some(meta) = crate::io::regular_metadata(path, "cannot read the sidecar")? else { return Ok(None) };
    if meta.len() > MAX_SIDECAR_BYTES {
        return Err(sidecar_error(path, format!("is {} MB, larger than any sidecar Marginalia writes", meta.len() / 1_000_000))
            .hint("check that this is the right file"));
    }
    if meta.len() >= STREAMED_LOAD_BYTES
        && let Some(loaded) = load_streamed(path, &meta, 16 << 20)
    {
        return Ok(Some(loaded));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the sidecar", e))?;
    let text = utf8_text(path, &bytes)?;
    // The stamp's hash of a large file takes as long as a part of the parse: take it alongside.
    let (sidecar, stamp) = std::thread::scope(|scope| {
        let stamp = scope.spawn(|| DiskStamp::of_bytes(&bytes, Some(&meta)));
        let sidecar = Sidecar::from_ron(text, path);
        (sidecar, stamp.join().expect("hashing does not panic"))
    });
    Ok(Some(Loaded { stamp, sidecar: sidecar? }))
}

/// The bytes of a sidecar as text, or where they are not UTF-8.
fn utf8_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, Error> {
    // Checked with SIMD (a folder's sidecars are mostly text in many scripts, which the
    // standard check reads a byte at a time); the standard check only says where a bad one fails.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        sidecar_error(path, "is not UTF-8 text")
            .at(line, col)
            .hint("restore the .bak copy beside it; the file was left untouched")
    })
}

/// Reads and validates a sidecar as [`load`] does, without the stamp a later save needs:
/// for readers of a whole folder, which never save (hashing every file would cost them a
/// third of their time). `Ok(None)` when there is no file at `path`.
pub fn read(path: &Path) -> Result<Option<Sidecar>, Error> {
    let Some(meta) = crate::io::regular_metadata(path, "cannot read the sidecar")? else { return Ok(None) };
    if meta.len() >= STREAMED_LOAD_BYTES.min(MAX_SIDECAR_BYTES) {
        return load(path).map(|loaded| loaded.map(|l| l.sidecar));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the sidecar", e))?;
    Sidecar::from_ron(utf8_text(path, &bytes)?, path).map(Some)
}

/// Sidecars at least this large are read a block at a time when they can be (see
/// [`load_streamed`]).
const STREAMED_LOAD_BYTES: u64 = 32 << 20;

/// Reads a large sidecar in exactly the layout [`text_of`] writes, a block at a time: the
/// annotations of each block are read (on every core, while another hashes the block for the
/// stamp) and the block's bytes are then reused, so the file's text is never held whole beside
/// its annotations (for a million annotations, 700 MB less at the peak). The result is the
/// one [`load`] gives for the whole file. `None` when anything differs from that layout or
/// fails to validate, or the file cannot be read: the caller then reads the whole file, which
/// also gives the precise message. `block` is how many bytes are read at a time.
fn load_streamed(path: &Path, meta: &std::fs::Metadata, block: usize) -> Option<Loaded> {
    use sha2::Digest as _;
    let block = block.max(1);
    let mut file = std::fs::File::open(path).ok()?;
    let mut hash = sha2::Sha256::new();
    let mut len = 0u64;
    let mut buf: Vec<u8> = Vec::with_capacity(2 * block);
    // Appends up to a block; the number of bytes read (fewer than a block at the end).
    let mut read_block = |buf: &mut Vec<u8>| -> Option<usize> {
        let start = buf.len();
        buf.resize(start + block, 0);
        let mut filled = start;
        while filled < buf.len() {
            match std::io::Read::read(&mut file, &mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        buf.truncate(filled);
        len += (filled - start) as u64;
        Some(filled - start)
    };
    // Everything before the list, read as `read_fast` reads it.
    let mut sidecar: Sidecar = loop {
        let start = buf.len();
        let n = read_block(&mut buf)?;
        hash.update(&buf[start..]);
        if let Some(at) = memchr::memmem::find(&buf, LIST_OPEN.as_bytes()) {
            let head = std::str::from_utf8(&buf[..at]).ok()?;
            let sidecar = ron_options().from_str(&format!("{head}{EMPTY_LIST_END}")).ok()?;
            buf.drain(..at + LIST_OPEN.len());
            break sidecar;
        }
        if n < block || buf.len() > (4 * block).max(64 << 20) {
            return None;
        }
    };
    // The list: the whole items in what has been read, then the rest with the next block.
    let mut annotations = Vec::new();
    loop {
        let start = buf.len();
        let n = read_block(&mut buf)?;
        let end = n < block;
        let (items_end, next) = if end {
            let items_end = buf.len().checked_sub(LIST_CLOSE.len()).filter(|&e| &buf[e..] == LIST_CLOSE.as_bytes())?;
            (items_end, buf.len())
        } else {
            // Up to the start of the last item begun in the buffer (none: an item longer than
            // a block; read on).
            let cut = memchr::memmem::rfind(&buf, b"\n        (\n").map_or(0, |at| at + 1);
            (cut, cut)
        };
        let (read, items) = (&buf[start..], &buf[..items_end]);
        let parsed = std::thread::scope(|scope| {
            let hashing = scope.spawn(|| hash.update(read));
            let parsed = if items.is_empty() { Some(Vec::new()) } else { text::read_annotations_bytes(items) };
            hashing.join().expect("hashing does not panic");
            parsed
        });
        annotations.extend(parsed?);
        if end {
            break;
        }
        buf.drain(..next);
    }
    sidecar.annotations = annotations;
    check_header(Some(&sidecar.format), Some(sidecar.version), "", path).ok()?;
    if sidecar.version == 0 {
        return None;
    }
    sidecar.validate("", path).ok()?;
    let stamp = DiskStamp { len, modified: meta.modified().ok(), sha256: crate::document::hex(&hash.finalize()) };
    Some(Loaded { sidecar, stamp })
}

/// Has the file at `path` changed since `expected` was taken? `expected = None` means "we
/// believe there is no file".
pub fn changed_on_disk(path: &Path, expected: Option<&DiskStamp>) -> Result<bool, Error> {
    let Some(meta) = crate::io::regular_metadata(path, "cannot check the sidecar")? else { return Ok(false) };
    let Some(expected) = expected else { return Ok(true) };
    if meta.len() == expected.len && meta.modified().ok() == expected.modified {
        return Ok(false);
    }
    // Same size and a new time could still be the same bytes (a touch, a checkout).
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot check the sidecar", e))?;
    Ok(fingerprint_of(&bytes) != expected.sha256)
}

/// Writes `sidecar` to `path` atomically, keeping the previous file as `<path>.bak`, under the
/// file's lock (see [`crate::io`]): a link is written through to its target, the file keeps its
/// mode and group, and a read-only file is not replaced.
///
/// Refuses with [`ErrorKind::Conflict`] when the file changed on disk since `expected` (pass
/// `None` for a file believed not to exist). On any error the old file is untouched.
pub fn save(path: &Path, sidecar: &Sidecar, expected: Option<&DiskStamp>) -> Result<DiskStamp, Error> {
    save_parts(path, sidecar, &sidecar.annotations, expected)
}

/// [`save`] for a sidecar whose annotations are kept apart from the rest (`header`'s own list
/// is not used), as the app keeps them: shared, so that a save needs no copy of them.
pub fn save_parts<A: Borrow<Annotation> + Sync>(
    path: &Path,
    header: &Sidecar,
    annotations: &[A],
    expected: Option<&DiskStamp>,
) -> Result<DiskStamp, Error> {
    // From the check to the rename no other writer of this file may come between.
    let target = crate::io::resolve(path)?;
    let _lock = crate::io::lock(&target)?;
    if changed_on_disk(&target, expected)? {
        return Err(Error::new(ErrorKind::Conflict, "changed on disk since it was opened; nothing was written")
            .in_file(path)
            .hint("reload it, or keep yours and save theirs as a copy"));
    }
    crate::io::write_locked(&target, true, |out| write_text(header, annotations, out))
}

/// How old a temporary file beside a sidecar must be before it is taken for one a crash left.
pub const STALE_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes the temporary files that saves of `path` interrupted by a crash or a kill left
/// beside it (`.NAME.XXXXXX.tmp`), when they are older than `age`: a younger one may belong
/// to a save under way in another process. Returns what was removed.
pub fn remove_stale_temporaries(path: &Path, age: std::time::Duration) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { return vec![] };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = format!(".{name}.");
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !(file_name.starts_with(&prefix) && file_name.ends_with(".tmp")) {
            continue;
        }
        let old = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|elapsed| elapsed >= age);
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// The default sidecar path of a document: `speech.txt` → `speech.txt.annotations.ron`.
pub fn default_path(document: &Path) -> PathBuf {
    let mut s = document.as_os_str().to_owned();
    s.push(".annotations.ron");
    PathBuf::from(s)
}

/// The sidecar of another coder: `speech.txt` → `speech.txt.<coder>.annotations.ron`.
pub fn coder_path(document: &Path, coder: &str) -> PathBuf {
    let mut s = document.as_os_str().to_owned();
    s.push(format!(".{coder}.annotations.ron"));
    PathBuf::from(s)
}

/// Every sidecar beside a document (the default one first, then other coders' by name).
pub fn find_sidecars(document: &Path) -> Vec<PathBuf> {
    let Some(name) = document.file_name().map(|n| n.to_string_lossy().into_owned()) else { return vec![] };
    let parent = document.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = parent.unwrap_or(Path::new("."));
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        // Named as the document is (no "./" before a bare file name), so paths compare and
        // messages read as the user typed them.
        .map(|e| parent.map_or_else(|| PathBuf::from(e.file_name()), |p| p.join(e.file_name())))
        .filter(|p| {
            p.file_name().map(|n| n.to_string_lossy()).is_some_and(|n| {
                n.starts_with(&format!("{name}."))
                    && n.ends_with(".annotations.ron")
                    && n.len() >= name.len() + ".annotations.ron".len()
            })
        })
        .collect();
    found.sort_by_key(|p| (p != &default_path(document), p.clone()));
    found
}
