//! Find in folder in the real app: plain text and whole words find different matches; the
//! ticked matches are tagged with one code, the open document's as one undo step that Undo
//! takes back, another document's written to its sidecar on disk and taken back from the window
//! without touching what was coded there since (egui_kittest).

#![cfg(feature = "gui")]

use crate::gui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gui_support::{step_until, step_until_shown};
use marginalia::autocode::SearchMode;
use marginalia::sidecar;
use marginalia::ui::{App, Settings};

fn demands(app: &App) -> usize {
    app.session().map_or(0, |s| s.edits.annotations().iter().filter(|a| a.code == "demand").count())
}

/// The app as "ana" on the folder `d`, its first document open and Find in folder shown.
fn find_in_folder_on(d: &std::path::Path) -> Harness<'static, App> {
    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(d);
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    step_until(&mut harness, "the first document opening", |h| h.state().session().is_some());
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Find in folder").click();
    harness.run_steps(2);
    harness
}

#[test]
fn ticked_matches_are_tagged_and_undo_takes_the_open_documents_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let harbour = d.join("harbour.txt");
    let market = d.join("market.txt");
    std::fs::write(&harbour, "Residents want lower rents. The parents agree: rents are too high.\n").unwrap();
    std::fs::write(&market, "Traders pay rents to the council.\nNobody asked the parents.\n").unwrap();

    let mut harness = find_in_folder_on(d);

    // Plain text finds "rents" inside "parents" too; whole words does not.
    harness.state_mut().find_folder_mut().text = "rents".into();
    harness.run_steps(1);
    harness.get_by_label("Find matches").click();
    step_until_shown(&mut harness, "5 match(es) in 2 document(s)");
    harness.state_mut().find_folder_mut().mode = SearchMode::WholeWords;
    harness.run_steps(1);
    harness.get_by_label("Find matches").click();
    step_until_shown(&mut harness, "3 match(es) in 2 document(s)");

    // Untick the second match in the open document, then tag the other two.
    harness.get_by_label("Select none").click();
    harness.run_steps(1);
    harness.get_by_label("Select all").click();
    harness.run_steps(1);
    let second = &harness.state_mut().find_folder_mut().hits[1].0;
    assert_eq!((second.document.as_path(), second.after.as_str()), (harbour.as_path(), " are too high."));
    harness.state_mut().find_folder_mut().hits[1].1 = false;
    harness.run_steps(1);
    harness.state_mut().find_folder_mut().code = Some("demand".into());
    harness.run_steps(1);
    // The other document's marks go into ana's own sidecar of it.
    let market_sidecar = marginalia::coder::sidecar_for(&market, &harness.state().person());
    harness.get_by_label("Tag 2 selected").click();
    step_until(&mut harness, "the other document's sidecar written", |_| {
        sidecar::load(&market_sidecar).ok().flatten().is_some_and(|l| l.sidecar.annotations.len() == 1)
    });
    let on_disk = sidecar::load(&market_sidecar).unwrap().unwrap().sidecar;
    assert_eq!((on_disk.annotations[0].exact.as_str(), on_disk.annotations[0].code.as_str()), ("rents", "demand"));
    assert_eq!(demands(harness.state()), 1, "the open document has the one ticked match");
    let tagged = &harness.state().session().unwrap().edits.annotations()[0];
    assert_eq!((tagged.start, tagged.end), (21, 26), "\"rents\" in \"lower rents.\"");

    // One undo step takes the open document's tagging back; the other document keeps its own.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert_eq!(demands(harness.state()), 0);
    assert_eq!(sidecar::load(&market_sidecar).unwrap().unwrap().sidecar.annotations.len(), 1);

    // Meanwhile someone codes market.txt (an edit the undo must leave alone); then the window's
    // undo takes back exactly what the tagging added there.
    // (written into the same file, as a sync tool or a second window would)
    let mut other = marginalia::Session::open(&market, Some(&market_sidecar), "bruno").unwrap();
    let council = other.doc.text().find("the council").unwrap();
    let span = marginalia::Span::new(council, council + "the council".len());
    let kept = marginalia::Annotation::new(&other.doc, span, "opinion", "bruno");
    other.apply(marginalia::Action::Add(kept.clone())).unwrap();
    other.save().unwrap();
    harness.get_by_label("Undo tagging in 1 other document(s)").click();
    step_until_shown(&mut harness, "removed 1 passage(s) from 1 other document(s)");
    let on_disk = sidecar::load(&market_sidecar).unwrap().unwrap().sidecar;
    assert_eq!(on_disk.annotations, vec![kept], "only the tagged passage is gone");
    assert!(harness.query_by_label_contains("Undo tagging").is_none(), "nothing more to undo");
    assert_eq!(demands(harness.state()), 0, "the open document is untouched");
}

/// Tagging a document that had no sidecar makes one; undoing the tagging takes it away again
/// instead of leaving an empty file behind.
#[test]
fn undoing_the_tagging_of_a_document_without_a_sidecar_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("harbour.txt"), "Residents want lower rents.\n").unwrap();
    let market = d.join("market.txt");
    std::fs::write(&market, "Traders pay rents to the council.\n").unwrap();
    let mut harness = find_in_folder_on(d);
    harness.state_mut().find_folder_mut().text = "rents".into();
    harness.run_steps(1);
    harness.get_by_label("Find matches").click();
    step_until_shown(&mut harness, "2 match(es) in 2 document(s)");
    harness.state_mut().find_folder_mut().code = Some("demand".into());
    harness.run_steps(1);
    let market_sidecar = marginalia::coder::sidecar_for(&market, &harness.state().person());
    assert!(!market_sidecar.exists());
    harness.get_by_label("Tag 2 selected").click();
    step_until(&mut harness, "market.txt's sidecar written", |_| market_sidecar.exists());
    harness.get_by_label("Undo tagging in 1 other document(s)").click();
    step_until_shown(&mut harness, "removed 1 passage(s) from 1 other document(s)");
    assert!(!market_sidecar.exists(), "no empty sidecar is left behind");
    let left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("market.txt.") && !n.ends_with(".bak"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
