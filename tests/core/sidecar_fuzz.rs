//! The sidecar reader against the `ron` crate, on strings with every escape form and
//! characters from every Unicode plane, and on real sidecars with random damage (bits flipped,
//! bytes inserted, deleted, duplicated, the file cut short).
//!
//! The fast reader of the annotation list may decline a file (the loader then parses it with
//! `ron`), but what it accepts must be exactly what `ron` reads, and what `ron` refuses it must
//! refuse too. Loading never panics: it gives a sidecar or an error naming the file and a
//! line:column.
//!
//! `cargo test --test core sidecar_fuzz::` runs a few thousand cases; the ignored test runs many more
//! (`MARGINALIA_FUZZ_CASES=200000 cargo test --release --test core sidecar_fuzz:: -- --ignored`).

use std::collections::BTreeMap;
use std::path::Path;

use marginalia::annotation::Annotation;
use marginalia::sidecar::{self, DocumentRef, Sidecar, text::read_annotations};
use marginalia::{AnchorStatus, Codebook, Conflict, Document};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use uuid::Uuid;

const SAMPLES: [&str; 5] = [
    include_str!("../../sample-data/news-story.txt.annotations.ron"),
    include_str!("../../sample-data/open-letter.md.annotations.ron"),
    include_str!("../../sample-data/press-release.txt.annotations.ron"),
    include_str!("../../sample-data/speech.txt.annotations.ron"),
    include_str!("../../sample-data/speech.txt.bruno.annotations.ron"),
];

const LIST_OPEN: &str = "\n    annotations: [\n";
const LIST_CLOSE: &str = "    ],\n)\n";
const NAME: &str = "talk.txt.annotations.ron";

/// Any character, drawn evenly from every plane (proptest's own `char` favours some ranges).
fn any_plane_char() -> impl Strategy<Value = char> {
    prop_oneof![
        any::<char>(),
        (0u32..17, 0u32..0x1_0000).prop_filter_map("not a surrogate", |(plane, low)| char::from_u32(plane << 16 | low)),
    ]
}

/// A piece of the inside of a quoted string as a person or another program might write it:
/// plain characters, every escape RON knows, escapes it does not know, broken ones.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any_plane_char().prop_map(|c| c.to_string()),
        2 => prop::sample::select(vec!["\\t", "\\r", "\\n", "\\0", "\\\\", "\\\"", "\\'"]).prop_map(str::to_owned),
        2 => (0u32..0x11_0100, 0usize..9, any::<bool>()).prop_map(|(v, width, upper)| {
            let hex = if upper { format!("{v:X}") } else { format!("{v:x}") };
            let hex = if width == 0 { String::new() } else if hex.len() > width { hex[hex.len() - width..].to_owned() } else { format!("{hex:0>width$}") };
            format!("\\u{{{hex}}}")
        }),
        1 => any::<u8>().prop_map(|b| format!("\\x{b:02x}")),
        2 => any_plane_char().prop_map(|c| format!("\\{c}")),
        1 => prop::sample::select(vec!["\"", "\\", "\\u{", "\\u", "}", "\\\n    ", "\\\r\n", "\n", "\r", "\t", "é", "😀", "\u{301}", "#\"", "r\""]).prop_map(str::to_owned),
    ]
}

fn quoted_body() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..10).prop_map(|v| v.concat())
}

/// A string with characters from every plane and the ones that need escaping.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => any_plane_char().prop_map(|c| c.to_string()),
            1 => prop::sample::select(vec!["\"", "\\", "'", "\n", "\r\n", "\t", "\0", "\u{7f}", "\u{200d}", "e\u{301}", "👨‍👩‍👧", "🇫🇷", "\u{feff}", "\u{2028}"])
                .prop_map(str::to_owned),
            2 => "[a-z ]{0,6}",
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

fn annotation(doc: &Document, codes: &[String], seed: u64, texts: [String; 6]) -> Annotation {
    let len = doc.len_chars();
    let start = (seed as usize) % (len + 1);
    let end = start + (seed as usize / 7) % (len - start + 1);
    let [exact, note, coder, key, value, prefix] = texts;
    // A quote longer than the whole document is refused as damage: keep them within it.
    let fit = |s: String| s.chars().take(len).collect::<String>();
    let (exact, prefix) = (fit(exact), fit(prefix));
    let mut attributes = BTreeMap::new();
    if seed.is_multiple_of(3) {
        attributes.insert(key, value);
    }
    Annotation {
        id: Uuid::from_u64_pair(seed, seed.rotate_left(17)),
        start,
        end,
        exact,
        prefix,
        suffix: String::new(),
        code: codes[seed as usize % codes.len()].clone(),
        note,
        attributes,
        coder,
        created: "2026-02-03T04:05:06Z".to_owned(),
        modified: "2026-02-03T04:05:06+01:00".to_owned(),
        status: if seed.is_multiple_of(5) { AnchorStatus::Orphaned } else { AnchorStatus::Anchored },
        conflict: match seed % 7 {
            0 => Some(Conflict::ChangedOnBothSides(Uuid::from_u64_pair(seed.rotate_left(3), seed))),
            1 => Some(Conflict::ChangedAndDeleted),
            _ => None,
        },
    }
}

/// A valid sidecar whose strings hold anything at all.
fn generated_sidecar() -> impl Strategy<Value = Sidecar> {
    let texts = prop::array::uniform6(any_text());
    (any_text(), prop::collection::vec((any::<u64>(), texts), 0..6), any_text()).prop_map(|(body, items, coder)| {
        let doc = Document::from_text(format!("Le débat 🗳️ {body}"));
        let codebook = Codebook::default();
        let codes: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
        let mut annotations: Vec<Annotation> =
            items.into_iter().map(|(seed, texts)| annotation(&doc, &codes, seed, texts)).collect();
        annotations.sort_by_key(|a| a.id);
        annotations.dedup_by_key(|a| a.id);
        // A merge mark names the other version kept, another annotation of the same file.
        let ids: Vec<Uuid> = annotations.iter().map(|a| a.id).collect();
        for (i, a) in annotations.iter_mut().enumerate() {
            if let Some(Conflict::ChangedOnBothSides(_)) = a.conflict {
                let other = ids[(i + 1) % ids.len()];
                a.conflict = Some(if other == a.id { Conflict::ChangedAndDeleted } else { Conflict::ChangedOnBothSides(other) });
            }
        }
        let doc_ref =
            DocumentRef { file_name: "talk.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
        Sidecar::new(doc_ref, &coder, codebook, annotations)
    })
}

/// The annotation list of a sidecar's text, as the fast reader is given it.
fn list_of(text: &str) -> Option<&str> {
    let at = text.find(LIST_OPEN)?;
    text[at + LIST_OPEN.len()..].strip_suffix(LIST_CLOSE)
}

/// The fast reader and `ron` on the same annotation list: what the first accepts, the second
/// reads the same; what the second refuses, the first refuses.
fn reader_agrees_with_ron(list: &str) -> Result<(), TestCaseError> {
    let fast = read_annotations(list);
    let by_ron: Result<Vec<Annotation>, _> = sidecar::ron_options().from_str(&format!("[\n{list}]"));
    if let Some(fast) = fast {
        match by_ron {
            Ok(by_ron) => prop_assert_eq!(fast, by_ron, "the fast reader and ron read different values"),
            Err(e) => prop_assert!(false, "the fast reader accepted what ron refuses ({e}):\n{list}"),
        }
    }
    Ok(())
}

/// Loading a text gives a sidecar equal to what `ron` reads, or an error naming the file and
/// a line:column; it never panics. Returns whether it loaded.
fn loads_or_says_where(text: &str) -> Result<bool, TestCaseError> {
    let loaded = Sidecar::from_ron(text, Path::new(NAME));
    let by_ron: Result<Sidecar, _> = sidecar::ron_options().from_str(text);
    match loaded {
        Ok(sc) => {
            match by_ron {
                Ok(by_ron) => prop_assert_eq!(&sc, &by_ron),
                Err(e) => prop_assert!(false, "loaded a file ron refuses ({e})"),
            }
            Ok(true)
        }
        Err(e) => {
            let shown = e.to_string();
            prop_assert!(e.place.is_some(), "no line:column in: {}", shown);
            prop_assert!(shown.starts_with(&format!("{NAME}:")), "the file is not named in: {}", shown);
            prop_assert!(shown.len() < 1000, "a message of {} bytes", shown.len());
            Ok(false)
        }
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, max_shrink_iters: 2000, ..Config::default() })
}

fn cases(quick: u32) -> u32 {
    std::env::var("MARGINALIA_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(quick)
}

/// The id a merge mark points to, replaced by any quoted string.
const OTHER: Uuid = Uuid::from_u128(0x0c0f_f1c7_0000_4000_8000_0000_0000_0001);

/// Quoted strings with every escape form, in each string field of a written sidecar.
fn strings_in_every_field(cases: u32) {
    let fields = ["id", "other", "exact", "prefix", "suffix", "code", "note", "coder", "created", "modified", "key", "value"];
    let strategy = (generated_sidecar(), quoted_body(), prop::sample::select(fields.to_vec()), any::<u16>());
    runner(cases)
        .run(&strategy, |(mut sc, body, field, which)| {
            if sc.annotations.is_empty() {
                let doc = Document::from_text("x");
                sc.annotations.push(annotation(&doc, &["opinion".to_owned()], 3, Default::default()));
            }
            let k = which as usize % sc.annotations.len();
            sc.annotations[k].attributes.insert("key".into(), "value".into());
            let marker = "\u{E000}MARK\u{E000}";
            let a = &mut sc.annotations[k];
            match field {
                "id" => {}
                "other" => a.conflict = Some(Conflict::ChangedOnBothSides(OTHER)),
                "exact" => a.exact = marker.into(),
                "prefix" => a.prefix = marker.into(),
                "suffix" => a.suffix = marker.into(),
                "code" => a.code = marker.into(),
                "note" => a.note = marker.into(),
                "coder" => a.coder = marker.into(),
                "created" => a.created = marker.into(),
                "modified" => a.modified = marker.into(),
                "key" => {
                    a.attributes.clear();
                    a.attributes.insert(marker.into(), "v".into());
                }
                _ => {
                    a.attributes.clear();
                    a.attributes.insert("k".into(), marker.into());
                }
            }
            let id = a.id.to_string();
            let written = sc.to_ron();
            let text = if field == "id" {
                written.replacen(&format!("\"{id}\""), &format!("\"{body}\""), 1)
            } else if field == "other" {
                written.replacen(&format!("\"{OTHER}\""), &format!("\"{body}\""), 1)
            } else {
                written.replacen(&format!("\"{marker}\""), &format!("\"{body}\""), 1)
            };
            if let Some(list) = list_of(&text) {
                reader_agrees_with_ron(list)?;
            }
            loads_or_says_where(&text)?;
            Ok(())
        })
        .unwrap();
}

/// Whatever the strings hold, the written file is read back by the fast reader itself (not
/// left to `ron`), equal to what was written and to what `ron` reads.
fn written_sidecars_are_read_back_fast(cases: u32) {
    runner(cases)
        .run(&generated_sidecar(), |sc| {
            let text = sc.to_ron();
            prop_assert_eq!(&text, &sidecar::to_ron_pretty(&sc));
            if !sc.annotations.is_empty() {
                let list = list_of(&text).expect("a written list");
                prop_assert_eq!(read_annotations(list), Some(sc.annotations.clone()));
                reader_agrees_with_ron(list)?;
            }
            prop_assert_eq!(Sidecar::from_ron(&text, Path::new(NAME)).ok(), Some(sc));
            Ok(())
        })
        .unwrap();
}

#[derive(Debug, Clone)]
enum Damage {
    Flip { at: usize, bit: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Truncate { at: usize },
}

/// Bytes worth inserting: the reader's delimiters, escapes before wide characters, broken
/// UTF-8, and random bytes.
fn inserted() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "\\é",
            "\\😀",
            "\\\u{10FFFF}",
            "\"",
            "\\",
            "\n",
            "\r\n",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            " ",
            "\\u{",
            "\\u{1F600}",
            "        (\n",
            "    ],\n",
            "            note: \"\",\n",
            "            extra: 1,\n",
            "é",
            "😀",
            "\u{301}",
            "//",
            "/*",
            "r#\"",
            "Some(",
            "#![enable(implicit_some)]\n",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
        any_plane_char().prop_map(|c| c.to_string().into_bytes()),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    let at = any::<usize>();
    prop_oneof![
        3 => (at, 0u8..8).prop_map(|(at, bit)| Damage::Flip { at, bit }),
        3 => (at, inserted()).prop_map(|(at, bytes)| Damage::Insert { at, bytes }),
        2 => (at, 1usize..40).prop_map(|(at, len)| Damage::Delete { at, len }),
        2 => (at, 1usize..400).prop_map(|(at, len)| Damage::Duplicate { at, len }),
        1 => at.prop_map(|at| Damage::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let n = bytes.len();
    let pos = |at: usize| if n == 0 { 0 } else { at % (n + 1) };
    match damage {
        Damage::Flip { at, bit } if n > 0 => bytes[at % n] ^= 1 << bit,
        Damage::Flip { .. } => {}
        Damage::Insert { at, bytes: b } => {
            let at = pos(*at);
            bytes.splice(at..at, b.iter().copied());
        }
        Damage::Delete { at, len } => {
            let at = pos(*at);
            bytes.drain(at..(at + len).min(n));
        }
        Damage::Duplicate { at, len } => {
            let at = pos(*at);
            let copy = bytes[at..(at + len).min(n)].to_vec();
            bytes.splice(at..at, copy);
        }
        Damage::Truncate { at } => bytes.truncate(pos(*at)),
    }
}

/// Damaged copies of the sample sidecars and of generated ones: loading from memory and from
/// disk gives a sidecar (equal to `ron`'s reading) or an error with the file and a place.
fn damaged_sidecars(cases: u32, dir: &Path) {
    let base = prop_oneof![
        prop::sample::select(SAMPLES.to_vec()).prop_map(str::to_owned),
        generated_sidecar().prop_map(|sc| sc.to_ron()),
    ];
    let path = dir.join(NAME);
    let strategy = (base, prop::collection::vec(damage(), 1..5), any::<bool>());
    runner(cases)
        .run(&strategy, |(text, damages, by_chars)| {
            let mut bytes = text.into_bytes();
            for d in &damages {
                apply(&mut bytes, d);
            }
            if by_chars {
                // Keep it UTF-8 so that the text reaches the readers, not the UTF-8 check.
                bytes = String::from_utf8_lossy(&bytes).into_owned().into_bytes();
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                if let Some(list) = list_of(text) {
                    reader_agrees_with_ron(list)?;
                }
                loads_or_says_where(text)?;
            }
            std::fs::write(&path, &bytes).unwrap();
            match sidecar::load(&path) {
                Ok(loaded) => prop_assert!(loaded.is_some()),
                Err(e) => {
                    let shown = e.to_string();
                    prop_assert!(e.place.is_some(), "no line:column in: {}", shown);
                    prop_assert!(shown.starts_with(&path.display().to_string()), "the file is not named in: {}", shown);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A long list (read on several threads) with damage: the parts are cut between characters
/// and one damaged item makes the reader decline the whole list.
fn damaged_long_sidecar(cases: u32) {
    let doc = Document::from_text("Un texte assez long pour des annotations — «é», 😀.\n".repeat(40));
    let codebook = Codebook::default();
    let codes: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let annotations: Vec<Annotation> = (0..3000u64)
        .map(|k| {
            let note = ["é", "€", "😀", "a"][k as usize % 4].repeat(60 + k as usize % 5);
            annotation(&doc, &codes, k * 7919 + 1, [String::new(), note, "ana".into(), "k".into(), "v".into(), String::new()])
        })
        .collect();
    let doc_ref = DocumentRef { file_name: "talk.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let text = Sidecar::new(doc_ref, "ana", codebook, annotations).to_ron();
    assert!(text.len() > 1 << 20, "long enough to be read on several threads");
    runner(cases)
        .run(&prop::collection::vec(damage(), 1..3), |damages| {
            let mut bytes = text.clone().into_bytes();
            for d in &damages {
                apply(&mut bytes, d);
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Some(list) = list_of(&text) {
                reader_agrees_with_ron(list)?;
            }
            loads_or_says_where(&text)?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn quoted_strings_with_every_escape_are_read_as_ron_reads_them() {
    strings_in_every_field(cases(1500));
}

#[test]
fn written_sidecars_with_any_characters_are_read_back_by_the_fast_reader() {
    written_sidecars_are_read_back_fast(cases(300));
}

#[test]
fn damaged_sidecars_load_or_say_where_they_are_broken() {
    let dir = tempfile::tempdir().unwrap();
    damaged_sidecars(cases(1500), dir.path());
}

#[test]
fn a_damaged_long_sidecar_read_on_several_threads_never_panics() {
    damaged_long_sidecar(cases(6));
}

/// The same checks with many more cases (set MARGINALIA_FUZZ_CASES; default 20,000 each).
#[test]
#[ignore = "long: run with --ignored, best in release"]
fn long_fuzz_run() {
    let n = cases(20_000);
    strings_in_every_field(n);
    written_sidecars_are_read_back_fast(n / 4);
    let dir = tempfile::tempdir().unwrap();
    damaged_sidecars(n, dir.path());
    damaged_long_sidecar((n / 500).max(10));
}
