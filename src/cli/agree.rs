//! `marginalia agree`: inter-coder agreement of several sidecars of one document, or a class
//! report scoring students' sidecars against an answer key.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::agree::{self, AgreementReport, ClassReport, LoadedCoder, Measure};
use crate::document::Document;
use crate::error::Error;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AgreeFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// The document (.txt or .md) the sidecars annotate.
    pub document: PathBuf,
    /// The coders' sidecars (at least two), or with --key the students' sidecars. None: every
    /// sidecar beside the document (each coder's own file), the key's left out.
    #[arg(value_name = "SIDECAR")]
    pub sidecars: Vec<PathBuf>,
    /// An answer key: score each SIDECAR against it instead of comparing coders.
    #[arg(long, value_name = "SIDECAR")]
    pub key: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = AgreeFormat::Table)]
    pub format: AgreeFormat,
    /// With --key: also write the class report as a self-contained HTML page.
    #[arg(long, value_name = "OUT.html", requires = "key")]
    pub report_html: Option<PathBuf>,
    /// With --key: also write the class report as CSV.
    #[arg(long, value_name = "OUT.csv", requires = "key")]
    pub report_csv: Option<PathBuf>,
}

pub fn run(args: AgreeArgs) -> Result<i32, Error> {
    let doc = Document::open(&args.document)?;
    let sidecars = if args.sidecars.is_empty() {
        let key = args.key.as_ref().and_then(|k| k.canonicalize().ok());
        crate::sidecar::find_sidecars(&args.document)
            .into_iter()
            .filter(|p| key.is_none() || p.canonicalize().ok() != key)
            .collect()
    } else {
        args.sidecars.clone()
    };
    let (coders, mut codebook) = agree::load_coders(&doc, &sidecars)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(key_path) = &args.key {
        let key = agree::load_coder(&doc, key_path)?;
        codebook.merge_missing(&key.codebook);
        let students: Vec<(String, Vec<crate::annotation::Annotation>)> =
            coders.iter().map(|c| (c.name.clone(), c.annotations.clone())).collect();
        let report = ClassReport::new(&doc, &key.name, &key.annotations, &students, &codebook);
        if let Some(path) = &args.report_html {
            crate::io::write_atomic(path, report.to_html(&doc).as_bytes(), false)?;
        }
        if let Some(path) = &args.report_csv {
            crate::io::write_atomic(path, report.to_csv()?.as_bytes(), false)?;
        }
        match args.format {
            AgreeFormat::Json => {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
            }
            AgreeFormat::Table => {
                let _ = write!(out, "{}", report.to_table());
                let _ = write!(out, "{}", orphan_notes(std::iter::once(&key).chain(&coders)));
            }
        }
        return Ok(0);
    }
    if coders.len() < 2 {
        return Err(Error::usage("agreement needs at least two sidecars")
            .in_file(&args.document)
            .hint("each coder's sidecar sits beside the document (DOCUMENT.NAME.annotations.ron); pass two or more, or --key KEY to score one sidecar against a key"));
    }
    let input: Vec<(String, Vec<crate::annotation::Annotation>)> =
        coders.iter().map(|c| (c.name.clone(), c.annotations.clone())).collect();
    let mut report = agree::compute(&doc, &input, &codebook);
    let with_links: Vec<agree::CoderLinks<'_>> =
        coders.iter().map(|c| agree::CoderLinks { name: &c.name, annotations: &c.annotations, links: &c.links }).collect();
    report.links = agree::link_agreement(&doc, &with_links, &codebook);
    let link_names: std::collections::HashMap<String, String> =
        codebook.link_types.iter().map(|t| (t.id.clone(), t.name.clone())).collect();
    match args.format {
        AgreeFormat::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
        }
        AgreeFormat::Table => {
            let _ = write!(out, "{}", table(&doc, &report));
            let _ = write!(out, "{}", link_table(&report, &link_names));
            let _ = write!(out, "{}", orphan_notes(&coders));
        }
    }
    Ok(0)
}

/// Link agreement as a text table (nothing when no coder drew a link).
fn link_table(report: &AgreementReport, names: &std::collections::HashMap<String, String>) -> String {
    if report.links.is_empty() {
        return String::new();
    }
    let name_of = |id: &str| {
        if id == agree::ALL { "all link types".to_owned() } else { names.get(id).cloned().unwrap_or_else(|| id.to_owned()) }
    };
    let type_w = report.links.iter().map(|l| name_of(&l.link_type).chars().count()).max().unwrap_or(14).clamp(14, 30);
    let pair_w =
        report.links.iter().map(|p| p.coder_a.chars().count() + p.coder_b.chars().count() + 3).max().unwrap_or(5).clamp(5, 40);
    let cell = |m: &Measure| if m.is_defined() { m.display(3) } else { "n/a".to_owned() };
    let mut s = format!(
        "\nLinks (a link matches when its type is equal and both ends match; P and R take the first coder as reference)\n{:<pair_w$}  {:<type_w$}  {:>5}  {:>5}  {:>7}  {:>7}  {:>8}  {:>7}  {:>7}  {:>10}\n",
        "CODERS", "LINK TYPE", "N A", "N B", "P EXACT", "R EXACT", "F1 EXACT", "P OVERL", "R OVERL", "F1 OVERLAP"
    );
    let mut last_pair = (String::new(), String::new());
    for l in &report.links {
        let pair_key = (l.coder_a.clone(), l.coder_b.clone());
        let who = if pair_key != last_pair { format!("{} / {}", l.coder_a, l.coder_b) } else { String::new() };
        last_pair = pair_key;
        s.push_str(&format!(
            "{:<pair_w$}  {:<type_w$}  {:>5}  {:>5}  {:>7}  {:>7}  {:>8}  {:>7}  {:>7}  {:>10}\n",
            crate::document::excerpt(&who, pair_w),
            crate::document::excerpt(&name_of(&l.link_type), type_w),
            l.count_a,
            l.count_b,
            cell(&l.precision_exact),
            cell(&l.recall_exact),
            cell(&l.f1_exact),
            cell(&l.precision_overlap),
            cell(&l.recall_overlap),
            cell(&l.f1_overlap),
        ));
    }
    s
}

fn orphan_notes<'a>(coders: impl IntoIterator<Item = &'a LoadedCoder>) -> String {
    let mut s = String::new();
    for c in coders {
        let orphans: Vec<_> = c.orphans().collect();
        if orphans.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "\nnote: {} annotation(s) of {} were not found in the text and are left out:\n",
            orphans.len(),
            c.name
        ));
        for a in orphans {
            s.push_str(&format!("  \"{}\" ({})\n", crate::document::excerpt(&a.exact, 60), a.code));
        }
    }
    s
}

/// The agreement report as aligned text tables.
pub fn table(doc: &Document, report: &AgreementReport) -> String {
    let mut s = format!("Agreement on {} ({} characters, {} coders)\n", doc.file_name(), report.units, report.coders.len());
    for c in &report.coders {
        let mut extra = Vec::new();
        if c.orphaned > 0 {
            extra.push(format!("{} orphaned left out", c.orphaned));
        }
        if c.empty > 0 {
            extra.push(format!("{} empty left out", c.empty));
        }
        let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join(", ")) };
        s.push_str(&format!("  {}: {} annotation(s){extra}\n", c.name, c.counted));
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut cell = |m: &Measure| -> String {
        match m.reason() {
            None => m.display(3),
            Some(r) => {
                let n = match reasons.iter().position(|x| x == r) {
                    Some(i) => i + 1,
                    None => {
                        reasons.push(r.to_owned());
                        reasons.len()
                    }
                };
                format!("n/a[{n}]")
            }
        }
    };
    let code_w = std::iter::once("all codes".to_owned())
        .chain(report.codes.iter().map(|c| c.name.clone()))
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(9)
        .clamp(9, 36);
    let pair_w =
        report.pairs.iter().map(|p| p.coder_a.chars().count() + p.coder_b.chars().count() + 3).max().unwrap_or(5).clamp(5, 40);
    s.push_str(&format!(
        "\nPairs\n{:<pair_w$}  {:<code_w$}  {:>9}  {:>10}  {:>8}\n",
        "CODERS", "CODE", "F1 EXACT", "F1 OVERLAP", "COHEN κ"
    ));
    let mut last_pair = (String::new(), String::new());
    for p in &report.pairs {
        let pair_key = (p.coder_a.clone(), p.coder_b.clone());
        let who = if pair_key != last_pair { format!("{} / {}", p.coder_a, p.coder_b) } else { String::new() };
        last_pair = pair_key;
        let name = crate::document::excerpt(&report.code_name(&p.code), code_w);
        let (e, o, k) = (cell(&p.f1_exact), cell(&p.f1_overlap), cell(&p.cohen_kappa));
        s.push_str(&format!("{:<pair_w$}  {:<code_w$}  {e:>9}  {o:>10}  {k:>8}\n", crate::document::excerpt(&who, pair_w), name));
    }
    s.push_str(&format!("\nAll coders\n{:<code_w$}  {:>8}  {:>14}  {:>8}\n", "CODE", "FLEISS κ", "KRIPPENDORFF α", "α-U"));
    for o in &report.overall {
        let name = crate::document::excerpt(&report.code_name(&o.code), code_w);
        let (f, a, u) = (cell(&o.fleiss_kappa), cell(&o.krippendorff_alpha), cell(&o.alpha_u));
        s.push_str(&format!("{name:<code_w$}  {f:>8}  {a:>14}  {u:>8}\n"));
    }
    if !reasons.is_empty() {
        s.push('\n');
        for (i, r) in reasons.iter().enumerate() {
            s.push_str(&format!("[{}] n/a: {r}\n", i + 1));
        }
    }
    s
}
