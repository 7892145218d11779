//! The Retrieve window: every coded passage of the open folder that meets conditions on codes,
//! coders, document variables and text, listed by the core's [`crate::retrieve::retrieve`] (the
//! same rows `marginalia retrieve` prints), or the passages of one cell of the code matrix. It
//! queries the folder the app has read ([`super::folder_load`]), or reads it first while that
//! is still under way, on a thread of its own, so the window never blocks a frame; clicking a
//! passage's document opens it. The list exports to CSV, JSON, Excel and HTML.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;

use super::command::Command;
use super::task::{Pending, Task};
use crate::corpus::Corpus;
use crate::document::excerpt;
use crate::error::Error;
use crate::matrix::MatrixQuery;
use crate::retrieve::write::PassageFormat;
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

/// The query `form` describes, checked against `corpus` (codes given by name are resolved).
pub fn query_of(corpus: &Corpus, form: &RetrieveForm) -> Result<Query, Error> {
    let conditions = split(&form.conditions, ';').iter().map(|c| Condition::parse(c)).collect::<Result<Vec<_>, _>>()?;
    Ok(Query {
        codes: crate::retrieve::resolve_codes(corpus, &split(&form.codes, ','))?,
        all_codes: form.all_codes,
        coders: split(&form.coders, ','),
        conditions,
        text: Some(form.text.trim().to_owned()).filter(|t| !t.is_empty()),
    })
}

/// Reads the folder and retrieves what `form` asks for, as `marginalia retrieve` does.
pub fn run_form(folder: &Path, form: &RetrieveForm) -> Result<Vec<Passage>, Error> {
    let mut corpus = crate::corpus::load(folder)?;
    // In the app a class's answer key is not a coder (its passages are the answers).
    crate::class::without_key(&mut corpus);
    crate::retrieve::retrieve(&corpus, &query_of(&corpus, form)?)
}

/// What to list: the form's query, or the passages of one cell of a code matrix.
#[derive(Debug, Clone)]
enum Ask {
    Form(RetrieveForm),
    Cell(Cell),
}

/// One cell of a code matrix: its indexes in the matrix shown, and its row's code id and
/// column's name, by which it is found in the folder the passages are listed from.
#[derive(Debug, Clone)]
pub struct Cell {
    pub query: MatrixQuery,
    pub row: usize,
    pub col: usize,
    pub row_id: String,
    pub col_name: String,
}

/// Lists what `ask` asks for, on the loaded folder if there is one, else reading `folder`.
fn run(folder: &Path, corpus: Option<&Corpus>, ask: &Ask) -> Result<Vec<Passage>, Error> {
    let loaded;
    let corpus = match corpus {
        Some(c) => c,
        None => {
            let mut corpus = crate::corpus::load(folder)?;
            crate::class::without_key(&mut corpus);
            loaded = corpus;
            &loaded
        }
    };
    match ask {
        Ask::Form(form) => crate::retrieve::retrieve(corpus, &query_of(corpus, form)?),
        Ask::Cell(cell) => {
            // The folder may have been read again since the matrix was shown: the cell is
            // found by its code and column, not by where it was.
            let m = crate::matrix::build(corpus, &cell.query)?;
            let row = m.rows.iter().position(|r| *r == cell.row_id).unwrap_or(cell.row);
            let col = m.cols.iter().position(|c| *c == cell.col_name).unwrap_or(cell.col);
            crate::matrix::cell_passages(corpus, &cell.query, row, col)
        }
    }
}

/// What the worker thread sends back.
type Retrieved = Result<Vec<Passage>, Error>;

#[derive(Default)]
pub struct RetrieveView {
    pub open: bool,
    pub form: RetrieveForm,
    /// The folder the results are from, and the results (or why there are none).
    pub results: Option<(PathBuf, Result<Vec<Passage>, String>)>,
    /// What the results are, when not the form's query (a cell of the code matrix).
    pub caption: Option<String>,
    /// The file the list is exported to (typed, or chosen in a file dialog).
    pub export_path: String,
    /// The folder being read and where its result will arrive.
    running: Option<(PathBuf, Pending<Retrieved>)>,
}

impl RetrieveView {
    /// Is a retrieval still running?
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// The task that retrieves `ask` from the folder, for the app to start.
    fn start(&mut self, folder: &Path, corpus: Option<Arc<Corpus>>, ask: Ask) -> Task {
        let folder = folder.to_path_buf();
        let (work, pending) = super::task::task("marginalia-retrieve", {
            let folder = folder.clone();
            move || run(&folder, corpus.as_deref(), &ask)
        });
        self.running = Some((folder, pending));
        work
    }

    /// Opens the window on the passages of one cell of a code matrix (`caption` says which);
    /// returns the task that retrieves them, for the app to start.
    pub fn show_cell(&mut self, folder: &Path, corpus: Option<Arc<Corpus>>, cell: Cell, caption: String) -> Task {
        self.open = true;
        self.caption = Some(caption);
        self.results = None;
        self.start(folder, corpus, Ask::Cell(cell))
    }

    fn poll(&mut self, ctx: &egui::Context) {
        let Some((folder, pending)) = &self.running else { return };
        let Some(result) = pending.poll(ctx) else { return };
        let result = match result {
            Ok(found) => found.map_err(|e| e.to_string()),
            Err(why) => Err(format!("the search stopped: {why}")),
        };
        self.results = Some((folder.clone(), result));
        self.running = None;
    }

    /// Draws the window (when open) for the open `folder` (`corpus`: the folder once read); a
    /// click on a document asks to open it. `aliases`: coder names to show by a pseudonym (a
    /// class in anonymous mode).
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        folder: Option<&Path>,
        corpus: Option<&Arc<Corpus>>,
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
                    let r = ui.add(egui::TextEdit::singleline(&mut self.form.codes).hint_text("ids or names, comma-separated"));
                    crate::ui::field::keep_typed(ui, &r, &mut self.form.codes);
                    ui.checkbox(&mut self.form.all_codes, "all of them")
                        .on_hover_text("only passages on which the same coder also coded every other listed code");
                });
                ui.end_row();
                ui.label("Coders");
                let r = ui.add(egui::TextEdit::singleline(&mut self.form.coders).hint_text("all; or names, comma-separated"));
                crate::ui::field::keep_typed(ui, &r, &mut self.form.coders);
                ui.end_row();
                ui.label("Where");
                let r = ui.add(egui::TextEdit::singleline(&mut self.form.conditions).hint_text("outlet=Coast Gazette; pages>=4"));
                crate::ui::field::keep_typed(ui, &r, &mut self.form.conditions);
                ui.end_row();
                ui.label("Text");
                let r = ui.add(egui::TextEdit::singleline(&mut self.form.text).hint_text("in the passage or its note"));
                crate::ui::field::keep_typed(ui, &r, &mut self.form.text);
                ui.end_row();
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!self.busy(), egui::Button::new("Retrieve")).clicked() {
                    self.caption = None;
                    let task = self.start(folder, corpus.cloned(), Ask::Form(self.form.clone()));
                    out.push(Command::Task(task));
                }
                if self.busy() {
                    ui.spinner();
                    ui.label(if corpus.is_some() { "Searching the folder…" } else { "Reading the folder…" });
                }
            });
            ui.separator();
            if let Some(caption) = &self.caption {
                ui.label(RichText::new(caption).strong());
            }
            match &self.results {
                Some((from, Ok(passages))) if from == folder => {
                    let documents = passages.iter().map(|p| &p.document).collect::<std::collections::HashSet<_>>().len();
                    ui.label(format!("{} passage(s) in {documents} document(s)", passages.len()));
                    export_row(ui, &mut self.export_path, self.caption.as_deref(), folder, passages, aliases, out);
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

/// The export line: a file (typed, or chosen with Browse) and a button per format. The file is
/// written on the app's worker, atomically.
fn export_row(
    ui: &mut egui::Ui,
    export_path: &mut String,
    caption: Option<&str>,
    folder: &Path,
    passages: &[Passage],
    aliases: Option<&std::collections::BTreeMap<String, String>>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.label("Export to");
        let r = ui.add(
            egui::TextEdit::singleline(&mut *export_path)
                .hint_text("file name (in the folder) or full path")
                .desired_width(260.0),
        );
        crate::ui::field::keep_typed(ui, &r, export_path);
        if ui.button("Browse…").clicked()
            && let Some(path) = rfd::FileDialog::new().set_directory(folder).set_file_name("passages.csv").save_file()
        {
            *export_path = path.display().to_string();
        }
        for format in PassageFormat::ALL {
            if ui.button(format.label()).on_hover_text(format!("write the list as .{}", format.extension())).clicked() {
                let typed = export_path.trim().to_owned();
                let base = if typed.is_empty() { folder.join("passages") } else { folder.join(typed) };
                let path = base.with_extension(format.extension());
                *export_path = path.display().to_string();
                let title = caption.unwrap_or("Retrieved passages");
                // Written as shown: coders by their pseudonyms in anonymous mode.
                let renamed: Vec<Passage>;
                let passages = match aliases {
                    Some(aliases) => {
                        renamed = passages
                            .iter()
                            .map(|p| Passage { coder: aliases.get(&p.coder).unwrap_or(&p.coder).clone(), ..p.clone() })
                            .collect();
                        &renamed[..]
                    }
                    None => passages,
                };
                match crate::retrieve::write::to_bytes(passages, format, title) {
                    Ok(bytes) => out.push(Command::WriteFile {
                        path: path.clone(),
                        bytes,
                        backup: false,
                        done: format!("Wrote {} passage(s) to {}.", passages.len(), path.display()),
                    }),
                    Err(e) => out.push(Command::Notify(super::view::Notice { text: e.to_string(), is_error: true })),
                }
            }
        }
    });
}
