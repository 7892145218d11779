//! A sidecar that a git merge left with two versions of one annotation, opened in the real app:
//! the panel lists the pair, "Keep this one" keeps one version without its mark (on disk after
//! autosave), and Undo brings both back (egui_kittest).

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until_shown, wait_for_disk};

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::{App, Settings};
use marginalia::{Annotation, Codebook, Conflict, Document, Span};

const TEXT: &str = "The ferry must run every hour.\nResidents want cheaper fares before the winter.\n";

#[test]
fn a_merge_conflict_is_listed_settled_by_keeping_one_version_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("ferry.txt");
    std::fs::write(&doc_path, TEXT).unwrap();
    let doc = Document::from_text(TEXT);
    let start = TEXT.find("Residents").unwrap();
    let mut base_ann = Annotation::new(&doc, Span::new(start, start + "Residents want cheaper fares".len()), "demand", "ana");
    base_ann.note = "fares".into();
    let doc_ref = DocumentRef { file_name: "ferry.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let sidecar_of = |a: Annotation| Sidecar::new(doc_ref.clone(), "ana", Codebook::default(), vec![a]);
    let base = sidecar_of(base_ann.clone());
    let ours = sidecar_of(Annotation { note: "fares doubled in 2023".into(), ..base_ann.clone() });
    let theirs = sidecar_of(Annotation { note: "ask the ferry company".into(), coder: "bruno".into(), ..base_ann.clone() });
    let (merged, report) = marginalia::merge::merge(Some(&base), &ours, &theirs);
    assert_eq!(report.conflicts.len(), 1);
    std::fs::write(sidecar::default_path(&doc_path), merged.to_ron()).unwrap();

    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(&doc_path);
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    // One annotation changed on both sides: one conflict, in two versions.
    step_until_shown(&mut harness, "Merge conflicts (1)");
    // Both versions are shown side by side, with their notes and coders.
    harness.get_by_label("Note: fares doubled in 2023");
    harness.get_by_label("Note: ask the ferry company");
    harness.get_by_label_contains("Coder: bruno");

    // Keep the second version (bruno's, under the id the merge gave it).
    // The pair is shown in the order the annotations are kept (position, then id).
    let first_is_bruno = harness.state().session().unwrap().edits.annotations()[0].coder == "bruno";
    let keep =
        harness.query_all_by_label("Keep this one").nth(if first_is_bruno { 0 } else { 1 }).expect("a button for each version");
    keep.click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Merge conflicts").is_none(), "the section goes once settled");
    let saved = wait_for_disk(&mut harness, &doc_path, |s| s.annotations.len() == 1);
    assert_eq!(saved.annotations[0].note, "ask the ferry company");
    assert_eq!(saved.annotations[0].conflict, None, "the kept version has no mark");
    let text = std::fs::read_to_string(sidecar::default_path(&doc_path)).unwrap();
    assert!(!text.contains("conflict"), "{text}");

    // One undo brings both versions back, still marked.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    step_until_shown(&mut harness, "Merge conflicts (1)");
    let saved = wait_for_disk(&mut harness, &doc_path, |s| s.annotations.len() == 2);
    let marks: Vec<Option<Conflict>> = saved.annotations.iter().map(|a| a.conflict).collect();
    assert!(marks.iter().all(|m| matches!(m, Some(Conflict::ChangedOnBothSides(_)))), "{marks:?}");
}
