//! Agreement statistics and answer-key scoring: reference values (scikit-learn, the
//! `krippendorff` package) from committed fixtures, textbook examples, edge cases, properties,
//! and the `marginalia agree` command on sidecars written through the core API.

use std::path::{Path, PathBuf};
use std::process::Command;

use marginalia::agree::{self, ALL, DisagreementKind, Measure, Unit, stats, unitizing};
use marginalia::annotation::{AnchorStatus, Annotation};
use marginalia::codebook::{Code, Codebook};
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use proptest::prelude::*;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agree").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn assert_measure(got: &Measure, expected: &Value, what: &str) {
    match expected.as_f64() {
        Some(e) => {
            let g = got.value().unwrap_or_else(|| panic!("{what}: undefined ({:?}), expected {e}", got.reason()));
            assert!((g - e).abs() < TOL, "{what}: got {g}, expected {e}");
        }
        None => assert!(!got.is_defined(), "{what}: got {got:?}, expected undefined"),
    }
}

fn labels(v: &Value) -> Vec<Option<usize>> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().map(|n| n as usize)).collect()
}

#[test]
fn cohen_kappa_equals_scikit_learn() {
    let cases = fixture("cohen.json");
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    let mut defined = 0;
    for (n, case) in cases.iter().enumerate() {
        let (a, b) = (labels(&case["a"]), labels(&case["b"]));
        let units: Vec<Unit> = a.iter().zip(&b).map(|(x, y)| Unit::new(1.0, vec![*x, *y])).collect();
        assert_measure(&stats::cohen_kappa(&units, 0, 1), &case["expected"], &format!("case {n}"));
        defined += usize::from(case["expected"].is_number());
    }
    assert!(defined >= 30, "too few defined cases: {defined}");
}

#[test]
fn nominal_alpha_equals_the_krippendorff_package() {
    let cases = fixture("alpha.json");
    let cases = cases["cases"].as_array().unwrap();
    let mut defined = 0;
    for (n, case) in cases.iter().enumerate() {
        let rows: Vec<Vec<Option<usize>>> = case["data"].as_array().unwrap().iter().map(labels).collect();
        let units: Vec<Unit> = (0..rows[0].len()).map(|u| Unit::new(1.0, rows.iter().map(|r| r[u]).collect())).collect();
        assert_measure(&stats::krippendorff_alpha_nominal(&units), &case["expected"], &format!("case {n}"));
        defined += usize::from(case["expected"].is_number());
    }
    assert!(defined >= 40, "too few defined cases: {defined}");
}

/// A text of `len` code points mixing accents, curly quotes, dashes, emoji and CRLF.
fn text_of(len: usize) -> String {
    let pieces = ["É", "l", "o", "ï", "s", "e", " ", "“", "—", "”", "🎉", "\r", "\n", "ñ", "a", "."];
    (0..len).map(|i| pieces[(i * 7 + i / 3) % pieces.len()]).collect()
}

fn codebook(ids: &[&str]) -> Codebook {
    let colours = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2"];
    Codebook {
        name: "Test".into(),
        description: String::new(),
        codes: ids.iter().enumerate().map(|(i, id)| Code::new(id, &format!("Code {id}"), colours[i % colours.len()])).collect(),
        link_types: Vec::new(),
    }
}

fn ann(doc: &Document, start: usize, end: usize, code: &str) -> Annotation {
    Annotation::new(doc, Span::new(start, end), code, "t")
}

#[test]
fn document_statistics_equal_reference_values_from_spans() {
    let cases = fixture("spans.json");
    let cb = codebook(&["claim", "demand", "praise"]);
    for (n, case) in cases["cases"].as_array().unwrap().iter().enumerate() {
        let len = case["length"].as_u64().unwrap() as usize;
        let doc = Document::from_text(text_of(len));
        assert_eq!(doc.len_chars(), len);
        let coders: Vec<(String, Vec<Annotation>)> = case["coders"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, spans)| {
                let anns = spans
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        let s = s.as_array().unwrap();
                        ann(&doc, s[0].as_u64().unwrap() as usize, s[1].as_u64().unwrap() as usize, s[2].as_str().unwrap())
                    })
                    .collect();
                (format!("coder{i}"), anns)
            })
            .collect();
        let report = agree::compute(&doc, &coders, &cb);
        for row in case["expected"]["pairs"].as_array().unwrap() {
            let (a, b) = (row["a"].as_u64().unwrap(), row["b"].as_u64().unwrap());
            for (code, expected) in row.as_object().unwrap().iter().filter(|(k, _)| *k != "a" && *k != "b") {
                let p = report.pair(&format!("coder{a}"), &format!("coder{b}"), code).unwrap();
                assert_measure(&p.cohen_kappa, expected, &format!("case {n}, pair {a}-{b}, {code}"));
            }
        }
        for (code, expected) in case["expected"]["overall"].as_object().unwrap() {
            let o = report.overall(code).unwrap_or_else(|| panic!("case {n}: no row for {code}"));
            assert_measure(&o.krippendorff_alpha, expected, &format!("case {n}, alpha {code}"));
        }
    }
}

#[test]
fn krippendorff_worked_example_reliability_data() {
    // Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): 4 observers, 12 units.
    let m = None;
    let rows: [[Option<usize>; 12]; 4] = [
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), m, m, m],
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), m, Some(3)],
        [m, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), m],
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), m],
    ];
    let units: Vec<Unit> = (0..12).map(|u| Unit::new(1.0, rows.iter().map(|r| r[u]).collect())).collect();
    let alpha = stats::krippendorff_alpha_nominal(&units).value().unwrap();
    assert!((alpha - 0.743).abs() < 0.0005, "{alpha}");
    // The exact value, (n−1)·Σo_cc… gives 0.743421052631579 (as the krippendorff package).
    assert!((alpha - 0.743421052631579).abs() < TOL, "{alpha}");
}

#[test]
fn fleiss_kappa_textbook_example() {
    // Ten subjects, fourteen raters, five categories (the example in Wikipedia's article on
    // Fleiss' kappa): κ = 0.210.
    let table: [[f64; 5]; 10] = [
        [0., 0., 0., 0., 14.],
        [0., 2., 6., 4., 2.],
        [0., 0., 3., 5., 6.],
        [0., 3., 9., 2., 0.],
        [2., 2., 8., 1., 1.],
        [7., 7., 0., 0., 0.],
        [3., 2., 6., 3., 0.],
        [2., 5., 3., 2., 2.],
        [6., 5., 2., 1., 0.],
        [0., 2., 2., 3., 7.],
    ];
    let rows: Vec<(f64, Vec<f64>)> = table.iter().map(|r| (1.0, r.to_vec())).collect();
    let kappa = stats::fleiss_kappa_counts(&rows).value().unwrap();
    assert!((kappa - 0.210).abs() < 0.0005, "{kappa}");
    assert!((kappa - 0.20993070442195522).abs() < TOL, "{kappa}");
}

#[test]
fn cohen_kappa_textbook_two_by_two() {
    // 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    let cells = [((1, 1), 20.0), ((1, 0), 5.0), ((0, 1), 10.0), ((0, 0), 15.0)];
    let units: Vec<Unit> = cells.iter().map(|((a, b), w)| Unit::new(*w, vec![Some(*a), Some(*b)])).collect();
    let kappa = stats::cohen_kappa(&units, 0, 1).value().unwrap();
    assert!((kappa - 0.4).abs() < TOL, "{kappa}");
}

#[test]
fn unitizing_alpha_hand_computed() {
    // L = 10, coder A marks 0..4, coder B marks 2..6.
    // Observed: the two units overlap, δ² = (0−2)² + (4−6)² = 8; uD_o = 2·8 / (2·1·10²) = 0.08.
    // Expected: N = 2 units of length 4, each (N−1)/3·(2·64 − 3·16 + 4) = 28, plus
    // 4²·Σ_{gaps ≥ 4}(g − 4 + 1) = 16·(3 + 1) = 64 over the gaps {6, 2, 4}: 92 each, 184 in all;
    // uD_e = (2/10)·184 / (2·10·19 − 2·4·3) = 36.8 / 356.
    // α_u = 1 − 0.08·356/36.8 = 0.2260869565…
    let a = unitizing::alpha_u(10, &[vec![Span::new(0, 4)], vec![Span::new(2, 6)]]).value().unwrap();
    assert!((a - (1.0 - 0.08 * 356.0 / 36.8)).abs() < TOL, "{a}");
    let (d_o, d_e) = unitizing::disagreements(10, &[vec![Span::new(0, 4)], vec![Span::new(2, 6)]]).unwrap();
    assert!((d_o - 0.08).abs() < TOL && (d_e - 36.8 / 356.0).abs() < TOL);

    // A unit that one coder marked and the other left in a gap counts its squared length.
    // L = 6: A marks 1..3, B nothing. δ² = 2² = 4 (unit inside B's gap 0..6); uD_o = 2·4/(2·36).
    // uD_e: N = 1, (0)·… + 2²·Σ gaps ≥ 2: A's {1, 3} → (3−2+1) = 2, B's {6} → 5: 4·7 = 28;
    // (2/6)·28 / (2·6·11 − 2·1) = (28/3)/130. α_u = 1 − (8/72)/((28/3)/130).
    let a = unitizing::alpha_u(6, &[vec![Span::new(1, 3)], vec![]]).value().unwrap();
    let expected = 1.0 - (8.0 / 72.0) / ((28.0 / 3.0) / 130.0);
    assert!((a - expected).abs() < TOL, "{a} vs {expected}");
}

#[test]
fn unitizing_alpha_properties() {
    let spans = vec![Span::new(3, 9), Span::new(15, 20)];
    let same = unitizing::alpha_u(30, &[spans.clone(), spans.clone(), spans.clone()]);
    assert_eq!(same, Measure::Value(1.0));
    let other = vec![Span::new(4, 9), Span::new(22, 25)];
    let ab = unitizing::alpha_u(30, &[spans.clone(), other.clone()]).value().unwrap();
    let ba = unitizing::alpha_u(30, &[other.clone(), spans.clone()]).value().unwrap();
    assert!((ab - ba).abs() < TOL && ab < 1.0);
    // Closer boundaries agree more.
    let near = unitizing::alpha_u(30, &[spans.clone(), vec![Span::new(3, 10), Span::new(15, 20)]]).value().unwrap();
    assert!(near > ab, "{near} <= {ab}");
    assert!(unitizing::alpha_u(30, &[vec![], vec![]]).reason().unwrap().contains("no coder marked"));
    assert!(unitizing::alpha_u(0, &[vec![], vec![]]).reason().is_some());
    assert!(unitizing::alpha_u(30, &[spans]).reason().unwrap().contains("two coders"));
}

fn speech() -> Document {
    Document::from_text(
        "Dear neighbours of Saint-Étienne —\r\nThe council “must” fix the bridge 🌉 now.\r\nWe demand lower fares.\r\nThank you, Zoë Brînzei.",
    )
}

fn quote_span(doc: &Document, quote: &str) -> Span {
    let byte = doc.text().find(quote).unwrap();
    let start = doc.char_of(byte);
    Span::new(start, start + quote.chars().count())
}

fn on(doc: &Document, quote: &str, code: &str) -> Annotation {
    Annotation::new(doc, quote_span(doc, quote), code, "t")
}

#[test]
fn perfect_agreement_nothing_marked_and_an_empty_text() {
    let doc = speech();
    let cb = codebook(&["demand", "claim"]);
    let marks = vec![on(&doc, "The council “must” fix the bridge 🌉 now.", "demand"), on(&doc, "lower fares", "claim")];
    let report = agree::compute(&doc, &[("ana".into(), marks.clone()), ("ben".into(), marks.clone())], &cb);
    let all = report.pair("ana", "ben", ALL).unwrap();
    assert_eq!(all.f1_exact, Measure::Value(1.0));
    assert_eq!(all.f1_overlap, Measure::Value(1.0));
    assert!((all.cohen_kappa.value().unwrap() - 1.0).abs() < TOL);
    let o = report.overall(ALL).unwrap();
    for m in [&o.fleiss_kappa, &o.krippendorff_alpha, &o.alpha_u] {
        assert!((m.value().unwrap() - 1.0).abs() < TOL, "{m:?}");
    }

    // One coder marks nothing: F1 is 0, kappa is 0 (no better than chance), not NaN.
    let report = agree::compute(&doc, &[("ana".into(), marks.clone()), ("ben".into(), vec![])], &cb);
    let p = report.pair("ana", "ben", "demand").unwrap();
    assert_eq!(p.f1_overlap, Measure::Value(0.0));
    assert_eq!(p.cohen_kappa, Measure::Value(0.0));

    // Nobody marks anything: one category throughout, so everything is undefined with a reason.
    let report = agree::compute(&doc, &[("ana".into(), vec![]), ("ben".into(), vec![])], &cb);
    let p = report.pair("ana", "ben", ALL).unwrap();
    assert!(p.f1_exact.reason().unwrap().contains("neither coder"));
    assert!(p.cohen_kappa.reason().is_some());
    assert!(report.overall(ALL).unwrap().krippendorff_alpha.reason().is_some());
    let json = report.to_json();
    assert!(json["pairs"][0]["cohen_kappa"].is_null());
    assert!(json["pairs"][0]["undefined"]["cohen_kappa"].is_string());

    // Zero units.
    let empty = Document::from_text("");
    let report = agree::compute(&empty, &[("ana".into(), vec![]), ("ben".into(), vec![])], &cb);
    assert_eq!(report.units, 0);
    let o = report.overall(ALL).unwrap();
    assert!(!o.fleiss_kappa.is_defined() && !o.krippendorff_alpha.is_defined() && !o.alpha_u.is_defined());
    assert!(!serde_json::to_string(&report.to_json()).unwrap().contains("NaN"));
}

#[test]
fn f1_exact_and_overlap_and_orphans_left_out() {
    let doc = speech();
    let cb = codebook(&["demand", "claim"]);
    let ana =
        vec![on(&doc, "fix the bridge", "demand"), on(&doc, "We demand lower fares.", "demand"), on(&doc, "Thank you", "claim")];
    let mut orphan = on(&doc, "Dear neighbours", "claim");
    orphan.status = AnchorStatus::Orphaned;
    let ben =
        vec![on(&doc, "fix the bridge", "demand"), on(&doc, "lower fares", "demand"), on(&doc, "Thank you", "demand"), orphan];
    let report = agree::compute(&doc, &[("ana".into(), ana), ("ben".into(), ben)], &cb);
    assert_eq!(report.coders[1].orphaned, 1);
    assert_eq!(report.coders[1].counted, 3);
    let all = report.pair("ana", "ben", ALL).unwrap();
    // Exact: only "fix the bridge". Overlap: plus the demand on "lower fares". "Thank you"
    // has different codes, so it matches in neither. 3 + 3 annotations.
    assert_eq!((all.matched_exact, all.matched_overlap), (1, 2));
    assert!((all.f1_exact.value().unwrap() - 2.0 / 6.0).abs() < TOL);
    assert!((all.f1_overlap.value().unwrap() - 4.0 / 6.0).abs() < TOL);
    let demand = report.pair("ana", "ben", "demand").unwrap();
    assert!((demand.f1_overlap.value().unwrap() - 2.0 * 2.0 / 5.0).abs() < TOL);
    // The orphan's code is used by nobody else: "claim" is still reported because ana used it.
    assert!(report.codes.iter().any(|c| c.id == "claim"));
}

#[test]
fn disagreements_are_classified_with_spans() {
    let doc = speech();
    let ana = vec![
        on(&doc, "fix the bridge", "demand"),
        on(&doc, "We demand lower fares.", "demand"),
        on(&doc, "Thank you", "claim"),
        on(&doc, "Dear neighbours", "claim"),
    ];
    let ben = vec![
        on(&doc, "fix the bridge", "demand"),
        on(&doc, "lower fares", "demand"),
        on(&doc, "Thank you", "demand"),
        on(&doc, "Zoë Brînzei", "claim"),
    ];
    let found = agree::disagreements(&doc, &[("ana".into(), ana), ("ben".into(), ben)]);
    let kinds: Vec<(DisagreementKind, &str)> = found.iter().map(|d| (d.kind, doc.slice(d.span))).collect();
    assert_eq!(
        kinds,
        vec![
            (DisagreementKind::OnlyOneCoder, "Dear neighbours"),
            (DisagreementKind::DifferentBoundaries, "We demand lower fares."),
            (DisagreementKind::SameSpanDifferentCode, "Thank you"),
            (DisagreementKind::OnlyOneCoder, "Zoë Brînzei"),
        ]
    );
    assert!(found[0].a.is_some() && found[0].b.is_none());
    assert!(found[3].a.is_none() && found[3].b.is_some());
    assert_eq!(found[1].b.as_ref().map(|s| doc.slice(s.span)), Some("lower fares"));
    assert!(found.iter().all(|d| d.coder_a == "ana" && d.coder_b == "ben"));
}

#[test]
fn answer_key_scoring() {
    let doc = speech();
    let cb = codebook(&["demand", "claim"]);
    let mut missed = on(&doc, "Thank you", "claim");
    missed.note = "A closing courtesy <still> counts as a claim & a signal.".into();
    let key = vec![on(&doc, "fix the bridge", "demand"), on(&doc, "We demand lower fares.", "demand"), missed];
    let student = vec![on(&doc, "the bridge 🌉 now", "demand"), on(&doc, "Dear neighbours", "claim")];
    let s = agree::score(&doc, &key, &student, &cb);
    assert_eq!((s.total.found, s.total.missed, s.total.extra), (1, 2, 1));
    assert!((s.total.precision.value().unwrap() - 0.5).abs() < TOL);
    assert!((s.total.recall.value().unwrap() - 1.0 / 3.0).abs() < TOL);
    assert!((s.total.score.value().unwrap() - 100.0 * 2.0 / 5.0).abs() < TOL);
    let demand = s.per_code.iter().find(|c| c.code == "demand").unwrap();
    assert_eq!((demand.found, demand.missed, demand.extra), (1, 1, 0));
    assert_eq!(s.missed.iter().map(|m| m.exact.as_str()).collect::<Vec<_>>(), vec!["We demand lower fares.", "Thank you"]);
    assert_eq!(s.extra[0].exact, "Dear neighbours");

    let report = agree::ClassReport::new(&doc, "teacher", &key, &[("Zoë".into(), student)], &cb);
    let html = report.to_html(&doc);
    assert!(html.contains("A closing courtesy &lt;still&gt; counts as a claim &amp; a signal."));
    assert!(!html.contains("<still>"));
    let csv = report.to_csv().unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let first = rows.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "Zoë");
    assert_eq!(&first[1], "all");
    assert_eq!(&first[8], "40.0");
}

#[test]
fn a_sidecar_of_another_text_is_refused_and_a_changed_text_is_reanchored() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("speech.txt");
    std::fs::write(&doc_path, speech().text()).unwrap();
    let doc = Document::open(&doc_path).unwrap();
    let cb = codebook(&["demand", "claim"]);

    let other = Document::from_text("A letter about gardening, tulips and early frost in Örebro.");
    let foreign = write_sidecar(dir.path(), "foreign.ron", &other, "kim", &cb, vec![on(&other, "tulips", "claim")]);
    let err = agree::load_coder(&doc, &foreign).unwrap_err();
    assert!(err.to_string().contains("another text"), "{err}");

    // An older version of the same speech: its annotations are re-anchored and count.
    let older = Document::from_text(speech().text().replacen("Dear neighbours", "Neighbours", 1));
    let moved = write_sidecar(dir.path(), "older.ron", &older, "lee", &cb, vec![on(&older, "lower fares", "demand")]);
    let loaded = agree::load_coder(&doc, &moved).unwrap();
    assert_eq!(loaded.report.reanchored, 1);
    assert_eq!(doc.slice(loaded.annotations[0].span()), "lower fares");
}

fn write_sidecar(dir: &Path, name: &str, doc: &Document, coder: &str, cb: &Codebook, anns: Vec<Annotation>) -> PathBuf {
    let path = dir.join(name);
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    sidecar::save(&path, &Sidecar::new(doc_ref, coder, cb.clone(), anns), None).unwrap();
    path
}

fn arb_coder(len: usize) -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    prop::collection::vec((0..len, 1..12usize, 0..3usize), 0..6)
}

fn build(doc: &Document, marks: &[(usize, usize, usize)]) -> Vec<Annotation> {
    let codes = ["claim", "demand", "praise"];
    marks.iter().map(|&(s, l, c)| ann(doc, s, (s + l).min(doc.len_chars()), codes[c])).collect()
}

fn close(a: &Measure, b: &Measure) -> bool {
    match (a.value(), b.value()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_coder_agrees_with_itself(marks in arb_coder(40)) {
        let doc = Document::from_text(text_of(40));
        let cb = codebook(&["claim", "demand", "praise"]);
        let a = build(&doc, &marks);
        let report = agree::compute(&doc, &[("x".into(), a.clone()), ("y".into(), a)], &cb);
        for p in &report.pairs {
            for m in [&p.f1_exact, &p.f1_overlap, &p.cohen_kappa] {
                if let Some(v) = m.value() { prop_assert!((v - 1.0).abs() < 1e-9, "{p:?}"); }
            }
        }
        for o in &report.overall {
            for m in [&o.fleiss_kappa, &o.krippendorff_alpha, &o.alpha_u] {
                if let Some(v) = m.value() { prop_assert!((v - 1.0).abs() < 1e-9, "{o:?}"); }
            }
        }
        // With any annotation at all, F1 is defined.
        if !marks.is_empty() {
            prop_assert!(report.pair("x", "y", ALL).unwrap().f1_overlap.is_defined());
        }
    }

    #[test]
    fn statistics_are_symmetric_in_coders(a in arb_coder(50), b in arb_coder(50), c in arb_coder(50)) {
        let doc = Document::from_text(text_of(50));
        let cb = codebook(&["claim", "demand", "praise"]);
        let (a, b, c) = (build(&doc, &a), build(&doc, &b), build(&doc, &c));
        let forward = agree::compute(&doc, &[("a".into(), a.clone()), ("b".into(), b.clone()), ("c".into(), c.clone())], &cb);
        let backward = agree::compute(&doc, &[("c".into(), c), ("b".into(), b), ("a".into(), a)], &cb);
        for p in &forward.pairs {
            let q = backward.pair(&p.coder_b, &p.coder_a, &p.code).unwrap();
            prop_assert!(close(&p.f1_exact, &q.f1_exact) && close(&p.f1_overlap, &q.f1_overlap), "{p:?} vs {q:?}");
            prop_assert!(close(&p.cohen_kappa, &q.cohen_kappa), "{p:?} vs {q:?}");
        }
        for o in &forward.overall {
            let q = backward.overall(&o.code).unwrap();
            prop_assert!(close(&o.fleiss_kappa, &q.fleiss_kappa), "{o:?} vs {q:?}");
            prop_assert!(close(&o.krippendorff_alpha, &q.krippendorff_alpha), "{o:?} vs {q:?}");
            prop_assert!(close(&o.alpha_u, &q.alpha_u), "{o:?} vs {q:?}");
        }
    }
}

// --- the command line ---

struct Class {
    _dir: tempfile::TempDir,
    doc: PathBuf,
    ana: PathBuf,
    ben: PathBuf,
    cleo: PathBuf,
    key: PathBuf,
    dir: PathBuf,
}

fn class() -> Class {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("speech.txt");
    std::fs::write(&doc_path, speech().text()).unwrap();
    let doc = Document::open(&doc_path).unwrap();
    let cb = codebook(&["demand", "claim"]);
    let ana = write_sidecar(
        dir.path(),
        "speech.txt.ana.annotations.ron",
        &doc,
        "ana",
        &cb,
        vec![on(&doc, "fix the bridge", "demand"), on(&doc, "We demand lower fares.", "demand"), on(&doc, "Thank you", "claim")],
    );
    let ben = write_sidecar(
        dir.path(),
        "speech.txt.ben.annotations.ron",
        &doc,
        "ben",
        &cb,
        vec![on(&doc, "fix the bridge", "demand"), on(&doc, "lower fares", "demand")],
    );
    let cleo =
        write_sidecar(dir.path(), "speech.txt.cleo.annotations.ron", &doc, "Cléo", &cb, vec![on(&doc, "the bridge", "demand")]);
    let mut feedback = on(&doc, "Thank you", "claim");
    feedback.note = "Even thanks <em>asserts</em> something & deserves a code.".into();
    let key = write_sidecar(
        dir.path(),
        "speech.txt.key.annotations.ron",
        &doc,
        "teacher",
        &cb,
        vec![on(&doc, "fix the bridge", "demand"), on(&doc, "We demand lower fares.", "demand"), feedback],
    );
    let path = dir.path().to_path_buf();
    Class { _dir: dir, doc: doc_path, ana, ben, cleo, key, dir: path }
}

fn marginalia(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_agree_prints_a_table_and_json() {
    let c = class();
    let (code, out, err) =
        marginalia(&["agree".as_ref(), c.doc.as_os_str(), c.ana.as_os_str(), c.ben.as_os_str(), c.cleo.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 coders"), "{out}");
    assert!(out.contains("ana / ben"), "{out}");
    assert!(out.contains("KRIPPENDORFF α"), "{out}");
    assert!(out.contains("Code demand"), "{out}");

    let (code, out, err) = marginalia(&[
        "agree".as_ref(),
        c.doc.as_os_str(),
        c.ana.as_os_str(),
        c.ben.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let all = json["pairs"].as_array().unwrap().iter().find(|p| p["code"] == "all").unwrap();
    assert_eq!(all["coder_a"], "ana");
    assert_eq!(all["coder_b"], "ben");
    // ana: 3, ben: 2; one exact match, two by overlap.
    assert!((all["f1_exact"].as_f64().unwrap() - 2.0 / 5.0).abs() < TOL);
    assert!((all["f1_overlap"].as_f64().unwrap() - 4.0 / 5.0).abs() < TOL);
    assert!(all["cohen_kappa"].is_number());
    let overall = json["overall"].as_array().unwrap();
    assert!(overall.iter().any(|o| o["code"] == "all" && o["krippendorff_alpha"].is_number() && o["alpha_u"].is_number()));
    assert!(overall.iter().any(|o| o["code"] == "demand"));
}

#[test]
fn cli_agree_refuses_one_sidecar_and_a_foreign_one() {
    let c = class();
    let (code, _, err) = marginalia(&["agree".as_ref(), c.doc.as_os_str(), c.ana.as_os_str()]);
    assert_eq!(code, 2);
    assert!(err.contains("at least two sidecars"), "{err}");

    let other = Document::from_text("Minutes of the allotment society, Åsa Lindqvist presiding.");
    let foreign = write_sidecar(
        &c.dir,
        "other.annotations.ron",
        &other,
        "kim",
        &codebook(&["claim"]),
        vec![on(&other, "allotment", "claim")],
    );
    let (code, _, err) = marginalia(&["agree".as_ref(), c.doc.as_os_str(), c.ana.as_os_str(), foreign.as_os_str()]);
    assert_eq!(code, 2);
    assert!(err.contains("other.annotations.ron") && err.contains("another text"), "{err}");
}

#[test]
fn cli_class_report_with_key_writes_html_and_csv() {
    let c = class();
    let html = c.dir.join("report.html");
    let csv_path = c.dir.join("report.csv");
    let (code, out, err) = marginalia(&[
        "agree".as_ref(),
        c.doc.as_os_str(),
        "--key".as_ref(),
        c.key.as_os_str(),
        c.ana.as_os_str(),
        c.ben.as_os_str(),
        c.cleo.as_os_str(),
        "--report-html".as_ref(),
        html.as_os_str(),
        "--report-csv".as_ref(),
        csv_path.as_os_str(),
    ]);
    assert_eq!(code, 0, "{err}");
    // ana matches the key exactly; ben misses "Thank you"; Cléo finds one of three.
    let line = |name: &str| out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {out}")).to_owned();
    assert!(line("ana ").contains("100.0%"), "{out}");
    assert!(line("ben ").contains("80.0%"), "{out}");
    assert!(line("Cléo").contains("50.0%"), "{out}");

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Even thanks &lt;em&gt;asserts&lt;/em&gt; something &amp; deserves a code."), "{page}");
    assert!(!page.contains("<script") && !page.contains("http"));

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cleo_all = rows.iter().find(|r| &r[0] == "Cléo" && &r[1] == "all").unwrap();
    assert_eq!((&cleo_all[3], &cleo_all[4], &cleo_all[5], &cleo_all[8]), ("1", "2", "0", "50.0"));
}

#[test]
fn cli_reports_orphans_and_leaves_them_out() {
    let c = class();
    let cb = codebook(&["demand", "claim"]);
    // Made on a draft that had a sentence the final speech dropped.
    let draft = Document::from_text(format!("{}\r\nBring back the night tram!", speech().text()));
    let dana = write_sidecar(
        &c.dir,
        "speech.txt.dana.annotations.ron",
        &draft,
        "dana",
        &cb,
        vec![on(&draft, "fix the bridge", "demand"), on(&draft, "Bring back the night tram!", "demand")],
    );
    let (code, out, err) = marginalia(&["agree".as_ref(), c.doc.as_os_str(), c.ben.as_os_str(), dana.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dana: 1 annotation(s) (1 orphaned left out)"), "{out}");
    assert!(out.contains("1 annotation(s) of dana were not found") && out.contains("Bring back the night tram!"), "{out}");
    let (_, json, _) = marginalia(&[
        "agree".as_ref(),
        c.doc.as_os_str(),
        c.ben.as_os_str(),
        dana.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let all = json["pairs"].as_array().unwrap().iter().find(|p| p["code"] == "all").unwrap().clone();
    // ben: 2 demands; dana: 1 counted, exactly one of ben's.
    assert_eq!((all["count_a"].as_u64(), all["count_b"].as_u64(), all["matched_exact"].as_u64()), (Some(2), Some(1), Some(1)));
}
