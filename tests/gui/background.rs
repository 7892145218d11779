//! Background work as a person notices it: what they typed is saved at once, even while a long
//! job (an export of a large folder) runs.

use std::time::{Duration, Instant};

use marginalia::export::Format;
use marginalia::ui::command::{Command, UiCommand};
use marginalia::ui::state::ExportRequest;
use marginalia::ui::{App, Settings};
use marginalia::{Action, Annotation, Span};

use crate::gui_support::{step_until_open, wait_for_disk};

#[test]
fn a_save_asked_for_during_a_long_export_lands_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    // 60 generated documents of 50 KB with 1,000 annotations each: seconds of exporting.
    marginalia::testdata::write_folder(&big, 60, 50_000, 1_000, 7).unwrap();
    let doc = dir.path().join("mine.txt");
    std::fs::write(&doc, "A short text of my own, to mark while the export runs.\n").unwrap();
    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(&doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    step_until_open(&mut harness, "mine.txt");

    let out = dir.path().join("big.jsonld");
    let request = ExportRequest {
        source: big,
        format: Format::W3c,
        options: Default::default(),
        out: out.clone(),
        aliases: Default::default(),
    };
    harness.state_mut().push(Command::StartExport(request));
    harness.step();
    assert!(harness.state().export_dialog().running, "the export runs");

    let session = harness.state().session().unwrap();
    let mark = Annotation::new(&session.doc, Span::new(2, 7), "demand", "ana");
    harness.state_mut().push(Command::Apply(Action::Add(mark)));
    harness.state_mut().push(UiCommand::SaveNow);
    let asked = Instant::now();
    wait_for_disk(&mut harness, &doc, |s| s.annotations.len() == 1);
    let took = asked.elapsed();
    assert!(harness.state().export_dialog().running, "the export was still running when the save landed (make it longer)");
    assert!(took < Duration::from_secs(1), "the save took {took:?}: it waited behind the export");

    // And the export finishes as it would have.
    crate::gui_support::step_until(&mut harness, "the export ends", |h| !h.state().export_dialog().running);
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["total"], 60_000, "every annotation exported");
}
