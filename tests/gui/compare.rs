//! The compare view of the real app, driven like a user would: two coders' sidecars written
//! through the core API, the disagreement list, jumping to a passage, adjudication into the
//! gold sidecar with undo, the agreement grid and answer-key scoring (egui_kittest, no GPU).

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_shown};

use std::path::{Path, PathBuf};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::agree::ALL;
use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::compare::gold_path;
use marginalia::ui::{App, Settings};

const LETTER: &str = "Dear members of the Vallorca rowing club 🚣,\r\n\
At the spring meeting Zoë Łukasik said the boathouse roof “will not last another winter” — and she is right.\r\n\
We ask the board to repair the roof before October.\r\n\
Nobody wants another season of buckets on the floor.\r\n";

const DEMAND: &str = "We ask the board to repair the roof before October.";
const OPINION: &str = "Nobody wants another season of buckets on the floor.";

fn span_of(doc: &Document, needle: &str) -> Span {
    let start = doc.text()[..doc.text().find(needle).unwrap()].chars().count();
    Span::new(start, start + needle.chars().count())
}

fn write_coder(doc_path: &Path, doc: &Document, coder: &str, marks: &[(&str, &str, &str)]) -> PathBuf {
    let annotations: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code, note)| {
            let mut a = Annotation::new(doc, span_of(doc, quote), code, coder);
            a.note = (*note).to_owned();
            a
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let path = sidecar::coder_path(doc_path, coder);
    sidecar::save(&path, &Sidecar::new(doc_ref, coder, Codebook::default(), annotations), None).unwrap();
    path
}

/// A letter coded by Ana (a demand and an opinion) and Ben (the demand's passage as a factual
/// assertion, nothing else).
fn setup() -> (tempfile::TempDir, PathBuf, Document) {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("letter.txt");
    std::fs::write(&doc_path, LETTER).unwrap();
    let doc = Document::open(&doc_path).unwrap();
    write_coder(&doc_path, &doc, "ana", &[(DEMAND, "demand", "Repair before October"), (OPINION, "opinion", "Mood of members")]);
    write_coder(&doc_path, &doc, "ben", &[(DEMAND, "factual-assertion", "")]);
    (dir, doc_path, doc)
}

fn open_compare(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    let mut harness = crate::gui_support::harness(app, 1400.0, 1200.0);
    harness.run_steps(2);
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Compare coders").click();
    // The coders' sidecars are read in the background; the view opens when they are in.
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    harness
}

fn gold_on_disk(doc: &Path) -> Vec<Annotation> {
    sidecar::load(&gold_path(doc)).unwrap().map(|l| l.sidecar.annotations).unwrap_or_default()
}

#[test]
fn disagreement_jump_accept_undo_and_agreement() {
    let (_dir, doc_path, doc) = setup();
    let mut harness = open_compare(&doc_path);
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben"]);

    // The disagreement on the same passage, and the passage only Ana marked.
    let demand = span_of(&doc, DEMAND);
    harness.get_by_label_contains("same passage, different code — ana: Demand / ben: Factual assertion");
    harness.get_by_label_contains("marked by one coder only — ana: Opinion or value judgement / ben: —");

    // Clicking it brings the passage into view in the document.
    harness.get_by_label_contains("same passage, different code").click();
    harness.step();
    let flash = harness.state().doc_view().flash.map(|(s, _)| s);
    assert_eq!(flash, Some(demand), "the document flashes the disputed passage");

    // Accept Ana's reading into gold: the gold sidecar on disk has it.
    harness.get_all_by_label("Accept ana's").next().unwrap().click();
    step_until(&mut harness, "saving gold", |_| !gold_on_disk(&doc_path).is_empty());
    let gold = gold_on_disk(&doc_path);
    assert_eq!(gold.len(), 1);
    assert_eq!(gold[0].code, "demand");
    assert_eq!(gold[0].exact, DEMAND);
    assert_eq!(gold[0].note, "Repair before October");
    assert_eq!(gold[0].coder, "gold");
    harness.get_by_label("✔ ana's in gold");

    // Ctrl+Z in the compare view undoes the adjudication, on disk too; the document's own
    // annotations are untouched.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    step_until(&mut harness, "undo removed the accepted annotation from the gold sidecar", |_| {
        gold_on_disk(&doc_path).is_empty()
    });
    assert!(harness.state().session().unwrap().edits.annotations().is_empty());
    // The button redoes nothing more than was undone, and Undo gold undoes it again.
    harness.get_by_label("Redo gold").click();
    step_until(&mut harness, "redo", |_| gold_on_disk(&doc_path).len() == 1);
    harness.get_by_label("Undo gold").click();
    step_until(&mut harness, "undo", |_| gold_on_disk(&doc_path).is_empty());

    // The agreement grid shows a number for all codes.
    harness.get_by_label("Agreement").click();
    harness.run_steps(2);
    let alpha = {
        let view = harness.state().compare().unwrap();
        let data = view.data.as_ref().unwrap();
        data.report.overall(ALL).unwrap().krippendorff_alpha.value().expect("alpha over all codes is defined")
    };
    assert!(alpha < 1.0, "the coders disagree, so alpha is below 1: {alpha}");
    assert!(harness.get_all_by_label(&format!("{alpha:.2}")).count() >= 1, "the grid shows alpha for all codes");
    // F1 between coders reads as a percentage.
    assert!(harness.query_all_by_label_contains(" %").count() >= 1, "F1 shows as a percentage");
    assert!(harness.get_all_by_label("all codes").count() >= 2, "rows for all codes in both grids");
    harness.get_by_label_contains("Bar chart of Krippendorff's alpha by code: all codes");
}

#[test]
fn a_sidecar_of_another_text_is_refused_with_the_reason() {
    let (dir, doc_path, _doc) = setup();
    let other_path = dir.path().join("minutes.txt");
    std::fs::write(&other_path, "Minutes of the harbour committee, 3 March — the café stays open.\n").unwrap();
    let other = Document::open(&other_path).unwrap();
    let foreign = write_coder(&other_path, &other, "cleo", &[("the café stays open", "prediction", "")]);
    let mut harness = open_compare(&doc_path);
    harness.get_by_label("Sidecar path to add").focus();
    harness.get_by_label("Sidecar path to add").type_text(&foreign.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Add").click();
    // The sidecar is read in the background; the reason shows when it is in.
    step_until_shown(&mut harness, "was made for another text (\"minutes.txt\"");
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben"], "the foreign sidecar is not compared");
}

#[test]
fn scoring_against_a_key_marks_misses_with_the_keys_note() {
    let (_dir, doc_path, _doc) = setup();
    let mut harness = open_compare(&doc_path);
    harness.get_by_label("Answer key").click();
    harness.run_steps(2);
    harness.get_by_label("ana").click();
    harness.run_steps(2);
    {
        let data = harness.state().compare().unwrap().data.as_ref().unwrap();
        assert_eq!(data.scores.len(), 1);
        let (name, score) = &data.scores[0];
        assert_eq!(name, "ben");
        assert_eq!((score.total.found, score.total.missed, score.total.extra), (0, 2, 1));
    }
    harness.get_by_label("Text").click();
    harness.run_steps(2);
    let missed = harness.get_by_label("missed: ben (Demand)");
    missed.hover();
    // Tooltips appear after a short delay.
    harness.run_steps(60);
    harness.get_by_label_contains("Key's note: Repair before October");
    harness.get_by_label("extra: ben (Factual assertion)");
}

/// A coder's own code whose name the gold codebook already has (another id, the same name) is
/// accepted into gold under a free name, instead of failing on the duplicate name.
#[test]
fn accepting_a_code_whose_name_gold_has_gets_a_free_name() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("letter.txt");
    std::fs::write(&doc_path, LETTER).unwrap();
    let doc = Document::open(&doc_path).unwrap();
    // Ana's codebook calls her "request" code "Demand", the name the default codebook gives
    // the code "demand".
    let mut codebook = Codebook::default();
    codebook.code_mut("demand").unwrap().id = "request".into();
    let annotations = vec![Annotation::new(&doc, span_of(&doc, DEMAND), "request", "ana")];
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    sidecar::save(&sidecar::coder_path(&doc_path, "ana"), &Sidecar::new(doc_ref, "ana", codebook, annotations), None).unwrap();
    write_coder(&doc_path, &doc, "ben", &[(OPINION, "opinion", "")]);

    let mut harness = open_compare(&doc_path);
    harness.get_all_by_label("Accept ana's").next().unwrap().click();
    step_until(&mut harness, "saving gold", |_| sidecar::load(&gold_path(&doc_path)).unwrap().is_some());
    let message = harness.state().compare().unwrap().message.clone();
    assert!(message.as_ref().is_some_and(|(_, is_error)| !is_error), "accepted without an error: {message:?}");
    let gold = sidecar::load(&gold_path(&doc_path)).unwrap().unwrap().sidecar;
    assert_eq!(gold.annotations.len(), 1);
    assert_eq!(gold.annotations[0].code, "request");
    assert_eq!(gold.codebook.code("request").unwrap().name, "Demand (2)");
    assert_eq!(gold.codebook.code("demand").unwrap().name, "Demand");
}

/// What an earlier adjudication left in the gold sidecar is there when the view opens, and a
/// coder whose sidecar arrives while the view is open is offered after Rescan: both are read
/// in the background, and ticking the new coder reads nothing again.
#[test]
fn an_earlier_gold_shows_and_rescan_offers_a_coder_who_arrived_later() {
    let (_dir, doc_path, doc) = setup();
    write_coder(&doc_path, &doc, "gold", &[(OPINION, "opinion", "")]);
    let mut harness = open_compare(&doc_path);
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben"], "gold is offered, not selected");
    harness.get_by_label("Gold").click();
    harness.run_steps(2);
    harness.get_by_label("1 annotations in gold");

    write_coder(&doc_path, &doc, "cleo", &[(DEMAND, "demand", ""), (OPINION, "opinion", "")]);
    assert!(harness.query_by_label_contains("cleo (2)").is_none());
    harness.get_by_label("Rescan").click();
    step_until(&mut harness, "cleo is offered", |h| h.query_by_label_contains("cleo (2)").is_some());
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben", "cleo"], "a coder found later is selected");
    // Unticking and ticking again works from what was read.
    std::fs::remove_file(sidecar::coder_path(&doc_path, "cleo")).unwrap();
    harness.get_by_label_contains("cleo (2)").click();
    harness.run_steps(2);
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben"]);
    harness.get_by_label_contains("cleo (2)").click();
    harness.run_steps(2);
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben", "cleo"]);
}

const NOTICE: &str = "The roof leaked in March and again in May.";
const CALL: &str = "Repair the roof before October.";
const MOOD: &str = "The members are tired of buckets.";
const DOUBT: &str = "The roof held well enough all summer.";

/// One coder's four annotations (the same passages and codes for everyone) and links between
/// them, each (origin, target, type) by quote.
fn write_linked_coder(doc_path: &Path, doc: &Document, coder: &str, links: &[(&str, &str, &str)]) {
    let marks = [(NOTICE, "factual-assertion"), (CALL, "demand"), (MOOD, "opinion"), (DOUBT, "opinion")];
    let annotations: Vec<Annotation> = marks.iter().map(|(q, code)| Annotation::new(doc, span_of(doc, q), code, coder)).collect();
    let id = |q: &str| annotations.iter().find(|a| a.exact == q).unwrap().id;
    let links = links.iter().map(|(from, to, kind)| marginalia::Link::new(kind, id(from), id(to), coder)).collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let mut side = Sidecar::new(doc_ref, coder, Codebook::default(), annotations);
    side.links = links;
    sidecar::save(&sidecar::coder_path(doc_path, coder), &side, None).unwrap();
}

#[test]
fn link_agreement_per_type_in_the_agreement_tab() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("notice.txt");
    std::fs::write(&doc_path, format!("{NOTICE}\n{CALL}\n{MOOD}\n{DOUBT}\n")).unwrap();
    let doc = Document::open(&doc_path).unwrap();
    // Both agree the leak is evidence for the call and the doubt attacks it; Ana reads the mood
    // as support, Ben as an attack.
    write_linked_coder(
        &doc_path,
        &doc,
        "ana",
        &[(NOTICE, CALL, "evidence-for"), (MOOD, CALL, "supports"), (DOUBT, CALL, "attacks")],
    );
    write_linked_coder(
        &doc_path,
        &doc,
        "ben",
        &[(NOTICE, CALL, "evidence-for"), (MOOD, CALL, "attacks"), (DOUBT, CALL, "attacks")],
    );
    let mut harness = open_compare(&doc_path);
    harness.get_by_label("Agreement").click();
    harness.run_steps(3);
    // By hand, Ana as reference: evidence for 1 of 1 each way; supports: Ben drew none, so
    // precision is undefined, recall 0/1; attacks: 1 of Ben's 2 matches one of Ana's 1, so
    // precision 1/2, recall 1/1, F1 2·1/3; all types: 2 of 3 each way.
    for row in [
        "ana × ben, All link types: precision 67 %, recall 67 %, F1 67 %",
        "ana × ben, Supports: precision undefined, recall 0 %, F1 0 %",
        "ana × ben, Attacks: precision 50 %, recall 100 %, F1 67 %",
        "ana × ben, Evidence for: precision 100 %, recall 100 %, F1 100 %",
    ] {
        harness.get_by_label(row);
    }
    // The same figures as `marginalia agree` computes.
    let report = &harness.state().compare().unwrap().data.as_ref().unwrap().report;
    let attacks = report.links.iter().find(|l| l.link_type == "attacks").unwrap();
    assert_eq!((attacks.count_a, attacks.count_b, attacks.matched_exact), (1, 2, 1));
}
