//! Right-to-left text in the document view. egui lays text out left to right in typing order;
//! this applies the Unicode Bidirectional Algorithm (`unicode-bidi`) to each laid-out row so
//! that Arabic and Hebrew read right to left and mixed lines show as a browser shows them.
//!
//! Only positions on screen change: the galley is given one glyph per code point in logical
//! order, so every stored position, selection and highlight stays in logical code points.
//! What the shaper drew (its glyphs and their vertices) is moved, a cluster at a time, to its
//! visual place; hit-testing and highlight geometry read the per-code-point glyphs rather than
//! assuming that x grows with the index.
//!
//! The shaper's output is not one glyph per code point for right-to-left text: a word comes
//! as its glyphs in visual order (the last letter's first), a ligature as one glyph for two
//! letters, marks as extra glyphs, followed by empty "continuation" glyphs. So the paragraph is
//! cut into sections that the shaper handles one way each (a right-to-left word of one script,
//! or text it shapes left to right), each right-to-left section is laid out alone to learn how
//! many glyphs it takes, and its glyphs are matched back to its code points by the character
//! each glyph names (see [`clusters`]). A section whose glyphs cannot be matched moves as one
//! block, its code points sharing its width: never another section's text.

use std::sync::Arc;

use egui::Galley;
use egui::epaint::text::Glyph;
use egui::text::LayoutJob;
use unicode_bidi::{BidiInfo, Level};

/// Per code point of a paragraph: whether it runs right to left (odd embedding level).
/// Empty for paragraphs with no right-to-left text (nothing is moved for them).
pub type Directions = Vec<bool>;

/// Does the text hold any right-to-left character? (A fast check before the full algorithm.)
fn may_have_rtl(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF | 0x200F | 0x202B | 0x202E | 0x2067))
}

/// Is `script` written right to left (so that the shaper returns its glyphs in visual order)?
fn rtl_script(script: unicode_script::Script) -> bool {
    use unicode_script::Script as S;
    matches!(
        script,
        S::Arabic
            | S::Hebrew
            | S::Syriac
            | S::Thaana
            | S::Nko
            | S::Samaritan
            | S::Mandaic
            | S::Adlam
            | S::Hanifi_Rohingya
            | S::Yezidi
            | S::Mende_Kikakui
            | S::Imperial_Aramaic
            | S::Phoenician
            | S::Kharoshthi
            | S::Avestan
            | S::Old_South_Arabian
            | S::Old_North_Arabian
            | S::Nabataean
            | S::Palmyrene
            | S::Hatran
            | S::Manichaean
            | S::Psalter_Pahlavi
            | S::Inscriptional_Pahlavi
            | S::Inscriptional_Parthian
            | S::Lydian
            | S::Cypriot
            | S::Old_Hungarian
            | S::Sogdian
            | S::Old_Sogdian
            | S::Elymaic
            | S::Chorasmian
            | S::Meroitic_Cursive
            | S::Meroitic_Hieroglyphs
            | S::Old_Uyghur
    )
}

/// The script of a right-to-left letter (or of a mark following one), `None` for anything the
/// shaper lays out left to right (Latin, digits, punctuation, spaces, format characters).
fn rtl_class(c: char, previous: Option<unicode_script::Script>) -> Option<unicode_script::Script> {
    use unicode_script::{Script, UnicodeScript};
    // Latin, digits and punctuation (most of most texts) without the script table's search.
    if (c as u32) < 0x0300 {
        return None;
    }
    match c.script() {
        // A combining mark belongs with the letter before it.
        Script::Inherited => previous,
        s if rtl_script(s) && !c.is_whitespace() && !crate::coder::is_format_char(c) => Some(s),
        _ => None,
    }
}

/// The bidirectional levels of a paragraph with right-to-left text.
pub struct Analysis {
    base: Level,
    /// One level per code point.
    levels: Vec<Level>,
    /// Byte offsets where the layout is cut: at every change of level, around every
    /// right-to-left word, and where its script changes, so that each section is shaped one
    /// way (see the module's comment).
    pub cuts: Vec<usize>,
    /// Per code point: is it a letter (or a mark after one) that the shaper lays out right to
    /// left (see [`rtl_class`])?
    shaped_rtl: Vec<bool>,
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
        let mut shaped_rtl = Vec::with_capacity(text.len());
        let mut cuts = Vec::new();
        let mut last = None;
        let mut class = None;
        for (b, c) in text.char_indices() {
            let level = info.levels[b];
            class = rtl_class(c, class);
            let key = (level, class);
            if last.is_some_and(|l| l != key) {
                cuts.push(b);
            }
            last = Some(key);
            levels.push(level);
            shaped_rtl.push(class.is_some());
        }
        Some(Self { base, levels, cuts, shaped_rtl })
    }
}

/// One cluster of a laid-out paragraph: code points `chars` (from the paragraph's start) drawn
/// by the glyphs `glyphs` (indexes into the paragraph's glyphs as egui laid them out).
#[derive(Debug, Clone, PartialEq)]
struct Cluster {
    chars: std::ops::Range<usize>,
    /// Most clusters have one glyph: kept inline, as a paragraph has thousands of them.
    glyphs: Glyphs,
}

type Glyphs = smallvec::SmallVec<[usize; 2]>;

/// A glyph egui adds to keep a count of one glyph per code point: nothing drawn, no width.
fn is_continuation(g: &Glyph) -> bool {
    g.advance_width == 0.0 && g.uv_rect.is_nothing()
}

/// Matches the glyphs a right-to-left section was shaped into (`shown`, in the shaper's
/// order) to its code points `chars`: each drawn glyph names the first character of its
/// cluster; within a run the clusters come last first. A glyph without width naming the
/// character of the glyph before it is a mark of the same cluster. Continuation glyphs are
/// left out. Returns the clusters in logical order, or `None` when the glyphs do not fit
/// the text (the caller then keeps the section whole).
fn clusters(shown: &[Glyph], chars: &[char]) -> Option<Vec<Cluster>> {
    let k = chars.len();
    let mut glyphs_of: Vec<Glyphs> = vec![Glyphs::new(); k];
    let mut last: Option<usize> = None;
    for (i, g) in shown.iter().enumerate() {
        if is_continuation(g) {
            continue;
        }
        if let Some(l) = last
            && chars[l] == g.chr
            && g.advance_width == 0.0
        {
            glyphs_of[l].push(i);
            continue;
        }
        let free = |j: &usize| chars[*j] == g.chr && glyphs_of[*j].is_empty();
        // Right to left: the next cluster starts before the last one; else a new run starts.
        let j = match last {
            Some(l) => (0..l).rev().find(free).or_else(|| (0..k).rev().find(free)),
            None => (0..k).rev().find(free),
        }?;
        glyphs_of[j].push(i);
        last = Some(j);
    }
    // The first code point always starts a cluster.
    if glyphs_of.first().is_none_or(|g| g.is_empty()) {
        return None;
    }
    let mut out: Vec<Cluster> = Vec::new();
    for (j, glyphs) in glyphs_of.into_iter().enumerate() {
        match out.last_mut() {
            Some(c) if glyphs.is_empty() => c.chars.end = j + 1,
            _ => out.push(Cluster { chars: j..j + 1, glyphs }),
        }
    }
    Some(out)
}

/// Puts the rows of `galley` (laid out from `text`, cut at `analysis.cuts`) into visual order.
/// `layout` lays out a job as the view does (each right-to-left section is laid out alone with
/// it, to know how many glyphs it takes).
///
/// The galley comes back with one glyph per code point, in logical order, each placed where its
/// code point shows; the shaper's drawing (the rows' meshes) is moved a cluster at a time.
pub fn reorder(
    galley: Arc<Galley>,
    text: &str,
    analysis: &Analysis,
    layout: &mut dyn FnMut(LayoutJob) -> Arc<Galley>,
) -> (Arc<Galley>, Directions) {
    let chars: Vec<char> = text.chars().collect();
    let directions: Directions = analysis.levels.iter().map(|l| l.is_rtl()).collect();
    if text.contains('\n') || chars.len() != analysis.levels.len() {
        return (galley, Vec::new());
    }
    // Every glyph egui made, in order: (row, index in the row).
    let stream: Vec<(usize, usize)> =
        galley.rows.iter().enumerate().flat_map(|(r, p)| (0..p.row.glyphs.len()).map(move |i| (r, i))).collect();
    let glyph = |n: usize| &galley.rows[stream[n].0].row.glyphs[stream[n].1];

    // The clusters of the paragraph, section by section.
    let mut all: Vec<Cluster> = Vec::with_capacity(chars.len());
    let mut next = 0usize;
    let mut char_at = 0usize;
    for section in &galley.job.sections {
        let range = section.byte_range.start.0..section.byte_range.end.0;
        let Some(part) = text.get(range.clone()) else { return (galley, Vec::new()) };
        let part_chars: Vec<char> = part.chars().collect();
        let k = part_chars.len();
        let shaped_rtl = analysis.shaped_rtl.get(char_at..char_at + k).is_some_and(|s| s.contains(&true));
        if !shaped_rtl {
            // Shaped left to right: egui keeps one glyph per code point.
            if next + k > stream.len() {
                return (galley, Vec::new());
            }
            all.extend((0..k).map(|i| Cluster { chars: char_at + i..char_at + i + 1, glyphs: smallvec::smallvec![next + i] }));
            next += k;
        } else {
            let alone = layout(LayoutJob {
                text: part.to_owned(),
                sections: vec![egui::text::LayoutSection {
                    leading_space: 0.0,
                    byte_range: egui::text::ByteIndex(0)..egui::text::ByteIndex(part.len()),
                    format: section.format.clone(),
                }],
                wrap: egui::text::TextWrapping { max_width: f32::INFINITY, ..Default::default() },
                ..Default::default()
            });
            let n: usize = alone.rows.iter().map(|p| p.row.glyphs.len()).sum();
            if next + n > stream.len() {
                return (galley, Vec::new());
            }
            let shown: Vec<Glyph> = (next..next + n).map(|i| *glyph(i)).collect();
            match clusters(&shown, &part_chars) {
                Some(found) => all.extend(found.into_iter().map(|c| Cluster {
                    chars: char_at + c.chars.start..char_at + c.chars.end,
                    glyphs: c.glyphs.into_iter().map(|g| next + g).collect(),
                })),
                // Kept whole: its code points share what it drew.
                None => all.push(Cluster {
                    chars: char_at..char_at + k,
                    glyphs: (next..next + n).filter(|&i| !is_continuation(glyph(i))).collect(),
                }),
            }
            next += n;
        }
        char_at += k;
    }
    if next != stream.len() || char_at != chars.len() {
        return (galley, Vec::new());
    }

    // Each code point's row: its cluster's (the row of its first glyph), never before the row
    // of the code point before it, so that rows hold runs of code points in order.
    let mut row_of = vec![0usize; chars.len()];
    let mut row = 0usize;
    for c in &all {
        if let Some(&g) = c.glyphs.first() {
            row = row.max(stream[g].0);
        }
        for j in c.chars.clone() {
            row_of[j] = row;
        }
    }

    let width = galley.job.wrap.max_width;
    let mut shown = (*galley).clone();
    let mut first = 0usize;
    for (r, placed) in shown.rows.iter_mut().enumerate() {
        let end = row_of.partition_point(|&x| x <= r).max(first);
        let row_chars = first..end;
        // The clusters are in logical order: the row's are the ones starting in its range.
        let from = all.partition_point(|c| c.chars.start < row_chars.start);
        let to = all.partition_point(|c| c.chars.start < row_chars.end);
        let row_clusters: Vec<&Cluster> = all[from..to].iter().collect();
        let row = Arc::make_mut(&mut placed.row);
        let original = row.glyphs.clone();
        let original_of = |g: usize| -> Option<&Glyph> { (stream[g].0 == r).then(|| &original[stream[g].1]) };
        let template = original.first().copied().or_else(|| galley.rows.iter().find_map(|p| p.row.glyphs.first().copied()));
        let Some(template) = template else {
            first = end;
            continue;
        };
        // Each cluster: its width and where the shaper put it.
        let metrics: Vec<(f32, f32)> = row_clusters
            .iter()
            .map(|c| {
                let drawn: Vec<&Glyph> = c.glyphs.iter().filter_map(|&g| original_of(g)).collect();
                let width: f32 = drawn.iter().map(|g| g.advance_width).sum();
                let left = drawn.iter().map(|g| g.pos.x).fold(f32::INFINITY, f32::min);
                (width, if left.is_finite() { left } else { 0.0 })
            })
            .collect();
        let n = row_chars.len();
        let row_levels = line_levels(&analysis.levels[row_chars.clone()], &chars[row_chars.clone()], analysis.base);
        // The clusters in visual order, by the level of their first code point.
        let cluster_levels: Vec<Level> = row_clusters.iter().map(|c| row_levels[c.chars.start - row_chars.start]).collect();
        let order = visual_order(&cluster_levels);
        let used: f32 = metrics.iter().map(|m| m.0).sum();
        // A right-to-left paragraph is set flush right, as a browser sets it.
        let mut x = if analysis.base.is_rtl() && width.is_finite() {
            (width - used).max(0.0)
        } else {
            original.first().map_or(0.0, |g| g.pos.x)
        };
        let mut glyphs: Vec<Glyph> = vec![template; n];
        for &ci in &order {
            let c = row_clusters[ci];
            let (w, left) = metrics[ci];
            let dx = x - left;
            for &g in &c.glyphs {
                if stream[g].0 == r {
                    shift_glyph(&original[stream[g].1], &mut row.visuals.mesh, dx);
                }
            }
            // Its code points share its width: the ones that start a grapheme an equal part,
            // marks and the like none; in reading order (right to left in a right-to-left run).
            let starts: Vec<usize> = c.chars.clone().filter(|&j| starts_grapheme(&chars, j)).collect();
            let share = if starts.is_empty() { 0.0 } else { w / starts.len() as f32 };
            let rtl = cluster_levels[ci].is_rtl();
            let mut at = if rtl { x + w } else { x };
            for j in c.chars.clone() {
                let own = if starts.contains(&j) { share } else { 0.0 };
                let base = c.glyphs.first().and_then(|&g| original_of(g)).copied().unwrap_or(template);
                let mut g = base;
                g.chr = chars[j];
                g.advance_width = own;
                g.pos.x = if rtl { at - own } else { at };
                at = if rtl { at - own } else { at + own };
                if let Some(slot) = glyphs.get_mut(j - row_chars.start) {
                    *slot = g;
                }
            }
            x += w;
        }
        row.glyphs = glyphs;
        first = end;
    }
    (Arc::new(shown), directions)
}

/// Does code point `j` start a grapheme (a user-perceived character)? Marks and joiners after
/// a letter do not.
fn starts_grapheme(chars: &[char], j: usize) -> bool {
    use unicode_script::{Script, UnicodeScript};
    // No mark or joiner comes before U+0300.
    j == 0
        || (chars[j] as u32) < 0x0300
        || !(chars[j].script() == Script::Inherited || matches!(chars[j], '\u{200C}' | '\u{200D}'))
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

/// Moves what one glyph drew (its four vertices, if it drew anything) `dx` points along the
/// row.
fn shift_glyph(glyph: &Glyph, mesh: &mut egui::Mesh, dx: f32) {
    if dx == 0.0 || glyph.uv_rect.is_nothing() {
        return;
    }
    let first = glyph.first_vertex as usize;
    for v in mesh.vertices.iter_mut().skip(first).take(4) {
        v.pos.x += dx;
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
