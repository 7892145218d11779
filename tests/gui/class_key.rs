//! The answer key from the app: a teacher names it in the class dashboard, marks as the key,
//! and what they marked is what `marginalia class grade` grades against; a key with no marks
//! yet is said so in the dashboard (egui_kittest, then the real binary).

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_shown, wait_for_disk};

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::doc_view::Selection;
use marginalia::ui::{App, Settings};

const TEXT: &str = "The new bike lanes cut accidents by half.\nThe city must build more of them.\n";
const DEMAND: &str = "The city must build more of them.";

/// A class folder as `class key` leaves a fresh one (no key named yet), with one student.
fn fresh_class() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    std::fs::create_dir(&class).unwrap();
    let text = class.join("bike-lanes.txt");
    std::fs::write(&text, TEXT).unwrap();
    std::fs::write(class.join("class.ron"), marginalia::io::to_ron_pretty(&marginalia::class::ClassManifest::new())).unwrap();
    let doc = Document::open(&text).unwrap();
    let start = doc.char_of(doc.text().find(DEMAND).unwrap());
    let mark = Annotation::new(&doc, Span::new(start, start + DEMAND.chars().count()), "demand", "lena");
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    sidecar::save(&sidecar::coder_path(&text, "lena"), &Sidecar::new(doc_ref, "lena", Codebook::default(), vec![mark]), None)
        .unwrap();
    (dir, class, text)
}

fn dashboard(class: &Path) -> Harness<'static, App> {
    let mut app = App::new(Settings { coder: "Ms Okafor".into(), ..Settings::default() }, None);
    app.open(class);
    let mut harness = crate::gui_support::harness(app, 1400.0, 1100.0);
    step_until(&mut harness, "the class manifest is read", |h| h.state().class_info().is_some());
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Class dashboard…").click();
    step_until_shown(&mut harness, "Answer key");
    harness
}

fn marginalia(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_marginalia")).args(args).output().unwrap()
}

#[test]
fn a_key_named_and_marked_in_the_app_is_graded() {
    let (_dir, class, text) = fresh_class();
    let mut harness = dashboard(&class);
    step_until_shown(&mut harness, "No answer key is named yet.");

    // Name the key in the dashboard.
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Answer key's name").focus();
    harness.run_steps(1);
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Answer key's name").type_text("okafor");
    harness.run_steps(1);
    harness.get_by_label("Name the key").click();
    step_until(&mut harness, "class.ron names the key", |_| {
        marginalia::class::load_class(&class).unwrap().unwrap().key.as_deref() == Some("okafor")
    });
    step_until_shown(&mut harness, "Answer key: okafor");
    // It has no marks yet, and the dashboard says so rather than show an empty table.
    step_until_shown(&mut harness, "has no marks in this folder yet");

    // Mark as the key, open the text, mark the demand.
    harness.get_by_label("Mark as the key").click();
    harness.run_steps(2);
    harness.state_mut().open(&text);
    step_until(&mut harness, "the text opens as the key", |h| {
        h.state().session().is_some_and(|s| s.coder == "okafor") && h.state().marking_key()
    });
    harness.run_steps(3);
    // The passage is selected as a drag would (the dashboard window lies over the text).
    let start = TEXT[..TEXT.find(DEMAND).unwrap()].chars().count();
    harness.state_mut().doc_view_mut().selection = Some(Selection { anchor: start, caret: start + DEMAND.chars().count() });
    harness.run_steps(2);
    harness.get_by_label("2  Demand").click();
    harness.step();
    wait_for_disk(&mut harness, &text, |s| s.annotations.len() == 1);
    assert!(sidecar::coder_path(&text, "okafor").exists(), "the key's marks are in the key's sidecar");
    assert!(!sidecar::coder_path(&text, "Ms Okafor").exists(), "not in the teacher's own");

    // The command line grades lena against them: she found the key's one passage.
    let out = marginalia(&["class", "grade", class.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("lena"), "{stdout}");
    assert!(!stdout.contains("okafor\t") && stdout.contains("100"), "{stdout}");

    // Stop marking as the key: the teacher's own sidecar opens again.
    harness.get_by_label("Stop marking as the key").click();
    step_until(&mut harness, "the teacher's own sidecar opens", |h| h.state().session().is_some_and(|s| s.coder == "Ms Okafor"));
    assert!(!harness.state().marking_key());
}
