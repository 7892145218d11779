//! The Passages tab's heatmap on the text: the chosen text drawn as it reads, each of the key's
//! passages shaded by the share of the class who found it (one blue ramp, light to dark, safe
//! for every colour vision, with a "found/of" badge after it), and the marks students made that
//! are not in the key underlined in vermillion with a "+n" badge (how many students). Hovering
//! gives the figures; a click picks a passage and the tab lists who found and who missed it.
//!
//! Only the paragraphs on screen are laid out (heights measured as they are shown, as the
//! document view does). Every figure comes from [`crate::class::passages::summarize`]; this
//! module draws, it counts nothing.

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Rect, Sense, Stroke, pos2, vec2};

use crate::class::passages::PassageSummary;
use crate::document::{Document, Span};

/// The blue ramp (ColorBrewer "Blues"): from nobody found it to everybody did.
const RAMP: [(u8, u8, u8); 9] = [
    (0xf7, 0xfb, 0xff),
    (0xde, 0xeb, 0xf7),
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];

/// Extra marks (not in the key): vermillion, the Okabe-Ito hue that stands apart from blue,
/// darkened so that white text on it stays readable.
pub const EXTRA: Color32 = Color32::from_rgb(0xB3, 0x47, 0x00);

/// The shade of a share from 0 to 1.
pub fn ramp(share: f32) -> Color32 {
    let x = share.clamp(0.0, 1.0) * (RAMP.len() - 1) as f32;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let t = x - i as f32;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (p as f32 + (q as f32 - p as f32) * t).round() as u8;
    Color32::from_rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `bg`.
fn ink_on(bg: Color32) -> Color32 {
    let l = 0.2126 * bg.r() as f32 + 0.7152 * bg.g() as f32 + 0.0722 * bg.b() as f32;
    if l > 140.0 { Color32::BLACK } else { Color32::WHITE }
}

/// A passage of the summary: a key passage or a cluster of extra marks (indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picked {
    Key(usize),
    Extra(usize),
}

/// The heatmap's state: paragraph heights as measured, and the passage clicked.
#[derive(Default)]
pub struct Heatmap {
    /// (text index, width) the heights are for.
    for_text: Option<(usize, u32)>,
    heights: Vec<f32>,
    pub picked: Option<Picked>,
}

/// What the tab gives the heatmap to draw.
pub struct HeatInput<'a> {
    pub text: usize,
    pub document: &'a Document,
    pub summary: &'a PassageSummary,
    /// How many students.
    pub students: usize,
    /// The code's name for an id.
    pub code_name: &'a dyn Fn(&str) -> String,
}

/// The figures of a passage, as the hover text and the screen reader give them.
pub fn describe(input: &HeatInput<'_>, picked: Picked) -> String {
    let n = input.students;
    match picked {
        Picked::Key(i) => {
            let k = &input.summary.key[i];
            format!(
                "Key passage \"{}\" ({}): found by {} of {n}",
                crate::document::excerpt(&k.item.exact, 60),
                (input.code_name)(&k.item.code),
                k.found_by.len()
            )
        }
        Picked::Extra(i) => {
            let c = &input.summary.extra[i];
            let codes: Vec<String> = c.codes.iter().map(|(id, k)| format!("{} x{k}", (input.code_name)(id))).collect();
            format!(
                "Not in the key \"{}\": marked by {} of {n} students ({})",
                crate::document::excerpt(&c.quote, 60),
                c.students.len(),
                codes.join(", ")
            )
        }
    }
}

/// One run of a paragraph's text between cut points, and what covers it.
struct Piece {
    span: Span,
    key: Option<usize>,
    extra: Option<usize>,
}

impl Heatmap {
    /// Draws the legend and the text (in a scroll area at most `max_height` tall).
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &HeatInput<'_>, max_height: f32) {
        legend(ui, input.students);
        let doc = input.document;
        let paragraphs = doc.paragraphs();
        let font_size = 16.0;
        let gap = font_size * 0.6;
        let width = (ui.available_width() - 16.0).max(200.0);
        let key = (input.text, width.round() as u32);
        if self.for_text != Some(key) || self.heights.len() != paragraphs.len() {
            self.for_text = Some(key);
            // A first guess (a line per 80 characters), measured once shown.
            self.heights =
                paragraphs.iter().map(|p| (p.chars.len() as f32 / 80.0).ceil().max(1.0) * font_size * 1.7 + gap).collect();
        }
        let mut clicked = None;
        let mut measured = Vec::new();
        egui::ScrollArea::vertical()
            .id_salt(("class-heatmap", input.text))
            .max_height(max_height)
            .auto_shrink([false, true])
            .show_viewport(ui, |ui, viewport| {
                let total: f32 = self.heights.iter().sum();
                ui.set_height(total);
                let origin = ui.max_rect().min + vec2(4.0, 0.0);
                let mut top = 0.0;
                for (p, para) in paragraphs.iter().enumerate() {
                    let h = self.heights[p];
                    if top + h < viewport.min.y {
                        top += h;
                        continue;
                    }
                    if top > viewport.max.y {
                        break;
                    }
                    let (job, parts) = layout(ui, input, para.chars, font_size, width);
                    let galley = ui.painter().layout_job(job);
                    let pos = origin + vec2(0.0, top);
                    measured.push((p, galley.size().y.max(font_size) + gap));
                    let painter = ui.painter().clone();
                    for (part, (picked, gs, ge, first)) in parts.iter().enumerate() {
                        let segments = super::doc_view::row_segments(&galley, *gs, *ge);
                        for (s, (row, x0, x1)) in segments.iter().enumerate() {
                            let rect =
                                Rect::from_min_max(pos2(pos.x + x0, pos.y + row.min.y), pos2(pos.x + x1, pos.y + row.max.y));
                            if let Picked::Key(_) = picked {
                                painter.rect_stroke(rect, 2.0, Stroke::new(1.0, ramp(1.0)), egui::StrokeKind::Outside);
                            }
                            if self.picked == Some(*picked) {
                                let colour = ui.visuals().strong_text_color();
                                painter.rect_stroke(rect.expand(2.0), 3.0, Stroke::new(2.5, colour), egui::StrokeKind::Outside);
                            }
                            let id = ui.scope_id().with(("heat", input.text, p, part, s));
                            let r = ui.interact(rect, id, Sense::click());
                            let text = describe(input, *picked);
                            if *first && s == 0 {
                                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
                            }
                            let r = r.on_hover_text(format!("{text}\nClick to see who found it and who did not."));
                            if r.clicked() {
                                clicked = Some(*picked);
                            }
                        }
                    }
                    painter.galley(pos, galley, ui.visuals().text_color());
                    top += h;
                }
            });
        let mut changed = false;
        for (p, h) in measured {
            if (self.heights[p] - h).abs() > 0.5 {
                self.heights[p] = h;
                changed = true;
            }
        }
        if changed {
            ui.ctx().request_repaint();
        }
        if let Some(c) = clicked {
            self.picked = if self.picked == Some(c) { None } else { Some(c) };
        }
    }
}

/// The layout of one paragraph: its text with the key's passages shaded and the extra marks
/// underlined, a badge after each; and where each passage lies in the galley's characters
/// (picked, start, end, is it the passage's first part).
fn layout(
    ui: &egui::Ui,
    input: &HeatInput<'_>,
    para: Span,
    font_size: f32,
    width: f32,
) -> (LayoutJob, Vec<(Picked, usize, usize, bool)>) {
    let doc = input.document;
    let summary = input.summary;
    let n = input.students.max(1);
    let mut cuts = vec![para.start, para.end];
    let spans = summary.key.iter().map(|k| k.item.span).chain(summary.extra.iter().map(|c| c.span));
    for s in spans {
        if s.overlaps(&para) {
            cuts.push(s.start.clamp(para.start, para.end));
            cuts.push(s.end.clamp(para.start, para.end));
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    // Where key passages overlap, the one found most shades the run.
    let pieces: Vec<Piece> = cuts
        .windows(2)
        .map(|w| {
            let span = Span::new(w[0], w[1]);
            let key = summary
                .key
                .iter()
                .enumerate()
                .filter(|(_, k)| k.item.span.overlaps(&span))
                .max_by_key(|(_, k)| k.found_by.len())
                .map(|(i, _)| i);
            let extra = summary.extra.iter().position(|c| c.span.overlaps(&span));
            Piece { span, key, extra }
        })
        .collect();
    let font = FontId::proportional(font_size);
    let small = FontId::proportional(font_size * 0.72);
    let base = TextFormat {
        font_id: font.clone(),
        color: ui.visuals().text_color(),
        line_height: Some(font_size * 1.7),
        ..Default::default()
    };
    let mut job = LayoutJob { wrap: egui::text::TextWrapping { max_width: width, ..Default::default() }, ..Default::default() };
    let mut chars = 0usize;
    // Per passage: its start in the galley, once its first run is in.
    let mut open: Vec<(Picked, usize, bool)> = Vec::new();
    let mut parts = Vec::new();
    let badge = |job: &mut LayoutJob, chars: &mut usize, text: String, bg: Color32| {
        let format = TextFormat {
            font_id: small.clone(),
            color: ink_on(bg),
            background: bg,
            valign: egui::Align::Center,
            line_height: Some(font_size * 1.7),
            ..Default::default()
        };
        job.append("\u{2009}", 0.0, TextFormat { font_id: small.clone(), ..Default::default() });
        job.append(&text, 0.0, format);
        *chars += 1 + text.chars().count();
    };
    for piece in &pieces {
        for picked in piece.key.map(Picked::Key).into_iter().chain(piece.extra.map(Picked::Extra)) {
            if !open.iter().any(|(p, _, _)| *p == picked) {
                let span = match picked {
                    Picked::Key(i) => summary.key[i].item.span,
                    Picked::Extra(i) => summary.extra[i].span,
                };
                open.push((picked, chars, span.start >= para.start));
            }
        }
        let text = doc.slice(piece.span);
        let mut format = base.clone();
        if let Some(k) = piece.key {
            let bg = ramp(summary.key[k].found_by.len() as f32 / n as f32);
            format.background = bg;
            format.color = ink_on(bg);
        }
        if piece.extra.is_some() {
            format.underline = Stroke::new(2.5, EXTRA);
        }
        job.append(text, 0.0, format);
        chars += text.chars().count();
        // Close the passages that end here (or leave the paragraph here), badge after each.
        let mut closing: Vec<(Picked, usize, bool)> = Vec::new();
        open.retain(|&(picked, start, first)| {
            let covers = match picked {
                Picked::Key(i) => piece.key == Some(i) && summary.key[i].item.span.end > piece.span.end,
                Picked::Extra(i) => piece.extra == Some(i) && summary.extra[i].span.end > piece.span.end,
            };
            let still = covers && piece.span.end < para.end;
            if !still {
                closing.push((picked, start, first));
            }
            still
        });
        for (picked, start, first) in closing {
            parts.push((picked, start, chars, first));
            let (span_end, label, bg) = match picked {
                Picked::Key(i) => {
                    let k = &summary.key[i];
                    (k.item.span.end, format!(" {}/{} ", k.found_by.len(), input.students), ramp(1.0))
                }
                Picked::Extra(i) => {
                    let c = &summary.extra[i];
                    (c.span.end, format!(" +{} ", c.students.len()), EXTRA)
                }
            };
            if span_end <= para.end {
                badge(&mut job, &mut chars, label, bg);
            }
        }
    }
    if job.text.is_empty() {
        job.append(" ", 0.0, base);
    }
    (job, parts)
}

/// The key to the shading: the ramp from 0 % to 100 % and the extra marks' underline.
fn legend(ui: &mut egui::Ui, students: usize) {
    let text = format!(
        "Legend: blue shading is the share of the {students} students who found the key's passage (light: few, dark: \
         most), with found/of after it; an orange underline with +n marks a passage n students marked that the key \
         does not have."
    );
    let r = ui
        .horizontal_wrapped(|ui| {
            ui.label("Found by:");
            for (share, label) in [(0.0, "0 %"), (0.25, "25 %"), (0.5, "50 %"), (0.75, "75 %"), (1.0, "100 %")] {
                let (rect, _) = ui.allocate_exact_size(vec2(42.0, 18.0), Sense::hover());
                let bg = ramp(share);
                ui.painter().rect_filled(rect, 2.0, bg);
                ui.painter().rect_stroke(rect, 2.0, Stroke::new(1.0, ramp(1.0)), egui::StrokeKind::Inside);
                ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, label, FontId::proportional(11.0), ink_on(bg));
            }
            ui.add_space(12.0);
            let (rect, _) = ui.allocate_exact_size(vec2(42.0, 18.0), Sense::hover());
            ui.painter().line_segment(
                [pos2(rect.left(), rect.bottom() - 3.0), pos2(rect.right(), rect.bottom() - 3.0)],
                Stroke::new(2.5, EXTRA),
            );
            ui.label("marked by students, not in the key (+n students)");
        })
        .response;
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_darkens_as_the_share_grows_and_its_ink_stays_readable() {
        let lum = |c: Color32| 0.2126 * c.r() as f32 + 0.7152 * c.g() as f32 + 0.0722 * c.b() as f32;
        let steps: Vec<f32> = (0..=10).map(|i| lum(ramp(i as f32 / 10.0))).collect();
        assert!(steps.windows(2).all(|w| w[1] < w[0]), "{steps:?}");
        assert_eq!(ink_on(ramp(0.0)), Color32::BLACK);
        assert_eq!(ink_on(ramp(1.0)), Color32::WHITE);
        assert_eq!(ink_on(EXTRA), Color32::WHITE);
    }
}
