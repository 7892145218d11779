//! The central area: the notice bar, the find bar, and the document itself (or, before one is
//! open, the welcome screen or the progress of a large document being opened).

use egui::{RichText, Ui};

use super::command::{Command, UiCommand};
use super::doc_view::{DocEvent, DocView, ViewStyle};
use super::status::NoticeBar;
use super::view::ViewCtx;
use crate::document::{Document, Span};

/// The find bar's state.
#[derive(Default)]
pub struct FindState {
    pub open: bool,
    pub query: String,
    /// The query and document length the matches were computed for.
    searched: String,
    searched_len: usize,
    /// Give the field the keyboard on the next frame.
    pub focus_field: bool,
}

impl FindState {
    /// Forget the matches (the bar was closed).
    pub fn clear(&mut self) {
        self.searched.clear();
    }
}

/// The central area's state: the document view (selection, scrolling, find matches) and the
/// find bar.
#[derive(Default)]
pub struct DocumentArea {
    pub view: DocView,
    pub find: FindState,
    notices: NoticeBar,
}

impl DocumentArea {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        self.notices.ui(ui, ctx, out);
        if self.find.open {
            self.find_bar(ui, ctx, out);
        }
        if let Some(session) = ctx.session {
            let settings = ctx.settings;
            let style =
                ViewStyle { font_size: settings.font_size, line_width: settings.line_width, dark: ui.visuals().dark_mode };
            let events = self.view.ui(ui, &session.doc, &session.edits, ctx.selected, ctx.filter, &style);
            for e in events {
                out.push(match e {
                    DocEvent::SelectAnnotation(id) => Command::Select(Some(id), false),
                    DocEvent::ClearAnnotation => Command::Select(None, false),
                    DocEvent::FollowLink(id) => Command::Select(Some(id), true),
                });
            }
        } else if ctx.opening.is_some() {
            opening_message(ui, ctx, out);
        } else {
            welcome(ui, ctx, out);
        }
    }

    /// What a code button tags: the selection, or else the current find match.
    pub fn target(&self) -> Option<Span> {
        self.view
            .selected_span()
            .or_else(|| self.view.find_current.filter(|_| self.find.open).and_then(|i| self.view.find_matches.get(i).copied()))
    }

    fn find_bar(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.label("Find:");
            let response =
                ui.add(egui::TextEdit::singleline(&mut self.find.query).hint_text("text to find").desired_width(240.0));
            crate::ui::field::keep_typed(ui, &response, &mut self.find.query);
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Find in document"));
            if self.find.focus_field {
                response.request_focus();
                self.find.focus_field = false;
            }
            if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let cmd = if ui.input(|i| i.modifiers.shift) { UiCommand::FindPrevious } else { UiCommand::FindNext };
                out.push(cmd.into());
                response.request_focus();
            }
            if let Some(session) = ctx.session {
                self.update_matches(&session.doc);
            }
            let n = self.view.find_matches.len();
            let label = match self.view.find_current {
                Some(i) if n > 0 => format!("{} of {n}", i + 1),
                _ if self.find.query.is_empty() => String::new(),
                _ => format!("{n} found"),
            };
            ui.label(label);
            if ui.button("‹").on_hover_text("Previous match (Shift+F3)").clicked() {
                out.push(UiCommand::FindPrevious.into());
            }
            if ui.button("›").on_hover_text("Next match (F3 or Enter)").clicked() {
                out.push(UiCommand::FindNext.into());
            }
            if let Some(session) = ctx.session
                && self.view.find_current.is_some()
            {
                ui.menu_button("Tag match as…", |ui| {
                    for code in &session.edits.codebook().codes {
                        let keys = code.key.map(|k| format!("Alt+{k}")).unwrap_or_default();
                        if ui.add(egui::Button::new(&code.name).shortcut_text(keys)).clicked() {
                            out.push(Command::Tag(code.id.clone()));
                        }
                    }
                })
                .response
                .on_hover_text("Or press Alt and the code's number key");
            }
            if ui.button("Close").clicked() {
                out.push(UiCommand::ToggleFind.into());
            }
        });
    }

    /// Recomputes find matches when the query changes (case-insensitive for ASCII letters).
    fn update_matches(&mut self, doc: &Document) {
        let key = doc.len_chars();
        if self.find.searched == self.find.query && self.find.searched_len == key {
            return;
        }
        self.find.searched = self.find.query.clone();
        self.find.searched_len = key;
        self.view.find_matches.clear();
        self.view.find_current = None;
        if self.find.query.is_empty() {
            return;
        }
        let needle = self.find.query.to_lowercase();
        let haystack = doc.text().to_lowercase();
        if haystack.len() != doc.text().len() {
            // Lower-casing changed byte lengths: search case-sensitively to keep positions exact.
            for (b, m) in doc.text().match_indices(self.find.query.as_str()) {
                let s = doc.char_of(b);
                self.view.find_matches.push(Span::new(s, s + m.chars().count()));
            }
        } else {
            for (b, m) in haystack.match_indices(needle.as_str()) {
                let s = doc.char_of(b);
                self.view.find_matches.push(doc.snap(Span::new(s, s + m.chars().count())));
            }
        }
        if !self.view.find_matches.is_empty() {
            self.view.find_current = Some(0);
            self.view.scroll_to = Some(self.view.find_matches[0].start);
        }
    }
}

fn welcome(ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("Marginalia");
        ui.label("Open a text to start: select a passage, then press a number key or click a code.");
        ui.add_space(12.0);
        if ui.button(RichText::new("Open a document…").size(18.0)).clicked() {
            out.push(UiCommand::Open.into());
        }
        ui.label("or drop a .txt or .md file onto this window");
        if !ctx.settings.recent.is_empty() {
            ui.add_space(16.0);
            ui.strong("Recent");
            for path in &ctx.settings.recent {
                if ui.link(path.display().to_string()).clicked() {
                    out.push(Command::OpenPath(path.clone()));
                }
            }
        }
    });
}

/// Where the document will be: what is being opened, for how long, and a way to stop.
fn opening_message(ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
    let Some(opening) = ctx.opening else { return };
    // Most documents are in within a frame or two: say nothing about a small one unless it
    // takes a moment.
    if opening.bytes < super::state::OPEN_IN_BACKGROUND_BYTES && opening.started.elapsed() < std::time::Duration::from_millis(150)
    {
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(150));
        return;
    }
    let name = opening.path.file_name().map_or_else(|| opening.path.display().to_string(), |n| n.to_string_lossy().into_owned());
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() / 3.0);
        ui.spinner();
        ui.heading(format!("Opening {name}…"));
        ui.label(format!(
            "{:.1} MB; reading the text and its annotations, checking each against the text ({:.1} s)",
            opening.bytes as f64 / 1e6,
            opening.started.elapsed().as_secs_f64()
        ));
        if ui.button("Cancel").clicked() {
            out.push(Command::CancelOpening);
        }
    });
}
