//! The Retrieve window: every coded passage of the open folder that meets conditions on codes,
//! coders, document variables and text, listed by the core's [`crate::retrieve::retrieve`] (the
//! same rows `marginalia retrieve` prints). The folder is read on a worker thread, so the
//! window never blocks a frame; clicking a passage's document opens it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};

use egui::RichText;

use super::command::Command;
use crate::document::excerpt;
use crate::error::Error;
use crate::retrieve::{Passage, Query};
use crate::vars::Condition;

/// What the user typed: the CLI's options, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetrieveForm {
    /// Code ids or names, separated by commas.
    pub codes: String,
    pub all_codes: bool,
    /// Coder names, separated by commas.
    pub coders: String,
    /// Conditions on variables, separated by `;` (`outlet=Coast Gazette; pages>=4`).
    pub conditions: String,
    pub text: String,
}

fn split(s: &str, by: char) -> Vec<String> {
    s.split(by).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// Reads the folder and retrieves what `form` asks for, as `marginalia retrieve` does.
pub fn run_form(folder: &Path, form: &RetrieveForm) -> Result<Vec<Passage>, Error> {
    let conditions = split(&form.conditions, ';').iter().map(|c| Condition::parse(c)).collect::<Result<Vec<_>, _>>()?;
    let mut corpus = crate::corpus::load(folder)?;
    // In the app a class's answer key is not a coder (its passages are the answers).
    crate::class::without_key(&mut corpus);
    let query = Query {
        codes: crate::retrieve::resolve_codes(&corpus, &split(&form.codes, ','))?,
        all_codes: form.all_codes,
        coders: split(&form.coders, ','),
        conditions,
        text: Some(form.text.trim().to_owned()).filter(|t| !t.is_empty()),
    };
    crate::retrieve::retrieve(&corpus, &query)
}

/// What the worker thread sends back.
type Retrieved = Result<Vec<Passage>, Error>;

#[derive(Default)]
pub struct RetrieveView {
    pub open: bool,
    pub form: RetrieveForm,
    /// The folder the results are from, and the results (or why there are none).
    pub results: Option<(PathBuf, Result<Vec<Passage>, String>)>,
    /// The folder being read and where its result will arrive.
    running: Option<(PathBuf, Receiver<Retrieved>)>,
}

impl RetrieveView {
    /// Is a retrieval still running?
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    fn start(&mut self, folder: &Path) {
        let (tx, rx) = channel();
        let (folder, form) = (folder.to_path_buf(), self.form.clone());
        self.running = Some((folder.clone(), rx));
        std::thread::spawn(move || {
            let _ = tx.send(run_form(&folder, &form));
        });
    }

    fn poll(&mut self, ctx: &egui::Context) {
        let Some((folder, rx)) = &self.running else { return };
        match rx.try_recv() {
            Ok(result) => {
                self.results = Some((folder.clone(), result.map_err(|e| e.to_string())));
                self.running = None;
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => ctx.request_repaint_after(std::time::Duration::from_millis(50)),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.results = Some((folder.clone(), Err("the search stopped unexpectedly".to_owned())));
                self.running = None;
            }
        }
    }

    /// Draws the window (when open) for the open `folder`; a click on a document asks to open it.
    /// `aliases`: coder names to show by a pseudonym (a class in anonymous mode).
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        folder: Option<&Path>,
        aliases: Option<&std::collections::BTreeMap<String, String>>,
        out: &mut Vec<Command>,
    ) {
        self.poll(ctx);
        let mut open = self.open;
        egui::Window::new("Retrieve passages").open(&mut open).default_size([720.0, 480.0]).show(ctx, |ui| {
            let Some(folder) = folder else {
                ui.label("Open a folder to retrieve passages across its documents.");
                return;
            };
            egui::Grid::new("retrieve-form").num_columns(2).show(ui, |ui| {
                ui.label("Codes");
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut self.form.codes).hint_text("ids or names, comma-separated"));
                    ui.checkbox(&mut self.form.all_codes, "all of them")
                        .on_hover_text("only passages on which the same coder also coded every other listed code");
                });
                ui.end_row();
                ui.label("Coders");
                ui.add(egui::TextEdit::singleline(&mut self.form.coders).hint_text("all; or names, comma-separated"));
                ui.end_row();
                ui.label("Where");
                ui.add(egui::TextEdit::singleline(&mut self.form.conditions).hint_text("outlet=Coast Gazette; pages>=4"));
                ui.end_row();
                ui.label("Text");
                ui.add(egui::TextEdit::singleline(&mut self.form.text).hint_text("in the passage or its note"));
                ui.end_row();
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!self.busy(), egui::Button::new("Retrieve")).clicked() {
                    self.start(folder);
                }
                if self.busy() {
                    ui.spinner();
                    ui.label("Reading the folder…");
                }
            });
            ui.separator();
            match &self.results {
                Some((from, Ok(passages))) if from == folder => {
                    let documents = passages.iter().map(|p| &p.document).collect::<std::collections::HashSet<_>>().len();
                    ui.label(format!("{} passage(s) in {documents} document(s)", passages.len()));
                    egui::ScrollArea::vertical().id_salt("retrieve-results").show(ui, |ui| {
                        egui::Grid::new("retrieve-rows").striped(true).num_columns(5).show(ui, |ui| {
                            for p in passages {
                                if ui.link(&p.document).on_hover_text("open the document").clicked() {
                                    out.push(Command::OpenPath(folder.join(&p.document)));
                                }
                                ui.label(aliases.and_then(|a| a.get(&p.coder)).unwrap_or(&p.coder));
                                ui.label(&p.code_name);
                                ui.label(excerpt(&p.exact, 60)).on_hover_text(&p.exact);
                                ui.label(RichText::new(excerpt(&p.note, 40)).italics());
                                ui.end_row();
                            }
                        });
                    });
                }
                Some((from, Err(e))) if from == folder => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                _ => {}
            }
        });
        self.open = open;
    }
}
