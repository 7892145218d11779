//! REFI-QDA codebooks (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`).
//!
//! A QDC carries each code's GUID, name, colour, description and place in the hierarchy, and
//! whether it can be used for coding. A code's example follows its definition in the
//! description (after a blank line and "Example: "), so other programs show it and Marginalia
//! splits it off again. Cues, number keys and attribute definitions have no place in a QDC:
//! they are not written, and on import keys and cues are assigned afresh
//! (see [`super::read_codes`]). Nor are link types: a QDC has no place for them (a project,
//! `.qdpx`, carries each link with its type's name and colour); a codebook read from a QDC
//! into a document keeps the document's link types (see [`Codebook::adopt_ids_from`]).

use quick_xml::events::BytesStart;

use super::{CodebookImport, ORIGIN, end, finish, format_error, new_writer, parse_xml, read_codes, start, write_codes};
use crate::codebook::Codebook;
use crate::error::Error;

/// The codebook namespace.
pub const NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// Largest codebook file read (a codebook with 100,000 described codes is ~30 MB).
pub const MAX_QDC_BYTES: u64 = 64 * 1024 * 1024;

/// The codebook as a REFI-QDA `.qdc` document. The same codebook always gives the same text.
pub fn export(codebook: &Codebook) -> String {
    let mut w = new_writer();
    let mut root = BytesStart::new("CodeBook");
    root.push_attribute(("xmlns", NAMESPACE));
    root.push_attribute(("origin", ORIGIN));
    start(&mut w, root);
    write_codes(&mut w, codebook);
    end(&mut w, "CodeBook");
    finish(w)
}

/// What the `.qdc` of `codebook` leaves out, in a sentence (`None` when nothing is).
pub fn not_carried(codebook: &Codebook) -> Option<String> {
    let n = codebook.link_types.len();
    (n > 0).then(|| {
        let names: Vec<&str> = codebook.link_types.iter().map(|t| t.name.as_str()).collect();
        format!(
            "{n} link type(s) were not written ({}): a REFI-QDA codebook has no link types; a project (.qdpx) carries each link with its type's name and colour",
            names.join(", ")
        )
    })
}

/// Reads a `.qdc` document into a validated codebook.
pub fn import(xml: &str) -> Result<Codebook, Error> {
    import_detailed(xml, "Imported codebook").map(|i| i.codebook)
}

/// Reads a `.qdc` document, naming the codebook `name`, and says what had to change.
pub fn import_detailed(xml: &str, name: &str) -> Result<CodebookImport, Error> {
    let what = "the codebook";
    let root = parse_xml(xml, what)?;
    if root.name != "CodeBook" {
        return Err(format_error(format!("the file's root element is <{}>, not <CodeBook>", root.name))
            .hint("pass a REFI-QDA codebook (.qdc); a project (.qdpx) is imported with `marginalia import`"));
    }
    let codes = root
        .child("Codes")
        .ok_or_else(|| format_error("the codebook has no <Codes> element").hint("export the codebook again"))?;
    let mut imported = read_codes(codes, name, what, xml)?;
    if let Some(sets) = root.child("Sets") {
        let n = sets.children_named("Set").count();
        if n > 0 {
            imported.notes.push(format!("{n} code set(s) were not imported (Marginalia has no sets; codes were kept)"));
        }
    }
    Ok(imported)
}

/// Reads a `.qdc` file (size-checked), naming the codebook after the file.
pub fn import_file(path: &std::path::Path) -> Result<CodebookImport, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, "cannot read the codebook", e))?;
    if meta.len() > MAX_QDC_BYTES {
        return Err(format_error(format!("is {} MB, larger than any codebook", meta.len() / 1_000_000))
            .in_file(path)
            .hint("check that this is a codebook file"));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the codebook", e))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format_error("is not UTF-8 text").in_file(path).hint("REFI-QDA files are UTF-8; export it again"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported codebook".into());
    import_detailed(text, &name).map_err(|e| e.in_file(path))
}
