//! A folder that stays current: while it is open in the app, another program (here the
//! command line, as `marginalia autocode`, a `git pull` or another coder's app would) adds
//! annotations to one of its documents; without a click, the folder's line for it, the code
//! matrix and the loaded folder that Retrieve reads show them, and the panel says it updated.
//! Refresh reads the folder again from disk.

#![cfg(feature = "gui")]

#[allow(dead_code)]
use crate::gui_support;
use gui_support::{step_until, step_until_open};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::ui::app::App;
use marginalia::ui::settings::Settings;

const FIRST: &str = "The bakery on Mill Street will close in March. Rents rose by a third.\n";
const SECOND: &str = "Residents ask the council to keep the bakery open. Bread prices will rise.\n";

fn cli(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(args)
        .current_dir(dir)
        .env("MARGINALIA_CODER", "bruno")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// All the counts of the matrix shown, added up.
fn matrix_total(harness: &Harness<'_, App>) -> Option<f64> {
    let app = harness.state();
    let m = app.matrix().matrix()?;
    Some(m.counts.iter().flatten().sum())
}

#[test]
fn annotations_added_by_another_program_show_without_a_click() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-bakery.txt"), FIRST).unwrap();
    std::fs::write(dir.path().join("b-letter.txt"), SECOND).unwrap();
    cli(dir.path(), &["add", "a-bakery.txt", "--code", "prediction", "--quote", "will close in March"]);
    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(dir.path());
    let mut harness = crate::gui_support::harness(app, 1400.0, 900.0);
    step_until_open(&mut harness, "a-bakery.txt");
    step_until(&mut harness, "reading the folder", |h| h.state().loaded_corpus().is_some());
    harness.state_mut().matrix_mut().open = true;
    step_until(&mut harness, "the matrix", |h| matrix_total(h) == Some(1.0));

    // Another program codes the second document: two annotations by bruno.
    cli(dir.path(), &["add", "b-letter.txt", "--code", "demand", "--quote", "keep the bakery open"]);
    cli(dir.path(), &["add", "b-letter.txt", "--code", "prediction", "--quote", "Bread prices will rise"]);
    step_until(&mut harness, "the matrix counting them", |h| matrix_total(h) == Some(3.0));
    let line = harness.state().folder().unwrap().entries.iter().find(|e| e.name == "b-letter.txt").unwrap().by_coder.clone();
    assert_eq!(line.values().sum::<usize>(), 2, "the folder's line counts them: {line:?}");
    assert_eq!(harness.state().loaded_corpus().unwrap().annotation_count(), 3, "Retrieve reads them");
    harness.get_by_label_contains("updated from disk");
    // The open document's own saves are not news.
    assert!(harness.state().session().unwrap().doc.file_name() == "a-bakery.txt");

    // Refresh reads the folder again from disk: a sidecar written while nothing watched (here:
    // replaced by hand with another program's) is read.
    harness.get_by_label("Refresh").click();
    harness.run_steps(2);
    step_until(&mut harness, "reading the folder again", |h| h.state().loaded_corpus().is_some() && matrix_total(h) == Some(3.0));
}
