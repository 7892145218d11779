//! Input as a real window delivers it. Right-to-left text: the app lays text out with the
//! fonts the window uses (the system's, for the scripts egui's own fonts lack), and a drag over
//! the pixels where a word is drawn selects exactly that word; tagged, the stored passage is
//! that word, and its highlight covers those pixels. Taps: a press and release in one frame
//! select the annotation under them. Fast typing: letters that arrive in the same frame as the
//! click that ends the typing stay in the field, and never act as shortcuts.
//!
//! Where a word is drawn is read from what egui paints, not from the view's own bookkeeping:
//! the word is made a find match (drawn in black) and the black glyphs' vertices are measured.
//! Events that a window delivers in one frame are put into one frame here (`input_mut`), as
//! `Harness::event` hands them over one frame each.

#![cfg(feature = "gui")]

use std::path::Path;

use egui::{Color32, Key, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::document::Span;
use marginalia::ui::app::App;
use marginalia::ui::settings::{Settings, ThemeChoice};

#[allow(dead_code)]
use crate::gui_support;

/// Written for this test: a Hebrew sentence, an Arabic sentence (with a lam-alef ligature and
/// a word with a mark), a left-to-right line with a word of each and an emoji, and words with
/// vowel marks (several code points to a letter) and Arabic-Indic digits.
const TEXT: &str = "הממשלה חייבת לפעול עכשיו למען העובדים.\n\
                    يجب على الحكومة أن تعمل الآن من أجل العمال.\n\
                    Mixed: the word שלום and the word مرحبا in English text 🚢 here.\n\
                    With vowel marks: שָׁלוֹם and مَرْحَبًا, then digits ١٢٣ and 2026.\n";

fn span_of(needle: &str) -> Span {
    let start = TEXT[..TEXT.find(needle).unwrap_or_else(|| panic!("{needle} not in the text"))].chars().count();
    Span::new(start, start + needle.chars().count())
}

fn app_on(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), theme: ThemeChoice::Dark, ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 800.0);
    gui_support::step_until_open(&mut harness, "rtl.txt");
    // The system's fonts come in the frame after a character first needs them.
    harness.run_steps(6);
    harness
}

/// Where the glyphs painted in `colour` are, on screen: one rect per paragraph that has any.
fn painted(harness: &Harness<'_, App>, colour: Color32) -> Vec<Rect> {
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        let mut shapes = vec![&clipped.shape];
        while let Some(shape) = shapes.pop() {
            match shape {
                egui::Shape::Vec(v) => shapes.extend(v.iter()),
                egui::Shape::Text(t) => {
                    let mut rect = Rect::NOTHING;
                    for placed in &t.galley.rows {
                        for v in placed.row.visuals.mesh.vertices.iter().filter(|v| v.color == colour) {
                            rect.extend_with(t.pos + placed.pos.to_vec2() + v.pos.to_vec2());
                        }
                    }
                    if rect.is_positive() {
                        out.push(rect);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The rect where `span` is drawn, read from the pixels painted for it as a find match.
fn drawn(harness: &mut Harness<'_, App>, span: Span) -> Rect {
    harness.state_mut().doc_view_mut().find_matches = vec![span];
    harness.run_steps(2);
    let found = painted(harness, Color32::BLACK);
    harness.state_mut().doc_view_mut().find_matches.clear();
    harness.run_steps(2);
    assert_eq!(found.len(), 1, "{span:?} is drawn in one place: {found:?}");
    found[0]
}

fn drag(harness: &mut Harness<'_, App>, from: Pos2, to: Pos2) {
    harness.drag_at(from);
    harness.step();
    harness.hover_at(Pos2::new((from.x + to.x) / 2.0, from.y));
    harness.step();
    harness.hover_at(to);
    harness.step();
    harness.drop_at(to);
    harness.step();
}

#[test]
fn a_drag_over_a_right_to_left_word_stores_exactly_that_word_and_its_highlight_covers_it() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("rtl.txt");
    std::fs::write(&doc, TEXT).unwrap();
    let mut harness = app_on(&doc);

    // Right-to-left paragraphs are set flush right; their first word is the rightmost.
    let first_hebrew = drawn(&mut harness, span_of("הממשלה"));
    let last_hebrew = drawn(&mut harness, span_of("העובדים"));
    let here = drawn(&mut harness, span_of("here."));
    assert!(first_hebrew.max.x > last_hebrew.max.x, "{first_hebrew:?} {last_hebrew:?}");
    assert!(first_hebrew.max.x > here.max.x + 100.0, "flush right: {first_hebrew:?}, the Latin line ends at {here:?}");
    let full_stop = drawn(&mut harness, span_of("העובדים.").end.checked_sub(1).map(|e| Span::new(e, e + 1)).unwrap());
    assert!(full_stop.max.x <= last_hebrew.min.x + 1.0, "the full stop ends the sentence on the left: {full_stop:?}");

    let words = ["הממשלה", "לפעול", "העובדים", "يجب", "الحكومة", "الآن", "العمال", "Mixed", "שלום", "مرحبا", "English", "🚢"];
    let mut tagged = 0;
    for word in words {
        let span = span_of(word);
        let rect = drawn(&mut harness, span);
        // From just inside one edge to just inside the other, both ways round.
        let y = rect.center().y;
        let (left, right) = (Pos2::new(rect.min.x + 1.0, y), Pos2::new(rect.max.x - 1.0, y));
        for (from, to) in [(right, left), (left, right)] {
            drag(&mut harness, from, to);
            let selected = harness.state().doc_view().selected_span();
            assert_eq!(selected, Some(span), "{word}: a drag from {from:?} to {to:?} over {rect:?}");
        }
        harness.key_press(Key::Num1);
        harness.run_steps(2);
        tagged += 1;
        let app = harness.state();
        let anns = app.session().unwrap().edits.annotations();
        assert_eq!(anns.len(), tagged, "{word}");
        let stored = anns.iter().find(|a| a.span() == span).unwrap_or_else(|| panic!("{word}: no annotation at {span:?}"));
        assert_eq!(stored.exact, word);
        // The highlight (the view's geometry for the span) covers where the word is drawn.
        let rects = app.doc_view().span_rects(&app.session().unwrap().doc, span);
        let mut covered = Rect::NOTHING;
        for r in &rects {
            covered = covered.union(*r);
        }
        assert!(
            covered.min.x <= rect.min.x + 1.5 && covered.max.x >= rect.max.x - 1.5,
            "{word}: highlight {covered:?}, drawn {rect:?}"
        );
        assert!(covered.width() <= rect.width() + 6.0, "{word}: highlight {covered:?} wider than drawn {rect:?}");
        harness.key_press(Key::Escape);
        harness.run_steps(1);
    }
}

// ---- Quick clicks: press and release in one frame, as a tap or `xdotool click` gives them. ----

/// A tap at `pos`: the pointer moves there, is pressed and released, all in one frame, as a
/// touchpad tap or `xdotool mousemove X Y click 1` arrive.
///
/// (`Harness::event` would hand them over one frame each, as a held click.)
fn tap(harness: &mut Harness<'_, App>, pos: Pos2) {
    let events = &mut harness.input_mut().events;
    events.push(egui::Event::PointerMoved(pos));
    for pressed in [true, false] {
        events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.step();
    harness.run_steps(2);
}

#[test]
fn a_tap_on_a_highlight_selects_its_annotation() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("rtl.txt");
    std::fs::write(&doc, TEXT).unwrap();
    let mut harness = app_on(&doc);
    // Two annotations: a Latin word and a Hebrew one.
    let mut ids = Vec::new();
    for word in ["English", "שלום"] {
        let span = span_of(word);
        let rect = drawn(&mut harness, span);
        let y = rect.center().y;
        drag(&mut harness, Pos2::new(rect.min.x + 1.0, y), Pos2::new(rect.max.x - 1.0, y));
        harness.key_press(Key::Num1);
        harness.run_steps(2);
        harness.key_press(Key::Escape);
        harness.run_steps(2);
        let app = harness.state();
        ids.push(app.session().unwrap().edits.annotations().iter().find(|a| a.span() == span).unwrap().id);
    }
    for round in 0..3 {
        for (word, id) in ["English", "שלום"].iter().zip(&ids) {
            let rect = drawn(&mut harness, span_of(word));
            // The pointer was last over the panel, far from the text.
            harness.event(egui::Event::PointerMoved(Pos2::new(1200.0, 700.0)));
            harness.run_steps(1);
            tap(&mut harness, rect.center());
            assert_eq!(harness.state().selected(), Some(*id), "round {round}: a tap on {word} selects its annotation");
        }
    }
}

#[test]
fn a_tap_on_a_highlight_selects_its_annotation_right_after_switching_documents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rtl.txt"), TEXT).unwrap();
    let other = "The council will vote on the budget next week. We demand longer opening hours.\n";
    std::fs::write(dir.path().join("second.txt"), other).unwrap();
    let settings = Settings { coder: "Tester".into(), theme: ThemeChoice::Dark, ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(dir.path());
    let mut harness = crate::gui_support::harness(app, 1280.0, 800.0);
    gui_support::step_until_open(&mut harness, "rtl.txt");
    harness.run_steps(6);
    let span = span_of("English");
    let rect = drawn(&mut harness, span);
    drag(&mut harness, Pos2::new(rect.min.x + 1.0, rect.center().y), Pos2::new(rect.max.x - 1.0, rect.center().y));
    harness.key_press(Key::Num1);
    harness.run_steps(2);
    let id = harness.state().session().unwrap().edits.annotations()[0].id;
    for round in 0..4 {
        // To the other document and back, by a tap on each in the folder list.
        for name in ["second.txt", "rtl.txt"] {
            let item = harness.get_by_label_contains(name).rect().center();
            tap(&mut harness, item);
            gui_support::step_until_open(&mut harness, name);
        }
        harness.run_steps(2);
        assert_eq!(harness.state().selected(), None);
        tap(&mut harness, rect.center());
        assert_eq!(harness.state().selected(), Some(id), "round {round}: a tap on the highlight just after switching");
    }
}

// ---- Fast typing: letters that arrive together with the click that focuses the field, or
// many in one frame (1 ms per key, a paste-like input method), are all kept. ----

/// The events of typing `text` (each key's press, its text, its release), all in the next
/// frame, as a fast typist or an input method delivers them between two frames.
fn type_in_one_frame(harness: &mut Harness<'_, App>, text: &str) {
    type_without_a_frame(harness, text);
    harness.step();
}

/// The events of typing `text`, queued for the next frame.
fn type_without_a_frame(harness: &mut Harness<'_, App>, text: &str) {
    let events = &mut harness.input_mut().events;
    for c in text.chars() {
        let key = Key::from_name(&c.to_uppercase().to_string());
        if let Some(key) = key {
            events.push(egui::Event::Key {
                key,
                physical_key: Some(key),
                pressed: true,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            });
        }
        events.push(egui::Event::Text(c.to_string()));
        if let Some(key) = key {
            events.push(egui::Event::Key {
                key,
                physical_key: Some(key),
                pressed: false,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            });
        }
    }
}

#[test]
fn a_name_typed_fast_right_after_clicking_the_field_is_kept_whole() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("rtl.txt");
    std::fs::write(&doc, TEXT).unwrap();
    let mut harness = app_on(&doc);
    // A passage is selected in the text: a digit that reached the shortcuts would tag it.
    let rect = drawn(&mut harness, span_of("English"));
    drag(&mut harness, Pos2::new(rect.min.x + 1.0, rect.center().y), Pos2::new(rect.max.x - 1.0, rect.center().y));
    assert_eq!(harness.state().doc_view().selected_span(), Some(span_of("English")));
    harness.get_by_label("Codebook").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Edit codebook…").click();
    harness.run_steps(3);
    for name in ["Quickone", "Xenophobic frame", "Rule 2 and 3", "Deltafour"] {
        let field = harness.get_by_label("New code name").rect().center();
        // The tap on the field; its first letter in the next frame; the other letters and the
        // tap on "Add code" together in the frame after it.
        tap_once(&mut harness, field);
        let mut letters = name.chars();
        type_in_one_frame(&mut harness, &letters.next().unwrap().to_string());
        type_without_a_frame(&mut harness, letters.as_str());
        let add = harness.get_by_label("Add code").rect().center();
        tap(&mut harness, add);
        let codebook = harness.state().session().unwrap().edits.codebook().clone();
        assert!(
            codebook.codes.iter().any(|c| c.name == name),
            "{name}: {:?}",
            codebook.codes.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        // Nothing typed tagged a passage.
        assert!(harness.state().session().unwrap().edits.annotations().is_empty());
    }
}

/// A tap, and no frame after it: what comes next lands in the very next frame.
fn tap_once(harness: &mut Harness<'_, App>, pos: Pos2) {
    harness.input_mut().events.push(egui::Event::PointerMoved(pos));
    harness.step();
    let events = &mut harness.input_mut().events;
    for pressed in [true, false] {
        events.push(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
        events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        events.push(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    }
    harness.step();
}

// ---- Nothing under the pointer moves because a selection or a notice appears. ----

#[test]
fn the_code_buttons_and_the_text_stay_put_when_a_selection_or_a_notice_appears() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("rtl.txt");
    std::fs::write(&doc, TEXT).unwrap();
    let mut harness = app_on(&doc);
    let button = |h: &Harness<'_, App>| h.get_by_role_and_label(egui::accesskit::Role::Button, "1  Factual assertion").rect();
    let before = button(&harness);
    let word = drawn(&mut harness, span_of("English"));
    drag(&mut harness, Pos2::new(word.min.x + 1.0, word.center().y), Pos2::new(word.max.x - 1.0, word.center().y));
    harness.run_steps(2);
    assert!(harness.state().doc_view().selected_span().is_some());
    assert_eq!(button(&harness), before, "the button is where it was before the selection");
    // A notice (as after an export, or a file that could not be read) does not push the text
    // down.
    let notice = marginalia::ui::view::Notice { text: "Exported 3 annotations to notes.csv.".into(), is_error: false };
    harness.state_mut().push(marginalia::ui::command::Command::Notify(notice));
    harness.run_steps(4);
    harness.get_by_label("Dismiss");
    assert_eq!(drawn(&mut harness, span_of("English")), word, "the text is where it was before the notice");
    assert_eq!(button(&harness), before);
}
