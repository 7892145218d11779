//! The links case: 10,000 links between 100,000 annotations of a 10 MB document, drawn.

use super::*;

/// A document with annotations and links between them.
#[derive(Debug, Clone)]
pub struct LinksSpec {
    pub case: CaseSpec,
    pub links: usize,
}

impl LinksSpec {
    /// "10,000 links on 10 MB".
    pub fn label(&self) -> String {
        format!("{} links on {}", thousands(self.links), human_bytes(self.case.bytes))
    }
}

/// The links case's frames.
#[derive(Debug, Clone)]
pub struct LinksResult {
    pub spec: LinksSpec,
    pub links: usize,
    pub frames: Vec<FrameStats>,
    /// Curves and stubs drawn in the last "middle, selected" frame (what a reader sees there).
    pub drawn: (usize, usize),
}

/// Frames of a large document whose annotations carry many links: most to a passage a few
/// lines away (curves), some anywhere in the text (stubs at the edges). The scenarios are the
/// document's scenarios plus one with a linked annotation selected (its links emphasised).
pub(super) fn run_links_case(spec: &LinksSpec, options: Options, progress: &mut impl FnMut(&str)) -> Result<LinksResult, Error> {
    let mut step = 0;
    let mut say = |what: &str| {
        step += 1;
        progress(&format!("[{step}/6] {}: {what}…", spec.label()));
    };
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let doc_path = dir.path().join("bench-links.txt");
    say("generating the text, annotations and links");
    write_fixture(&spec.case, &doc_path, spec.links)?;
    let mut bench = FrameBench::new(&doc_path, spec.case.bytes as u64)?;
    let links = bench.app.session.as_ref().map_or(0, |s| s.edits.links().len());
    let n = options.frames();
    let at = |b: &FrameBench, fraction: f64| (b.doc().len_chars() as f64 * fraction) as usize;
    let mut frames = Vec::new();
    say("frames at the top");
    bench.warm_up();
    frames.push(interleaved(&mut [&mut bench], "top", n, FrameBench::frame_checked)?.remove(0));
    say("frames in the middle");
    let middle = at(&bench, 0.5);
    bench.jump(middle);
    frames.push(interleaved(&mut [&mut bench], "middle", n, FrameBench::frame_checked)?.remove(0));
    say("frames in the middle with a linked annotation selected");
    let session = bench.app.session.as_ref().ok_or_else(|| Error::usage("the document did not open"))?;
    // A link whose two ends are a few lines apart, so that both are on screen: a curve, and
    // its neighbours' curves and stubs.
    let close = |l: &&crate::link::Link| {
        let (o, t) = (session.edits.get(l.origin), session.edits.get(l.target));
        o.zip(t).is_some_and(|(o, t)| o.start.abs_diff(t.start) < 300)
    };
    let linked = session
        .edits
        .links()
        .iter()
        .filter(close)
        .filter_map(|l| session.edits.get(l.origin))
        .min_by_key(|a| a.start.abs_diff(middle))
        .map(|a| (a.id, a.start));
    bench.app.selected = linked.map(|(id, _)| id);
    if let Some((_, pos)) = linked {
        bench.jump(pos);
    }
    frames.push(interleaved(&mut [&mut bench], "middle_selected", n, FrameBench::frame_checked)?.remove(0));
    let drawn = &bench.app.views.document.view.drawn_links;
    let drawn = (drawn.curves, drawn.stubs.len());
    say("scrolling a page per frame");
    bench.jump(at(&bench, 1.0 / 3.0));
    frames.push(interleaved(&mut [&mut bench], "scrolling", n, FrameBench::scroll_frame)?.remove(0));
    say("adding annotations");
    bench.jump(middle);
    frames.push(interleaved(&mut [&mut bench], "after_add", n, FrameBench::add_frame)?.remove(0));
    Ok(LinksResult { spec: spec.clone(), links, frames, drawn })
}

/// Links between `annotations`: seven in ten go to an annotation at most 8 further on
/// (usually on screen together), the rest anywhere. Only link types any code may start and end.
pub(super) fn generate_links(codebook: &Codebook, annotations: &[Annotation], count: usize, seed: u64) -> Vec<crate::link::Link> {
    let types: Vec<&str> = codebook
        .link_types
        .iter()
        .filter(|t| t.origin_codes.is_empty() && t.target_codes.is_empty())
        .map(|t| t.id.as_str())
        .collect();
    let n = annotations.len();
    if types.is_empty() || n < 2 {
        return Vec::new();
    }
    let mut rng = Rng::new(seed ^ 0x11AC);
    let mut links = Vec::with_capacity(count);
    while links.len() < count {
        let i = rng.below(n);
        let j = if rng.below(10) < 7 { (i + 1 + rng.below(8)).min(n - 1) } else { rng.below(n) };
        if i != j {
            let kind = types[rng.below(types.len())];
            links.push(crate::link::Link::new(kind, annotations[i].id, annotations[j].id, "bench"));
        }
    }
    links
}

pub(super) fn links_targets(links: &LinksResult) -> Vec<Target> {
    let mut t = Vec::new();
    for f in &links.frames {
        t.push(Target { name: format!("links {} frame median", f.scenario), value: f.median_ms, limit: 4.0, unit: "ms" });
        t.push(Target { name: format!("links {} frame p95", f.scenario), value: f.p95_ms, limit: 8.0, unit: "ms" });
    }
    t
}
