//! A newcomer's first minutes, driven like a user would: the first-run name prompt, reading
//! positions, the keyboard (Tab, F6, arrows, Enter, Escape, Alt+number), zoom and narrow
//! windows, readable text sizes and the folder list.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_open};

use std::path::Path;

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::ui::{App, Settings};

const LETTER: &str = "To the editor of the Valley Courier.\n\
The new bus timetable cuts the last evening service from the hill villages.\n\
We ask the transport board to restore the 22:40 departure before the winter term.\n\
Write to your councillor this week and say why the late bus matters to you.\n";

fn harness_for(app: App, size: egui::Vec2) -> Harness<'static, App> {
    let mut harness = crate::gui_support::harness(app, size.x, size.y);
    harness.run_steps(3);
    harness
}

fn folder_with(docs: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in docs {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn long_text(label: &str) -> String {
    (1..=120)
        .map(|i| format!("{label} paragraph {i}: the reading goes on, line after line, so that the page scrolls.\n"))
        .collect()
}

fn open_name(harness: &Harness<'_, App>) -> String {
    harness.state().session().map(|s| s.doc.file_name()).unwrap_or_default()
}

#[test]
fn the_first_run_asks_a_name_that_takes_typing_at_once_and_enter_continues() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let settings_path = dir.path().join("config").join("settings.ron");
    let mut app = App::new(Settings::default(), Some(settings_path.clone()));
    app.open(&dir.path().join("letter.txt"));
    let mut harness = harness_for(app, egui::vec2(1280.0, 800.0));
    harness.get_by_label("Welcome to Marginalia");
    // The field has the keyboard without a click: typing goes straight in.
    assert!(harness.get_by_label("Your name").is_focused(), "the name field has focus at once");
    harness.event(egui::Event::Text("Ada Lovelace".into()));
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(3);
    assert!(!harness.state().asking_coder(), "Enter continues");
    assert!(harness.query_by_label("Welcome to Marginalia").is_none());
    assert_eq!(harness.state().settings().coder, "Ada Lovelace");
    assert_eq!(harness.state().session().unwrap().coder, "Ada Lovelace");
    // The settings are written by the background worker.
    let written = || std::fs::read_to_string(&settings_path).is_ok_and(|t| t.contains("Ada Lovelace"));
    step_until(&mut harness, "the name is kept for the next run", |_| written());
    harness.get_by_label_contains("coder: Ada Lovelace");
}

#[test]
fn the_name_prompt_does_not_spin_while_the_window_is_in_the_background() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let mut app = App::new(Settings::default(), None);
    app.open(&dir.path().join("letter.txt"));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(20)
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    harness.input_mut().focused = false;
    harness.run_steps(3);
    // Nothing asks for another frame at once: an idle prompt costs nothing.
    assert!(harness.try_run().is_ok(), "the prompt keeps repainting while it waits");
    harness.input_mut().focused = true;
    harness.run_steps(2);
    harness.event(egui::Event::Text("Ben".into()));
    harness.run_steps(2);
    harness.get_by_label("Continue").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().coder, "Ben");
}

#[test]
fn the_name_prompt_can_be_skipped_by_button_or_escape_and_asked_again() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    for skip_with_escape in [false, true] {
        let mut app = App::new(Settings::default(), None);
        app.open(&dir.path().join("letter.txt"));
        let mut harness = harness_for(app, egui::vec2(1280.0, 800.0));
        if skip_with_escape {
            harness.key_press(Key::Escape);
        } else {
            harness.get_by_label("Skip for now").click();
        }
        harness.run_steps(3);
        assert!(!harness.state().asking_coder(), "skipped (escape: {skip_with_escape})");
        let coder = harness.state().session().unwrap().coder.clone();
        assert!(!coder.is_empty());
        harness.get_by_label_contains("Set your name any time");
        // The name can be set later from the status bar.
        harness.get_by_label(&format!("coder: {coder}")).click();
        harness.run_steps(2);
        let field = || harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Your name");
        assert!(field().is_focused(), "the field has the keyboard again");
        assert_eq!(field().value().as_deref(), Some(coder.as_str()), "the current name is there to edit");
        harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
        harness.run_steps(1);
        harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Your name").type_text("Chidi");
        harness.run_steps(1);
        harness.get_by_label("Continue").click();
        harness.run_steps(2);
        assert_eq!(harness.state().session().unwrap().coder, "Chidi");
    }
}

#[test]
fn a_name_given_for_the_run_is_used_without_asking() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let mut app = App::new(Settings::default(), None);
    app.open(&dir.path().join("letter.txt"));
    app.use_coder_for_this_run("Dana".into());
    let harness = harness_for(app, egui::vec2(1280.0, 800.0));
    assert!(harness.query_by_label("Welcome to Marginalia").is_none());
    assert_eq!(harness.state().session().unwrap().coder, "Dana");
    assert!(harness.state().settings().coder.is_empty(), "a name for one run is not saved");
}

fn tester_app(path: &Path) -> App {
    let mut app = App::new(Settings { coder: "Tester".into(), ..Settings::default() }, None);
    app.open(path);
    app
}

#[test]
fn each_document_opens_at_its_own_reading_position() {
    let dir = folder_with(&[("a-first.txt", long_text("First")), ("b-second.txt", long_text("Second"))]);
    let mut harness = harness_for(tester_app(dir.path()), egui::vec2(1280.0, 800.0));
    assert_eq!(open_name(&harness), "a-first.txt");
    // Read down the first document.
    harness.state_mut().doc_view_mut().scroll_to_top = Some(LETTER.len() * 10);
    harness.run_steps(3);
    let first_top = harness.state().doc_view().visible_paragraphs.0;
    assert!(first_top > 20, "scrolled down to paragraph {first_top}");
    // The second document starts at its top, not at the first one's position.
    harness.get_by_label_contains("b-second.txt,").click();
    step_until_open(&mut harness, "b-second.txt");
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().visible_paragraphs.0, 0, "a new document opens at the top");
    // Back to the first: where its reader left it.
    harness.get_by_label_contains("a-first.txt,").click();
    step_until_open(&mut harness, "a-first.txt");
    harness.run_steps(2);
    let back = harness.state().doc_view().visible_paragraphs.0;
    assert!(back.abs_diff(first_top) <= 1, "reopened at paragraph {back}, left at {first_top}");
}

fn document_focused(harness: &Harness<'_, App>) -> bool {
    harness.ctx.memory(|m| m.focused()) == Some(marginalia::ui::doc_view::view_id())
}

#[test]
fn tab_and_f6_reach_the_document_where_arrows_select_and_numbers_tag() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let doc = dir.path().join("letter.txt");
    let mut harness = harness_for(tester_app(&doc), egui::vec2(1280.0, 800.0));
    let mut reached = false;
    for _ in 0..60 {
        harness.key_press(Key::Tab);
        harness.run_steps(1);
        if document_focused(&harness) {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the document text");
    // F6 gives it the keyboard from anywhere, too.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_steps(2);
    assert!(!document_focused(&harness));
    harness.key_press(Key::F6);
    harness.run_steps(2);
    assert!(document_focused(&harness), "F6 focuses the document");
    // A caret is there to move from, at the top; Shift+arrows select, a number key tags.
    assert_eq!(harness.state().doc_view().selection.map(|s| s.caret), Some(0));
    for _ in 0..6 {
        harness.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
        harness.run_steps(1);
    }
    harness.key_press(Key::Num1);
    harness.run_steps(2);
    let session = harness.state().session().unwrap();
    assert_eq!(session.edits.annotations().len(), 1);
    assert_eq!(session.edits.annotations()[0].exact, "To the");
    // The new mark flashes, so the tag is seen to have taken.
    assert!(harness.state().doc_view().flash.is_some());
}

#[test]
fn the_folder_list_works_with_arrows_and_enter() {
    let dir = folder_with(&[("a.txt", LETTER.to_owned()), ("b.txt", LETTER.to_owned()), ("c.txt", LETTER.to_owned())]);
    let mut harness = harness_for(tester_app(dir.path()), egui::vec2(1280.0, 800.0));
    assert_eq!(open_name(&harness), "a.txt");
    // The folder's sidecars are read in the background; keys go to the list once it is read, so
    // that what the reading brings in does not land between two key presses.
    step_until(&mut harness, "reading the folder", |h| h.state().loaded_corpus().is_some());
    harness.key_press_modifiers(Modifiers::SHIFT, Key::F6);
    harness.run_steps(2);
    assert!(harness.get_by_label_contains("a.txt,").is_focused(), "Shift+F6 focuses the open document's line");
    harness.key_press(Key::ArrowDown);
    harness.run_steps(1);
    harness.key_press(Key::ArrowDown);
    harness.run_steps(1);
    assert!(harness.get_by_label_contains("c.txt,").is_focused(), "arrows move along the list");
    harness.key_press(Key::Enter);
    step_until_open(&mut harness, "c.txt");
    // The state of each document is said in words, not a symbol.
    harness.get_by_label_contains("c.txt, not started, 0 annotation(s)");
}

#[test]
fn in_the_find_bar_alt_and_a_number_tags_the_match() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let mut harness = harness_for(tester_app(&dir.path().join("letter.txt")), egui::vec2(1280.0, 800.0));
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_steps(2);
    harness.get_by_label("Find in document").type_text("late bus");
    harness.run_steps(2);
    harness.get_by_label("1 of 1");
    // The menu shows each code's key.
    harness.get_by_label("Tag match as…").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Alt+3");
    // Escape closes the menu and nothing else.
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Alt+3").is_none(), "Escape closes the open menu");
    assert!(harness.state().find_open(), "the find bar stays open");
    harness.get_by_label("Find in document").focus();
    harness.key_press_modifiers(Modifiers::ALT, Key::Num3);
    harness.run_steps(2);
    let session = harness.state().session().unwrap();
    assert_eq!(session.edits.annotations().len(), 1);
    assert_eq!(session.edits.annotations()[0].exact, "late bus");
    assert_eq!(session.edits.annotations()[0].code, "call-to-action");
    assert_eq!(harness.get_by_label("Find in document").value().as_deref(), Some("late bus"), "no digit typed");
}

#[test]
fn at_200_percent_in_a_1280_by_800_window_the_text_keeps_a_readable_measure() {
    let dir = folder_with(&[("a.txt", long_text("Alpha")), ("b.txt", LETTER.to_owned())]);
    let mut harness = harness_for(tester_app(dir.path()), egui::vec2(1280.0, 800.0));
    let wide = harness.state().doc_view().widest_visible_row();
    // Zoom in with the keyboard: Ctrl+Shift+= arrives as Ctrl+Shift+Plus on most keyboards.
    for _ in 0..12 {
        harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Plus);
        harness.run_steps(1);
    }
    harness.run_steps(3);
    assert!((harness.state().settings().zoom - 2.0).abs() < 1e-3, "zoom {}", harness.state().settings().zoom);
    assert!(harness.state().is_narrow(), "at 200 % the window is narrow");
    let measure = harness.state().doc_view().widest_visible_row();
    assert!(measure >= 45, "{measure} characters per line at 200 % (was {wide})");
    // Every code's button in the drawer under the text shows the code's whole name.
    let codes: Vec<(String, f32)> = {
        let app = harness.state();
        let cb = app.session().unwrap().edits.codebook().clone();
        let font = harness.ctx.global_style().text_styles[&egui::TextStyle::Button].clone();
        cb.codes
            .iter()
            .filter(|c| !cb.is_group(&c.id))
            .map(|c| {
                let label = format!("{}{}", c.key.map(|k| format!("{k}  ")).unwrap_or_default(), c.name);
                let width =
                    harness.ctx.fonts_mut(|f| f.layout_no_wrap(label.clone(), font.clone(), egui::Color32::WHITE).size().x);
                (label, width)
            })
            .collect()
    };
    for (label, width) in codes {
        let rect = harness.get_by_role_and_label(egui::accesskit::Role::Button, &label).rect();
        assert!(rect.width() >= width, "“{label}” is cut: its button is {} pt wide, the name {width} pt", rect.width());
        assert!(rect.max.x <= 1280.0 / 2.0 + 1.0, "“{label}” runs off the window: {rect:?}");
    }
    // The panels can be folded away and back with the keyboard.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::P);
    harness.run_steps(2);
    assert!(!harness.state().panels().annotations);
    assert!(harness.query_by_label("Tag the selection").is_none());
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::P);
    harness.run_steps(2);
    harness.get_by_label("Tag the selection");
    // Ctrl+- and Ctrl+= change the text size, as the menu says.
    let size = harness.state().settings().font_size;
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Equals);
    harness.run_steps(1);
    assert_eq!(harness.state().settings().font_size, size + 1.0);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Minus);
    harness.run_steps(1);
    assert_eq!(harness.state().settings().font_size, size);
    assert!((harness.state().settings().zoom - 2.0).abs() < 1e-3, "text size keys leave the zoom alone");
}

#[test]
fn no_text_in_the_workspace_is_smaller_than_85_percent_of_the_body() {
    let dir = folder_with(&[("letter.txt", LETTER.to_owned())]);
    let harness = harness_for(tester_app(&dir.path().join("letter.txt")), egui::vec2(1280.0, 800.0));
    let style = harness.ctx.global_style();
    let body = style.text_styles[&egui::TextStyle::Body].size;
    for (name, font) in &style.text_styles {
        assert!(font.size >= 0.85 * body, "{name:?} is {} px against a body of {body} px", font.size);
    }
}

#[test]
fn the_overview_chart_counts_every_coder_or_one() {
    let dir = folder_with(&[("a.txt", LETTER.to_owned()), ("b.txt", LETTER.to_owned())]);
    let a = dir.path().join("a.txt");
    for (coder, code, sidecar) in [("Ana", "demand", None), ("Ben", "demand", Some("a.txt.ben.annotations.ron"))] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"));
        cmd.args(["add"]).arg(&a).args(["--quote", "restore the 22:40 departure", "--code", code, "--coder", coder]);
        if let Some(s) = sidecar {
            cmd.arg("--sidecar").arg(dir.path().join(s));
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let mut harness = harness_for(tester_app(dir.path()), egui::vec2(1280.0, 800.0));
    harness.get_by_label("Overview chart").click();
    harness.run_steps(3);
    harness.get_by_label("Codes across the folder");
    // The folder's sidecars are read in the background.
    step_until(&mut harness, "reading the folder", |h| !h.state().folder().unwrap().coders().is_empty());
    let folder = harness.state().folder().unwrap();
    assert_eq!(folder.coders(), vec!["Ana".to_owned(), "Ben".to_owned()]);
    assert_eq!(folder.count(0, "demand", None), 2, "all coders");
    assert_eq!(folder.count(0, "demand", Some("Ben")), 1);
    assert_eq!(folder.count(1, "demand", None), 0);
    harness.get_by_value("all coders").click();
    harness.run_steps(2);
    harness.get_by_label("Ben").click();
    harness.run_steps(2);
    assert_eq!(harness.state().folder_panel().chart_coder.as_deref(), Some("Ben"));
}

/// A font with Hebrew and Arabic (Debian's fonts-dejavu-core, which the test run installs):
/// egui's own fonts have neither.
fn add_a_font_with_hebrew_and_arabic(ctx: &egui::Context) {
    let path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (install the fonts-dejavu-core package)"));
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("dejavu".into(), std::sync::Arc::new(egui::FontData::from_owned(bytes)));
    fonts.families.get_mut(&egui::FontFamily::Proportional).unwrap().push("dejavu".into());
    ctx.set_fonts(fonts);
}

const MIXED: &str = "Say shalom: שלום עולם means hello world.\nسلام عليكم is Arabic.\n";

fn app_with_fonts_on(doc: &Path) -> Harness<'static, App> {
    let app = App::new(Settings { coder: "Tester".into(), ..Settings::default() }, None);
    let mut harness = crate::gui_support::harness(app, 1280.0, 800.0);
    add_a_font_with_hebrew_and_arabic(&harness.ctx);
    harness.run_steps(1);
    harness.state_mut().open(doc);
    harness.run_steps(4);
    harness
}

fn span_of(text: &str, needle: &str) -> marginalia::document::Span {
    let start = text[..text.find(needle).unwrap()].chars().count();
    marginalia::document::Span::new(start, start + needle.chars().count())
}

fn left_of(harness: &Harness<'_, App>, span: marginalia::document::Span) -> f32 {
    let app = harness.state();
    let rects = app.doc_view().span_rects(&app.session().unwrap().doc, span);
    rects.iter().map(|r| r.min.x).fold(f32::INFINITY, f32::min)
}

#[test]
fn right_to_left_words_run_right_to_left_and_a_drag_selects_exactly_one() {
    let dir = folder_with(&[("mixed.txt", MIXED.to_owned())]);
    let mut harness = app_with_fonts_on(&dir.path().join("mixed.txt"));
    let (first, second) = (span_of(MIXED, "שלום"), span_of(MIXED, "עולם"));
    // Typed first, the first Hebrew word shows to the right of the second, as a browser shows it;
    // the Latin words around them keep their order.
    assert!(left_of(&harness, first) > left_of(&harness, second), "Hebrew words in visual order");
    assert!(left_of(&harness, span_of(MIXED, "Say")) < left_of(&harness, second));
    assert!(left_of(&harness, span_of(MIXED, "means")) > left_of(&harness, first));
    // Within a word, letters run right to left: the first letter is the rightmost.
    let letter = |i: usize| left_of(&harness, marginalia::document::Span::new(first.start + i, first.start + i + 1));
    assert!(letter(0) > letter(1) && letter(1) > letter(3));
    // A right-to-left paragraph is set flush right and reads right to left too.
    let (salam, alaykum) = (span_of(MIXED, "سلام"), span_of(MIXED, "عليكم"));
    assert!(left_of(&harness, salam) > left_of(&harness, alaykum));
    // A ligature (lam-alef in سلام) takes two code points in one glyph; the text after it keeps
    // its letters in place.
    assert!(left_of(&harness, span_of(MIXED, "is Arabic")) < left_of(&harness, span_of(MIXED, "Arabic")));
    let i = span_of(MIXED, "is Arabic").start;
    let (i_at, s_at) = (
        left_of(&harness, marginalia::document::Span::new(i, i + 1)),
        left_of(&harness, marginalia::document::Span::new(i + 1, i + 2)),
    );
    assert!(i_at < s_at, "“is” reads i then s");
    // A drag across the second word, from its left edge to its right edge, selects exactly it.
    let app = harness.state();
    let rects = app.doc_view().span_rects(&app.session().unwrap().doc, second);
    assert_eq!(rects.len(), 1, "one word is one stretch: {rects:?}");
    let (a, b) = (egui::pos2(rects[0].min.x + 1.0, rects[0].center().y), egui::pos2(rects[0].max.x - 1.0, rects[0].center().y));
    harness.drag_at(a);
    harness.step();
    harness.hover_at(egui::pos2((a.x + b.x) / 2.0, a.y));
    harness.step();
    harness.hover_at(b);
    harness.step();
    harness.drop_at(b);
    harness.step();
    let selected = harness.state().doc_view().selected_span().expect("a selection");
    assert_eq!((selected.start, selected.end), (second.start, second.end), "the drag selects exactly the word");
    // Tagging stores logical code points.
    harness.key_press(Key::Num1);
    harness.run_steps(2);
    assert_eq!(harness.state().session().unwrap().edits.annotations()[0].exact, "עולם");
}

#[test]
fn a_flag_and_a_family_show_as_one_symbol_each() {
    let text = "Flags 🇫🇷 and 🇯🇵, a family 👨‍👩‍👧 and a keycap 1️⃣ here.\n";
    let dir = folder_with(&[("emoji.txt", text.to_owned())]);
    let harness = harness_for(tester_app(&dir.path().join("emoji.txt")), egui::vec2(1280.0, 800.0));
    let app = harness.state();
    let doc = &app.session().unwrap().doc;
    let width = |needle: &str| {
        let rects = app.doc_view().span_rects(doc, span_of(text, needle));
        rects.iter().map(|r| r.width()).sum::<f32>()
    };
    let one = width("F");
    let flag = width("🇫🇷");
    let family = width("👨‍👩‍👧");
    let man = width("👨‍👩‍👧".chars().next().unwrap().to_string().as_str());
    // One cell each, not two letters or three faces side by side.
    assert!(flag > 0.0 && flag < 3.0 * one, "the flag takes {flag} points, a letter {one}");
    assert!((family - man).abs() < 1.0, "the family ({family}) is as wide as one face ({man})");
}

/// The File menu ends with Quit; Ctrl+O gives the path field the keyboard at once, and a path
/// typed with `~` opens from the home folder; an opened folder is listed among the recent ones.
#[test]
fn quit_is_in_the_file_menu_and_ctrl_o_takes_a_typed_path_at_once() {
    let dir = folder_with(&[("a-first.txt", long_text("First")), ("b-second.txt", long_text("Second"))]);
    let mut harness = harness_for(tester_app(dir.path()), egui::vec2(1280.0, 800.0));
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Quit");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    // The View menu says where the zoom stands.
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Zoom 100 %");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    let canonical = dir.path().canonicalize().unwrap();
    assert_eq!(harness.state().settings().recent.first(), Some(&canonical), "the folder is the first recent place");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::O);
    harness.run_steps(2);
    // Typed keys go to whatever has the keyboard: the field, if it was given it.
    harness.event(egui::Event::Text("x".into()));
    harness.run_steps(2);
    let field = harness.state().dialogs().open_path.clone();
    assert_eq!(field, "x", "the field had the keyboard as soon as the dialog opened");
}
