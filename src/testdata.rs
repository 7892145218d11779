//! Generated test data: seeded texts in mixed scripts (accents, emoji with ZWJ sequences, CRLF
//! in some paragraphs, no two paragraphs alike), random overlapping annotations on them, and
//! the worst shapes of HTML and docx markup. The benchmark and the tests use them; nothing
//! here needs the desktop app.

use crate::annotation::Annotation;
use crate::codebook::{AttributeKind, Codebook};
use std::path::Path;

use crate::document::{Document, Span};
use crate::error::Error;
use crate::sidecar::{DocumentRef, Sidecar};
use crate::vars::{Kind, Variables};

/// A small xorshift generator: seeded, so every run measures the same texts.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

const LATIN: [&str; 30] = [
    "ka", "ré", "lo", "mé", "sa", "tù", "vi", "an", "ço", "ñe", "por", "lin", "gé", "ra", "ö", "ü", "ber", "dé", "ma", "é", "ta",
    "ri", "ste", "ål", "øy", "ł", "ą", "ție", "ß", "on",
];
const ENGLISH: [&str; 24] = [
    "the",
    "of",
    "and",
    "council",
    "harbour",
    "market",
    "we",
    "demand",
    "rents",
    "vote",
    "Sunday",
    "neighbours",
    "fair",
    "buses",
    "library",
    "spring",
    "promised",
    "workers",
    "river",
    "bridge",
    "square",
    "festival",
    "budget",
    "school",
];
const GREEK: [&str; 12] = ["λο", "γο", "πό", "λη", "δη", "μο", "κρα", "τί", "α", "ευ", "θε", "ρί"];
const CYRILLIC: [&str; 12] = ["го", "род", "сво", "бо", "да", "на", "ры", "нок", "ли", "ше", "щё", "ю"];
const CJK: [&str; 12] = ["市", "场", "人", "民", "自", "由", "港", "口", "议", "会", "选", "举"];
const ARABIC: [&str; 6] = ["سوق", "حرية", "مدينة", "شعب", "ميناء", "مجلس"];
const EMOJI: [&str; 10] = ["🎉", "👋🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇫🇷", "🗳️", "✊🏾", "🚢", "❤️", "👩🏻‍🔬"];
const NAMES: [&str; 8] =
    ["Amélie Durand", "Jonas Kowalski", "Zoë Papadaki", "Søren Ås", "Łucja Nowak", "José Núñez", "Ayşe Yılmaz", "Chloé Brontë"];

fn word(rng: &mut Rng, out: &mut String) {
    match rng.below(100) {
        0..=54 => {
            for _ in 0..1 + rng.below(4) {
                out.push_str(rng.pick_str(&LATIN));
            }
        }
        55..=79 => out.push_str(rng.pick_str(&ENGLISH)),
        80..=84 => {
            for _ in 0..1 + rng.below(4) {
                out.push_str(rng.pick_str(&GREEK));
            }
        }
        85..=89 => {
            for _ in 0..1 + rng.below(4) {
                out.push_str(rng.pick_str(&CYRILLIC));
            }
        }
        90..=93 => {
            for _ in 0..1 + rng.below(4) {
                out.push_str(rng.pick_str(&CJK));
            }
        }
        94..=96 => out.push_str(rng.pick_str(&ARABIC)),
        _ => out.push_str(rng.pick_str(&EMOJI)),
    }
}

fn sentence(rng: &mut Rng, out: &mut String, number: usize) {
    let words = 4 + rng.below(18);
    let quoted = rng.chance(15);
    if quoted {
        out.push('“');
    }
    for w in 0..words {
        if w > 0 {
            out.push_str(match rng.below(40) {
                0 => ", ",
                1 => " — ",
                2 => "; ",
                _ => " ",
            });
        }
        if w == words / 2 && rng.chance(30) {
            out.push_str(&number.to_string());
        } else {
            word(rng, out);
        }
    }
    if quoted {
        out.push_str("”, said ");
        out.push_str(rng.pick_str(&NAMES));
    }
    out.push_str(rng.pick_str(&[".", ".", ".", "!", "?", "…"]));
}

/// A text of about `bytes` bytes: paragraphs of 1 to 40 sentences, each numbered so that no
/// two are alike, some ending in CRLF, a few blank lines.
pub fn generate_text(bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut text = String::with_capacity(bytes + 4096);
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        text.push_str(&format!("§{n} "));
        let sentences = match rng.below(10) {
            0 => 1,
            1..=6 => 2 + rng.below(6),
            7 | 8 => 8 + rng.below(10),
            _ => 20 + rng.below(20),
        };
        for s in 0..sentences {
            if s > 0 {
                text.push(' ');
            }
            sentence(&mut rng, &mut text, n * 100 + s);
        }
        text.push_str(if rng.chance(15) { "\r\n" } else { "\n" });
        if rng.chance(5) {
            text.push('\n');
        }
    }
    text
}

/// `count` annotations on `doc`: short spans, nested ones, crossing ones, a few long ones,
/// random codes, notes on about a third.
pub fn generate_annotations(doc: &Document, codebook: &Codebook, count: usize, seed: u64) -> Vec<Annotation> {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let len = doc.len_chars();
    let mut out: Vec<Annotation> = Vec::with_capacity(count);
    if len < 2 {
        return out;
    }
    let coders = ["Amélie", "Jonas", "Zoë"];
    while out.len() < count {
        let kind = rng.below(10);
        let span = match kind {
            6 | 7 if !out.is_empty() => {
                // Nested inside an earlier one.
                let outer = out[rng.below(out.len())].span();
                let start = outer.start + rng.below(outer.len().max(1));
                let end = start + 1 + rng.below((outer.end - start).max(1));
                Span::new(start, end.min(outer.end))
            }
            8 if !out.is_empty() => {
                // Crossing an earlier one.
                let other = out[rng.below(out.len())].span();
                let start = other.start + rng.below(other.len().max(1));
                Span::new(start, other.end + 5 + rng.below(100))
            }
            9 => {
                let start = rng.below(len);
                Span::new(start, start + 200 + rng.below(1800))
            }
            _ => {
                let start = rng.below(len);
                let longest = if rng.chance(10) { 600 } else { 150 };
                Span::new(start, start + 3 + rng.below(longest))
            }
        };
        let span = doc.snap(Span::new(span.start.min(len), span.end.min(len)));
        if span.is_empty() {
            continue;
        }
        let code = rng.pick(&codebook.codes);
        let mut a = Annotation::new(doc, span, &code.id, rng.pick_str(&coders));
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
        id[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
        a.id = uuid::Builder::from_random_bytes(id).into_uuid();
        if rng.chance(33) {
            let mut note = String::new();
            sentence(&mut rng, &mut note, out.len());
            a.note = note;
        }
        for attr in &code.attributes {
            if rng.chance(25) {
                let value = match &attr.kind {
                    AttributeKind::Choice(options) if !options.is_empty() => rng.pick(options).clone(),
                    AttributeKind::Flag => if rng.chance(50) { "yes" } else { "no" }.to_owned(),
                    _ => "checked with the minutes".to_owned(),
                };
                a.attributes.insert(attr.id.clone(), value);
            }
        }
        out.push(a);
    }
    out
}

/// `unit` repeated to about `bytes`, between `head` and `tail`.
fn repeated(head: &str, unit: &str, tail: &str, bytes: usize) -> String {
    let n = bytes.saturating_sub(head.len() + tail.len()) / unit.len().max(1);
    let mut s = String::with_capacity(bytes);
    s.push_str(head);
    for _ in 0..n {
        s.push_str(unit);
    }
    s.push_str(tail);
    s
}

/// The shapes that made the parsers slow, each about `bytes` long: (name, HTML or docx XML).
pub fn import_shapes(bytes: usize) -> Vec<(&'static str, String)> {
    let formatting: String = (0..200).map(|k| format!("<b id=b{k}>")).collect();
    let nested_250 = format!("{}x{}", "<div>".repeat(250), "</div>".repeat(250));
    let docx_head =
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
    vec![
        ("html nested div", repeated("<body>", "<div>", "x", bytes)),
        ("html nested pre", repeated("<body>", "<pre>", "x", bytes)),
        ("html nested ul li", repeated("<body>", "<ul><li>", "x", bytes)),
        ("html 250 levels, repeated", repeated("<body>", &nested_250, "", bytes)),
        ("html &amp;", repeated("<body><p>", "&amp;", "", bytes)),
        ("html unclosed p", repeated("<body>", "<p>Un paragraphe — «é».\n", "", bytes)),
        ("html unclosed li", repeated("<body><ul>", "<li>point 😀\n", "", bytes)),
        ("html table cells", repeated("<body><table>", "<tr><td>a<td>b", "", bytes)),
        ("html formatting made again", repeated(&format!("<body><p>{formatting}"), "<p>x", "", bytes)),
        ("docx nested", repeated(docx_head, r#"<w:sdt xmlns:q="u">"#, "", bytes)),
        (
            "docx paragraphs",
            repeated(docx_head, "<w:p><w:r><w:t>mot &amp; mot</w:t></w:r></w:p>", "</w:body></w:document>", bytes),
        ),
    ]
}

/// Writes a folder of `documents` generated documents of about `bytes` bytes each
/// (`doc-00001.txt`, ...), each with a sidecar of `annotations` annotations, and a variables
/// file giving every document a `group` (choice A, B or C) and a `year` (number). Work is
/// shared over every core; returns the number of documents written.
pub fn write_folder(folder: &Path, documents: usize, bytes: usize, annotations: usize, seed: u64) -> Result<usize, Error> {
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, "cannot create the folder", e))?;
    let width = documents.to_string().len().max(5);
    let names: Vec<String> = (1..=documents).map(|i| format!("doc-{i:0width$}.txt")).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = names.len().div_ceil(threads).max(1);
    let codebook = Codebook::default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .enumerate()
            .map(|(part, names)| {
                let codebook = &codebook;
                scope.spawn(move || -> Result<(), Error> {
                    for (k, name) in names.iter().enumerate() {
                        let doc_seed = seed ^ ((part * chunk + k) as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D);
                        let path = folder.join(name);
                        let text = generate_text(bytes, doc_seed);
                        std::fs::write(&path, &text).map_err(|e| Error::io(&path, "cannot write the generated document", e))?;
                        let mut doc = Document::from_text(text);
                        doc.set_path(path.clone());
                        let list = generate_annotations(&doc, codebook, annotations, doc_seed);
                        let sidecar = Sidecar::new(
                            DocumentRef {
                                file_name: doc.file_name(),
                                fingerprint: doc.fingerprint().to_owned(),
                                length: doc.len_chars(),
                            },
                            "",
                            codebook.clone(),
                            list,
                        );
                        let sc_path = crate::sidecar::default_path(&path);
                        std::fs::write(&sc_path, sidecar.to_ron())
                            .map_err(|e| Error::io(&sc_path, "cannot write the generated sidecar", e))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })?;
    let mut vars = Variables::default();
    vars.declare("group", Kind::Choice)?;
    vars.declare("year", Kind::Number)?;
    let mut rng = Rng::new(seed ^ 0xFA1D);
    for name in &names {
        vars.set(name, "group", rng.pick_str(&["A", "B", "C"]))?;
        vars.set(name, "year", &(2018 + rng.below(8)).to_string())?;
    }
    let vars_path = crate::vars::path_in(folder);
    std::fs::write(&vars_path, vars.to_ron()).map_err(|e| Error::io(&vars_path, "cannot write the variables file", e))?;
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_texts_are_varied_and_annotations_are_valid() {
        let text = generate_text(20_000, 7);
        assert!(text.len() >= 20_000);
        assert!(text.contains("\r\n"));
        let doc = Document::from_text(text.clone());
        let paras: Vec<&str> = doc.paragraphs().iter().map(|p| doc.slice(p.chars)).filter(|s| !s.is_empty()).collect();
        let unique: std::collections::HashSet<&&str> = paras.iter().collect();
        assert_eq!(unique.len(), paras.len(), "no two paragraphs are alike");
        let cb = Codebook::default();
        let anns = generate_annotations(&doc, &cb, 200, 7);
        assert_eq!(anns.len(), 200);
        for a in &anns {
            assert_eq!(doc.snap(a.span()), a.span());
            assert_eq!(doc.slice(a.span()), a.exact);
        }
        assert!(anns.iter().any(|a| anns.iter().any(|b| a.id != b.id && a.start < b.start && b.end < a.end)), "some nest");
        assert_eq!(generate_text(5_000, 3), generate_text(5_000, 3), "seeded");
    }
}
