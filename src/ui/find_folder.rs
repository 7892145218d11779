//! The Find in folder window: a text (plain, whole words, or a regular expression) searched in
//! every document of the open folder, each match listed in its context with a box to tick,
//! and the ticked ones tagged with one code. Matches are found by [`crate::autocode`] (spans
//! widened to whole characters) on a thread of its own, in the folder the app has read (or
//! reading the documents while that is under way). Tagging is a command: the open document
//! gets one undo step through its session, every other document one auto-code step written to
//! its sidecar under its lock by the app's worker. That tagging of other documents can be taken
//! back from the window ("Undo tagging in N other documents"): exactly the annotations it
//! added are deleted, by id, on the worker under each sidecar's lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;

use super::command::Command;
use super::task::{Pending, Task};
use crate::autocode::{Hit, SearchMode};
use crate::codebook::Codebook;
use crate::corpus::Corpus;
use crate::error::Error;

/// Height of a line of the list, in points.
const ROW: f32 = 24.0;

type Found = Result<Vec<Hit>, Error>;

#[derive(Default)]
pub struct FindInFolder {
    pub open: bool,
    pub text: String,
    pub mode: SearchMode,
    pub match_case: bool,
    /// The matches of the last search, each with its box.
    pub hits: Vec<(Hit, bool)>,
    /// The code the ticked matches are tagged with.
    pub code: Option<String>,
    pub message: Option<(String, bool)>,
    /// The other documents the last tagging added to, with the ids it added: what "Undo
    /// tagging" takes back.
    pub undoable: Vec<(PathBuf, Vec<uuid::Uuid>)>,
    running: Option<(PathBuf, Pending<Found>)>,
    /// The folder the hits are from.
    from: Option<PathBuf>,
}

impl FindInFolder {
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// How many matches are ticked.
    pub fn ticked(&self) -> usize {
        self.hits.iter().filter(|(_, t)| *t).count()
    }

    /// The task that finds the matches, for the app to start.
    fn start(&mut self, folder: &Path, documents: Vec<PathBuf>, corpus: Option<Arc<Corpus>>) -> Task {
        let (text, mode, ignore_case) = (self.text.clone(), self.mode, !self.match_case);
        let (task, pending) = super::task::task("marginalia-find", move || {
            let run = || -> Found {
                let re = crate::autocode::compile_search(&text, mode, ignore_case)?;
                let mut out = Vec::new();
                match corpus {
                    Some(c) => {
                        for d in &c.documents {
                            out.extend(crate::autocode::hits(&d.path, &d.doc, &re));
                        }
                    }
                    None => {
                        for path in &documents {
                            // A document that does not open has nothing to tag.
                            if let Ok(doc) = crate::document::Document::open(path) {
                                out.extend(crate::autocode::hits(path, &doc, &re));
                            }
                        }
                    }
                }
                Ok(out)
            };
            run()
        });
        self.running = Some((folder.to_path_buf(), pending));
        task
    }

    fn poll(&mut self, ctx: &egui::Context) {
        let Some((folder, pending)) = &self.running else { return };
        let Some(result) = pending.poll(ctx) else { return };
        match result {
            Ok(Ok(hits)) => {
                self.message = None;
                self.from = Some(folder.clone());
                self.hits = hits.into_iter().map(|h| (h, true)).collect();
                self.running = None;
            }
            Ok(Err(e)) => {
                self.message = Some((e.to_string(), true));
                self.hits.clear();
                self.running = None;
            }
            Err(why) => {
                self.message = Some((format!("the search stopped: {why}"), true));
                self.running = None;
            }
        }
    }

    /// Draws the window for the open folder (`documents`: its documents; `codebook`: the
    /// codes to tag with).
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        folder: Option<(&Path, Vec<PathBuf>)>,
        corpus: Option<&Arc<Corpus>>,
        codebook: &Codebook,
        out: &mut Vec<Command>,
    ) {
        self.poll(ctx);
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Find in folder").open(&mut open).default_size([760.0, 540.0]).show(ctx, |ui| {
            let Some((root, documents)) = folder else {
                ui.label("Open a folder to find a text in all its documents.");
                return;
            };
            ui.horizontal_wrapped(|ui| {
                ui.label("Find");
                let r = ui.add(egui::TextEdit::singleline(&mut self.text).hint_text("text to find").desired_width(260.0));
                crate::ui::field::keep_typed(ui, &r, &mut self.text);
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Text to find"));
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.radio_value(&mut self.mode, SearchMode::Plain, "plain text");
                ui.radio_value(&mut self.mode, SearchMode::WholeWords, "whole words");
                ui.radio_value(&mut self.mode, SearchMode::Regex, "regular expression");
                ui.checkbox(&mut self.match_case, "match case");
                let can = !self.busy() && !self.text.is_empty();
                if (ui.add_enabled(can, egui::Button::new("Find matches")).clicked() || (enter && can)) && !self.text.is_empty() {
                    out.push(Command::Task(self.start(root, documents, corpus.cloned())));
                }
                if self.busy() {
                    ui.spinner();
                }
            });
            if let Some((text, error)) = &self.message {
                let colour = if *error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
                ui.colored_label(colour, text);
            }
            if !self.undoable.is_empty() {
                let n = self.undoable.len();
                let undo = ui.button(format!("Undo tagging in {n} other document(s)")).on_hover_text(
                    "removes exactly the passages this tagging added to them; anything else in them stays (Undo in the menu takes back the open document's)",
                );
                if undo.clicked() {
                    out.push(Command::UntagHits { documents: std::mem::take(&mut self.undoable) });
                    self.message = Some((format!("Undoing the tagging in {n} other document(s)…"), false));
                }
            }
            if self.from.as_deref() != Some(root) {
                return;
            }
            let docs = self.hits.iter().map(|(h, _)| &h.document).collect::<std::collections::HashSet<_>>().len();
            ui.label(format!("{} match(es) in {docs} document(s)", self.hits.len()));
            ui.horizontal(|ui| {
                if ui.button("Select all").clicked() {
                    self.hits.iter_mut().for_each(|(_, t)| *t = true);
                }
                if ui.button("Select none").clicked() {
                    self.hits.iter_mut().for_each(|(_, t)| *t = false);
                }
                ui.separator();
                ui.label("Code");
                let shown = self
                    .code
                    .as_deref()
                    .and_then(|c| codebook.code(c))
                    .map_or_else(|| "choose a code".to_owned(), |c| c.name.clone());
                egui::ComboBox::from_id_salt("find-folder-code").selected_text(shown).show_ui(ui, |ui| {
                    for c in &codebook.codes {
                        ui.selectable_value(&mut self.code, Some(c.id.clone()), &c.name);
                    }
                });
                let n = self.ticked();
                let tag = ui.add_enabled(n > 0 && self.code.is_some(), egui::Button::new(format!("Tag {n} selected")));
                if tag.clicked()
                    && let Some(code) = &self.code
                {
                    let hits: Vec<Hit> = self.hits.iter().filter(|(_, t)| *t).map(|(h, _)| h.clone()).collect();
                    out.push(Command::TagHits { code: code.clone(), hits });
                    self.undoable.clear();
                    self.message = Some((format!("Tagging {n} match(es)…"), false));
                }
            });
            ui.separator();
            let total = self.hits.len();
            egui::ScrollArea::vertical().id_salt("find-folder-hits").auto_shrink([false, false]).show_rows(
                ui,
                ROW,
                total,
                |ui, range| {
                    for (hit, ticked) in &mut self.hits[range] {
                        let name = hit.document.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        ui.horizontal(|ui| {
                            let spoken = format!("{name}: {}{}{}", hit.before, hit.text, hit.after);
                            let r = ui.checkbox(ticked, "");
                            r.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, *ticked, &spoken));
                            ui.label(RichText::new(&name).small());
                            ui.label(RichText::new(&hit.before).weak());
                            ui.label(RichText::new(&hit.text).strong().underline());
                            ui.label(RichText::new(&hit.after).weak());
                        });
                    }
                },
            );
        });
        self.open = open;
    }

    /// What became of a tagging (shown in the window).
    pub fn tagged(&mut self, said: String, error: bool) {
        self.message = Some((said, error));
    }
}
