//! The app's small windows: asking the coder's name, opening a document, the sidecar that
//! changed on disk (reload theirs, keep mine, view both), and the keyboard shortcuts (listed
//! from the command table).

use std::path::PathBuf;

use egui::{RichText, Ui};

use super::command::{Command, UiCommand};
use super::view::{Notice, ViewCtx};
use crate::annotation::Annotation;
use crate::error::Error;

/// Which dialogs are open, and what was typed into them.
#[derive(Default)]
pub struct Dialogs {
    /// Ask the coder's name (on the first start).
    pub asking_coder: bool,
    coder_input: String,
    /// The name field was given the keyboard when the prompt appeared.
    coder_focus_given: bool,
    /// "Someone else is coding now" rather than "correct my name".
    switching: bool,
    pub show_open: bool,
    pub open_path: String,
    /// Give the path field the keyboard on the next frame.
    pub focus_open_path: bool,
    pub show_shortcuts: bool,
    /// The conflict dialog shows both sets of annotations.
    pub show_both: bool,
    /// The sidecar on disk, as the worker read it for "View both".
    pub theirs: Option<Result<Vec<Annotation>, Error>>,
}

impl Dialogs {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let egui_ctx = ui.ctx().clone();
        if self.asking_coder {
            self.coder_dialog(&egui_ctx, ctx, out);
        }
        if self.show_open {
            self.open_dialog(&egui_ctx, ctx, out);
        }
        if ctx.conflict {
            self.conflict_dialog(&egui_ctx, ctx, out);
        }
        if self.show_shortcuts {
            self.shortcuts_window(&egui_ctx);
        }
    }

    /// Opens the name prompt to change the coder's name.
    pub fn ask_name(&mut self, current: &str) {
        self.coder_input = current.to_owned();
        self.coder_focus_given = false;
        self.switching = false;
        self.asking_coder = true;
    }

    /// Asks for the coder's name (on the first run, and from "Your name…"). It never locks
    /// anyone out: the field has the keyboard at once, Enter continues, and Skip (or Escape)
    /// goes on with the name from the environment, which can be changed later. After the first
    /// run it offers two different things: correcting the name of the person coding (their
    /// work is relabelled) and someone else taking over (each person keeps their own files).
    fn coder_dialog(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let first_run = ctx.settings.coder.trim().is_empty();
        let current = ctx.person.name.clone();
        let modal = egui::Modal::new(egui::Id::unique("coder-name")).show(egui_ctx, |ui| {
            ui.set_max_width(480.0);
            ui.heading(if first_run { "Welcome to Marginalia" } else { "Who is coding?" });
            if !first_run {
                ui.horizontal(|ui| {
                    if ui.radio(!self.switching, format!("Correct my name (“{current}”)")).clicked() {
                        self.switching = false;
                    }
                    if ui.radio(self.switching, "Someone else is coding now").clicked() {
                        self.switching = true;
                        self.coder_input.clear();
                        self.coder_focus_given = false;
                    }
                });
            }
            if !self.switching && !ctx.roster.is_empty() {
                ui.label("Pick your name from your class:");
                egui::ScrollArea::vertical().max_height(180.0).id_salt("roster-names").show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        for student in ctx.roster {
                            let hover =
                                if student.username.is_empty() { String::new() } else { format!("({})", student.username) };
                            if ui.button(&student.name).on_hover_text(hover).clicked() {
                                out.push(Command::SetCoder(student.name.clone()));
                                self.asking_coder = false;
                            }
                        }
                    });
                });
                ui.label("Not in the list? Type your name:");
            }
            let others: Vec<&crate::coder::Coder> = ctx.settings.people.iter().filter(|p| p.id != ctx.person.id).collect();
            if self.switching && !others.is_empty() {
                ui.label("People who coded on this computer:");
                ui.horizontal_wrapped(|ui| {
                    for person in others {
                        if ui.button(&person.name).on_hover_text(format!("Continue as {}", person.name)).clicked() {
                            out.push(Command::SwitchCoder { id: Some(person.id), name: person.name.clone() });
                            self.asking_coder = false;
                        }
                    }
                });
                ui.label("Or type a new name:");
            } else if self.switching {
                ui.label("Their name (their annotations go into files of their own; yours stay yours):");
            } else {
                ui.label("What is your name? It is saved with your annotations so that others can see who coded what.");
            }
            let hint = if self.switching { "their name" } else { "your name" };
            let r = ui.add(egui::TextEdit::singleline(&mut self.coder_input).hint_text(hint).desired_width(300.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.coder_input);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Your name"));
            // Focus is given once, when the prompt appears: asking again every frame fights
            // the window system's own focus changes and the field never takes a key.
            if !self.coder_focus_given {
                r.request_focus();
                self.coder_focus_given = true;
            }
            let enter = (r.has_focus() || r.lost_focus()) && ui.input(|i| i.key_pressed(egui::Key::Enter));
            // Checked as typed: what is accepted here is never refused later.
            let checked = crate::coder::check_name(&self.coder_input);
            if let (Err(e), false) = (&checked, self.coder_input.trim().is_empty()) {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
            }
            if first_run {
                ui.label(
                    RichText::new("You can change it later (File > Your name…), or start Marginalia with --coder NAME.").weak(),
                );
            } else if self.switching {
                ui.label(RichText::new("Your own annotations stay in your files; choose your name here to switch back.").weak());
            } else {
                ui.label(
                    RichText::new(
                        "Everything you marked stays yours under the new name. You can change it later (File > Your name…).",
                    )
                    .weak(),
                );
            }
            ui.horizontal(|ui| {
                let ok = checked.is_ok();
                let label = if self.switching { "Switch" } else { "Continue" };
                if (ui.add_enabled(ok, egui::Button::new(label)).clicked() || enter)
                    && let Ok(name) = &checked
                {
                    out.push(if self.switching {
                        Command::SwitchCoder { id: None, name: name.clone() }
                    } else {
                        Command::SetCoder(name.clone())
                    });
                    self.asking_coder = false;
                }
                if first_run {
                    let skip = ui
                        .button("Skip for now")
                        .on_hover_text(format!("Sign annotations as “{}” until you set a name", crate::session::default_coder()));
                    if skip.clicked() {
                        out.push(Command::SkipName);
                        self.asking_coder = false;
                    }
                } else {
                    if let Some(before) = ctx.last_rename.filter(|_| !self.switching) {
                        if ui.button(format!("Undo the rename (back to “{before}”)")).clicked() {
                            out.push(Command::SetCoder(before.to_owned()));
                            self.asking_coder = false;
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        self.asking_coder = false;
                    }
                }
            });
        });
        if self.asking_coder && modal.should_close() {
            if first_run {
                out.push(Command::SkipName);
            }
            self.asking_coder = false;
        }
    }

    fn open_dialog(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let mut open = true;
        egui::Window::new("Open a document").open(&mut open).collapsible(false).show(egui_ctx, |ui| {
            if ui.button("Browse…").clicked() {
                let dialog = rfd::FileDialog::new()
                    .add_filter("Texts and assignments", &["txt", "md", super::assignment::PACKAGE_EXTENSION])
                    .add_filter("Assignments", &[super::assignment::PACKAGE_EXTENSION])
                    .add_filter("Hand-ins to collect", &[super::assignment::HANDIN_EXTENSION]);
                match dialog.pick_file() {
                    Some(p) => out.push(Command::OpenPath(p)),
                    None => out.push(Command::Notify(Notice {
                        text: "No file was chosen. If no dialog appeared, type the file's path below, or drop the file onto the window.".into(),
                        is_error: false,
                    })),
                }
            }
            ui.label("Path of a document, folder or assignment:");
            let r = ui.add(egui::TextEdit::singleline(&mut self.open_path).desired_width(380.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.open_path);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Path to open"));
            // The keyboard goes to the field when the dialog opens (Ctrl+O, then type).
            if std::mem::take(&mut self.focus_open_path) {
                r.request_focus();
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Open").clicked() || enter) && !self.open_path.trim().is_empty() {
                out.push(Command::OpenPath(typed_path(&self.open_path)));
            }
            if !ctx.settings.recent.is_empty() {
                ui.separator();
                ui.label("Recent:");
                for path in &ctx.settings.recent {
                    if ui.link(path.display().to_string()).clicked() {
                        out.push(Command::OpenPath(path.clone()));
                    }
                }
            }
        });
        self.show_open &= open;
    }

    fn conflict_dialog(&mut self, egui_ctx: &egui::Context, ctx: &ViewCtx, out: &mut Vec<Command>) {
        egui::Modal::new(egui::Id::unique("conflict")).show(egui_ctx, |ui| {
            let path = ctx.session.map(|s| s.sidecar_path.display().to_string()).unwrap_or_default();
            ui.heading("The annotations file changed on disk");
            ui.label(format!("{path} was changed by another program (a sync tool, git, another coder) since you opened it. Nothing has been overwritten."));
            ui.horizontal(|ui| {
                if ui.button("Reload theirs").on_hover_text("Discard your unsaved changes and load the file on disk").clicked() {
                    out.push(Command::ReloadTheirs);
                }
                if ui.button("Keep mine").on_hover_text("Save yours; their file is kept as a .theirs copy beside it").clicked() {
                    out.push(Command::KeepMine);
                }
                if ui.button("View both").clicked() {
                    self.show_both = true;
                    self.theirs = None;
                    if let Some(s) = ctx.session {
                        out.push(Command::ReadSidecar(s.sidecar_path.clone()));
                    }
                }
            });
            if self.show_both {
                ui.separator();
                self.both_views(ui, ctx);
            }
        });
    }

    fn both_views(&self, ui: &mut Ui, ctx: &ViewCtx) {
        let Some(session) = ctx.session else { return };
        let mine = session.edits.annotations();
        ui.columns(2, |cols| {
            cols[0].strong(format!("Yours ({})", mine.len()));
            cols[1].strong(match &self.theirs {
                Some(Ok(t)) => format!("On disk ({})", t.len()),
                Some(Err(_)) => "On disk (unreadable)".to_owned(),
                None => "On disk".to_owned(),
            });
            let cb = session.edits.codebook();
            let line = |a: &Annotation| {
                format!(
                    "{}  “{}”  {}",
                    cb.code(&a.code).map_or(a.code.as_str(), |c| c.name.as_str()),
                    crate::document::excerpt(&a.exact, 40),
                    a.note
                )
            };
            egui::ScrollArea::vertical().id_salt("mine").max_height(300.0).show(&mut cols[0], |ui| {
                for a in mine {
                    ui.label(line(a));
                }
            });
            match &self.theirs {
                Some(Ok(theirs)) => {
                    egui::ScrollArea::vertical().id_salt("theirs").max_height(300.0).show(&mut cols[1], |ui| {
                        for a in theirs {
                            ui.label(line(a));
                        }
                    });
                }
                Some(Err(e)) => {
                    cols[1].label(e.to_string());
                }
                None => {}
            }
        });
    }

    fn shortcuts_window(&mut self, egui_ctx: &egui::Context) {
        let mut open = true;
        // The list is longer than a small screen is high: it scrolls inside the window.
        let height = (egui_ctx.content_rect().height() - 120.0).max(200.0);
        egui::Window::new("Keyboard shortcuts").open(&mut open).default_height(height).show(egui_ctx, |ui| {
            egui::ScrollArea::vertical().max_height(height).show(ui, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for cmd in UiCommand::with_shortcuts() {
                        ui.label(cmd.text());
                        ui.monospace(cmd.shortcut_text(egui_ctx));
                        ui.end_row();
                    }
                    for key in super::command::CONTEXT_KEYS {
                        ui.label(format!("{}: {}", key.when, key.what));
                        ui.monospace(key.text(egui_ctx));
                        ui.end_row();
                    }
                });
            });
        });
        self.show_shortcuts &= open;
    }
}

/// A path as a person types it: trimmed, and `~` at its start read as their home folder.
pub fn typed_path(text: &str) -> PathBuf {
    let text = text.trim();
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match text.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with(std::path::MAIN_SEPARATOR) => match home() {
            Some(h) => h.join(rest.trim_start_matches(['/', std::path::MAIN_SEPARATOR])),
            None => PathBuf::from(text),
        },
        _ => PathBuf::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_at_the_start_is_the_home_folder() {
        let home = directories::BaseDirs::new().unwrap().home_dir().to_path_buf();
        assert_eq!(typed_path(" ~/texts/a.txt "), home.join("texts/a.txt"));
        assert_eq!(typed_path("~"), home);
        assert_eq!(typed_path("~ana/a.txt"), PathBuf::from("~ana/a.txt"));
        assert_eq!(typed_path("/tmp/~x"), PathBuf::from("/tmp/~x"));
    }
}
