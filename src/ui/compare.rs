//! Comparing coders in the desktop app: every coder's sidecar beside the document side by side
//! (one lane of code-coloured bars per coder beside each paragraph), the list of disagreements,
//! the agreement statistics with a chart, answer-key scoring, and adjudication into a gold
//! sidecar (`DOCUMENT.gold.annotations.ron`), which is an ordinary sidecar edited through its
//! own [`Session`] so that every adjudication step can be undone.
//!
//! The view owns what it shows (the coders offered, the tab, the figures computed from the
//! selected coders); the gold session is the app's, read through [`ViewCtx::gold`]. Accepting
//! an annotation or undoing a step pushes a [`Command`]; the app applies it with
//! [`accept_into_gold`] or [`undo_gold`] and hands the gold sidecar to its worker to save.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, Rect, RichText, Sense, vec2};
use uuid::Uuid;

use super::command::Command;
use super::doc_view::code_colour;
use super::view::ViewCtx;
use crate::agree::{self, ALL, AgreementReport, Disagreement, LoadedCoder, Measure, Score};
use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::{Code, Codebook};
use crate::document::{Document, Span};
use crate::edits::Action;
use crate::error::Error;
use crate::session::Session;

/// The coder name written into the gold sidecar and onto adjudicated annotations.
pub const GOLD_CODER: &str = "gold";

/// The gold sidecar of a document: `speech.txt` → `speech.txt.gold.annotations.ron`.
pub fn gold_path(document: &Path) -> PathBuf {
    crate::sidecar::coder_path(document, GOLD_CODER)
}

/// One sidecar offered for comparison.
pub struct Candidate {
    pub path: PathBuf,
    pub checked: bool,
    /// The coder, or why the sidecar was refused.
    pub loaded: Result<LoadedCoder, String>,
    /// The answer key named in the folder's `class.ron`: never a coder, only the key's reference.
    pub is_key: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Text,
    Disagreements,
    Annotations,
    Agreement,
    Key,
    Gold,
}

impl Tab {
    const ALL: [(Tab, &'static str); 6] = [
        (Tab::Text, "Text"),
        (Tab::Disagreements, "Disagreements"),
        (Tab::Annotations, "Annotations"),
        (Tab::Agreement, "Agreement"),
        (Tab::Key, "Answer key"),
        (Tab::Gold, "Gold"),
    ];
}

/// A miss or an extra of a student against the key, marked beside the paragraph.
pub struct Mark {
    pub missed: bool,
    pub coder: String,
    pub code: String,
    pub span: Span,
    /// The key's note (for a miss) or the student's (for an extra).
    pub note: String,
}

/// Everything computed from the coders selected: recomputed only when the selection changes.
pub struct Computed {
    pub coders: Vec<(String, Vec<Annotation>)>,
    pub codebook: Codebook,
    pub report: AgreementReport,
    pub disagreements: Vec<Disagreement>,
    /// (student, score against the key).
    pub scores: Vec<(String, Score)>,
    pub key_name: Option<String>,
    /// `lanes[coder][paragraph]`: (span, code) of the annotations covering that paragraph.
    lanes: Vec<Vec<Vec<(Span, String)>>>,
    /// Marks by paragraph.
    marks: HashMap<usize, Vec<Mark>>,
    /// Every counted annotation of every coder, in text order: (coder, index).
    listed: Vec<(usize, usize)>,
}

pub struct CompareView {
    doc: Arc<Document>,
    pub candidates: Vec<Candidate>,
    pub add_path: String,
    /// The last error or confirmation.
    pub message: Option<(String, bool)>,
    pub tab: Tab,
    /// The candidate used as answer key.
    pub key: Option<usize>,
    pub data: Option<Computed>,
    dirty: bool,
    /// The last pointer press was inside the compare panel: Ctrl+Z undoes adjudication.
    pub focused: bool,
    rect: Option<Rect>,
    /// Coder name → the name shown (class anonymous mode); empty: names as they are.
    aliases: BTreeMap<String, String>,
    /// Sidecars are being read on the worker (Rescan, Add).
    pub reading: bool,
    /// The answer key's coder as the folder's `class.ron` names it.
    class_key: Option<String>,
    /// The code ids the folder's `class.ron` asks for on this text (empty: every code), so that
    /// scoring against the key here follows the class's grades.
    asked: Vec<String>,
    /// Hide where the key has marks (the "missed" marks and their notes), e.g. while projecting.
    pub hide_key: bool,
}

/// The answer key's coder named by the `class.ron` beside a document (read from disk).
fn class_key_of(doc: &Document) -> Option<String> {
    let folder = doc.path().and_then(Path::parent)?;
    crate::class::load_class(folder).ok().flatten()?.key
}

/// The code ids the `class.ron` beside a document asks for on it (empty: every code).
fn asked_codes_of(doc: &Document) -> Vec<String> {
    let Some(folder) = doc.path().and_then(Path::parent) else { return Vec::new() };
    crate::class::load_class(folder).ok().flatten().map(|c| c.asked_codes(&doc.file_name()).to_vec()).unwrap_or_default()
}

/// Reads sidecars to offer in the compare view of `doc` (the worker runs it): the files in
/// `paths`, or when None every sidecar beside the document that is not in `known`. A sidecar
/// found beside the document is selected when it loads and is not the gold sidecar; one added
/// by hand is selected when it loads.
pub fn read_candidates(doc: &Document, paths: Option<Vec<PathBuf>>, known: &[PathBuf]) -> Vec<Candidate> {
    let gold = doc.path().map(gold_path);
    let key = class_key_of(doc);
    let (paths, found_beside) = match paths {
        Some(paths) => (paths, false),
        None => (doc.path().map(crate::sidecar::find_sidecars).unwrap_or_default(), true),
    };
    paths
        .into_iter()
        .filter(|p| !known.contains(p))
        .map(|p| {
            let loaded = agree::load_coder(doc, &p).map_err(|e| e.to_string());
            let is_key = key.as_deref().is_some_and(|key| match (doc.path(), &loaded) {
                (Some(d), Ok(l)) => crate::class::is_key_sidecar(d, &p, &l.name, key),
                (Some(d), Err(_)) => crate::sidecar::coder_path(d, key) == p,
                (None, _) => false,
            });
            let checked = loaded.is_ok() && !(found_beside && gold.as_ref() == Some(&p)) && !is_key;
            Candidate { path: p, checked, loaded, is_key }
        })
        .collect()
}

impl CompareView {
    /// Opens the compare view on a document: every sidecar beside it is offered, and all that
    /// load are selected (except the gold sidecar).
    pub fn new(doc: Arc<Document>) -> Self {
        let mut view = Self {
            doc,
            candidates: Vec::new(),
            add_path: String::new(),
            message: None,
            tab: Tab::Disagreements,
            key: None,
            data: None,
            dirty: true,
            focused: true,
            rect: None,
            aliases: BTreeMap::new(),
            reading: false,
            class_key: None,
            asked: Vec::new(),
            hide_key: false,
        };
        // Read here, on the worker thread that builds the view.
        view.class_key = class_key_of(&view.doc);
        view.asked = asked_codes_of(&view.doc);
        let found = read_candidates(&view.doc, None, &[]);
        view.take_candidates(found, false);
        view
    }

    /// The document compared, shared with the worker that reads its coders.
    pub fn shared_document(&self) -> Arc<Document> {
        Arc::clone(&self.doc)
    }

    /// The sidecars offered (to leave out when looking for more).
    pub fn known_paths(&self) -> Vec<PathBuf> {
        self.candidates.iter().map(|c| c.path.clone()).collect()
    }

    /// Takes in sidecars read by [`read_candidates`]; `added`: the user named them (Add), so a
    /// refused one is reported rather than listed.
    pub fn take_candidates(&mut self, found: Vec<Candidate>, added: bool) {
        self.reading = false;
        for c in found {
            if self.candidates.iter().any(|k| k.path == c.path) {
                continue;
            }
            if added {
                if let Err(e) = &c.loaded {
                    self.message = Some((e.clone(), true));
                    continue;
                }
                self.message = None;
                if Path::new(self.add_path.trim()) == c.path {
                    self.add_path.clear();
                }
            }
            self.candidates.push(c);
        }
        // Scores against the class's key unless another reference was chosen.
        if self.key.is_none() {
            self.key = self.candidates.iter().position(|c| c.is_key && c.loaded.is_ok());
        }
        self.dirty = true;
    }

    /// Shows coders by other names (pseudonyms); recomputes when they change.
    pub fn set_aliases(&mut self, aliases: BTreeMap<String, String>) {
        if aliases != self.aliases {
            self.aliases = aliases;
            self.dirty = true;
        }
    }

    /// The name shown for a coder read from `path` who signs `name`: in anonymous mode their
    /// pseudonym, found by the part of the file name that names them, else by the name.
    fn shown_name(&self, path: &Path, name: &str) -> String {
        if self.aliases.is_empty() {
            return name.to_owned();
        }
        let key = self.doc.path().and_then(|d| {
            let doc = d.file_name()?.to_string_lossy().into_owned();
            let file = path.file_name()?.to_string_lossy().into_owned();
            file.strip_prefix(&doc)?.strip_prefix('.')?.strip_suffix(".annotations.ron").map(str::to_owned)
        });
        key.and_then(|k| self.aliases.get(&k)).or_else(|| self.aliases.get(name)).map_or_else(|| name.to_owned(), String::clone)
    }

    /// Selects only `student`'s and `key`'s sidecars (`<doc>.<coder>.annotations.ron`), with
    /// `key` as the answer key.
    pub fn focus_pair(&mut self, student: &str, key: &str) {
        let Some(path) = self.doc.path().map(Path::to_path_buf) else { return };
        let (student, key) = (crate::sidecar::coder_path(&path, student), crate::sidecar::coder_path(&path, key));
        for c in &mut self.candidates {
            c.checked = c.loaded.is_ok() && (c.path == student || c.path == key);
        }
        self.key = self.candidates.iter().position(|c| c.path == key && c.loaded.is_ok());
        self.tab = Tab::Text;
        self.dirty = true;
    }

    /// The answer key's coder named by the folder's `class.ron`, if any.
    pub fn class_key(&self) -> Option<&str> {
        self.class_key.as_deref()
    }

    /// Asks for a sidecar from anywhere to be read; one made for another text is refused with
    /// the reason when it has been read.
    fn add_sidecar(&mut self, path: &Path, out: &mut Vec<Command>) {
        if self.candidates.iter().any(|c| c.path == path) {
            self.message = Some((format!("{} is listed already.", path.display()), false));
            return;
        }
        self.reading = true;
        out.push(Command::ReadCoders(Some(vec![path.to_path_buf()])));
    }

    /// The selected coders' names, in list order.
    pub fn coder_names(&self) -> Vec<String> {
        self.data.as_ref().map(|d| d.coders.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default()
    }

    /// Computes the figures of the selected coders (again, when the selection changed).
    pub(super) fn recompute(&mut self) {
        if !self.dirty && self.data.is_some() {
            return;
        }
        self.dirty = false;
        // The coders were read when they were offered: choosing them reads nothing again.
        let mut selected: Vec<agree::LoadedCoder> =
            self.candidates.iter().filter(|c| c.checked && !c.is_key).filter_map(|c| c.loaded.as_ref().ok().cloned()).collect();
        // Named as shown before the names are made unique, so that a name given twice is told
        // apart by a number, never by a file name that would name the student.
        let anonymous = !self.aliases.is_empty();
        for c in &mut selected {
            c.name = self.shown_name(&c.path, &c.name);
        }
        let names: Vec<String> = selected.iter().map(|c| c.name.clone()).collect();
        let (mut loaded, codebook) = agree::name_coders(selected);
        if anonymous {
            for (i, c) in loaded.iter_mut().enumerate() {
                c.name = if names.iter().filter(|n| **n == names[i]).count() > 1 {
                    format!("{} #{}", names[i], i + 1)
                } else {
                    names[i].clone()
                };
            }
        }
        let paths: Vec<PathBuf> = loaded.iter().map(|c| c.path.clone()).collect();
        // Links by the same function as `marginalia agree`.
        let with_links: Vec<agree::CoderLinks<'_>> =
            loaded.iter().map(|c| agree::CoderLinks { name: &c.name, annotations: &c.annotations, links: &c.links }).collect();
        let link_stats = agree::link_agreement(&self.doc, &with_links, &codebook);
        let coders: Vec<(String, Vec<Annotation>)> = loaded.into_iter().map(|c| (c.name, c.annotations)).collect();
        let mut report = agree::compute(&self.doc, &coders, &codebook);
        report.links = link_stats;
        let disagreements = agree::disagreements(&self.doc, &coders);
        let paragraphs = self.doc.paragraphs().len();
        let mut lanes = vec![vec![Vec::new(); paragraphs]; coders.len()];
        let mut listed = Vec::new();
        for (c, (_, annotations)) in coders.iter().enumerate() {
            for (i, a) in annotations.iter().enumerate() {
                if a.status == AnchorStatus::Orphaned || a.start >= a.end {
                    continue;
                }
                listed.push((c, i));
                for p in self.paragraphs_of(a.span()) {
                    lanes[c][p].push((a.span(), a.code.clone()));
                }
            }
        }
        listed.sort_by_key(|&(c, i)| (coders[c].1[i].sort_key(), c));
        // The key: a selected coder, or any sidecar that loaded.
        let key = self.key.and_then(|k| self.candidates.get(k)).and_then(|c| c.loaded.as_ref().ok());
        let mut scores = Vec::new();
        let mut marks: HashMap<usize, Vec<Mark>> = HashMap::new();
        let key_name = key.map(|k| self.shown_name(&k.path, &k.name));
        if let Some(key) = key {
            let mut cb = codebook.clone();
            cb.merge_missing(&key.codebook);
            for ((name, annotations), path) in coders.iter().zip(&paths) {
                if *path == key.path {
                    continue;
                }
                // The same rule as the class's grades: only the codes asked for on the text.
                let score = crate::class::score_text(&self.doc, &key.annotations, annotations, &cb, &self.asked).score;
                for (items, missed) in [(&score.missed, true), (&score.extra, false)] {
                    for item in items {
                        let m = Mark {
                            missed,
                            coder: name.clone(),
                            code: item.code.clone(),
                            span: item.span,
                            note: item.note.clone(),
                        };
                        marks.entry(self.doc.paragraph_at(item.span.start)).or_default().push(m);
                    }
                }
                scores.push((name.clone(), score));
            }
        }
        self.data = Some(Computed { coders, codebook, report, disagreements, scores, key_name, lanes, marks, listed });
    }

    fn paragraphs_of(&self, span: Span) -> std::ops::RangeInclusive<usize> {
        let first = self.doc.paragraph_at(span.start);
        let last = self.doc.paragraph_at(span.end.saturating_sub(1).max(span.start));
        first..=last
    }

    /// The document compared.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// Asks the app to copy one coder's annotation into the gold sidecar.
    fn accept(&mut self, coder: usize, id: Uuid, out: &mut Vec<Command>) {
        let Some(data) = &self.data else { return };
        let (name, annotations) = &data.coders[coder];
        match annotations.iter().find(|a| a.id == id) {
            Some(a) => out.push(Command::AcceptIntoGold {
                coder: name.clone(),
                annotation: a.clone(),
                code: data.codebook.code(&a.code).cloned(),
            }),
            None => self.message = Some((format!("{name} has no annotation with the id {id}"), true)),
        }
    }

    /// Draws the view as a panel below the document. A pointer press inside it gives it the
    /// keyboard's Undo and Redo (see [`Self::focused`]).
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let pressed = ui.ctx().input(|i| if i.pointer.any_pressed() { i.pointer.interact_pos() } else { None });
        let shown = egui::Panel::bottom("compare-panel")
            .resizable(true)
            .default_size(420.0)
            .min_size(200.0)
            .show(ui, |ui| self.contents(ui, ctx, out));
        let rect = shown.response.rect;
        if let Some(p) = pressed {
            self.focused = rect.contains(p) || self.rect.is_some_and(|r| r.contains(p));
        }
        self.rect = Some(rect);
    }

    fn contents(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        self.recompute();
        ui.horizontal(|ui| {
            ui.heading("Compare coders");
            ui.label(RichText::new(self.doc.file_name()).weak());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close").clicked() {
                    out.push(Command::CloseCompare);
                }
                let (undo, redo) = ctx.gold.map_or((None, None), |g| (g.edits.undo_label(), g.edits.redo_label()));
                if ui
                    .add_enabled(redo.is_some(), egui::Button::new("Redo gold"))
                    .on_hover_text("Redo the last adjudication step undone (Ctrl+Shift+Z)")
                    .clicked()
                {
                    out.push(Command::UndoGold { redo: true });
                }
                if ui
                    .add_enabled(undo.is_some(), egui::Button::new("Undo gold"))
                    .on_hover_text(format!("Undo {} in the gold sidecar (Ctrl+Z)", undo.unwrap_or("nothing")))
                    .clicked()
                {
                    out.push(Command::UndoGold { redo: false });
                }
            });
        });
        self.coder_list(ui, out);
        if let Some((text, is_error)) = &self.message {
            let colour = if *is_error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
            let mut close = false;
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(text).color(colour));
                close = ui.small_button("Dismiss").clicked();
            });
            if close {
                self.message = None;
            }
        }
        ui.separator();
        ui.horizontal(|ui| {
            for (tab, label) in Tab::ALL {
                ui.selectable_value(&mut self.tab, tab, label);
            }
        });
        ui.separator();
        match self.tab {
            Tab::Text => self.lanes_ui(ui, out),
            Tab::Disagreements => self.disagreements_ui(ui, ctx, out),
            Tab::Annotations => self.annotations_ui(ui, ctx, out),
            Tab::Agreement => self.agreement_ui(ui),
            Tab::Key => self.key_ui(ui),
            Tab::Gold => self.gold_ui(ui, ctx, out),
        }
    }

    fn coder_list(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Coders:");
            if self.candidates.is_empty() {
                ui.label(RichText::new("no sidecars beside this document").weak());
            }
            let hide = !self.aliases.is_empty();
            let shown: Vec<String> = self
                .candidates
                .iter()
                .map(|c| c.loaded.as_ref().map_or_else(|_| String::new(), |l| self.shown_name(&c.path, &l.name)))
                .collect();
            for (c, shown_name) in self.candidates.iter_mut().zip(&shown).filter(|(c, _)| !c.is_key) {
                let file = c.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                // In anonymous mode a file name would name the student.
                let (file, place) = if hide {
                    ("a sidecar".to_owned(), "(its file is not named in anonymous mode)".to_owned())
                } else {
                    (file, c.path.display().to_string())
                };
                match &c.loaded {
                    Ok(coder) => {
                        let mut label = format!("{} ({})", shown_name, coder.annotations.len());
                        if coder.report.orphaned > 0 {
                            label.push_str(&format!(", {} orphaned", coder.report.orphaned));
                        }
                        if ui.checkbox(&mut c.checked, label).on_hover_text(place).changed() {
                            self.dirty = true;
                        }
                    }
                    Err(e) => {
                        let why = if hide { "it could not be read" } else { e.as_str() };
                        ui.add_enabled(false, egui::Checkbox::new(&mut false, format!("{file} (refused)")))
                            .on_disabled_hover_text(why);
                    }
                }
            }
            if self.reading {
                ui.spinner();
                ui.label("Reading sidecars...");
            } else if ui.button("Rescan").on_hover_text("Look again for sidecars beside the document").clicked() {
                self.reading = true;
                out.push(Command::ReadCoders(None));
            }
        });
        if let Some(key) = &self.class_key {
            ui.horizontal_wrapped(|ui| {
                let found = self.candidates.iter().any(|c| c.is_key && c.loaded.is_ok());
                let text = if found {
                    format!("Answer key: {key} (not a coder; used in the Answer key tab)")
                } else {
                    format!("Answer key: {key} (no key sidecar for this text)")
                };
                ui.label(RichText::new(text).weak());
                ui.checkbox(&mut self.hide_key, "Hide key")
                    .on_hover_text("Hide the key's marks and notes, e.g. while the screen is projected");
            });
        }
        ui.horizontal(|ui| {
            ui.label("Add sidecar…");
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.add_path).hint_text("path of a .annotations.ron").desired_width(320.0));
            crate::ui::field::keep_typed(ui, &r, &mut self.add_path);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Sidecar path to add"));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Add").clicked() || enter) && !self.add_path.trim().is_empty() {
                let path = PathBuf::from(self.add_path.trim());
                self.add_sidecar(&path, out);
            }
            if ui.button("Browse…").clicked()
                && let Some(p) = rfd::FileDialog::new().add_filter("Sidecars", &["ron"]).pick_file()
            {
                self.add_sidecar(&p, out);
            }
        });
    }

    /// The text as paragraph rows, each with one lane of code-coloured bars per coder. Only
    /// the rows on screen are drawn.
    fn lanes_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let Some(data) = &self.data else { return };
        let names: Vec<&str> = data.coders.iter().map(|(n, _)| n.as_str()).collect();
        ui.horizontal(|ui| {
            ui.label("Lanes, left to right:");
            ui.strong(names.join(" · "));
            if let Some(k) = &data.key_name {
                if self.hide_key {
                    ui.label("- the key is hidden, and so are the misses and extras against it");
                } else {
                    ui.label(format!("- misses and extras against the key {k} are marked"));
                }
            }
        });
        let row_h = 26.0;
        let lane_w = 12.0;
        let paragraphs = self.doc.paragraphs();
        egui::ScrollArea::vertical().id_salt("compare-lanes").auto_shrink(false).show_rows(
            ui,
            row_h,
            paragraphs.len(),
            |ui, rows| {
                for p in rows {
                    let para = paragraphs[p].chars;
                    ui.horizontal(|ui| {
                        ui.set_height(row_h - ui.spacing().item_spacing.y);
                        for (c, name) in names.iter().enumerate() {
                            let (rect, resp) = ui.allocate_exact_size(vec2(lane_w, row_h - 4.0), Sense::hover());
                            let bars = &data.lanes[c][p];
                            draw_lane(ui, rect, para, bars, &data.codebook);
                            if !bars.is_empty() {
                                let codes: Vec<String> = bars
                                    .iter()
                                    .map(|(s, code)| {
                                        format!(
                                            "{} “{}”",
                                            data.report.code_name(code),
                                            crate::document::excerpt(self.doc.slice(*s), 30)
                                        )
                                    })
                                    .collect();
                                resp.on_hover_text(format!("{name}: {}", codes.join("; ")));
                            }
                        }
                        if let Some(marks) = data.marks.get(&p) {
                            // While the key is hidden (projecting), neither misses nor extras
                            // show: an extra tells where the key has nothing.
                            for m in marks.iter().filter(|_| !self.hide_key) {
                                let (word, colour) = if m.missed {
                                    ("missed", ui.visuals().error_fg_color)
                                } else {
                                    ("extra", ui.visuals().warn_fg_color)
                                };
                                let note = if m.note.trim().is_empty() { "(no note)".to_owned() } else { m.note.clone() };
                                let who = if m.missed { "Key's note" } else { "Coder's note" };
                                let r = ui
                                    .add(
                                        egui::Label::new(
                                            RichText::new(format!("{word}: {} ({})", m.coder, data.report.code_name(&m.code)))
                                                .small()
                                                .color(colour),
                                        )
                                        .sense(Sense::click()),
                                    )
                                    .on_hover_text(format!(
                                        "“{}”\n{who}: {note}",
                                        crate::document::excerpt(self.doc.slice(m.span), 60)
                                    ));
                                if r.clicked() {
                                    out.push(Command::Jump(m.span));
                                }
                            }
                        }
                        let text = crate::document::excerpt(self.doc.slice(para), 160);
                        let text = if text.is_empty() { "¶".to_owned() } else { text };
                        if ui
                            .add(egui::Label::new(text).truncate().sense(Sense::click()))
                            .on_hover_text("Show in the document")
                            .clicked()
                        {
                            out.push(Command::Jump(Span::new(para.start, para.start)));
                        }
                    });
                }
            },
        );
    }

    fn disagreements_ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let Some(data) = &self.data else { return };
        if data.coders.len() < 2 {
            ui.label("Select at least two coders to see where they disagree.");
            return;
        }
        ui.label(format!("{} disagreements", data.disagreements.len()));
        let mut accept = None;
        let coder_index = |name: &str| data.coders.iter().position(|(n, _)| n == name);
        egui::ScrollArea::vertical().id_salt("compare-disagreements").auto_shrink(false).show_rows(
            ui,
            24.0,
            data.disagreements.len(),
            |ui, rows| {
                for d in &data.disagreements[rows] {
                    ui.horizontal(|ui| {
                        for (side, coder) in [(&d.a, &d.coder_a), (&d.b, &d.coder_b)] {
                            let Some(side) = side else { continue };
                            if in_gold(ctx.gold, side.span, &side.code) {
                                ui.label(RichText::new(format!("✔ {coder}'s in gold")).weak());
                            } else if ui
                                .button(format!("Accept {coder}'s"))
                                .on_hover_text(format!(
                                    "Copy {coder}'s {} into the gold sidecar",
                                    data.report.code_name(&side.code)
                                ))
                                .clicked()
                            {
                                accept = coder_index(coder).map(|c| (c, side.id));
                            }
                        }
                        let text = disagreement_label(d, &data.report, &self.doc);
                        if ui
                            .add(egui::Label::new(text).truncate().sense(Sense::click()))
                            .on_hover_text("Show in the document")
                            .clicked()
                        {
                            out.push(Command::Jump(d.span));
                        }
                    });
                }
            },
        );
        if let Some((c, id)) = accept {
            self.accept(c, id, out);
        }
    }

    fn annotations_ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let Some(data) = &self.data else { return };
        let mut accept = None;
        egui::ScrollArea::vertical().id_salt("compare-annotations").auto_shrink(false).show_rows(
            ui,
            24.0,
            data.listed.len(),
            |ui, rows| {
                for &(c, i) in &data.listed[rows] {
                    let (name, annotations) = &data.coders[c];
                    let a = &annotations[i];
                    ui.horizontal(|ui| {
                        if in_gold(ctx.gold, a.span(), &a.code) {
                            ui.label(RichText::new("✔ in gold").weak());
                        } else if ui.button("Accept into gold").clicked() {
                            accept = Some((c, a.id));
                        }
                        super::doc_view::cue_sample(ui, &data.codebook, &a.code);
                        let text = format!(
                            "{name} — {} — “{}”{}",
                            data.report.code_name(&a.code),
                            crate::document::excerpt(&a.exact, 60),
                            if a.note.is_empty() { String::new() } else { format!(" — {}", a.note) }
                        );
                        if ui.add(egui::Label::new(text).truncate().sense(Sense::click())).clicked() {
                            out.push(Command::Jump(a.span()));
                        }
                    });
                }
            },
        );
        if let Some((c, id)) = accept {
            self.accept(c, id, out);
        }
    }

    fn agreement_ui(&mut self, ui: &mut egui::Ui) {
        let Some(data) = &self.data else { return };
        let report = &data.report;
        egui::ScrollArea::vertical().id_salt("compare-agreement").auto_shrink(false).show(ui, |ui| {
            ui.label(format!("{} coders, {} code points as units.", report.coders.len(), report.units));
            ui.strong("All selected coders");
            egui::Grid::new("compare-overall").striped(true).num_columns(4).show(ui, |ui| {
                for h in ["Code", "Fleiss' κ", "Krippendorff's α", "α_u"] {
                    ui.strong(h);
                }
                ui.end_row();
                for o in &report.overall {
                    ui.label(report.code_name(&o.code));
                    for m in [&o.fleiss_kappa, &o.krippendorff_alpha, &o.alpha_u] {
                        measure_cell(ui, m, Scale::Coefficient);
                    }
                    ui.end_row();
                }
            });
            ui.add_space(8.0);
            ui.strong("Pairs of coders");
            egui::Grid::new("compare-pairs").striped(true).num_columns(5).show(ui, |ui| {
                for h in ["Coders", "Code", "F1 exact", "F1 overlap", "Cohen's κ"] {
                    ui.strong(h);
                }
                ui.end_row();
                for p in &report.pairs {
                    ui.label(format!("{} × {}", p.coder_a, p.coder_b));
                    ui.label(report.code_name(&p.code));
                    for (m, scale) in
                        [(&p.f1_exact, Scale::Fraction), (&p.f1_overlap, Scale::Fraction), (&p.cohen_kappa, Scale::Coefficient)]
                    {
                        measure_cell(ui, m, scale);
                    }
                    ui.end_row();
                }
            });
            link_agreement_grid(ui, report, &data.codebook);
            ui.add_space(8.0);
            agreement_chart(ui, report, &data.codebook);
        });
    }

    fn key_ui(&mut self, ui: &mut egui::Ui) {
        let names: Vec<(usize, String)> = self
            .candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.loaded.as_ref().ok().map(|l| (i, self.shown_name(&c.path, &l.name))))
            .collect();
        let mut key = self.key;
        ui.horizontal_wrapped(|ui| {
            ui.label("Score against key:");
            ui.selectable_value(&mut key, None, "none");
            for (i, n) in &names {
                ui.selectable_value(&mut key, Some(*i), n);
            }
        });
        if key != self.key {
            self.key = key;
            self.dirty = true;
            self.recompute();
        }
        let Some(data) = &self.data else { return };
        let Some(key_name) = &data.key_name else {
            ui.label("Choose the sidecar that holds the answers; every other selected coder is scored against it.");
            return;
        };
        if data.scores.is_empty() {
            ui.label(format!("Select another coder besides {key_name} to score."));
            return;
        }
        ui.label("Misses and extras are marked beside the paragraphs in the Text tab, with the key's notes.");
        egui::ScrollArea::vertical().id_salt("compare-scores").auto_shrink(false).show(ui, |ui| {
            egui::Grid::new("compare-key-grid").striped(true).num_columns(6).show(ui, |ui| {
                for h in ["Coder", "Code", "Found", "Missed", "Extra", "Score"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (name, score) in &data.scores {
                    for row in std::iter::once(&score.total).chain(&score.per_code) {
                        ui.label(name);
                        ui.label(if row.code == ALL { "all codes".to_owned() } else { data.report.code_name(&row.code) });
                        ui.label(row.found.to_string());
                        ui.label(row.missed.to_string());
                        ui.label(row.extra.to_string());
                        measure_cell(ui, &row.score, Scale::Percent);
                        ui.end_row();
                    }
                }
            });
        });
    }

    fn gold_ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let path = self.doc.path().map(gold_path);
        ui.label(format!(
            "Accepted annotations are saved to {}.",
            path.as_ref().map_or_else(|| "the gold sidecar".to_owned(), |p| p.display().to_string())
        ));
        let Some(gold) = ctx.gold.filter(|g| !g.edits.annotations().is_empty()) else {
            ui.label("Nothing accepted yet.");
            return;
        };
        let cb = gold.edits.codebook();
        ui.label(format!("{} annotations in gold", gold.edits.annotations().len()));
        egui::ScrollArea::vertical().id_salt("compare-gold").auto_shrink(false).show_rows(
            ui,
            24.0,
            gold.edits.annotations().len(),
            |ui, rows| {
                for a in &gold.edits.annotations()[rows] {
                    ui.horizontal(|ui| {
                        super::doc_view::cue_sample(ui, cb, &a.code);
                        let name = cb.code(&a.code).map_or(a.code.as_str(), |c| c.name.as_str());
                        if ui
                            .add(
                                egui::Label::new(format!("{name} — “{}”", crate::document::excerpt(&a.exact, 80)))
                                    .truncate()
                                    .sense(Sense::click()),
                            )
                            .clicked()
                        {
                            out.push(Command::Jump(a.span()));
                        }
                    });
                }
            },
        );
    }
}

/// "same passage, different code — Ana: Demand / Ben: Claim — “…”".
pub fn disagreement_label(d: &Disagreement, report: &AgreementReport, doc: &Document) -> String {
    let side = |coder: &str, s: &Option<agree::disagree::Side>| match s {
        Some(s) => format!("{coder}: {}", report.code_name(&s.code)),
        None => format!("{coder}: —"),
    };
    format!(
        "{} — {} / {} — “{}”",
        d.kind.label(),
        side(&d.coder_a, &d.a),
        side(&d.coder_b, &d.b),
        crate::document::excerpt(doc.slice(d.span), 60)
    )
}

/// How a statistic reads best.
#[derive(Clone, Copy)]
enum Scale {
    /// κ and α: a coefficient, two decimals.
    Coefficient,
    /// A share from 0 to 1 (F1 between coders), shown as a percentage.
    Fraction,
    /// Already a percentage (scores against the key).
    Percent,
}

/// "57 %" for a share, "0.42" for a coefficient.
fn format_measure(v: f64, scale: Scale) -> String {
    match scale {
        Scale::Coefficient => format!("{v:.2}"),
        Scale::Fraction => format!("{:.0} %", v * 100.0),
        Scale::Percent => format!("{v:.0} %"),
    }
}

/// Link agreement per pair of coders and link type (nothing when no coder drew a link): the
/// figures `marginalia agree` prints. Each row is announced whole ("Ana × Ben, Attacks:
/// precision 50 %, recall 100 %, F1 67 %").
fn link_agreement_grid(ui: &mut egui::Ui, report: &AgreementReport, codebook: &Codebook) {
    if report.links.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.strong("Links");
    ui.label(
        RichText::new("A link matches when its type and both ends match (ends matched exactly); precision and recall take the first coder as reference.")
            .small()
            .weak(),
    );
    let text = |m: &Measure| match m {
        Measure::Value(v) => format_measure(*v, Scale::Fraction),
        Measure::Undefined(_) => "undefined".to_owned(),
    };
    egui::Grid::new("compare-links").striped(true).num_columns(7).show(ui, |ui| {
        for h in ["Coders", "Link type", "Links", "Precision", "Recall", "F1", "F1 overlap"] {
            ui.strong(h);
        }
        ui.end_row();
        for l in &report.links {
            let name = if l.link_type == agree::ALL {
                "All link types".to_owned()
            } else {
                codebook.link_type(&l.link_type).map_or_else(|| l.link_type.clone(), |t| t.name.clone())
            };
            let pair = format!("{} × {}", l.coder_a, l.coder_b);
            ui.label(&pair);
            let summary = format!(
                "{pair}, {name}: precision {}, recall {}, F1 {}",
                text(&l.precision_exact),
                text(&l.recall_exact),
                text(&l.f1_exact)
            );
            let r = ui.label(&name);
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &summary));
            ui.label(format!("{} / {}", l.count_a, l.count_b)).on_hover_text(format!("{} / {}", l.coder_a, l.coder_b));
            for (m, scale) in [
                (&l.precision_exact, Scale::Fraction),
                (&l.recall_exact, Scale::Fraction),
                (&l.f1_exact, Scale::Fraction),
                (&l.f1_overlap, Scale::Fraction),
            ] {
                measure_cell(ui, m, scale);
            }
            ui.end_row();
        }
    });
}

/// A statistic, or "undefined" with its reason on hover.
fn measure_cell(ui: &mut egui::Ui, m: &Measure, scale: Scale) {
    match m {
        Measure::Value(v) => {
            ui.label(format_measure(*v, scale));
        }
        Measure::Undefined(reason) => {
            ui.label(RichText::new("undefined").weak()).on_hover_text(reason);
        }
    }
}

/// Bars of one coder's lane: each annotation's share of the paragraph, top to bottom, in its
/// code's colour; codes side by side when several cover the paragraph.
fn draw_lane(ui: &egui::Ui, rect: Rect, para: Span, bars: &[(Span, String)], codebook: &Codebook) {
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
    if bars.is_empty() {
        return;
    }
    let mut codes: Vec<&str> = bars.iter().map(|(_, c)| c.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let w = rect.width() / codes.len() as f32;
    let len = para.len().max(1) as f32;
    for (span, code) in bars {
        let k = codes.iter().position(|c| c == code).unwrap_or(0) as f32;
        let s = span.start.clamp(para.start, para.end) - para.start;
        let e = span.end.clamp(para.start, para.end) - para.start;
        let (y0, y1) = (rect.top() + rect.height() * s as f32 / len, rect.top() + rect.height() * e as f32 / len);
        let bar =
            Rect::from_min_max(egui::pos2(rect.left() + k * w, y0), egui::pos2(rect.left() + (k + 1.0) * w, y1.max(y0 + 2.0)));
        painter.rect_filled(bar, 1.0, code_colour(codebook, code));
    }
}

/// A bar chart of Krippendorff's alpha per code (undefined codes are left out and named below).
fn agreement_chart(ui: &mut egui::Ui, report: &AgreementReport, codebook: &Codebook) {
    use egui_plot::{Bar, BarChart};
    ui.strong("Krippendorff's α by code");
    let rows: Vec<(String, &Measure, Color32)> = report
        .overall
        .iter()
        .map(|o| {
            let colour = if o.code == ALL { Color32::GRAY } else { code_colour(codebook, &o.code) };
            (report.code_name(&o.code), &o.krippendorff_alpha, colour)
        })
        .collect();
    let described: Vec<String> = rows
        .iter()
        .map(|(name, m, _)| match m.value() {
            Some(v) => format!("{name} {v:.2}"),
            None => format!("{name} undefined"),
        })
        .collect();
    let description = format!("Bar chart of Krippendorff's alpha by code: {}", described.join(", "));
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, (name, m, colour))| m.value().map(|v| Bar::new(i as f64, v).name(name).fill(*colour).width(0.7)))
        .collect();
    let names: Vec<String> = rows.iter().map(|(n, _, _)| n.clone()).collect();
    let response = super::view::fixed_bar_plot("compare-alpha-chart", 220.0, 1.0, "α", names)
        .show(ui, |plot| plot.bar_chart(BarChart::new("Krippendorff's α", bars)))
        .response;
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &description));
    ui.label(RichText::new(described.join(" · ")).small()).on_hover_text(description);
}

/// Is an annotation with this span and code in the gold sidecar?
fn in_gold(gold: Option<&Session>, span: Span, code: &str) -> bool {
    gold.is_some_and(|g| g.edits.annotations().iter().any(|a| a.span() == span && a.code == code))
}

/// Reads the gold sidecar of `doc` (the worker runs it when the view opens): an empty session
/// when there is none yet.
pub fn open_gold(doc: &Document) -> Result<Session, Error> {
    let path = doc.path().map(gold_path).unwrap_or_else(|| PathBuf::from("gold.annotations.ron"));
    Session::with_document(doc.clone(), path, GOLD_CODER)
}

/// Copies `coder`'s annotation into the gold sidecar of `doc` (a new id, coder "gold", the
/// note kept). The code is added to the gold codebook
/// when it lacks it, in the same undo step. Returns the message to show; the caller saves.
pub fn accept_into_gold(
    gold: &mut Option<Session>,
    doc: &Document,
    coder: &str,
    a: &Annotation,
    code: Option<Code>,
) -> Result<String, Error> {
    let Some(gold) = gold.as_mut() else {
        return Err(Error::usage(
            "the gold sidecar could not be read when the view opened; close the view, fix it and open it again",
        ));
    };
    let mut copy = Annotation::new(doc, a.span(), &a.code, GOLD_CODER);
    copy.note = a.note.clone();
    let mut actions = Vec::new();
    if gold.edits.codebook().code(&a.code).is_none() {
        let mut cb = gold.edits.codebook().clone();
        let Some(code) = code else {
            return Err(Error::usage(format!("no codebook defines the code \"{}\"", a.code)));
        };
        cb.merge_codes([&code]);
        actions.push(Action::SetCodebook(cb));
    }
    actions.push(Action::Add(copy));
    gold.apply(Action::Batch(actions))?;
    let file = gold.sidecar_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(format!("Accepted {coder}'s “{}” into {file}.", crate::document::excerpt(&a.exact, 40)))
}

/// Undoes (or redoes) the last adjudication step; the message to show, if there was a step.
pub fn undo_gold(gold: &mut Session, redo: bool) -> Option<&'static str> {
    let done = if redo { gold.redo() } else { gold.undo() };
    done.then_some(if redo { "Redone in the gold sidecar." } else { "Undone in the gold sidecar." })
}
