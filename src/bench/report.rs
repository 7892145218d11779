//! The report: targets met or missed, as text tables or one JSON object.

use super::*;

pub(super) fn frames_json(frames: &[FrameStats]) -> serde_json::Map<String, serde_json::Value> {
    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    frames
        .iter()
        .map(|f| {
            (
                f.scenario.to_owned(),
                serde_json::json!({
                    "frames": f.frames,
                    "median_ms": r2(f.median_ms),
                    "p95_ms": r2(f.p95_ms),
                    "max_ms": r2(f.max_ms),
                    "layout_median_ms": r2(f.layout_median_ms),
                    "tessellate_median_ms": r2(f.tessellate_median_ms),
                }),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The class dashboard

impl Report {
    pub fn to_json(&self) -> serde_json::Value {
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        let cases: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|c| {
                let frames = frames_json(&c.frames);
                let timings: serde_json::Map<String, serde_json::Value> =
                    c.timings.iter().map(|t| (format!("{}_ms", t.name), serde_json::json!(r2(t.ms)))).collect();
                serde_json::json!({
                    "name": c.spec.name,
                    "label": c.spec.label(),
                    "document_bytes": c.document_bytes,
                    "document_mb": r2(c.document_bytes as f64 / 1e6),
                    "paragraphs": c.paragraphs,
                    "annotations": c.annotations,
                    "frame": frames,
                    "frame_median_ms": r2(c.overall_median_ms()),
                    "reference_frame_median_ms": (!c.reference_frames.is_empty()).then(|| r2(overall_median(&c.reference_frames))),
                    "add_apply_median_ms": r2(c.add_apply_median_ms),
                    "timings": timings,
                    "peak_rss_mb": c.peak_rss_mb.map(r2),
                })
            })
            .collect();
        let targets: Vec<serde_json::Value> = self
            .targets
            .iter()
            .map(|t| serde_json::json!({"name": t.name, "value": r2(t.value), "limit": t.limit, "unit": t.unit, "met": t.met()}))
            .collect();
        let imports: Vec<serde_json::Value> = self
            .imports
            .iter()
            .map(|i| serde_json::json!({"name": i.name, "bytes": i.bytes, "ms": r2(i.ms), "outcome": i.outcome}))
            .collect();
        let links = self.links.as_ref().map(|l| {
            serde_json::json!({
                "label": l.spec.label(),
                "document_mb": r2(l.spec.case.bytes as f64 / 1e6),
                "annotations": l.spec.case.annotations,
                "links": l.links,
                "frame": frames_json(&l.frames),
                "drawn_middle_selected": {"curves": l.drawn.0, "stubs": l.drawn.1},
            })
        });
        let class = self.class.as_ref().map(|c| {
            serde_json::json!({
                "students": c.students,
                "texts": c.texts,
                "annotations": c.annotations,
                "ready_ms": r2(c.ready_ms),
                "frames": c.frames,
                "longest_frame_ms": r2(c.longest_frame_ms),
            })
        });
        let corpus: serde_json::Map<String, serde_json::Value> =
            self.corpus.timings.iter().map(|t| (format!("{}_ms", t.name), serde_json::json!(r2(t.ms)))).collect();
        serde_json::json!({
            "links_case": links,
            "class": class,
            "imports": imports,
            "corpus": {
                "documents": self.corpus.spec.documents,
                "document_bytes": self.corpus.spec.bytes,
                "annotations_per_document": self.corpus.spec.annotations,
                "timings": corpus,
            },
            "mode": self.mode,
            "build": if self.release { "release" } else { "debug" },
            "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "saving": "the app takes the snapshot (save_snapshot_ms) on the UI thread and writes it (save_write_ms) on its save thread",
            "cases": cases,
            "targets": targets,
            "all_targets_met": self.targets.iter().all(Target::met),
            "seconds": r2(self.seconds),
        })
    }

    /// The figures as tables for people (one table after another, so it stays one function).
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Marginalia bench ({} mode, {} build, {:.0} s)",
            self.mode,
            if self.release { "release" } else { "debug" },
            self.seconds
        );
        if self.cases.is_empty() && self.links.is_some() {
            // The links case alone (`--links`).
            self.links_text(&mut s);
            let _ = writeln!(s);
            self.targets_text(&mut s);
            return s;
        }
        let _ = writeln!(s);
        // `--class` measures the class dashboard alone.
        if !self.cases.is_empty() {
            let _ = writeln!(s, "Frame time (layout + tessellation), ms: median / p95");
            let _ = write!(s, "{:<22}", "case");
            let scenarios = ["top", "middle", "end", "scrolling", "after_add"];
            for sc in scenarios {
                let _ = write!(s, "{sc:>16}");
            }
            let _ = writeln!(s);
            for c in &self.cases {
                let _ = write!(s, "{:<22}", c.spec.label());
                for sc in scenarios {
                    match c.frame(sc) {
                        Some(f) => {
                            let _ = write!(s, "{:>16}", format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
                        }
                        None => {
                            let _ = write!(s, "{:>16}", "—");
                        }
                    }
                }
                let _ = writeln!(s);
            }
            if let (Some(first), Some(last)) = (self.cases.first(), self.cases.last())
                && !last.reference_frames.is_empty()
            {
                let _ = write!(s, "{:<22}", format!("{} again¹", first.spec.label()));
                for f in &last.reference_frames {
                    let _ = write!(s, "{:>16}", format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
                }
                let _ = writeln!(s);
                let _ = writeln!(
                    s,
                    "¹ timed frame by frame alternately with {}; the large/small ratio uses these",
                    last.spec.label()
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "Operations, ms (and peak memory, MB)");
            for c in &self.cases {
                let ops: Vec<String> = c.timings.iter().map(|t| format!("{} {:.1}", t.name, t.ms)).collect();
                let rss = c.peak_rss_mb.map_or("n/a".to_owned(), |m| format!("{m:.0} MB"));
                let _ = writeln!(
                    s,
                    "{:<22}{}; add (apply) {:.2}; peak memory {rss}; {} paragraphs",
                    c.spec.label(),
                    ops.join(", "),
                    c.add_apply_median_ms,
                    c.paragraphs
                );
            }
            let _ = writeln!(s, "(saving: the snapshot is taken on the UI thread, the write runs on the app's save thread)");
            let _ = writeln!(s);
            let _ = writeln!(s, "Imports of the worst shapes, ms");
            for i in &self.imports {
                let _ = writeln!(
                    s,
                    "  {:<30} {:>8} {:>9.1}  {}",
                    i.name,
                    human_bytes(i.bytes),
                    i.ms,
                    crate::document::excerpt(&i.outcome, 110)
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "A folder: {}, ms", self.corpus.spec.label());
            for (name, _, what) in CORPUS_LIMITS {
                if let Some(v) = self.corpus.timing(name) {
                    let _ = writeln!(s, "  {name:<18} {v:>9.1}  {what}");
                }
            }
            let _ = writeln!(s);
        }
        if let Some(c) = &self.class {
            let _ = writeln!(
                s,
                "Class dashboard, {} students x {} texts ({} annotations): grades shown after {:.0} ms; {} frames meanwhile, the longest {:.1} ms",
                c.students, c.texts, c.annotations, c.ready_ms, c.frames, c.longest_frame_ms
            );
            let _ = writeln!(s);
        }
        if self.links.is_some() {
            self.links_text(&mut s);
            let _ = writeln!(s);
        }
        self.targets_text(&mut s);
        s
    }

    /// The links case's table (nothing when it did not run).
    fn links_text(&self, s: &mut String) {
        use std::fmt::Write;
        if let Some(l) = &self.links {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{} ({} annotations; {} curves and {} stubs drawn with a linked annotation selected), ms: median / p95",
                l.spec.label(),
                thousands(l.spec.case.annotations),
                l.drawn.0,
                l.drawn.1
            );
            for f in &l.frames {
                let _ = writeln!(s, "  {:<18}{:>16}", f.scenario, format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
            }
        }
    }

    fn targets_text(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(s, "Targets");
        for t in &self.targets {
            let _ = writeln!(
                s,
                "  {} {:<40} {:>9.2} {} (limit {} {})",
                if t.met() { "ok  " } else { "MISS" },
                t.name,
                t.value,
                t.unit,
                t.limit,
                t.unit
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Peak memory

pub(super) fn human_bytes(n: usize) -> String {
    if n >= 1_000_000 { format!("{} MB", n / 1_000_000) } else { format!("{} KB", n / 1_000) }
}

pub(super) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
