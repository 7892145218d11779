//! Properties of positions, snapping, re-anchoring and the sidecar format, checked on texts
//! mixing ASCII, accented letters with combining marks, emoji with skin tones, ZWJ families,
//! flags, curly quotes, dashes and CRLF line breaks.

use std::collections::BTreeMap;

use marginalia::anchor::reanchor_all;
use marginalia::annotation::CONTEXT_CHARS;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::{AnchorStatus, Annotation, Codebook, Document, Span};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// Pieces of text that keep their grapheme clusters when put side by side in any order.
const ATOMS: &[&str] = &[
    "a",
    "b",
    "Tom",
    "vote",
    " ",
    " ",
    ", ",
    ".",
    "é",
    "e\u{301}",        // e + combining acute
    "n\u{303}\u{323}", // n + tilde + dot below
    "Ibáñez",
    "Nguye\u{302}\u{303}n", // decomposed Vietnamese
    "👋🏽",
    "👍🏿",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇫🇷",
    "🇮🇸",
    "\r\n",
    "\n",
    "\r\n\r\n",
    "—",
    "–",
    "“",
    "”",
    "’",
    "€12",
    "\t",
];

fn text_strategy(max_atoms: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ATOMS), 0..max_atoms).prop_map(|v| v.concat())
}

/// Grapheme boundaries of `text` in code points, computed independently of `Document`.
fn boundaries(text: &str) -> Vec<usize> {
    let mut out = vec![0];
    let mut n = 0;
    for g in text.graphemes(true) {
        n += g.chars().count();
        out.push(n);
    }
    out
}

fn is_boundary(bounds: &[usize], pos: usize) -> bool {
    bounds.binary_search(&pos).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn snapping_never_splits_a_grapheme_and_stays_in_range(
        text in text_strategy(80),
        a in 0usize..400,
        b in 0usize..400,
    ) {
        let doc = Document::from_text(text.clone());
        let bounds = boundaries(&text);
        let len = doc.len_chars();
        let span = Span::new(a, b);
        let snapped = doc.snap(span);
        prop_assert!(snapped.start <= snapped.end && snapped.end <= len, "{snapped} out of 0..{len}");
        prop_assert!(is_boundary(&bounds, snapped.start), "start {} splits a grapheme in {text:?}", snapped.start);
        prop_assert!(is_boundary(&bounds, snapped.end), "end {} splits a grapheme in {text:?}", snapped.end);
        // Snapping widens outward: the clamped request is inside the result, and the result
        // is the smallest grapheme-aligned span holding it.
        let (cs, ce) = (span.start.min(len), span.end.min(len));
        prop_assert!(snapped.start <= cs && ce <= snapped.end);
        let floor = *bounds.iter().rev().find(|&&x| x <= cs).unwrap();
        let ceil = *bounds.iter().find(|&&x| x >= ce).unwrap();
        prop_assert_eq!(snapped, Span::new(floor, ceil));
        // The slice is whole graphemes of the text.
        let sliced = doc.slice(snapped);
        prop_assert_eq!(sliced.graphemes(true).collect::<String>(), sliced);
        for pos in 0..=len {
            prop_assert_eq!(doc.is_grapheme_boundary(pos), is_boundary(&bounds, pos), "at {}", pos);
        }
    }

    #[test]
    fn next_and_previous_grapheme_walk_the_boundaries(text in text_strategy(60)) {
        let doc = Document::from_text(text.clone());
        let bounds = boundaries(&text);
        let mut walked = vec![0];
        let mut pos = 0;
        while pos < doc.len_chars() {
            pos = doc.next_grapheme(pos);
            walked.push(pos);
        }
        prop_assert_eq!(&walked, &bounds);
        let mut back = vec![doc.len_chars()];
        let mut pos = doc.len_chars();
        while pos > 0 {
            pos = doc.prev_grapheme(pos);
            back.push(pos);
        }
        back.reverse();
        prop_assert_eq!(back, bounds);
    }

    #[test]
    fn code_points_and_bytes_round_trip(text in text_strategy(400)) {
        // Up to ~400 atoms: long enough to cross several checkpoints of the byte index.
        let doc = Document::from_text(text.clone());
        let expected: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
        prop_assert_eq!(doc.len_chars(), text.chars().count());
        for (pos, &byte) in expected.iter().enumerate() {
            prop_assert_eq!(doc.byte_of(pos), byte, "byte_of({})", pos);
            prop_assert_eq!(doc.char_of(byte), pos, "char_of({})", byte);
        }
        // Past the end clamps.
        prop_assert_eq!(doc.byte_of(doc.len_chars() + 10), text.len());
        // A byte inside a multi-byte char maps to that char.
        for (pos, (byte, ch)) in text.char_indices().enumerate() {
            for inner in 1..ch.len_utf8() {
                prop_assert_eq!(doc.char_of(byte + inner), pos);
            }
        }
    }

    #[test]
    fn paragraphs_cover_the_text_between_line_breaks(text in text_strategy(120)) {
        let doc = Document::from_text(text.clone());
        let expected: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        let got: Vec<&str> = doc.paragraphs().iter().map(|p| doc.slice(p.chars)).collect();
        prop_assert_eq!(got, expected);
        for p in doc.paragraphs() {
            prop_assert_eq!(&text[p.bytes.0..p.bytes.1], doc.slice(p.chars));
        }
    }

    #[test]
    fn edits_elsewhere_reanchor_every_annotation_to_its_quote(
        text in text_strategy(150),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1usize..12), 1..8),
        edit_at in any::<prop::sample::Index>(),
        edit_len in any::<prop::sample::Index>(),
        inserted in text_strategy(12),
        delete in any::<bool>(),
    ) {
        let old = Document::from_text(text.clone());
        let bounds = boundaries(&text);
        prop_assume!(bounds.len() > 2);
        // Annotations on whole graphemes: from a boundary, `n` graphemes long.
        let mut annotations: Vec<Annotation> = picks
            .iter()
            .map(|(i, n)| {
                let s = i.index(bounds.len() - 1);
                let e = (s + n).min(bounds.len() - 1);
                Annotation::new(&old, Span::new(bounds[s], bounds[e]), "demand", "prop")
            })
            .collect();
        let outside = |pos: usize| annotations.iter().all(|a| pos <= a.start || pos >= a.end);
        let free: Vec<usize> = bounds.iter().copied().filter(|&p| outside(p)).collect();
        // The edit: delete whole graphemes between two free boundaries with no annotation
        // inside, or insert text at a free boundary.
        let at = free[edit_at.index(free.len())];
        let (new_text, edit_start, removed, added) = if delete {
            let bi = bounds.binary_search(&at).unwrap();
            let mut end_i = bi;
            let want = 1 + edit_len.index(8);
            while end_i + 1 < bounds.len()
                && end_i - bi < want
                && annotations.iter().all(|a| bounds[end_i + 1] <= a.start || bounds[end_i] >= a.end)
            {
                end_i += 1;
            }
            let (s, e) = (bounds[bi], bounds[end_i]);
            let (bs, be) = (old.byte_of(s), old.byte_of(e));
            (format!("{}{}", &text[..bs], &text[be..]), s, e - s, 0)
        } else {
            let b = old.byte_of(at);
            (format!("{}{}{}", &text[..b], inserted, &text[b..]), at, 0, inserted.chars().count())
        };
        let new = Document::from_text(new_text.clone());
        let before = annotations.clone();
        let report = reanchor_all(&new, &mut annotations);
        prop_assert_eq!(report.orphaned, 0);
        prop_assert_eq!(report.anchored + report.reanchored, annotations.len());
        let new_bounds = boundaries(&new_text);
        for (a, was) in annotations.iter().zip(&before) {
            prop_assert_eq!(a.id, was.id);
            prop_assert_eq!(&a.exact, &was.exact, "quote changed");
            prop_assert_eq!(new.slice(a.span()), was.exact.as_str(), "span does not hold the quote");
            prop_assert!(a.status != AnchorStatus::Orphaned);
            prop_assert!(is_boundary(&new_bounds, a.start) && is_boundary(&new_bounds, a.end));
            // Where the quote and its context are unique, it must be exactly where the edit
            // moved it.
            let expected_start = if was.start >= edit_start + removed { was.start + added - removed } else { was.start };
            let full = format!("{}{}{}", was.prefix, was.exact, was.suffix);
            let context_untouched = edit_start + removed + CONTEXT_CHARS < was.start || edit_start > was.end + CONTEXT_CHARS;
            if context_untouched && new_text.matches(full.as_str()).count() == 1 {
                prop_assert_eq!(a.start, expected_start, "{:?} moved to the wrong occurrence: was {:?}, now {:?}", was.exact, was, a);
            }
        }
    }

    #[test]
    fn save_then_load_gives_equal_data_and_stable_bytes(
        text in text_strategy(60),
        rows in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..6, any::<u128>(), prop::sample::select(vec![
                "factual-assertion", "demand", "call-to-action", "opinion", "prediction", "attribution",
            ]), any::<String>(), "\\PC{0,12}", any::<bool>(), prop::collection::btree_map("[a-z-]{1,8}", any::<String>(), 0..3)),
            0..12,
        ),
        coder in any::<String>(),
    ) {
        let doc = Document::from_text(text.clone());
        let bounds = boundaries(&text);
        let annotations: Vec<Annotation> = rows
            .into_iter()
            .map(|(i, n, id, code, note, who, orphan, attributes)| {
                let s = i.index(bounds.len());
                let e = (s + n).min(bounds.len() - 1);
                let mut a = Annotation::new(&doc, Span::new(bounds[s], bounds[e]), code, &who);
                a.id = uuid::Uuid::from_u128(id);
                a.note = note;
                a.attributes = attributes.into_iter().collect::<BTreeMap<_, _>>();
                a.created = "2026-03-01T09:30:00Z".into();
                a.modified = "2026-03-02T17:05:59+01:00".into();
                if orphan {
                    a.status = AnchorStatus::Orphaned;
                }
                a
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        prop_assume!(annotations.iter().all(|a| ids.insert(a.id)));
        let doc_ref = DocumentRef { file_name: "speech.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
        let original = Sidecar::new(doc_ref, &coder, Codebook::default(), annotations);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("speech.txt.annotations.ron");
        let stamp = sidecar::save(&path, &original, None).unwrap();
        let first = std::fs::read(&path).unwrap();
        let loaded = sidecar::load(&path).unwrap().expect("the file was just written");
        prop_assert_eq!(&loaded.sidecar, &original);
        prop_assert_eq!(&loaded.stamp, &stamp);
        // save → load → save writes the same bytes, twice over.
        sidecar::save(&path, &loaded.sidecar, Some(&loaded.stamp)).unwrap();
        let second = std::fs::read(&path).unwrap();
        prop_assert_eq!(&first, &second);
        let again = sidecar::load(&path).unwrap().unwrap();
        sidecar::save(&path, &again.sidecar, Some(&again.stamp)).unwrap();
        prop_assert_eq!(&first, &std::fs::read(&path).unwrap());
        prop_assert_eq!(&first, &original.to_ron().into_bytes());
        // The file is exactly what the general RON serializer writes, and RON reads it back
        // as the same data (the annotation list has a faster writer and reader of its own).
        prop_assert_eq!(&first, &sidecar::to_ron_pretty(&original).into_bytes());
        let by_ron: Sidecar = sidecar::ron_options().from_str(std::str::from_utf8(&first).unwrap()).unwrap();
        prop_assert_eq!(by_ron, original);
    }
}

/// A re-anchored annotation is written as anchored, and the order of annotations in memory
/// does not change the file.
#[test]
fn the_file_does_not_depend_on_order_or_transient_status() {
    let doc = Document::from_text("“Vote,” said Chloé — 🗳️ and 🇫🇷 — “vote early.”\r\nThank you.");
    let mut a = Annotation::new(&doc, Span::new(0, 7), "call-to-action", "amara");
    let mut b = Annotation::new(&doc, doc.snap(Span::new(20, 22)), "opinion", "amara");
    a.id = uuid::Uuid::from_u128(2);
    b.id = uuid::Uuid::from_u128(1);
    for x in [&mut a, &mut b] {
        x.created = "2026-03-01T09:30:00Z".into();
        x.modified = x.created.clone();
    }
    let doc_ref = DocumentRef { file_name: "t.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let one = Sidecar::new(doc_ref.clone(), "amara", Codebook::default(), vec![a.clone(), b.clone()]);
    b.status = AnchorStatus::Reanchored;
    let mut two = Sidecar::new(doc_ref, "amara", Codebook::default(), vec![]);
    two.annotations = vec![b, a];
    assert_eq!(one.to_ron(), two.to_ron());
    assert!(!two.to_ron().contains("Reanchored"));
}

/// Bytes of a document as files come: text of the atoms above, maybe after a byte-order mark,
/// with control characters, NULs and stray bytes (not UTF-8) inserted here and there.
fn file_bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
    let boms: Vec<&'static [u8]> = vec![b"", b"", b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF"];
    let inserts: Vec<&'static [u8]> = vec![
        b"\0",
        b"\x01",
        b"\x07",
        b"\x1b",
        b"\x0c",
        b"\x7f",
        b"\xc2\x85",
        b"\xc2\x9f",
        b"\xc2\xa0",
        b"\x80",
        b"\xe9",
        b"\x9d",
    ];
    (
        text_strategy(60),
        prop::sample::select(boms),
        prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(inserts)), 0..16),
    )
        .prop_map(|(text, bom, inserts)| {
            let mut bytes = text.into_bytes();
            for (at, insert) in inserts {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, insert.iter().copied());
            }
            [bom, &bytes].concat()
        })
}

/// Where a decoded text is refused as binary: a NUL, or more than 8 control characters (other
/// than tab, line breaks and form feed) making up more than 1% of it; decided char by char.
fn refused_at(text: &str) -> Option<usize> {
    let mut controls = 0usize;
    for (i, c) in text.char_indices() {
        if c == '\0' {
            return Some(i);
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            controls += 1;
            if controls > 8 && controls * 100 > text.len().min(100_000) {
                return Some(i);
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_document_decoded_in_place_is_the_one_decoded_from_a_copy(bytes in file_bytes_strategy()) {
        let kept = Document::from_vec(bytes.clone());
        let copied = Document::from_bytes(&bytes);
        match (&kept, &copied) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.text(), b.text());
                prop_assert_eq!(a.encoding(), b.encoding());
                prop_assert_eq!(a.fingerprint(), marginalia::document::fingerprint_of(&bytes));
                prop_assert_eq!(b.fingerprint(), a.fingerprint());
                prop_assert_eq!(a.paragraphs(), b.paragraphs());
                prop_assert_eq!(a.len_chars(), b.len_chars());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "{:?} / {:?}", kept.is_ok(), copied.is_ok()),
        }
        // UTF-8 without a NUL (a NUL is refused before decoding): refused exactly where the
        // char-by-char rule refuses it.
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
        if let Ok(text) = std::str::from_utf8(body)
            && !bytes.starts_with(b"\xFF\xFE")
            && !bytes.starts_with(b"\xFE\xFF")
            && !text.contains('\0')
        {
            let refused = match &kept {
                Err(marginalia::document::DecodeError::Binary { offset }) => Some(*offset),
                _ => None,
            };
            prop_assert_eq!(refused, refused_at(text));
        }
        // The index: code point positions and paragraphs as decoding char by char finds them.
        if let Ok(doc) = &kept {
            let text = doc.text();
            let starts: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
            prop_assert_eq!(doc.len_chars(), starts.len() - 1);
            for (pos, &byte) in starts.iter().enumerate() {
                prop_assert_eq!(doc.byte_of(pos), byte);
                prop_assert_eq!(doc.char_of(byte), pos);
            }
            let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
            let paragraphs: Vec<&str> = doc.paragraphs().iter().map(|p| doc.slice(p.chars)).collect();
            prop_assert_eq!(paragraphs, lines);
        }
    }
}

#[test]
fn long_texts_are_hashed_beside_decoding_with_the_same_result() {
    // Over 1 MB, hashing runs on another thread: the fingerprint is still the file's bytes'.
    let text: String = (0..40_000).map(|i| format!("¶{i} Zoë’s “vote” 👋🏽 — rents\r\n")).collect();
    assert!(text.len() > 1 << 20);
    for bom in [&b""[..], b"\xEF\xBB\xBF"] {
        let bytes = [bom, text.as_bytes()].concat();
        let doc = Document::from_vec(bytes.clone()).unwrap();
        assert_eq!(doc.text(), text);
        assert_eq!(doc.fingerprint(), marginalia::document::fingerprint_of(&bytes));
        assert_eq!(doc.paragraphs().len(), 40_001);
        assert_eq!(doc.len_chars(), text.chars().count());
    }
    let mut binary = text.clone().into_bytes();
    binary[1_500_000] = 0;
    assert_eq!(Document::from_vec(binary).unwrap_err(), marginalia::document::DecodeError::Binary { offset: 1_500_000 });
}

/// One step of a coding session with links, on the text of `LINK_TEXT`.
#[derive(Debug, Clone)]
enum LinkStep {
    Add { at: prop::sample::Index, len: usize, code: &'static str },
    Delete(prop::sample::Index),
    DeleteCode(&'static str),
    Link { from: prop::sample::Index, to: prop::sample::Index, kind: &'static str },
    Unlink(prop::sample::Index),
    Retype { link: prop::sample::Index, kind: &'static str },
}

const LINK_TEXT: &str = "The rent rose 40% 📈 since 2020, says the Tenants’ Union.\r\nThe council must act now! Or will it wait?";
const LINK_CODES: [&str; 4] = ["factual-assertion", "demand", "attribution", "opinion"];
const LINK_TYPES: [&str; 5] = ["supports", "attacks", "evidence-for", "source-of", "responds-to"];

fn link_step() -> impl Strategy<Value = LinkStep> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), 1usize..30, prop::sample::select(LINK_CODES.to_vec()))
            .prop_map(|(at, len, code)| LinkStep::Add { at, len, code }),
        1 => any::<prop::sample::Index>().prop_map(LinkStep::Delete),
        1 => prop::sample::select(LINK_CODES.to_vec()).prop_map(LinkStep::DeleteCode),
        4 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), prop::sample::select(LINK_TYPES.to_vec()))
            .prop_map(|(from, to, kind)| LinkStep::Link { from, to, kind }),
        1 => any::<prop::sample::Index>().prop_map(LinkStep::Unlink),
        1 => (any::<prop::sample::Index>(), prop::sample::select(LINK_TYPES.to_vec()))
            .prop_map(|(link, kind)| LinkStep::Retype { link, kind }),
    ]
}

type LinkState = (Vec<Annotation>, Vec<marginalia::Link>, Codebook);

fn link_state(edits: &marginalia::Edits) -> LinkState {
    (edits.annotations().iter().map(|a| (**a).clone()).collect(), edits.links().to_vec(), edits.codebook().clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever is done, no link ever points at a missing annotation; every change, links
    /// included, is undone to exactly the state before it and redone to exactly the state
    /// after; a refused change changes nothing; undoing everything gives the empty start.
    #[test]
    fn links_follow_their_annotations_through_apply_undo_and_redo(steps in prop::collection::vec(link_step(), 1..40)) {
        use marginalia::{Action, Edits, Link};
        let doc = Document::from_text(LINK_TEXT);
        let bounds = boundaries(LINK_TEXT);
        let mut edits = Edits::new(Codebook::default(), vec![]);
        let start = link_state(&edits);
        let mut applied = 0;
        for step in steps {
            let ids: Vec<uuid::Uuid> = edits.annotations().iter().map(|a| a.id).collect();
            let action = match step {
                LinkStep::Add { at, len, code } => {
                    let s = at.index(bounds.len() - 1);
                    let e = (s + len).min(bounds.len() - 1);
                    Action::Add(Annotation::new(&doc, Span::new(bounds[s], bounds[e]), code, "ana"))
                }
                LinkStep::Delete(i) if !ids.is_empty() => Action::Delete(ids[i.index(ids.len())]),
                LinkStep::DeleteCode(code) => Action::DeleteCode { code: code.into(), reassign_to: None },
                LinkStep::Link { from, to, kind } if !ids.is_empty() => {
                    Action::AddLink(Link::new(kind, ids[from.index(ids.len())], ids[to.index(ids.len())], "ana"))
                }
                LinkStep::Unlink(i) if !edits.links().is_empty() => Action::DeleteLink(edits.links()[i.index(edits.links().len())].id),
                LinkStep::Retype { link, kind } if !edits.links().is_empty() => {
                    Action::SetLinkType { id: edits.links()[link.index(edits.links().len())].id, link_type: kind.into() }
                }
                _ => continue,
            };
            let before = link_state(&edits);
            if edits.apply(&doc, action).is_err() {
                prop_assert_eq!(&link_state(&edits), &before);
                continue;
            }
            let after = link_state(&edits);
            for l in edits.links() {
                prop_assert!(edits.get(l.origin).is_some() && edits.get(l.target).is_some(), "{:?} lost an end", l);
                prop_assert!(l.origin != l.target);
            }
            if after != before {
                prop_assert!(edits.undo());
                prop_assert_eq!(&link_state(&edits), &before);
                prop_assert!(edits.redo());
                prop_assert_eq!(&link_state(&edits), &after);
                applied += 1;
            }
        }
        let end = link_state(&edits);
        // What is left is saved and read back as it is, links included.
        let doc_ref = DocumentRef { file_name: "t.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
        let mut saved = Sidecar::new(doc_ref, "ana", end.2.clone(), end.0.clone());
        saved.links = end.1.clone();
        let text = saved.to_ron();
        let read = Sidecar::from_ron(&text, std::path::Path::new("t.txt.annotations.ron")).unwrap();
        prop_assert_eq!(&read.links, &end.1);
        prop_assert_eq!(&read.annotations, &end.0);
        prop_assert_eq!(&text, &sidecar::to_ron_pretty(&saved));
        while edits.undo() {}
        prop_assert_eq!(&link_state(&edits), &start);
        for _ in 0..applied {
            prop_assert!(edits.redo());
        }
        prop_assert_eq!(link_state(&edits), end);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The document view asks the link index which links have an end in the visible range:
    /// the answer is every such link once (and only those), whatever the links and range.
    #[test]
    fn the_link_index_finds_exactly_the_links_with_an_end_in_a_range(
        spans in prop::collection::vec((0usize..90, 1usize..20), 1..30),
        pairs in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..40),
        range in (0usize..110, 0usize..60),
    ) {
        use marginalia::{Action, Edits, Link};
        use marginalia::link::LinkIndex;
        let doc = Document::from_text("a".repeat(110));
        let mut edits = Edits::new(Codebook::default(), vec![]);
        for (s, len) in spans {
            edits.apply(&doc, Action::Add(Annotation::new(&doc, Span::new(s, (s + len).min(110)), "opinion", "ana"))).unwrap();
        }
        let ids: Vec<uuid::Uuid> = edits.annotations().iter().map(|a| a.id).collect();
        for (from, to) in pairs {
            let _ = edits.apply(&doc, Action::AddLink(Link::new("supports", ids[from.index(ids.len())], ids[to.index(ids.len())], "ana")));
        }
        let index = LinkIndex::build(edits.links(), |id| edits.get(id).map(|a| a.span()));
        prop_assert_eq!(index.links().len(), edits.links().len());
        let (start, end) = (range.0, range.0 + range.1);
        let found: Vec<uuid::Uuid> = index.touching(start, end).into_iter().map(|i| index.links()[i].id).collect();
        let inside = |id: uuid::Uuid| { let p = edits.get(id).unwrap().start; start <= p && p < end };
        let mut wanted: Vec<uuid::Uuid> =
            edits.links().iter().filter(|l| inside(l.origin) || inside(l.target)).map(|l| l.id).collect();
        let mut found_sorted = found.clone();
        found_sorted.sort();
        wanted.sort();
        prop_assert_eq!(found_sorted, wanted);
        let mut unique = found.clone();
        unique.dedup();
        prop_assert_eq!(unique.len(), found.len());
    }
}
