//! Links drawn in the document: a curve when both ends are on screen, a labelled stub at the
//! edge when the other end is not, and clicking the stub goes to the other end and selects it.

#![cfg(feature = "gui")]

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::{App, Settings};
use marginalia::{Annotation, Codebook, Link};

const CLAIM: &str = "The harbour must reopen the fish market.";
const REASON: &str = "Four hundred jobs went with the old market.";
const OBJECTION: &str = "The old market lost money for ten years.";
/// The line the objection is on (the claim is on line 0, the reason on line 1).
const FAR: usize = 150;

fn minutes() -> String {
    let mut lines = vec![CLAIM.to_owned(), REASON.to_owned()];
    for i in 2..FAR {
        lines.push(format!("Line {i} of the minutes, about nets, tides and the price of ice."));
    }
    lines.push(OBJECTION.to_owned());
    for i in FAR + 1..FAR + 60 {
        lines.push(format!("Line {i}: the vote on the market was put off to the next meeting."));
    }
    lines.join("\n") + "\n"
}

/// Writes the document and a sidecar with the three annotations and two links: the reason
/// supports the claim (next line), the objection attacks it (far below).
fn write_fixture(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("minutes.txt");
    let text = minutes();
    std::fs::write(&path, &text).unwrap();
    let doc = Document::from_text(text.clone());
    let at = |quote: &str| {
        let s = text[..text.find(quote).unwrap()].chars().count();
        Span::new(s, s + quote.chars().count())
    };
    let claim = Annotation::new(&doc, at(CLAIM), "demand", "Ana");
    let reason = Annotation::new(&doc, at(REASON), "factual-assertion", "Ana");
    let objection = Annotation::new(&doc, at(OBJECTION), "opinion", "Ana");
    let links = vec![Link::new("supports", reason.id, claim.id, "Ana"), Link::new("attacks", objection.id, claim.id, "Ana")];
    let doc_ref = DocumentRef { file_name: "minutes.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let mut side = Sidecar::new(doc_ref, "Ana", Codebook::default(), vec![claim, reason, objection]);
    side.links = links;
    sidecar::save(&sidecar::default_path(&path), &side, None).unwrap();
    path
}

fn app_on(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Ana".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    harness.run_steps(4);
    harness
}

/// Steps until the view stops moving (paragraph heights are measured as they come into view,
/// which can shift the view near the end of the text for a few frames).
fn settle(harness: &mut Harness<'_, App>) {
    let mut last = None;
    for _ in 0..40 {
        harness.step();
        let now = harness.state().doc_view().visible_paragraphs;
        if last == Some(now) {
            return;
        }
        last = Some(now);
    }
}

fn selected_quote(harness: &Harness<'_, App>) -> Option<String> {
    let app = harness.state();
    app.selected().and_then(|id| app.session()?.edits.get(id).map(|a| a.exact.clone()))
}

#[test]
fn a_link_to_a_passage_off_screen_is_a_stub_that_goes_there() {
    let dir = tempfile::tempdir().unwrap();
    let doc = write_fixture(dir.path());
    let mut harness = app_on(&doc);

    // At the top: the claim and its reason are both on screen, joined by a curve; the
    // objection far below shows as a stub at the bottom edge.
    let (first, last) = harness.state().doc_view().visible_paragraphs;
    assert!(first == 0 && last < FAR, "the objection starts off screen ({first}..{last})");
    let drawn = harness.state().doc_view().drawn_links.clone();
    assert_eq!(drawn.curves, 1, "the supports link is drawn as a curve");
    let incoming = format!("From {FAR} lines down: Attacks");
    assert_eq!(drawn.stubs, vec![incoming.clone()]);

    harness.get_by_label(&incoming).click();
    harness.run_steps(2);
    settle(&mut harness);
    assert_eq!(selected_quote(&harness).as_deref(), Some(OBJECTION), "the stub selects the other end");
    let (first, last) = harness.state().doc_view().visible_paragraphs;
    assert!(first <= FAR && FAR <= last, "and scrolls to it ({first}..{last})");

    // Down there the same link points back up; the supports link has no end on screen.
    let outgoing = format!("Attacks: {FAR} lines up");
    let drawn = harness.state().doc_view().drawn_links.clone();
    assert_eq!((drawn.curves, drawn.stubs), (0, vec![outgoing.clone()]));
    assert!(harness.query_by_label(&incoming).is_none());
    harness.get_by_label(&outgoing).click();

    harness.run_steps(4);
    assert_eq!(selected_quote(&harness).as_deref(), Some(CLAIM));
    assert_eq!(harness.state().doc_view().visible_paragraphs.0, 0);
}

#[test]
fn links_follow_undo_of_their_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let doc = write_fixture(dir.path());
    let mut harness = app_on(&doc);
    assert_eq!(harness.state().doc_view().drawn_links.curves, 1);
    // Deleting the reason takes its link, and the curve, along; undo brings both back.
    harness.get_by_label(&format!("Factual assertion: {REASON}")).click();
    harness.run_steps(2);
    harness.get_by_label("Delete annotation").click();
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().drawn_links.curves, 0);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().drawn_links.curves, 1);
}
