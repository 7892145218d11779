//! The folder (corpus) side panel, the corpus overview chart, and File > Export with a progress
//! bar that can be cancelled. Exports run on the app's background worker through the core's
//! `export::write`.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

use super::command::Command;
use super::folder::Folder;
use super::state::ExportRequest;
use super::view::ViewCtx;
use crate::codebook::Codebook;
use crate::error::Error;
use crate::export::{self, Format, Options};

/// How long the folder panel says that documents were updated from disk.
const UPDATED_SHOWN: std::time::Duration = std::time::Duration::from_secs(8);

/// The folder panel on the left and its overview chart. It owns only its widgets' state; the
/// folder's documents are the app's ([`ViewCtx::folder`]).
#[derive(Default)]
pub struct FolderPanel {
    pub show_chart: bool,
    /// The coder the overview chart shows (None: all coders).
    pub chart_coder: Option<String>,
    /// Give the keyboard to the open document's line (or the first) in the next frame.
    pub focus_current: bool,
}

impl FolderPanel {
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        let Some(folder) = ctx.folder else { return };
        let fallback;
        let codebook = match ctx.session {
            Some(s) => s.edits.codebook(),
            None => {
                fallback = Codebook::default();
                &fallback
            }
        };
        egui::Panel::left("folder-panel").resizable(true).default_size(200.0).max_size(320.0).show(ui, |ui| {
            if let Some(path) = self.list(ui, folder, ctx.document_path(), codebook) {
                out.push(Command::OpenPath(path));
            }
        });
        if self.show_chart {
            self.chart(ui.ctx(), folder, codebook, ctx);
        }
    }

    /// The folder list; returns a document to open when one was clicked.
    fn list(&mut self, ui: &mut Ui, folder: &Folder, current: Option<&Path>, codebook: &Codebook) -> Option<PathBuf> {
        let mut open = None;
        ui.heading(folder.root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let done = folder.entries.iter().filter(|e| e.done).count();
        // Another program changed documents of the folder: said on the same line, so that the
        // list does not move under the pointer when it comes and goes.
        let updated = folder.updated.filter(|(when, _)| when.elapsed() < UPDATED_SHOWN);
        let mut line = RichText::new(format!("{} documents, {done} done", folder.entries.len())).small();
        if let Some((when, n)) = updated {
            line = RichText::new(format!("{} documents, {done} done · {n} updated from disk", folder.entries.len()))
                .small()
                .strong();
            ui.ctx().request_repaint_after(UPDATED_SHOWN.saturating_sub(when.elapsed()));
        }
        ui.add(egui::Label::new(line).truncate())
            .on_hover_text("Documents changed by another program are read again as they change");
        if let Some((read, total)) = folder.reading {
            let fraction = read as f32 / total.max(1) as f32;
            ui.add(
                egui::ProgressBar::new(fraction)
                    .text(format!("Reading annotations: {read} of {total} documents"))
                    .desired_height(14.0),
            );
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
        }
        if ui.button("Overview chart").on_hover_text("Annotations per code in every document").clicked() {
            self.show_chart = !self.show_chart;
        }
        ui.separator();
        // Only the lines on screen are laid out (a folder may hold thousands of documents):
        // every line has the same height, its button and one small line under it (the code
        // mix, or why the document could not be read).
        let current_at = current.and_then(|c| folder.entries.iter().position(|e| e.path == c));
        let current = current_at.map(|i| folder.entries[i].path.as_path());
        let spacing = ui.spacing().item_spacing.y;
        let line = ui.text_style_height(&egui::TextStyle::Small);
        let row_height =
            ui.text_style_height(&egui::TextStyle::Body) + line + 2.0 * ui.spacing().button_padding.y + spacing + line;
        let mut area = egui::ScrollArea::vertical().id_salt("folder-list").auto_shrink([false, false]);
        if self.focus_current
            && let Some(i) = current_at
        {
            area = area.vertical_scroll_offset(((i as f32) * (row_height + spacing) - 2.0 * row_height).max(0.0));
        }
        area.show_rows(ui, row_height, folder.entries.len(), |ui, range| {
            for e in &folder.entries[range] {
                let is_current = current == Some(e.path.as_path());
                // The state in words (not a symbol to decode), in the label screen readers read.
                let status = if e.problem.is_some() {
                    "⚠ unreadable"
                } else if e.done {
                    "✔ done"
                } else if e.total > 0 {
                    "in progress"
                } else {
                    "not started"
                };
                let others = if e.coders > 0 { format!(", {} other coder(s)", e.coders) } else { String::new() };
                let mut job = egui::text::LayoutJob::default();
                let body = ui.style().text_styles[&egui::TextStyle::Body].clone();
                let small = ui.style().text_styles[&egui::TextStyle::Small].clone();
                let text = ui.visuals().text_color();
                let weak = ui.visuals().weak_text_color();
                job.append(&e.name, 0.0, egui::TextFormat::simple(body, text));
                job.append(
                    &format!("\n{status} · {} annotation(s){others}", e.total),
                    0.0,
                    egui::TextFormat::simple(small, weak),
                );
                let top = ui.cursor().min.y;
                let r = ui.add(egui::Button::selectable(is_current, job));
                let spoken = format!("{}, {status}, {} annotation(s){others}", e.name, e.total);
                r.widget_info(|| egui::WidgetInfo::selected(egui::Role::ListItem, true, is_current, &spoken));
                if self.focus_current && (is_current || current.is_none()) {
                    r.request_focus();
                    self.focus_current = false;
                }
                if r.clicked() && !is_current {
                    open = Some(e.path.clone());
                }
                // A thin bar of the code mix, in code colours.
                if e.total > 0 {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(ui.available_width().min(160.0), 5.0), egui::Sense::hover());
                    let mut x = rect.min.x;
                    for (code, n) in &e.counts {
                        let w = rect.width() * *n as f32 / e.total as f32;
                        let colour = super::doc_view::code_colour(codebook, code);
                        ui.painter().rect_filled(
                            egui::Rect::from_min_size(egui::pos2(x, rect.min.y), egui::vec2(w, rect.height())),
                            0.0,
                            colour,
                        );
                        x += w;
                    }
                }
                if let Some(p) = &e.problem {
                    // The start of the message on screen (it names the place), all of it on hover.
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        RichText::new(format!("unreadable: {}", crate::document::excerpt(p, 80))).small(),
                    )
                    .on_hover_text(p);
                }
                // The rest of the line's height, so that every line has the same.
                let used = ui.cursor().min.y - top;
                if used < row_height + spacing {
                    ui.add_space(row_height + spacing - used);
                }
            }
        });
        open
    }

    /// The corpus overview: a stacked bar chart of annotations per code per document, for all
    /// coders or one, every bar labelled with its document.
    fn chart(&mut self, ctx: &egui::Context, folder: &Folder, codebook: &Codebook, view: &ViewCtx) {
        let mut open = self.show_chart;
        egui::Window::new("Codes across the folder").open(&mut open).default_size([620.0, 400.0]).show(ctx, |ui| {
            use egui_plot::{Bar, BarChart, GridMark, Plot};
            let coders = folder.coders();
            ui.horizontal(|ui| {
                ui.label("Coders:");
                let shown = self.chart_coder.as_deref().map_or_else(|| "all coders".to_owned(), |c| view.coder_name(c));
                egui::ComboBox::from_id_salt("chart-coder").selected_text(shown).show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.chart_coder, None, "all coders");
                    for c in &coders {
                        ui.selectable_value(&mut self.chart_coder, Some(c.clone()), view.coder_name(c));
                    }
                });
            });
            // The legend sits above the plot, so that it never covers a bar or its tooltip.
            ui.horizontal_wrapped(|ui| {
                for code in &codebook.codes {
                    super::doc_view::cue_sample(ui, codebook, &code.id);
                    ui.label(&code.name);
                    ui.add_space(6.0);
                }
            });
            let coder = self.chart_coder.as_deref();
            let mut charts: Vec<BarChart> = Vec::new();
            for code in &codebook.codes {
                let bars: Vec<Bar> = (0..folder.entries.len())
                    .map(|i| {
                        let n = folder.count(i, &code.id, coder);
                        Bar::new(i as f64, n as f64).name(format!("{}: {} {}", folder.entries[i].name, n, code.name)).width(0.6)
                    })
                    .collect();
                let [r, g, b] = code.rgb();
                let mut chart = BarChart::new(code.name.clone(), bars).color(egui::Color32::from_rgb(r, g, b));
                let below: Vec<&BarChart> = charts.iter().collect();
                chart = chart.stack_on(&below);
                charts.push(chart);
            }
            let names: Vec<String> = folder.entries.iter().map(|e| crate::document::excerpt(&e.name, 18)).collect();
            let n = names.len();
            Plot::new("corpus-chart")
                .allow_scroll(false)
                // One mark per document, so that each bar carries its own document's name.
                .x_grid_spacer(move |_| (0..n).map(|i| GridMark { value: i as f64, step_size: 1.0 }).collect())
                .x_axis_formatter(move |mark, _range| {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_axis_label("annotations")
                .show(ui, |plot| {
                    for c in charts {
                        plot.bar_chart(c);
                    }
                });
        });
        self.show_chart = open;
    }
}

/// File > Export: choose what and how, run it on the background worker, show progress.
pub struct ExportDialog {
    pub open: bool,
    pub format: Format,
    pub whole_folder: bool,
    pub excel: bool,
    pub jsonl: bool,
    pub include_empty: bool,
    pub out: String,
    /// An export is under way.
    pub running: bool,
    /// Annotations written, of how many (reported by the worker).
    pub progress: (usize, usize),
    pub outcome: Option<Result<export::Summary, Error>>,
    /// Anonymous mode was on when the output was suggested: an anonymous export gets a file
    /// name of its own, so that it never overwrites a named one.
    anonymous: bool,
}

impl Default for ExportDialog {
    fn default() -> Self {
        Self {
            open: false,
            format: Format::Csv,
            whole_folder: false,
            excel: false,
            jsonl: false,
            include_empty: false,
            out: String::new(),
            running: false,
            progress: (0, 0),
            outcome: None,
            anonymous: false,
        }
    }
}

impl ExportDialog {
    /// Opens the dialog with an output path next to `source`.
    pub fn show_for(&mut self, source: &Path, folder: bool) {
        self.open = true;
        self.whole_folder = folder;
        self.outcome = None;
        self.suggest(source);
    }

    fn suggest(&mut self, source: &Path) {
        let stem = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "annotations".into());
        let stem = if self.anonymous { format!("{stem}-anonymous") } else { stem };
        let ext = self.format.extension();
        let name = if ext.is_empty() { format!("{stem}-brat") } else { format!("{stem}.{ext}") };
        let dir = if source.is_dir() { source.to_path_buf() } else { source.parent().map(Path::to_path_buf).unwrap_or_default() };
        self.out = dir.join(name).display().to_string();
    }

    /// The worker took the export on.
    pub fn started(&mut self) {
        self.running = true;
        self.progress = (0, 0);
        self.outcome = None;
    }

    /// The worker finished the export (or it failed, or was cancelled).
    pub fn finished(&mut self, result: Result<export::Summary, Error>) {
        self.running = false;
        self.outcome = Some(result);
    }

    /// What the dialog asks to run.
    fn request(&self, source: &Path) -> ExportRequest {
        ExportRequest {
            source: source.to_path_buf(),
            format: self.format,
            options: Options { excel: self.excel, jsonl: self.jsonl, include_empty: self.include_empty },
            out: PathBuf::from(self.out.trim()),
            // Filled in by the app from the anonymous setting.
            aliases: Default::default(),
        }
    }

    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewCtx, out: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        let (document, folder) = (ctx.document_path(), ctx.folder.map(|f| f.root.as_path()));
        let anonymous = ctx.aliases().is_some();
        if anonymous != self.anonymous && !self.running {
            self.anonymous = anonymous;
            if let Some(s) = if self.whole_folder { folder } else { document } {
                self.suggest(s);
            }
        }
        let ctx = ui.ctx().clone();
        let mut open = self.open;
        egui::Window::new("Export annotations").open(&mut open).collapsible(false).show(&ctx, |ui| {
            let busy = self.running;
            ui.add_enabled_ui(!busy, |ui| {
                ui.label("Format:");
                let before = self.format;
                for f in Format::ALL {
                    ui.radio_value(&mut self.format, f, f.label());
                }
                match self.format {
                    Format::Csv => {
                        ui.checkbox(&mut self.excel, "For Excel (add a byte-order mark)");
                    }
                    Format::W3c => {
                        ui.checkbox(&mut self.jsonl, "One annotation per line (JSON lines)");
                    }
                    Format::Html => {
                        ui.checkbox(&mut self.include_empty, "Include documents without annotations");
                    }
                    _ => {}
                }
                if let Some(folder) = folder {
                    ui.checkbox(&mut self.whole_folder, format!("Whole folder ({})", folder.display()));
                }
                let source = if self.whole_folder { folder } else { document };
                if before != self.format
                    && let Some(s) = source
                {
                    self.suggest(s);
                }
                if anonymous {
                    ui.label("Anonymous mode is on: students are named by their pseudonyms in the export.");
                }
                ui.label(if self.format.writes_folder() { "Output folder:" } else { "Output file:" });
                let r = ui.add(egui::TextEdit::singleline(&mut self.out).desired_width(420.0));
                crate::ui::field::keep_typed(ui, &r, &mut self.out);
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Output path"));
                ui.horizontal(|ui| {
                    if ui.button("Choose…").clicked() {
                        let picked = if self.format.writes_folder() {
                            rfd::FileDialog::new().pick_folder()
                        } else {
                            rfd::FileDialog::new()
                                .set_file_name(
                                    Path::new(&self.out)
                                        .file_name()
                                        .map(|n| n.to_string_lossy().into_owned())
                                        .unwrap_or_default(),
                                )
                                .save_file()
                        };
                        if let Some(p) = picked {
                            self.out = p.display().to_string();
                        }
                    }
                    let can = source.is_some() && !self.out.trim().is_empty();
                    if ui.add_enabled(can, egui::Button::new(RichText::new("Export").strong())).clicked()
                        && let Some(s) = source
                    {
                        out.push(Command::StartExport(self.request(s)));
                    }
                });
            });
            self.progress_and_outcome(ui, out);
        });
        self.open = open;
    }

    /// The running export's progress with a Cancel button, then what it wrote or why not.
    fn progress_and_outcome(&self, ui: &mut Ui, out: &mut Vec<Command>) {
        if self.running {
            let (d, t) = (self.progress.0, self.progress.1.max(1));
            ui.add(egui::ProgressBar::new(d as f32 / t as f32).text(format!("{d} of {t} annotations")).show_percentage());
            if ui.button("Cancel").clicked() {
                out.push(Command::CancelExport);
            }
        }
        match &self.outcome {
            Some(Ok(summary)) => {
                ui.label(
                    RichText::new(format!(
                        "Exported {} annotation(s) from {} document(s).",
                        summary.annotations, summary.documents
                    ))
                    .strong(),
                );
                for f in summary.files.iter().take(5) {
                    ui.label(RichText::new(f.display().to_string()).small());
                }
                for n in &summary.notes {
                    ui.label(RichText::new(format!("Note: {n}")).small());
                }
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
            }
            None => {}
        }
    }
}
