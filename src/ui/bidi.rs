//! Right-to-left text in the document view. egui lays text out left to right in typing order;
//! this applies the Unicode Bidirectional Algorithm (`unicode-bidi`) to each laid-out row so
//! that Arabic and Hebrew read right to left and mixed lines show as a browser shows them.
//!
//! Only positions on screen change: the galley keeps one glyph per code point in logical order,
//! so every stored position, selection and highlight stays in logical code points. Glyphs are
//! moved (with their vertices) to their visual place, and hit-testing and highlight geometry
//! read glyph positions rather than assuming that x grows with the index.

use std::sync::Arc;

use egui::Galley;
use egui::epaint::text::Glyph;
use unicode_bidi::{BidiInfo, Level};

/// Per code point of a paragraph: whether it runs right to left (odd embedding level).
/// Empty for paragraphs with no right-to-left text (nothing is moved for them).
pub type Directions = Vec<bool>;

/// Does the text hold any right-to-left character? (A fast check before the full algorithm.)
fn may_have_rtl(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF | 0x200F | 0x202B | 0x202E | 0x2067))
}

/// The bidirectional levels of a paragraph with right-to-left text.
pub struct Analysis {
    base: Level,
    /// One level per code point.
    levels: Vec<Level>,
    /// Byte offsets where the level changes: the layout is cut there, so that the shaper never
    /// sees text of two directions in one run.
    pub cuts: Vec<usize>,
}

impl Analysis {
    /// `None` when the paragraph is all left to right (nothing to do).
    pub fn of(text: &str) -> Option<Self> {
        if !may_have_rtl(text) {
            return None;
        }
        let info = BidiInfo::new(text, None);
        if !info.has_rtl() {
            return None;
        }
        let base = info.paragraphs.first().map_or(Level::ltr(), |p| p.level);
        let mut levels = Vec::with_capacity(text.len());
        let mut cuts = Vec::new();
        let mut last = None;
        for (b, c) in text.char_indices() {
            let level = info.levels[b];
            // Each right-to-left word is a section of its own (see `reorder`).
            let key = (level, level.is_rtl() && !c.is_whitespace());
            if last.is_some_and(|l| l != key) {
                cuts.push(b);
            }
            last = Some(key);
            levels.push(level);
        }
        Some(Self { base, levels, cuts })
    }
}

/// Puts the rows of `galley` (laid out from `text`, cut at `analysis.cuts`) into visual order.
///
/// The shaper already reverses each right-to-left run it shapes, but it places runs (words,
/// when the space comes from another font) in typing order, and its glyphs then no longer
/// follow the code points. So glyphs are first matched back to their code points, then placed
/// by the algorithm's rule L2, and the galley keeps one glyph per code point in logical order.
pub fn reorder(galley: Arc<Galley>, text: &str, analysis: &Analysis) -> (Arc<Galley>, Directions) {
    let chars: Vec<char> = text.chars().collect();
    let levels = &analysis.levels;
    let width = galley.job.wrap.max_width;
    let mut galley = (*galley).clone();
    let mut row_start = 0usize;
    for placed in &mut galley.rows {
        let row = Arc::make_mut(&mut placed.row);
        let Some(mut glyphs) = to_logical(&row.glyphs, &chars, levels, row_start) else { break };
        let n = glyphs.len();
        let range = row_start..row_start + n;
        let row_levels = line_levels(&levels[range.clone()], &chars[range], analysis.base);
        let order = visual_order(&row_levels);
        let used: f32 = glyphs.iter().map(|g| g.advance_width).sum();
        // A right-to-left paragraph is set flush right, as a browser sets it.
        let mut x = if analysis.base.is_rtl() && width.is_finite() {
            (width - used).max(0.0)
        } else {
            row.glyphs.first().map_or(0.0, |g| g.pos.x)
        };
        for &i in &order {
            let advance = glyphs[i].advance_width;
            let dx = x - glyphs[i].pos.x;
            shift_glyph(&mut glyphs[i], &mut row.visuals.mesh, dx);
            x += advance;
        }
        row.glyphs = glyphs;
        row_start += n + usize::from(placed.ends_with_newline);
    }
    let directions = levels.iter().map(|l| l.is_rtl()).collect();
    (Arc::new(galley), directions)
}

/// A letter of a right-to-left script (not a mark, a digit or a space).
fn rtl_letter(c: char, level: Level) -> bool {
    let n = c as u32;
    let mark = matches!(n, 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED);
    level.is_rtl() && !c.is_whitespace() && !mark
}

/// The row's glyphs, one per code point in logical order, from what the shaper gave: each
/// right-to-left word (a section of its own, see [`Analysis`]) comes as its glyphs in visual
/// order followed by empty "continuation" glyphs, more of them than the word has code points
/// without a glyph of their own (the shaper took the whole word for one cluster). The word
/// keeps exactly as many as it needs, and its glyphs are turned back to logical order.
/// `None` when the row does not fit the text (nothing is changed then).
fn to_logical(shown: &[Glyph], chars: &[char], levels: &[Level], start: usize) -> Option<Vec<Glyph>> {
    let empty = |g: &Glyph| g.advance_width == 0.0 && g.uv_rect.is_nothing();
    let mut out: Vec<Glyph> = Vec::with_capacity(shown.len());
    let (mut slot, mut p) = (0, start);
    while slot < shown.len() {
        let c = *chars.get(p)?;
        if !rtl_letter(c, levels[p]) {
            out.push(shown[slot]);
            slot += 1;
            p += 1;
            continue;
        }
        let end = (p..chars.len()).find(|&i| chars[i].is_whitespace() || !levels[i].is_rtl()).unwrap_or(chars.len());
        let k = end - p;
        let drawn = shown[slot..].iter().take_while(|g| !empty(g)).count().max(1).min(k);
        let trailing = shown[slot + drawn..].iter().take_while(|g| empty(g)).count();
        let kept = (k - drawn).min(trailing);
        let mut word: Vec<Glyph> = shown[slot..slot + drawn + kept].to_vec();
        // The glyphs stand in visual order: the last letter's first.
        word.reverse();
        // A word shaped into fewer glyphs than letters (none seen so far) is padded with empty ones.
        let mut filler = shown[slot];
        filler.advance_width = 0.0;
        filler.uv_rect = Default::default();
        word.resize(k, filler);
        out.extend(word);
        slot += drawn + trailing;
        p = end;
    }
    Some(out)
}

/// Rule L1: whitespace at the end of a line takes the paragraph's level.
fn line_levels(levels: &[Level], chars: &[char], base: Level) -> Vec<Level> {
    let mut out = levels.to_vec();
    for (level, c) in out.iter_mut().zip(chars).rev() {
        if !c.is_whitespace() {
            break;
        }
        *level = base;
    }
    out
}

/// Rule L2: from the highest level down to the lowest odd one, reverse every run at that level
/// or above. Returns logical indexes in visual (left-to-right) order.
pub fn visual_order(levels: &[Level]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    let Some(highest) = levels.iter().map(|l| l.number()).max() else { return order };
    let lowest_odd = levels.iter().map(|l| l.number()).filter(|n| n % 2 == 1).min().unwrap_or(highest + 1);
    let mut level = highest;
    while level >= lowest_odd && level > 0 {
        let mut i = 0;
        while i < order.len() {
            if levels[order[i]].number() >= level {
                let start = i;
                while i < order.len() && levels[order[i]].number() >= level {
                    i += 1;
                }
                order[start..i].reverse();
            } else {
                i += 1;
            }
        }
        level -= 1;
    }
    order
}

/// Moves one glyph (and its four vertices, if it is drawn) `dx` points along the row.
fn shift_glyph(glyph: &mut Glyph, mesh: &mut egui::Mesh, dx: f32) {
    if dx == 0.0 {
        return;
    }
    glyph.pos.x += dx;
    if !glyph.uv_rect.is_nothing() {
        let first = glyph.first_vertex as usize;
        for v in mesh.vertices.iter_mut().skip(first).take(4) {
            v.pos.x += dx;
        }
    }
}

/// The code point (from the galley's start) nearest to `pos`, reading glyph positions, so that
/// it holds for reordered rows. `rtl` is [`Directions`] (empty: all left to right).
pub fn cursor_at(galley: &Galley, pos: egui::Vec2, rtl: &[bool]) -> usize {
    if rtl.is_empty() {
        return galley.cursor_from_pos(pos).index.0;
    }
    let mut row_start = 0usize;
    let last = galley.rows.len().saturating_sub(1);
    for (r, placed) in galley.rows.iter().enumerate() {
        let n = placed.row.glyphs.len();
        let rect = placed.rect();
        if pos.y < rect.max.y || r == last {
            let x = pos.x - placed.pos.x;
            let glyphs = &placed.row.glyphs;
            let Some((i, g)) = glyphs
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| distance(a, x).partial_cmp(&distance(b, x)).unwrap_or(std::cmp::Ordering::Equal))
            else {
                return row_start;
            };
            let right_half = x > g.pos.x + g.advance_width / 2.0;
            let is_rtl = rtl.get(row_start + i).copied().unwrap_or(false);
            // Past the middle of a right-to-left glyph is before it in reading order.
            let after = right_half != is_rtl;
            return row_start + i + usize::from(after);
        }
        row_start += n + usize::from(placed.ends_with_newline);
    }
    row_start
}

fn distance(g: &Glyph, x: f32) -> f32 {
    if x < g.pos.x {
        g.pos.x - x
    } else if x > g.pos.x + g.advance_width {
        x - g.pos.x - g.advance_width
    } else {
        0.0
    }
}

/// For code points `s..e` of a reordered galley: each row's rect with the x ranges covered
/// (a range that crosses a direction change covers several stretches of a row).
pub fn segments(galley: &Galley, s: usize, e: usize) -> Vec<(egui::Rect, f32, f32)> {
    let mut out = Vec::new();
    let mut row_start = 0usize;
    for placed in &galley.rows {
        let glyphs = &placed.row.glyphs;
        let row_end = row_start + glyphs.len();
        let (a, b) = (s.max(row_start), e.min(row_end));
        if a < b {
            let mut spans: Vec<(f32, f32)> = glyphs[a - row_start..b - row_start]
                .iter()
                .map(|g| (placed.pos.x + g.pos.x, placed.pos.x + g.pos.x + g.advance_width))
                .collect();
            spans.sort_by(|p, q| p.0.partial_cmp(&q.0).unwrap_or(std::cmp::Ordering::Equal));
            let mut merged: Vec<(f32, f32)> = Vec::new();
            for (x0, x1) in spans {
                match merged.last_mut() {
                    Some(last) if x0 <= last.1 + 0.5 => last.1 = last.1.max(x1),
                    _ => merged.push((x0, x1)),
                }
            }
            out.extend(merged.into_iter().map(|(x0, x1)| (placed.rect(), x0, x1)));
        }
        row_start = row_end + usize::from(placed.ends_with_newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(s: &[u8]) -> Vec<Level> {
        s.iter().map(|&n| Level::new(n).unwrap()).collect()
    }

    #[test]
    fn runs_reverse_from_the_highest_level_down() {
        // "ab" then three right-to-left letters then "c": the middle run is reversed.
        assert_eq!(visual_order(&levels(&[0, 0, 1, 1, 1, 0])), vec![0, 1, 4, 3, 2, 5]);
        // A number (level 2) inside right-to-left text keeps its own order.
        assert_eq!(visual_order(&levels(&[1, 1, 2, 2, 1])), vec![4, 2, 3, 1, 0]);
        assert_eq!(visual_order(&levels(&[0, 0])), vec![0, 1]);
    }

    #[test]
    fn trailing_spaces_take_the_paragraph_level() {
        let l = line_levels(&levels(&[1, 1, 1]), &['א', 'ב', ' '], Level::ltr());
        assert_eq!(l, levels(&[1, 1, 0]));
    }
}
