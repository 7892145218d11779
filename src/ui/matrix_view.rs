//! The Code matrix window: codes (rows) by documents, coders, values of a document variable or
//! codes (co-occurrence by overlap or paragraph), as counts or shares, from the core's
//! [`crate::matrix::build`] (the figures `marginalia matrix` prints). Cells are shaded on one
//! blue ramp, light to dark, with the number written in each, so nothing rests on telling
//! colours apart; a bar chart shows the selected row or column. Clicking a cell opens Retrieve
//! on exactly the passages it counts. Matrices are computed on a thread of their own, on the
//! folder the app has read (or reading it first while that is still under way).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, RichText, Sense};

use super::command::Command;
use super::task::{Pending, Task};
use crate::corpus::Corpus;
use crate::error::Error;
use crate::matrix::{Axis, Matrix, MatrixQuery, Share, Unit};

/// Cell size in points.
const CELL: egui::Vec2 = egui::vec2(72.0, 26.0);
/// Width of the code names on the left, height of the column names on top.
const ROW_HEAD: f32 = 180.0;
const COL_HEAD: f32 = 26.0;

/// The light and the dark end of the ramp (ColorBrewer "Blues", readable with every kind of
/// colour blindness as lighter / darker).
const RAMP_LOW: [u8; 3] = [0xf7, 0xfb, 0xff];
const RAMP_HIGH: [u8; 3] = [0x08, 0x30, 0x6b];

/// The shade of a cell holding `fraction` (0 to 1) of the largest figure.
pub fn shade(fraction: f32) -> Color32 {
    let t = fraction.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    Color32::from_rgb(mix(RAMP_LOW[0], RAMP_HIGH[0]), mix(RAMP_LOW[1], RAMP_HIGH[1]), mix(RAMP_LOW[2], RAMP_HIGH[2]))
}

/// Text on a cell of that shade: black on the light half, white on the dark half.
pub fn ink(fraction: f32) -> Color32 {
    if fraction < 0.5 { Color32::BLACK } else { Color32::WHITE }
}

/// What the chart under the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected {
    Row(usize),
    Col(usize),
}

/// A matrix as the window shows it, with the query it answers and the code names.
struct Shown {
    folder: PathBuf,
    query: MatrixQuery,
    result: Result<(Matrix, Vec<String>), String>,
    /// Which loaded folder it was computed from (see [`corpus_state`]).
    from: Option<(usize, u64)>,
}

/// The loaded folder a matrix is computed from: which one (its allocation) and how far it was
/// changed since it was read. A matrix from another state is out of date.
fn corpus_state(corpus: Option<&Arc<Corpus>>) -> Option<(usize, u64)> {
    corpus.map(|c| (Arc::as_ptr(c) as usize, c.revision))
}

type Computed = Result<(Matrix, Vec<String>), Error>;

#[derive(Default)]
pub struct MatrixView {
    pub open: bool,
    /// `document`, `coder`, `code` or `var:NAME`, as `marginalia matrix --cols` takes it.
    pub cols: String,
    pub unit: Unit,
    /// `None`: counts.
    pub share: Option<Share>,
    pub selected: Option<Selected>,
    shown: Option<Shown>,
    running: Option<(PathBuf, MatrixQuery, Pending<Computed>, Option<(usize, u64)>)>,
}

impl MatrixView {
    /// Is a matrix being computed?
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// The matrix shown, if any.
    pub fn matrix(&self) -> Option<&Matrix> {
        self.shown.as_ref().and_then(|s| s.result.as_ref().ok()).map(|(m, _)| m)
    }

    fn query(&self) -> Result<MatrixQuery, Error> {
        let cols = if self.cols.trim().is_empty() { "document" } else { self.cols.as_str() };
        Ok(MatrixQuery { cols: Axis::parse(cols)?, unit: self.unit, coders: Vec::new(), share: self.share })
    }

    /// Computes the matrix the choices describe, on the read folder or reading `folder`.
    /// Returns the task that computes it, for the app to start (none when the choices are not
    /// a matrix: the window says why).
    pub fn start(&mut self, folder: &Path, corpus: Option<Arc<Corpus>>) -> Option<Task> {
        let query = match self.query() {
            Ok(q) => q,
            Err(e) => {
                let query = MatrixQuery { cols: Axis::Document, unit: self.unit, coders: Vec::new(), share: self.share };
                let from = corpus_state(corpus.as_ref());
                self.shown = Some(Shown { folder: folder.to_path_buf(), query, result: Err(e.to_string()), from });
                return None;
            }
        };
        let from = corpus_state(corpus.as_ref());
        let (dir, q) = (folder.to_path_buf(), query.clone());
        let (task, pending) = super::task::task("marginalia-matrix", move || {
            let run = || -> Computed {
                let loaded;
                let corpus = match &corpus {
                    Some(c) => c.as_ref(),
                    None => {
                        let mut corpus = crate::corpus::load(&dir)?;
                        // A class's answer key is not a coder.
                        crate::class::without_key(&mut corpus);
                        loaded = corpus;
                        &loaded
                    }
                };
                let m = crate::matrix::build(corpus, &q)?;
                let names = crate::retrieve::folder_codebook(corpus);
                let row_names = m.rows.iter().map(|id| names.code(id).map_or_else(|| id.clone(), |c| c.name.clone())).collect();
                Ok((m, row_names))
            };
            run()
        });
        self.running = Some((folder.to_path_buf(), query, pending, from));
        Some(task)
    }

    fn poll(&mut self, ctx: &egui::Context) {
        let Some((folder, query, pending, from)) = &self.running else { return };
        let result = match pending.poll(ctx) {
            None => return,
            Some(Ok(r)) => r.map_err(|e| e.to_string()),
            Some(Err(why)) => Err(format!("the matrix could not be computed: {why}")),
        };
        let size = result.as_ref().map(|(m, _)| (m.rows.len(), m.cols.len())).unwrap_or_default();
        self.selected = match self.selected {
            Some(Selected::Row(r)) if r < size.0 => Some(Selected::Row(r)),
            Some(Selected::Col(c)) if c < size.1 => Some(Selected::Col(c)),
            _ if size.0 > 0 => Some(Selected::Row(0)),
            _ => None,
        };
        self.shown = Some(Shown { folder: folder.clone(), query: query.clone(), result, from: *from });
        self.running = None;
    }

    /// Draws the window (when open) for the open `folder` and its read `corpus`. `aliases`:
    /// coders to show by a pseudonym (a class in anonymous mode).
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
        egui::Window::new("Code matrix").open(&mut open).default_size([860.0, 620.0]).show(ctx, |ui| {
            let Some(folder) = folder else {
                ui.label("Open a folder to see how its codes spread across documents, coders and variables.");
                return;
            };
            let variables: Vec<String> =
                corpus.map(|c| c.variables.variables.iter().map(|v| format!("var:{}", v.name)).collect()).unwrap_or_default();
            let mut changed = false;
            ui.horizontal_wrapped(|ui| {
                ui.label("Columns:");
                let current = if self.cols.is_empty() { "document".to_owned() } else { self.cols.clone() };
                egui::ComboBox::from_id_salt("matrix-cols").selected_text(column_label(&current)).show_ui(ui, |ui| {
                    for choice in ["document", "coder", "code"].iter().map(|s| (*s).to_owned()).chain(variables) {
                        let label = column_label(&choice);
                        changed |= ui.selectable_value(&mut self.cols, choice, label).changed();
                    }
                });
                if self.cols == "code" {
                    ui.label("together when they");
                    changed |= ui.radio_value(&mut self.unit, Unit::Overlap, "overlap").changed();
                    changed |= ui.radio_value(&mut self.unit, Unit::Paragraph, "share a paragraph").changed();
                }
                ui.separator();
                changed |= ui.radio_value(&mut self.share, None, "counts").changed();
                changed |= ui
                    .radio_value(&mut self.share, Some(Share::Documents), "share of documents")
                    .on_hover_text("the share of documents containing the code (code x code: where both occur)")
                    .changed();
                changed |= ui
                    .radio_value(&mut self.share, Some(Share::Column), "share of column")
                    .on_hover_text("each count divided by its column's total")
                    .changed();
                ui.separator();
                let refresh =
                    ui.add_enabled(!self.busy(), egui::Button::new("Refresh")).on_hover_text("read the folder again and count");
                if refresh.clicked() {
                    // Read from disk again; the matrix counts again once the folder is read.
                    out.push(Command::ReloadFolder);
                }
            });
            // Out of date when the folder, or what was read of it, changed (another program
            // wrote a sidecar, the folder was read again).
            let now = corpus_state(corpus);
            let stale = self.shown.as_ref().is_none_or(|s| s.folder != folder || (now.is_some() && s.from != now));
            if (changed || stale) && !self.busy() {
                out.extend(self.start(folder, corpus.cloned()).map(Command::Task));
            }
            if self.busy() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(if corpus.is_some() { "Counting…" } else { "Reading the folder…" });
                });
            }
            let Some(shown) = self.shown.as_ref().filter(|s| s.folder == folder) else { return };
            let (selected, share) = (&mut self.selected, self.share.is_some());
            match &shown.result {
                Err(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                Ok((m, names)) if m.rows.is_empty() || m.cols.is_empty() => {
                    ui.label(format!("Nothing to count yet ({} codes, {} columns).", names.len(), m.cols.len()));
                }
                Ok((m, names)) => {
                    let query = shown.query.clone();
                    // Coders as columns are shown by their pseudonyms; cells are picked by
                    // index, so what a click retrieves is unchanged.
                    let renamed;
                    let m = match aliases {
                        Some(aliases) if query.cols == Axis::Coder => {
                            let mut shown = m.clone();
                            for c in &mut shown.cols {
                                if let Some(alias) = aliases.get(c.as_str()) {
                                    *c = alias.clone();
                                }
                            }
                            renamed = shown;
                            &renamed
                        }
                        _ => m,
                    };
                    ui.label(
                        RichText::new("Darker cells hold more; every cell shows its figure. Click a cell to list its passages, a name to chart its row or column.")
                            .small(),
                    );
                    let chart_height = 180.0;
                    let table_height = (ui.available_height() - chart_height - 16.0).max(120.0);
                    egui::ScrollArea::both().id_salt("matrix-table").max_height(table_height).auto_shrink([false, true]).show_viewport(
                        ui,
                        |ui, viewport| {
                            if let Some((row, col)) = table(ui, viewport, m, names, selected, share) {
                                let col_name = if query.cols == Axis::Code { &names[col] } else { &m.cols[col] };
                                let caption = format!("{} x {}", names[row], column_label_of(&query.cols, col_name));
                                out.push(Command::RetrieveCell {
                                    query: query.clone(),
                                    row,
                                    col,
                                    row_id: m.rows[row].clone(),
                                    col_name: m.cols[col].clone(),
                                    caption,
                                });
                            }
                        },
                    );
                    ui.separator();
                    chart(ui, m, names, *selected, share, chart_height);
                }
            }
        });
        self.open = open;
    }
}

/// The table, only its visible part laid out; returns the cell clicked. A click on a row's or
/// column's name selects it for the chart.
fn table(
    ui: &mut egui::Ui,
    viewport: egui::Rect,
    m: &Matrix,
    names: &[String],
    selected: &mut Option<Selected>,
    share: bool,
) -> Option<(usize, usize)> {
    let (rows, cols) = (m.rows.len(), m.cols.len());
    let size = egui::vec2(ROW_HEAD + CELL.x * cols as f32, COL_HEAD + CELL.y * rows as f32);
    let (whole, _) = ui.allocate_exact_size(size, Sense::hover());
    let origin = whole.min;
    let max = m.counts.iter().flatten().copied().fold(0.0_f64, f64::max);
    let first_col = (((viewport.min.x - ROW_HEAD) / CELL.x).floor().max(0.0) as usize).min(cols);
    let last_col = ((((viewport.max.x - ROW_HEAD) / CELL.x).ceil().max(0.0)) as usize + 1).min(cols);
    let first_row = (((viewport.min.y - COL_HEAD) / CELL.y).floor().max(0.0) as usize).min(rows);
    let last_row = ((((viewport.max.y - COL_HEAD) / CELL.y).ceil().max(0.0)) as usize + 1).min(rows);
    let painter = ui.painter().clone();
    let text_colour = ui.visuals().text_color();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let small = egui::TextStyle::Small.resolve(ui.style());
    let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
    let selection = ui.visuals().selection.stroke;
    let mut clicked = None;
    // Column names.
    for c in first_col..last_col {
        let rect =
            egui::Rect::from_min_size(origin + egui::vec2(ROW_HEAD + CELL.x * c as f32, 0.0), egui::vec2(CELL.x, COL_HEAD));
        let r = ui.interact(rect, egui::Id::unique(("matrix-col", c)), Sense::click());
        let name = &m.cols[c];
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("column {name}")));
        if *selected == Some(Selected::Col(c)) {
            painter.rect_stroke(rect.shrink(1.0), 2.0, selection, egui::StrokeKind::Inside);
        }
        painter.with_clip_rect(rect.shrink(2.0)).text(
            rect.left_center() + egui::vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            crate::document::excerpt(name, 10),
            small.clone(),
            text_colour,
        );
        if r.on_hover_text(name).clicked() {
            *selected = Some(Selected::Col(c));
        }
    }
    for (r_i, name) in names.iter().enumerate().take(last_row).skip(first_row) {
        let y = COL_HEAD + CELL.y * r_i as f32;
        let head = egui::Rect::from_min_size(origin + egui::vec2(0.0, y), egui::vec2(ROW_HEAD, CELL.y));
        let r = ui.interact(head, egui::Id::unique(("matrix-row", r_i)), Sense::click());
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("row {name}")));
        if *selected == Some(Selected::Row(r_i)) {
            painter.rect_stroke(head.shrink(1.0), 2.0, selection, egui::StrokeKind::Inside);
        }
        painter.with_clip_rect(head.shrink(2.0)).text(
            head.left_center() + egui::vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            name,
            font.clone(),
            text_colour,
        );
        if r.on_hover_text(format!("{name} ({})", m.rows[r_i])).clicked() {
            *selected = Some(Selected::Row(r_i));
        }
        for c in first_col..last_col {
            let rect = egui::Rect::from_min_size(origin + egui::vec2(ROW_HEAD + CELL.x * c as f32, y), CELL).shrink(1.0);
            let value = m.counts[r_i][c];
            let fraction = if max > 0.0 { (value / max) as f32 } else { 0.0 };
            let figure = figure(value, share);
            let cell = ui.interact(rect, egui::Id::unique(("matrix-cell", r_i, c)), Sense::click());
            let label = format!("{name} x {}: {figure}", m.cols[c]);
            cell.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            painter.rect_filled(rect, 2.0, shade(fraction));
            painter.rect_stroke(rect, 2.0, if cell.hovered() { selection } else { stroke }, egui::StrokeKind::Inside);
            painter.text(rect.center(), egui::Align2::CENTER_CENTER, &figure, font.clone(), ink(fraction));
            if cell.on_hover_text(format!("{label}\nclick to list these passages")).clicked() {
                clicked = Some((r_i, c));
            }
        }
    }
    clicked
}

/// A bar chart of the selected row (across the columns) or column (across the codes).
fn chart(ui: &mut egui::Ui, m: &Matrix, names: &[String], selected: Option<Selected>, share: bool, height: f32) {
    use egui_plot::{Bar, BarChart, Plot};
    let Some(selected) = selected else { return };
    let (title, labels, values): (String, Vec<String>, Vec<f64>) = match selected {
        Selected::Row(r) if r < m.rows.len() => (format!("{} across the columns", names[r]), m.cols.clone(), m.counts[r].clone()),
        Selected::Col(c) if c < m.cols.len() => {
            (format!("{} across the codes", m.cols[c]), names.to_vec(), m.counts.iter().map(|row| row[c]).collect())
        }
        _ => return,
    };
    ui.label(RichText::new(title).strong());
    let bars: Vec<Bar> = values
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (&v, name))| Bar::new(i as f64, v).name(format!("{name}: {}", figure(v, share))).width(0.7))
        .collect();
    let n = labels.len();
    let colour = shade(0.75);
    Plot::new("matrix-chart")
        .height(height - 24.0)
        .allow_scroll(false)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                crate::document::excerpt(&labels[i as usize], 14)
            } else {
                String::new()
            }
        })
        .show(ui, |plot| plot.bar_chart(BarChart::new("selected", bars).color(colour)));
}

/// A figure as the cell shows it: a count, or a share as a percentage.
fn figure(value: f64, share: bool) -> String {
    if share { format!("{:.0}%", value * 100.0) } else { format!("{value:.0}") }
}

/// The words for a columns choice.
fn column_label(choice: &str) -> String {
    match choice {
        "document" => "documents".to_owned(),
        "coder" => "coders".to_owned(),
        "code" => "codes (together)".to_owned(),
        other => other.strip_prefix("var:").map_or_else(|| other.to_owned(), |v| format!("variable {v}")),
    }
}

/// A column's name with what kind of column it is, for the Retrieve window's caption.
fn column_label_of(axis: &Axis, name: &str) -> String {
    match axis {
        Axis::Document => format!("document {name}"),
        Axis::Coder => format!("coder {name}"),
        Axis::Code => format!("code {name}"),
        Axis::Variable(v) => format!("{v} = {name}"),
    }
}
