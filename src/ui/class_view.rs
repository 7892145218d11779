//! The teacher's class dashboard: a window over a class folder (one with a `class.ron` that
//! names the answer key) with
//!
//! - a table of students by texts (F1, precision or recall as percentages, over all codes or
//!   one), the mean, and the grade on the rubric's scale, sorted by a click on a heading; a
//!   click on a cell opens that student's work on that text beside the key in the compare view;
//! - a bar chart of the class per code (mean F1, or the share of the key's passages found);
//! - per text, a heatmap on the text (each key passage shaded by the share of students who found
//!   it, the marks not in the key underlined; a click lists who found and who missed a passage,
//!   see [`super::class_heatmap`]), and the key's passages with how many students found each,
//!   least found first, and the marks that are not in the key gathered by overlap;
//! - the rubric (points per code, the scale) and a comment per student, saved in `class.ron`
//!   as annotations are saved in a sidecar: shortly after typing pauses, on the worker
//!   ([`DashboardJob::Save`]), at once when the class folder is left, and before the window closes;
//! - anonymous mode: every student shown by their pseudonym (also in the compare view and in
//!   what the dashboard exports while it is on).
//!
//! Every figure is read off [`crate::class::grade_scores`] (through [`Graded::grades`] and
//! [`crate::class::passages::summarize`]): the dashboard computes nothing the CLI could not
//! print. Grading reads every sidecar of the folder, so it runs on the app's worker
//! ([`DashboardJob`]), with progress; the window keeps drawing meanwhile.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use egui::{Color32, RichText, Sense};

use super::class_heatmap::{HeatInput, Heatmap, Picked, describe};
use super::command::Command;
use super::doc_view::code_colour;
use super::saver::{DEBOUNCE, Due, RETRY, clock};
use super::state::{ClassCommand, ClassInfo, ClassSaveState};
use super::view::ViewCtx;
use crate::agree::ALL;
use crate::class::passages::{PassageSummary, summarize};
use crate::class::{ClassManifest, GradeScale, Graded, Grades, Rubric};
use crate::codebook::Codebook;
use crate::document::{Document, excerpt};
use crate::error::Error;

/// Disk work of the dashboard, run on the app's worker thread.
pub enum DashboardJob {
    /// Reads `class.ron`, the students of an opened folder and their pseudonyms (kept in
    /// `store`, else only in `known`, this run's maps).
    Read {
        root: PathBuf,
        store: Option<PathBuf>,
        known: BTreeMap<uuid::Uuid, crate::class::pseudonym::PseudonymMap>,
    },
    /// Grades the class folder.
    Grade(PathBuf),
    /// Opens the compare view of a document on one student and the key (pseudonyms given when
    /// anonymous).
    OpenPair {
        document: Arc<Document>,
        student: String,
        key: String,
        aliases: BTreeMap<String, String>,
    },
    /// Writes the rubric and the comments as edited up to `revision` into `class.ron`.
    Save {
        root: PathBuf,
        rubric: Rubric,
        comments: BTreeMap<String, String>,
        revision: u64,
    },
    /// Writes the feedback pages; with `aliases` (real name → pseudonym), anonymous ones.
    Feedback {
        root: PathBuf,
        out: PathBuf,
        aliases: Option<BTreeMap<String, String>>,
    },
    Write {
        path: PathBuf,
        text: String,
    },
}

/// What the worker reports about the dashboard's jobs.
pub enum DashboardDone {
    /// `None`: the folder has no class manifest.
    Read { root: PathBuf, result: Result<Option<ClassInfo>, Error> },
    /// Texts graded, of how many.
    Progress { root: PathBuf, done: usize, total: usize },
    /// The grades with what the dashboard derives from them, made on the worker.
    Graded { root: PathBuf, result: Result<Box<Loaded>, Error> },
    /// The rubric and comments as edited up to `revision` were written into `class.ron`, or why not.
    Saved { root: PathBuf, revision: u64, result: Result<ClassManifest, Error> },
    /// A file or files were written: the message to show, or why not.
    Wrote(Result<String, Error>),
}

/// The tabs of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Students,
    Codes,
    Passages,
    Rubric,
}

/// The figure the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Figure {
    #[default]
    F1,
    Precision,
    Recall,
}

impl Figure {
    fn label(self) -> &'static str {
        match self {
            Figure::F1 => "F1",
            Figure::Precision => "Precision",
            Figure::Recall => "Recall",
        }
    }
}

/// What the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Student,
    /// A text's column.
    Text(usize),
    Mean,
    Grade,
}

/// What the bar chart shows per code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartFigure {
    #[default]
    MeanF1,
    ShareFound,
}

/// One student's line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The real name (the table shows the name or the pseudonym).
    pub student: String,
    /// Per text, the figure as a share from 0 to 1 (None: undefined or not in play).
    pub values: Vec<Option<f64>>,
    pub mean: Option<f64>,
    /// On the rubric's scale.
    pub grade: Option<f64>,
}

/// The grades as loaded, and what is derived from them once (on the worker).
pub struct Loaded {
    root: PathBuf,
    graded: Graded,
    grades: Grades,
    /// (student, text, code) → index into `grades.rows`.
    index: HashMap<(String, String, String), usize>,
    /// Every code graded, (id, name), in first-seen order.
    codes: Vec<(String, String)>,
    /// Per text, its passage summary.
    passages: Vec<PassageSummary>,
}

impl Loaded {
    pub(super) fn new(root: PathBuf, graded: Graded) -> Self {
        let grades = graded.grades();
        let mut index = HashMap::new();
        let mut codes: Vec<(String, String)> = Vec::new();
        for (i, r) in grades.rows.iter().enumerate() {
            index.insert((r.student.clone(), r.document.clone(), r.code.clone()), i);
            if r.code != ALL && !codes.iter().any(|(c, _)| *c == r.code) {
                codes.push((r.code.clone(), r.code_name.clone()));
            }
        }
        let passages = graded.texts.iter().map(summarize).collect();
        Self { root, graded, grades, index, codes, passages }
    }

    fn row(&self, student: &str, doc: &str, code: &str) -> Option<&crate::class::GradeRow> {
        self.index.get(&(student.to_owned(), doc.to_owned(), code.to_owned())).map(|&i| &self.grades.rows[i])
    }
}

/// The dashboard window. It owns the grades it shows (as the compare view owns its figures)
/// and its widgets' state; the class manifest and the anonymous setting are the app's.
#[derive(Default)]
pub struct ClassDashboard {
    pub open: bool,
    /// The answer key's name as typed (see [`super::class_key`]).
    pub key_input: String,
    /// Grading under way: (texts done, of how many).
    pub progress: Option<(usize, usize)>,
    loaded: Option<Loaded>,
    pub error: Option<String>,
    /// The last confirmation or error of an export.
    pub message: Option<(String, bool)>,
    pub tab: Tab,
    /// The code the table shows (None: all codes).
    pub code: Option<String>,
    pub figure: Figure,
    pub sort: SortBy,
    pub descending: bool,
    pub chart: ChartFigure,
    /// The text of the passages tab.
    pub text: usize,
    /// The student whose comment is being edited.
    pub selected: Option<String>,
    /// The rubric and comments as edited (saved into `class.ron` as they are typed).
    pub rubric: Rubric,
    pub comments: BTreeMap<String, String>,
    /// Where the edits of the rubric and comments stand against `class.ron`.
    autosave: Autosave,
    /// A student's work to open beside the key once their text has opened: (text, student).
    pub pending_pair: Option<(PathBuf, String)>,
    /// The heatmap on the text of the passages tab.
    heatmap: Heatmap,
    /// The table as last computed, and for what (it is drawn every frame).
    table_cache: Option<(TableKey, Vec<TableRow>)>,
    /// In anonymous mode, the class's real name → pseudonym (the app's one map); `None`: names
    /// are shown.
    names: Option<BTreeMap<String, String>>,
    /// Counts the changes of the grades, the rubric and the comments.
    generation: u64,
}

/// When the rubric and comments are saved: the pattern of the document's [`super::saver`],
/// counted in revisions of the edits rather than of a session.
#[derive(Default)]
struct Autosave {
    /// Counts the edits of the rubric and the comments.
    revision: u64,
    /// The last revision written into `class.ron`.
    saved: u64,
    /// The last revision handed to the worker.
    sent: u64,
    /// Saves handed to the worker and not answered yet.
    in_flight: usize,
    /// When the last edit was made, or the last save handed over or failed.
    changed_at: Option<Instant>,
    /// Why the last save failed (it is tried again after [`RETRY`]).
    error: Option<String>,
    /// When the last save finished, "12:04:31".
    saved_at: Option<String>,
}

/// What the table's lines depend on besides the grades: (code, figure, sort, descending,
/// generation).
type TableKey = (Option<String>, Figure, SortBy, bool, u64);

/// "72 %" for a share, "n/a" when undefined.
fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl ClassDashboard {
    /// Grading started for `root`.
    pub fn started(&mut self) {
        self.open = true;
        self.progress = Some((0, 0));
        self.error = None;
    }

    /// Are the grades in?
    pub fn ready(&self) -> bool {
        self.loaded.is_some() && self.progress.is_none()
    }

    /// The grades shown, if any (tests and the benchmark read them).
    pub fn grades(&self) -> Option<&Grades> {
        self.loaded.as_ref().map(|l| &l.grades)
    }

    /// The class folder graded.
    pub fn root(&self) -> Option<&Path> {
        self.loaded.as_ref().map(|l| l.root.as_path())
    }

    /// Takes in what the worker reports.
    pub fn take_in(&mut self, done: DashboardDone) {
        match done {
            DashboardDone::Progress { done, total, .. } => self.progress = Some((done, total)),
            DashboardDone::Graded { result, .. } => {
                self.progress = None;
                match result {
                    Ok(loaded) => {
                        let mut loaded = *loaded;
                        if self.root() != Some(loaded.root.as_path()) {
                            // Another class: its rubric and comments are the ones on disk (the
                            // edits of the class left were handed to the worker when it was left).
                            self.autosave = Autosave::default();
                        }
                        if !self.has_unsaved() {
                            self.rubric = loaded.graded.rubric.clone();
                            self.comments = loaded.graded.comments.clone();
                        }
                        // Edits not saved yet weigh the figures shown.
                        loaded.grades.rubric = self.rubric.clone();
                        loaded.grades.comments = self.comments.clone();
                        self.text = self.text.min(loaded.graded.texts.len().saturating_sub(1));
                        self.loaded = Some(loaded);
                        self.generation += 1;
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            DashboardDone::Saved { root, revision, result } => {
                // A class left since: the app says if that save failed.
                if self.root() != Some(root.as_path()) {
                    return;
                }
                let a = &mut self.autosave;
                a.in_flight = a.in_flight.saturating_sub(1);
                match result {
                    Ok(_) => {
                        a.saved = a.saved.max(revision);
                        a.error = None;
                        a.saved_at = Some(clock());
                    }
                    Err(e) => {
                        a.error = Some(e.to_string());
                        a.changed_at = Some(Instant::now());
                    }
                }
            }
            DashboardDone::Wrote(result) => {
                self.message = Some(match result {
                    Ok(text) => (text, false),
                    Err(e) => (e.to_string(), true),
                })
            }
            DashboardDone::Read { .. } => {}
        }
    }

    /// Were the rubric or a comment edited and not written into `class.ron` yet?
    pub fn has_unsaved(&self) -> bool {
        self.autosave.revision != self.autosave.saved
    }

    /// The rubric or a comment was edited: the figures follow, and a save is due after a pause.
    fn note_edit(&mut self) {
        self.autosave.revision += 1;
        self.autosave.changed_at = Some(Instant::now());
        self.refresh_rubric();
    }

    /// Is a save of the rubric and comments due? Like the document's autosave: a short pause
    /// after the last edit, one save at a time, a longer wait after a failure. `hurry`: the class
    /// folder is being left, so no pause is waited for (a failed save still waits to be retried).
    pub fn save_due(&self, hurry: bool) -> Due {
        let a = &self.autosave;
        if self.loaded.is_none() || !self.has_unsaved() {
            return Due::No;
        }
        if hurry && a.error.is_none() {
            return if a.sent == a.revision { Due::No } else { Due::Now };
        }
        if a.in_flight > 0 {
            return Due::No;
        }
        let wait = if a.error.is_some() { RETRY } else { DEBOUNCE };
        let since = a.changed_at.map_or(wait, |t| t.elapsed());
        if since >= wait { Due::Now } else { Due::After(wait - since) }
    }

    /// Must a save be handed over now, the window closing: edits not handed over yet, or a
    /// failed save to try once more.
    pub fn must_save_now(&self) -> bool {
        let a = &self.autosave;
        self.loaded.is_some() && self.has_unsaved() && (a.sent != a.revision || (a.error.is_some() && a.in_flight == 0))
    }

    /// The save of the rubric and comments as edited, for the worker (counted as handed over).
    pub fn save_job(&mut self) -> Option<DashboardJob> {
        let root = self.loaded.as_ref()?.root.clone();
        let a = &mut self.autosave;
        a.in_flight += 1;
        a.sent = a.revision;
        a.changed_at = Some(Instant::now());
        Some(DashboardJob::Save { root, rubric: self.rubric.clone(), comments: self.comments.clone(), revision: a.revision })
    }

    /// Where the rubric and comments stand; None when nothing was edited or saved in this run.
    pub fn save_state(&self) -> Option<ClassSaveState> {
        let a = &self.autosave;
        if let Some(e) = &a.error {
            Some(ClassSaveState::Failed(e.clone()))
        } else if self.has_unsaved() || a.in_flight > 0 {
            Some(ClassSaveState::Saving)
        } else {
            a.saved_at.clone().map(ClassSaveState::Saved)
        }
    }

    /// The save state in words, under the comment and the rubric (where they are typed).
    fn save_state_ui(&self, ui: &mut egui::Ui) {
        match self.save_state() {
            Some(ClassSaveState::Failed(e)) => {
                let text = format!("⚠ Rubric and comments not saved: {e}. They are kept here and saving is retried.");
                ui.label(RichText::new(text).color(ui.visuals().error_fg_color).strong());
            }
            Some(ClassSaveState::Saving) => {
                ui.label("Rubric and comments: Saving…");
            }
            Some(ClassSaveState::Saved(at)) => {
                ui.label(format!("Rubric and comments: saved in class.ron at {at}"));
            }
            None => {
                ui.label(RichText::new("The rubric and comments are saved in class.ron as you type.").weak());
            }
        }
    }

    /// The table's lines, computed again only when what they depend on changed.
    fn cached_table(&mut self) -> Vec<TableRow> {
        let key = (self.code.clone(), self.figure, self.sort, self.descending, self.generation);
        if let Some((k, rows)) = &self.table_cache
            && *k == key
        {
            return rows.clone();
        }
        let rows = self.table();
        self.table_cache = Some((key, rows.clone()));
        rows
    }

    /// The table's lines in the order shown.
    pub fn table(&self) -> Vec<TableRow> {
        let Some(l) = &self.loaded else { return Vec::new() };
        let code = self.code.as_deref().unwrap_or(ALL);
        let mut rows: Vec<TableRow> = l
            .grades
            .students
            .iter()
            .map(|s| {
                let values: Vec<Option<f64>> = l
                    .grades
                    .documents
                    .iter()
                    .map(|d| {
                        l.row(s, d, code).and_then(|r| match self.figure {
                            Figure::F1 => r.f1.value(),
                            Figure::Precision => r.precision.value(),
                            Figure::Recall => r.recall.value(),
                        })
                    })
                    .collect();
                let mean = mean(values.iter().flatten().copied());
                TableRow { student: s.clone(), values, mean, grade: l.grades.grade(s) }
            })
            .collect();
        let key = |r: &TableRow| -> Option<f64> {
            match self.sort {
                SortBy::Student => None,
                SortBy::Text(i) => r.values.get(i).copied().flatten(),
                SortBy::Mean => r.mean,
                SortBy::Grade => r.grade,
            }
        };
        // By the names shown: in anonymous mode the order of the real names would tell them.
        let names: HashMap<String, (usize, String)> =
            rows.iter().map(|r| (r.student.clone(), self.sort_name(&r.student))).collect();
        let name = |r: &TableRow| &names[&r.student];
        rows.sort_by(|a, b| {
            let by = match self.sort {
                SortBy::Student => name(a).cmp(name(b)),
                _ => {
                    // Undefined figures go last whichever the direction.
                    match (key(a), key(b)) {
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        (Some(_), None) => return std::cmp::Ordering::Less,
                        (None, Some(_)) => return std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                }
            };
            let by = if self.descending { by.reverse() } else { by };
            by.then(name(a).cmp(name(b)))
        });
        rows
    }

    /// The names the table shows, in its order (names or pseudonyms).
    pub fn shown_order(&self, anonymous: bool) -> Vec<String> {
        self.table().into_iter().map(|r| if anonymous { self.shown(&r.student) } else { r.student }).collect()
    }

    /// Draws the window when open.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        // The text of a clicked cell is read in the background; the pair opens once it is in.
        if let Some((document, student)) = &self.pending_pair {
            if ctx.document_path() == Some(document.as_path()) {
                out.push(Command::Dashboard(ClassCommand::OpenPair { document: document.clone(), student: student.clone() }));
                self.pending_pair = None;
            } else if ctx.opening.is_none() {
                // It did not open (the app says why).
                self.pending_pair = None;
            }
        }
        if !self.open {
            return;
        }
        self.follow_anonymity(ctx);
        let mut open = self.open;
        egui::Window::new("Class dashboard").open(&mut open).default_size([980.0, 640.0]).show(ui.ctx(), |ui| {
            self.contents(ui, ctx, out);
        });
        self.open = open && self.open;
    }

    fn contents(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let anonymous = ctx.settings.anonymous;
        let graded_texts = self.loaded.as_ref().map(|l| l.graded.texts.len());
        super::class_key::key_bar(ui, ctx, graded_texts, &mut self.key_input, out);
        if let Some(l) = &self.loaded {
            super::class_key::roster_lines(ui, ctx, &l.graded);
        }
        ui.horizontal_wrapped(|ui| {
            if let Some(class) = ctx.class {
                let title = if class.manifest.title.trim().is_empty() { "Class" } else { class.manifest.title.as_str() };
                ui.heading(title);
            }
            let mut anon = anonymous;
            if ui
                .checkbox(&mut anon, "Anonymous (Student A, B, ...)")
                .on_hover_text("Show every student by a pseudonym, here, in the compare view and in exports")
                .changed()
            {
                out.push(Command::Dashboard(ClassCommand::SetAnonymous(anon)));
            }
            if ui.add_enabled(self.progress.is_none(), egui::Button::new("Grade again")).clicked() {
                out.push(Command::Dashboard(ClassCommand::Grade));
            }
        });
        if let Some((done, total)) = self.progress {
            ui.horizontal(|ui| {
                ui.spinner();
                let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
                ui.add(egui::ProgressBar::new(fraction).desired_width(260.0).text(format!("Grading: {done} of {total} texts")));
            });
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some((text, is_error)) = &self.message {
            let colour = if *is_error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
            ui.label(RichText::new(text).color(colour));
        }
        if self.loaded.is_none() {
            if self.progress.is_none() && self.error.is_none() {
                ui.label("No grades yet.");
            }
            return;
        }
        ui.separator();
        ui.horizontal(|ui| {
            for (tab, label) in [
                (Tab::Students, "Students"),
                (Tab::Codes, "By code"),
                (Tab::Passages, "Passages"),
                (Tab::Rubric, "Rubric and export"),
            ] {
                ui.selectable_value(&mut self.tab, tab, label);
            }
        });
        ui.separator();
        let codebook = ctx.session.map(|s| s.edits.codebook().clone()).unwrap_or_default();
        match self.tab {
            Tab::Students => self.students_ui(ui, out),
            Tab::Codes => self.codes_ui(ui, &codebook),
            Tab::Passages => self.passages_ui(ui),
            Tab::Rubric => self.rubric_ui(ui, anonymous, out),
        }
    }

    /// Takes the app's pseudonyms while anonymous mode is on (every view names a student by
    /// the same one); the table is sorted again when they change.
    fn follow_anonymity(&mut self, ctx: &ViewCtx) {
        let names = ctx.settings.anonymous.then(|| ctx.aliases());
        let same = match (&self.names, names) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => theirs.is_some_and(|t| t == mine) || (theirs.is_none() && mine.is_empty()),
            _ => false,
        };
        if !same {
            self.names = names.map(|n| n.cloned().unwrap_or_default());
            self.generation += 1;
        }
    }

    /// The name shown for a student: their pseudonym in anonymous mode ("Student ?" until the
    /// class's pseudonyms are in).
    fn shown(&self, student: &str) -> String {
        match &self.names {
            Some(names) => names.get(student).cloned().unwrap_or_else(|| "Student ?".to_owned()),
            None => student.to_owned(),
        }
    }

    /// How a shown name sorts: pseudonyms as "Student B" before "Student AA".
    fn sort_name(&self, student: &str) -> (usize, String) {
        let shown = self.shown(student);
        (if self.names.is_some() { shown.len() } else { 0 }, shown)
    }

    fn students_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let Some(l) = &self.loaded else { return };
        let codes = l.codes.clone();
        ui.horizontal_wrapped(|ui| {
            ui.label("Show");
            for f in [Figure::F1, Figure::Precision, Figure::Recall] {
                ui.selectable_value(&mut self.figure, f, f.label());
            }
            ui.label("for");
            let shown_code = match &self.code {
                None => "all codes".to_owned(),
                Some(c) => codes.iter().find(|(id, _)| id == c).map_or_else(|| c.clone(), |(_, n)| n.clone()),
            };
            let combo = egui::ComboBox::from_id_salt("class-code").selected_text(&shown_code).show_ui(ui, |ui| {
                ui.selectable_value(&mut self.code, None, "all codes");
                for (id, name) in &codes {
                    ui.selectable_value(&mut self.code, Some(id.clone()), name);
                }
            });
            combo
                .response
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, format!("Code shown: {shown_code}")));
        });
        ui.label(RichText::new("Click a heading to sort; click a figure to open that student's work beside the key.").weak());
        let table = self.cached_table();
        let Some(l) = &self.loaded else { return };
        let documents = l.grades.documents.clone();
        let scale = l.grades.rubric.scale;
        let mut sort_clicked = None;
        let mut select = None;
        egui::ScrollArea::both().id_salt("class-table").max_height(ui.available_height() - 120.0).show(ui, |ui| {
            egui::Grid::new("class-grid").striped(true).num_columns(documents.len() + 3).show(ui, |ui| {
                let mut heading = |ui: &mut egui::Ui, text: &str, by: SortBy| {
                    ui.horizontal(|ui| {
                        let r = ui.add(egui::Button::new(RichText::new(text).strong()).frame(false));
                        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Sort by {text}")));
                        if r.clicked() {
                            sort_clicked = Some(by);
                        }
                        if self.sort == by {
                            sort_mark(ui, self.descending);
                        }
                    });
                };
                heading(ui, "Student", SortBy::Student);
                for (i, d) in documents.iter().enumerate() {
                    heading(ui, d, SortBy::Text(i));
                }
                heading(ui, "Mean", SortBy::Mean);
                heading(ui, &format!("Grade {}", scale.unit()), SortBy::Grade);
                ui.end_row();
                for row in &table {
                    let name = self.shown(&row.student);
                    if ui.selectable_label(self.selected.as_deref() == Some(row.student.as_str()), &name).clicked() {
                        select = Some(row.student.clone());
                    }
                    for (d, v) in documents.iter().zip(&row.values) {
                        let text = share(*v);
                        let r = ui
                            .add(egui::Button::new(&text).frame(false))
                            .on_hover_text(format!("Open {name}'s {d} beside the key"));
                        let label = format!("{name} on {d}: {text}");
                        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
                        if r.clicked() {
                            out.push(Command::Dashboard(ClassCommand::OpenPair {
                                document: l.root.join(d),
                                student: row.student.clone(),
                            }));
                        }
                    }
                    ui.label(share(row.mean));
                    ui.label(scale.display(row.grade));
                    ui.end_row();
                }
            });
        });
        if let Some(by) = sort_clicked {
            if self.sort == by {
                self.descending = !self.descending;
            } else {
                self.sort = by;
                // Names read A to Z; figures best first.
                self.descending = by != SortBy::Student;
            }
        }
        if let Some(s) = select {
            self.selected = Some(s);
        }
        self.comment_ui(ui);
    }

    /// The comment on the selected student, edited in place (saved with the rubric as it is typed).
    fn comment_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        let Some(student) = self.selected.clone() else {
            ui.label(RichText::new("Click a student's name to write a comment for their feedback.").weak());
            return;
        };
        let name = self.shown(&student);
        ui.label(format!("Comment on {name} (in their feedback page and the Moodle gradebook):"));
        if let Some(names) = &self.names {
            // Shown as the anonymous exports give it (the student's own names replaced), and
            // not edited: what is typed would be written back under the real name.
            let comment = self.comments.get(&student).map_or("", String::as_str);
            let shown = crate::class::replace_names(comment, &student, names);
            let mut text = shown.as_str();
            let r = ui.add(egui::TextEdit::multiline(&mut text).desired_rows(2).desired_width(f32::INFINITY));
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, false, format!("Comment on {name}")));
            ui.label(
                RichText::new("The student's name is hidden here in anonymous mode; turn it off to edit the comment.").weak(),
            );
            return;
        }
        let comment = self.comments.entry(student.clone()).or_default();
        let r = ui.add(egui::TextEdit::multiline(&mut *comment).desired_rows(2).desired_width(f32::INFINITY));
        let kept = crate::ui::field::keep_typed(ui, &r, comment);
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("Comment on {name}")));
        if r.changed() || kept {
            self.note_edit();
        }
        self.save_state_ui(ui);
    }

    /// Puts the edited rubric and comments into the figures shown.
    fn refresh_rubric(&mut self) {
        self.generation += 1;
        if let Some(l) = &mut self.loaded {
            l.grades.rubric = self.rubric.clone();
            l.grades.comments =
                self.comments.iter().filter(|(_, c)| !c.trim().is_empty()).map(|(s, c)| (s.clone(), c.clone())).collect();
        }
    }

    /// Per code: the class's mean F1, or the share of the key's passages with that code that
    /// were found ([`Grades::per_code`], as `marginalia class grade` prints it).
    pub fn per_code(&self) -> Vec<(String, String, Option<f64>)> {
        let Some(l) = &self.loaded else { return Vec::new() };
        l.grades
            .per_code()
            .into_iter()
            .map(|c| {
                let v = match self.chart {
                    ChartFigure::MeanF1 => c.mean_f1,
                    ChartFigure::ShareFound => c.share_found(),
                };
                (c.code, c.code_name, v)
            })
            .collect()
    }

    fn codes_ui(&mut self, ui: &mut egui::Ui, codebook: &Codebook) {
        use egui_plot::{Bar, BarChart};
        ui.horizontal(|ui| {
            ui.label("Per code:");
            ui.selectable_value(&mut self.chart, ChartFigure::MeanF1, "mean F1");
            ui.selectable_value(&mut self.chart, ChartFigure::ShareFound, "share of the key's passages found");
        });
        let rows = self.per_code();
        let what = match self.chart {
            ChartFigure::MeanF1 => "mean F1",
            ChartFigure::ShareFound => "share of the key's passages found",
        };
        let described: Vec<String> = rows.iter().map(|(_, name, v)| format!("{name} {}", share(*v))).collect();
        let description = format!("Bar chart of the class's {what} by code: {}", described.join(", "));
        let bars: Vec<Bar> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (id, name, v))| {
                v.map(|v| Bar::new(i as f64, v * 100.0).name(name).fill(code_colour(codebook, id)).width(0.7))
            })
            .collect();
        let names: Vec<String> = rows.iter().map(|(_, n, _)| n.clone()).collect();
        let response = super::view::fixed_bar_plot("class-code-chart", 260.0, 100.0, "%", names)
            .show(ui, |plot| plot.bar_chart(BarChart::new(what, bars)))
            .response;
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &description));
        ui.label(described.join(" | "));
    }

    fn passages_ui(&mut self, ui: &mut egui::Ui) {
        let Some(l) = &self.loaded else { return };
        if l.graded.texts.is_empty() {
            ui.label("No text has a key sidecar yet.");
            return;
        }
        let mut text = self.text;
        ui.horizontal_wrapped(|ui| {
            ui.label("Text:");
            for (i, t) in l.graded.texts.iter().enumerate() {
                ui.selectable_value(&mut text, i, t.document.file_name());
            }
        });
        if text != self.text {
            self.heatmap.picked = None;
        }
        let (Some(summary), Some(graded_text)) = (l.passages.get(text), l.graded.texts.get(text)) else { return };
        let n = l.graded.students.len();
        let code_name = |id: &str| l.codes.iter().find(|(c, _)| c == id).map_or_else(|| id.to_owned(), |(_, n)| n.clone());
        let shown: Vec<(usize, String)> = l.graded.students.iter().map(|s| self.sort_name(s)).collect();
        // In the order of the names shown (the students' own order would tell their names).
        let who = |students: &[usize]| -> String {
            let mut names: Vec<&(usize, String)> = students.iter().filter_map(|&s| shown.get(s)).collect();
            names.sort();
            names.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")
        };
        let input = HeatInput { text, document: &graded_text.document, summary, students: n, code_name: &code_name };
        let max_height = (ui.available_height() * 0.5).max(160.0);
        self.heatmap.ui(ui, &input, max_height);
        match self.heatmap.picked {
            Some(picked @ Picked::Key(i)) if i < summary.key.len() => {
                let found = &summary.key[i].found_by;
                let missed: Vec<usize> = (0..n).filter(|s| !found.contains(s)).collect();
                ui.strong(describe(&input, picked));
                let none = |s: String| if s.is_empty() { "nobody".to_owned() } else { s };
                ui.label(format!("Found it: {}", none(who(found))));
                ui.label(format!("Missed it: {}", none(who(&missed))));
            }
            Some(picked @ Picked::Extra(i)) if i < summary.extra.len() => {
                ui.strong(describe(&input, picked));
                ui.label(format!("Marked it: {}", who(&summary.extra[i].students)));
            }
            _ => {
                ui.label(RichText::new("Click a passage in the text to see who found it and who missed it.").weak());
            }
        }
        ui.separator();
        egui::ScrollArea::vertical().id_salt("class-passages").show(ui, |ui| {
            ui.strong("What did most of you miss? The key's passages, least found first");
            for k in &summary.key {
                let found = k.found_by.len();
                ui.horizontal(|ui| {
                    share_bar(ui, found, n);
                    ui.label(format!("found by {found} of {n}"));
                    ui.label(RichText::new(code_name(&k.item.code)).strong());
                    ui.label(format!("\"{}\"", excerpt(&k.item.exact, 90))).on_hover_text(if found == 0 {
                        "nobody found it".to_owned()
                    } else {
                        who(&k.found_by)
                    });
                });
            }
            ui.add_space(8.0);
            ui.strong("Marked by students, not in the key (overlapping marks together), most students first");
            if summary.extra.is_empty() {
                ui.label("None.");
            }
            for c in &summary.extra {
                let count = c.students.len();
                let codes: Vec<String> = c.codes.iter().map(|(id, k)| format!("{} x{k}", code_name(id))).collect();
                ui.horizontal(|ui| {
                    share_bar(ui, count, n);
                    ui.label(format!("{count} of {n} students"));
                    ui.label(RichText::new(codes.join(", ")).strong());
                    ui.label(format!("\"{}\"", excerpt(&c.quote, 90))).on_hover_text(who(&c.students));
                });
            }
        });
        self.text = text;
    }

    fn rubric_ui(&mut self, ui: &mut egui::Ui, anonymous: bool, out: &mut Vec<Command>) {
        let Some(l) = &self.loaded else { return };
        let codes = l.codes.clone();
        let root = l.root.clone();
        let mut changed = false;
        ui.strong("Scale");
        ui.horizontal(|ui| {
            let percent = self.rubric.scale == GradeScale::Percent;
            if ui.radio(percent, "Percent").clicked() && !percent {
                self.rubric.scale = GradeScale::Percent;
                changed = true;
            }
            let mut n = match self.rubric.scale {
                GradeScale::OutOf(n) => n,
                GradeScale::Percent => 20.0,
            };
            if ui.radio(!percent, "Out of").clicked() && percent {
                self.rubric.scale = GradeScale::OutOf(n);
                changed = true;
            }
            let r = ui.add_enabled(!percent, egui::DragValue::new(&mut n).range(1.0..=1000.0).speed(1.0));
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, !percent, "Out of how many points"));
            if r.changed() {
                self.rubric.scale = GradeScale::OutOf(n);
                changed = true;
            }
        });
        ui.add_space(6.0);
        ui.strong("Points per code");
        ui.label(
            RichText::new(
                "With no points, a text's grade is its F1 over all codes. With points, it is the points-weighted mean of \
                 each code's F1 (codes without points do not count).",
            )
            .weak(),
        );
        egui::Grid::new("class-rubric").num_columns(2).show(ui, |ui| {
            for (id, name) in &codes {
                ui.label(name);
                let mut p = self.rubric.points.get(id).copied().unwrap_or(0.0);
                let r = ui.add(egui::DragValue::new(&mut p).range(0.0..=1000.0).speed(0.5));
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, format!("Points for {name}")));
                if r.changed() {
                    if p > 0.0 {
                        self.rubric.points.insert(id.clone(), p);
                    } else {
                        self.rubric.points.remove(id);
                    }
                    changed = true;
                }
                ui.end_row();
            }
        });
        if changed {
            self.note_edit();
        }
        self.save_state_ui(ui);
        ui.separator();
        ui.strong("Export");
        if anonymous {
            ui.label(
                "Anonymous mode is on: exports name students by their pseudonyms, in files of their own (named files are never overwritten).",
            );
        }
        // Anonymous and named exports never share a file name.
        let (feedback, moodle, canvas_file) = if anonymous {
            ("feedback-anonymous", "gradebook-moodle-anonymous.csv", "gradebook-canvas-anonymous.csv")
        } else {
            ("feedback", "gradebook-moodle.csv", "gradebook-canvas.csv")
        };
        ui.horizontal_wrapped(|ui| {
            if ui.button("Write feedback pages").on_hover_text(format!("Into {}", root.join(feedback).display())).clicked() {
                // The pages read the comments from class.ron: what was just typed goes first.
                out.push(Command::Dashboard(ClassCommand::SaveNow));
                out.push(Command::Dashboard(ClassCommand::WriteFeedback { out: root.join(feedback) }));
            }
            for (label, file, canvas) in [("Export Moodle CSV", moodle, false), ("Export Canvas CSV", canvas_file, true)] {
                if ui.button(label).on_hover_text(format!("Into {}", root.join(file).display())).clicked() {
                    out.extend(self.gradebook_command(&root.join(file), canvas));
                }
            }
        });
    }

    /// A gradebook of the grades shown, with the app's pseudonyms in anonymous mode.
    fn gradebook_command(&mut self, path: &Path, canvas: bool) -> Option<Command> {
        let l = self.loaded.as_ref()?;
        let grades = match &self.names {
            Some(names) => l.grades.clone().anonymized_with(names),
            None => l.grades.clone(),
        };
        let text = if canvas { crate::class::canvas_csv(&grades) } else { crate::class::gradebook_csv(&grades) };
        match text {
            Ok(text) => Some(Command::Dashboard(ClassCommand::WriteGradebook { path: path.to_path_buf(), text })),
            Err(e) => {
                self.message = Some((e.to_string(), true));
                None
            }
        }
    }
}

/// A small triangle after a sorted heading: pointing down when descending. Drawn, not typed,
/// so that it needs no glyph from the font.
fn sort_mark(ui: &mut egui::Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), Sense::hover());
    let c = rect.center();
    let colour = ui.visuals().text_color();
    let points = if descending {
        vec![egui::pos2(c.x - 4.0, c.y - 3.0), egui::pos2(c.x + 4.0, c.y - 3.0), egui::pos2(c.x, c.y + 3.0)]
    } else {
        vec![egui::pos2(c.x - 4.0, c.y + 3.0), egui::pos2(c.x + 4.0, c.y + 3.0), egui::pos2(c.x, c.y - 3.0)]
    };
    ui.painter().add(egui::Shape::convex_polygon(points, colour, egui::Stroke::NONE));
}

/// A small bar: `n` of `of` filled.
fn share_bar(ui: &mut egui::Ui, n: usize, of: usize) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(80.0, 12.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
    painter.rect_stroke(rect, 2.0, egui::Stroke::new(1.0, ui.visuals().weak_text_color()), egui::StrokeKind::Inside);
    if of > 0 {
        let mut filled = rect;
        filled.set_width(rect.width() * n as f32 / of as f32);
        painter.rect_filled(filled, 2.0, Color32::from_rgb(0x00, 0x72, 0xB2));
    }
}
