//! Document variables: facts about each document of a folder (outlet, date, party, country…)
//! kept in one plain-text RON file in the folder, [`FILE_NAME`].
//!
//! Each variable has a kind (text, number, date or a choice among listed values). Values are
//! kept as text, checked against the kind when read and written, and compared by kind (numbers
//! as numbers, dates as ISO dates). The file is written deterministically (variables by name,
//! documents by file name) through [`crate::io`], so that it diffs and merges in git; a field
//! this build does not know is refused, never dropped.
//!
//! This module never reads documents or sidecars: it maps document file names to values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The variables file's name in a folder.
pub const FILE_NAME: &str = "marginalia-variables.ron";
/// The value of the `format` field.
pub const FORMAT: &str = "marginalia-variables";
/// The version this build reads and writes.
pub const VERSION: u32 = 1;
/// Files larger than this are refused (a folder of 100,000 documents with ten variables each
/// is about 20 MB).
pub const MAX_BYTES: u64 = 256 << 20;

/// What values a variable takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Any text.
    Text,
    /// A decimal number (`12`, `-3.5`).
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the variable's listed `choices`.
    Choice,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Choice => "choice",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_lowercase().as_str() {
            "text" => Some(Kind::Text),
            "number" => Some(Kind::Number),
            "date" => Some(Kind::Date),
            "choice" => Some(Kind::Choice),
            _ => None,
        }
    }
}

/// One variable's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub name: String,
    pub kind: Kind,
    /// The values a `choice` variable takes, in the order they are shown (empty for others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// The whole variables file. Field order here is the order in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variables {
    pub format: String,
    pub version: u32,
    /// Sorted by name.
    #[serde(default)]
    pub variables: Vec<Variable>,
    /// Document file name → variable name → value (as text). A missing entry has no value.
    #[serde(default)]
    pub documents: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for Variables {
    fn default() -> Self {
        Self { format: FORMAT.to_owned(), version: VERSION, variables: Vec::new(), documents: BTreeMap::new() }
    }
}

/// A value read by its kind, for comparing and sorting.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed<'a> {
    Number(f64),
    /// Text, a date (ISO dates sort as text) or a choice.
    Text(&'a str),
}

/// The path of the variables file of `folder`.
pub fn path_in(folder: &Path) -> PathBuf {
    folder.join(FILE_NAME)
}

/// Is `s` a valid value of `kind` (choices aside)? The reason when not.
pub fn check_value(kind: Kind, s: &str) -> Result<(), String> {
    match kind {
        Kind::Text | Kind::Choice => Ok(()),
        Kind::Number => parse_number(s).map(drop).ok_or_else(|| format!("\"{s}\" is not a number (write 12 or -3.5)")),
        Kind::Date => parse_date(s).map(drop).ok_or_else(|| format!("\"{s}\" is not a date (write YYYY-MM-DD, e.g. 2024-03-31)")),
    }
}

/// A number as researchers write them: digits with an optional sign and decimal point.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && t.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// An ISO 8601 calendar date, `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s.trim(), &time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl Variables {
    /// The definition of the variable `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The value of `variable` for `document` (a file name), if set.
    pub fn value(&self, document: &str, variable: &str) -> Option<&str> {
        self.documents.get(document).and_then(|m| m.get(variable)).map(String::as_str)
    }

    /// A value read by its variable's kind.
    pub fn typed<'a>(&self, variable: &Variable, value: &'a str) -> Typed<'a> {
        match variable.kind {
            Kind::Number => parse_number(value).map_or(Typed::Text(value), Typed::Number),
            _ => Typed::Text(value),
        }
    }

    /// Sets (or, with an empty value, clears) one value, checking it against the variable's
    /// kind. A choice variable gains a value it did not list.
    pub fn set(&mut self, document: &str, variable: &str, value: &str) -> Result<(), Error> {
        let value = value.trim();
        let Some(def) = self.variables.iter_mut().find(|v| v.name == variable) else {
            return Err(Error::usage(format!("there is no variable \"{variable}\"")).hint("declare it first, e.g. with --kind"));
        };
        if value.is_empty() {
            if let Some(m) = self.documents.get_mut(document) {
                m.remove(variable);
                if m.is_empty() {
                    self.documents.remove(document);
                }
            }
            return Ok(());
        }
        check_value(def.kind, value).map_err(|why| Error::usage(format!("{variable}: {why}")))?;
        if def.kind == Kind::Choice && !def.choices.iter().any(|c| c == value) {
            def.choices.push(value.to_owned());
        }
        self.documents.entry(document.to_owned()).or_default().insert(variable.to_owned(), value.to_owned());
        Ok(())
    }

    /// Adds a variable, or checks that an existing one has this kind.
    pub fn declare(&mut self, name: &str, kind: Kind) -> Result<(), Error> {
        check_name(name)?;
        match self.variables.iter_mut().find(|v| v.name == name) {
            Some(v) if v.kind == kind => Ok(()),
            Some(v) => {
                // Values already set must fit the new kind.
                for (doc, values) in &self.documents {
                    if let Some(value) = values.get(name) {
                        check_value(kind, value).map_err(|why| {
                            Error::usage(format!("cannot make \"{name}\" a {} variable: {doc}: {why}", kind.label()))
                        })?;
                    }
                }
                v.kind = kind;
                if kind == Kind::Choice {
                    let mut seen: Vec<String> = self.documents.values().filter_map(|m| m.get(name).cloned()).collect();
                    seen.sort();
                    seen.dedup();
                    v.choices = seen;
                } else {
                    v.choices.clear();
                }
                Ok(())
            }
            None => {
                self.variables.push(Variable { name: name.to_owned(), kind, choices: Vec::new(), description: String::new() });
                self.variables.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(())
            }
        }
    }

    /// The deterministic text of the file.
    pub fn to_ron(&self) -> String {
        let mut sorted = self.clone();
        sorted.variables.sort_by(|a, b| a.name.cmp(&b.name));
        crate::io::to_ron_pretty(&sorted)
    }

    /// Parses and validates the file's text. `path` is only used in messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, Error> {
        let bad = |msg: String| Error::new(ErrorKind::Format, msg).in_file(path);
        let parsed: Variables = crate::io::ron_options().from_str(text).map_err(|e| {
            let (line, col) = crate::sidecar::error_place(text, &e);
            if let ron::Error::NoSuchStructField { found, .. } = &e.code {
                return bad(format!("has a field `{}` that this Marginalia does not know", crate::document::excerpt(found, 60)))
                    .at(line, col)
                    .hint(crate::io::UNKNOWN_FIELD_HINT);
            }
            bad(format!("is not a valid variables file: {}", crate::document::excerpt(&e.code.to_string(), 120)))
                .at(line, col)
                .hint("fix the file at that place (it is plain text); it was left untouched")
        })?;
        if parsed.format != FORMAT {
            return Err(bad(format!("is a \"{}\" file, not a Marginalia variables file", parsed.format)).at(1, 1));
        }
        if parsed.version == 0 || parsed.version > VERSION {
            return Err(bad(format!("has version {}; this Marginalia reads version {VERSION}", parsed.version))
                .hint("update Marginalia to open it; the file was left untouched"));
        }
        let mut names = std::collections::HashSet::new();
        for v in &parsed.variables {
            check_name(&v.name).map_err(|e| Error { file: Some(path.to_path_buf()), ..e })?;
            if !names.insert(v.name.as_str()) {
                return Err(bad(format!("defines the variable \"{}\" twice", v.name)).hint("remove one of the two"));
            }
        }
        for (doc, values) in &parsed.documents {
            for (name, value) in values {
                let Some(def) = parsed.variable(name) else {
                    return Err(bad(format!("gives {doc} a value of \"{name}\", which is not defined"))
                        .hint("add it to `variables`, or remove the value"));
                };
                check_value(def.kind, value).map_err(|why| bad(format!("{doc}: {name}: {why}")))?;
                if def.kind == Kind::Choice && !def.choices.iter().any(|c| c == value) {
                    return Err(bad(format!("{doc}: {name}: \"{value}\" is not one of its choices"))
                        .hint("add it to the variable's `choices`"));
                }
            }
        }
        Ok(parsed)
    }
}

/// One change to a variables file, as the variables table makes them. [`VarEdit::apply`]
/// returns the change that undoes it, so a table can offer undo and every change can be
/// applied to the file on disk under its lock ([`update`]) rather than writing over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarEdit {
    /// Sets (empty: clears) one document's value.
    Set {
        document: String,
        variable: String,
        value: String,
    },
    /// Adds a variable.
    Add {
        name: String,
        kind: Kind,
    },
    Rename {
        from: String,
        to: String,
    },
    /// Removes a variable with its values.
    Remove {
        name: String,
    },
    /// Puts back a removed variable with its values (the undo of a removal).
    Restore {
        variable: Variable,
        values: BTreeMap<String, String>,
    },
}

impl VarEdit {
    /// Applies the change; the change that undoes it.
    pub fn apply(&self, vars: &mut Variables) -> Result<VarEdit, Error> {
        match self {
            VarEdit::Set { document, variable, value } => {
                let old = vars.value(document, variable).unwrap_or_default().to_owned();
                vars.set(document, variable, value)?;
                Ok(VarEdit::Set { document: document.clone(), variable: variable.clone(), value: old })
            }
            VarEdit::Add { name, kind } => {
                if vars.variable(name).is_some() {
                    return Err(Error::usage(format!("there is a variable \"{name}\" already")).hint("choose another name"));
                }
                vars.declare(name, *kind)?;
                Ok(VarEdit::Remove { name: name.clone() })
            }
            VarEdit::Rename { from, to } => {
                check_name(to)?;
                if vars.variable(to).is_some() {
                    return Err(Error::usage(format!("there is a variable \"{to}\" already")).hint("choose another name"));
                }
                let Some(v) = vars.variables.iter_mut().find(|v| v.name == *from) else {
                    return Err(Error::usage(format!("there is no variable \"{from}\"")));
                };
                v.name = to.clone();
                vars.variables.sort_by(|a, b| a.name.cmp(&b.name));
                for values in vars.documents.values_mut() {
                    if let Some(value) = values.remove(from) {
                        values.insert(to.clone(), value);
                    }
                }
                Ok(VarEdit::Rename { from: to.clone(), to: from.clone() })
            }
            VarEdit::Remove { name } => {
                let Some(at) = vars.variables.iter().position(|v| v.name == *name) else {
                    return Err(Error::usage(format!("there is no variable \"{name}\"")));
                };
                let variable = vars.variables.remove(at);
                let mut values = BTreeMap::new();
                for (doc, map) in &mut vars.documents {
                    if let Some(value) = map.remove(name) {
                        values.insert(doc.clone(), value);
                    }
                }
                vars.documents.retain(|_, m| !m.is_empty());
                Ok(VarEdit::Restore { variable, values })
            }
            VarEdit::Restore { variable, values } => {
                if vars.variable(&variable.name).is_some() {
                    return Err(Error::usage(format!("there is a variable \"{}\" already", variable.name)));
                }
                vars.variables.push(variable.clone());
                vars.variables.sort_by(|a, b| a.name.cmp(&b.name));
                for (doc, value) in values {
                    vars.documents.entry(doc.clone()).or_default().insert(variable.name.clone(), value.clone());
                }
                Ok(VarEdit::Remove { name: variable.name.clone() })
            }
        }
    }
}

/// Variable names become column headers (`var:NAME`) and conditions (`NAME>=X`).
pub fn check_name(name: &str) -> Result<(), Error> {
    let bad = name.trim().is_empty()
        || name != name.trim()
        || name.chars().any(|c| c.is_control() || matches!(c, '=' | '<' | '>' | '!' | ':' | ','));
    if bad {
        return Err(Error::usage(format!("\"{}\" cannot be a variable name", crate::error::printable(name)))
            .hint("use letters, digits, spaces, '-' or '_' (not = < > ! : ,)"));
    }
    Ok(())
}

/// Reads the variables file of `folder`; an empty set when there is none.
pub fn load(folder: &Path) -> Result<Variables, Error> {
    let path = path_in(folder);
    let Some(meta) = crate::io::regular_metadata(&path, "cannot read the variables file")? else {
        return Ok(Variables::default());
    };
    if meta.len() > MAX_BYTES {
        return Err(Error::new(ErrorKind::Format, "is larger than any variables file Marginalia writes").in_file(&path));
    }
    read_file(&path)
}

/// Reads and validates a variables file at `path`.
pub fn read_file(path: &Path) -> Result<Variables, Error> {
    let bytes = crate::io::read_regular(path, "cannot read the variables file")?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::new(ErrorKind::Format, "is not UTF-8 text").in_file(path).hint("save it as UTF-8"))?;
    Variables::from_ron(text, path)
}

/// Reads, changes and writes the variables file of `folder` as one step under its lock, so that
/// two writers never lose each other's change. `change` returns what it wants reported.
pub fn update<T>(folder: &Path, change: impl FnOnce(&mut Variables) -> Result<T, Error>) -> Result<T, Error> {
    let target = crate::io::resolve(&path_in(folder))?;
    let _lock = crate::io::lock(&target)?;
    let mut vars = match crate::io::regular_metadata(&target, "cannot read the variables file")? {
        Some(_) => read_file(&target)?,
        None => Variables::default(),
    };
    let out = change(&mut vars)?;
    let text = vars.to_ron();
    crate::io::write_locked(&target, true, |w| w.write_all(text.as_bytes()))?;
    Ok(out)
}

/// What a CSV import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub documents: usize,
    pub values: usize,
    /// The variables imported with their kinds.
    pub variables: Vec<(String, Kind)>,
}

/// A variables table as read: its rows (without blank ones) with their line numbers.
struct Table<'a> {
    path: &'a Path,
    /// The variables' names: the header's cells after the first.
    names: Vec<String>,
    body: Vec<(usize, csv::StringRecord)>,
}

impl Table<'_> {
    fn at(&self, line: usize, column: usize, message: String) -> Error {
        Error::new(ErrorKind::Format, message).in_file(self.path).at(line, column)
    }

    /// The trimmed cells of column `col` (0 is the document), with their line numbers.
    fn cells(&self, col: usize) -> impl Iterator<Item = (usize, &str)> {
        self.body.iter().map(move |(line, rec)| (*line, rec.get(col).unwrap_or_default().trim()))
    }
}

/// Reads a CSV table (first column: the document's file name; then one column per variable,
/// named by the header) into `vars`. A variable's kind is `declared[name]` if given, else the
/// kind it already has, else inferred: number if every value is one, date if every value is
/// `YYYY-MM-DD`, else text. `documents` are the folder's document file names: a row naming
/// another is refused. Errors name the row and column (1-based, the header is row 1).
pub fn import_csv(
    vars: &mut Variables,
    csv_text: &str,
    path: &Path,
    declared: &BTreeMap<String, Kind>,
    documents: &[String],
) -> Result<ImportReport, Error> {
    let table = read_table(csv_text, path)?;
    for name in declared.keys() {
        if !table.names.contains(name) {
            return Err(Error::usage(format!("--kind names \"{name}\", which is not a column of the table"))
                .in_file(path)
                .hint(format!("the columns are: {}", table.names.join(", "))));
        }
    }
    check_rows(&table, documents)?;
    let mut report = ImportReport { documents: table.body.len(), ..ImportReport::default() };
    for (i, name) in table.names.iter().enumerate() {
        let col = i + 1;
        let kind = declared.get(name).copied().or_else(|| vars.variable(name).map(|v| v.kind)).unwrap_or_else(|| {
            let filled: Vec<&str> = table.cells(col).map(|(_, c)| c).filter(|c| !c.is_empty()).collect();
            infer_kind(&filled)
        });
        for (line, cell) in table.cells(col).filter(|(_, c)| !c.is_empty()) {
            check_value(kind, cell).map_err(|why| {
                table
                    .at(line, col + 1, format!("{name}: {why}"))
                    .hint(format!("fix the cell, or import \"{name}\" as text with --kind {name}=text"))
            })?;
        }
        vars.declare(name, kind).map_err(|e| e.in_file(path))?;
        for ((line, doc), (_, cell)) in table.cells(0).zip(table.cells(col)) {
            vars.set(doc, name, cell).map_err(|e| table.at(line, col + 1, e.message))?;
            report.values += usize::from(!cell.is_empty());
        }
        report.variables.push((name.clone(), kind));
    }
    Ok(report)
}

/// The kind a column's filled cells suggest: number if every one is, date if every one is,
/// else text.
fn infer_kind(filled: &[&str]) -> Kind {
    if !filled.is_empty() && filled.iter().all(|c| parse_number(c).is_some()) {
        Kind::Number
    } else if !filled.is_empty() && filled.iter().all(|c| parse_date(c).is_some()) {
        Kind::Date
    } else {
        Kind::Text
    }
}

/// Parses the table and checks its header: at least two columns, variable names that can be
/// names, none twice.
fn read_table<'a>(csv_text: &str, path: &'a Path) -> Result<Table<'a>, Error> {
    let mut table = Table { path, names: Vec::new(), body: Vec::new() };
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            table.at(line, 1, format!("is not valid CSV: {e}")).hint("save the table as CSV (comma-separated, UTF-8)")
        })?;
        let line = rec.position().map_or(i + 1, |p| p.line() as usize);
        if !rec.iter().all(|c| c.trim().is_empty()) {
            rows.push((line, rec));
        }
    }
    if rows.is_empty() {
        return Err(table.at(1, 1, "is empty".into()).hint("the first row names the columns: document, then one per variable"));
    }
    let (header_line, header) = rows.remove(0);
    if header.len() < 2 {
        return Err(table
            .at(header_line, 1, "has only one column".into())
            .hint("the first column is the document's file name, then one column per variable"));
    }
    let names: Vec<String> = header.iter().skip(1).map(|s| s.trim().to_owned()).collect();
    for (i, name) in names.iter().enumerate() {
        check_name(name).map_err(|e| table.at(header_line, i + 2, e.message).hint(e.hint.unwrap_or_default()))?;
        if names[..i].contains(name) {
            return Err(table.at(header_line, i + 2, format!("names the variable \"{name}\" twice")));
        }
    }
    table.names = names;
    table.body = rows;
    Ok(table)
}

/// Every row has one cell per column and names a document of the folder, once.
fn check_rows(table: &Table<'_>, documents: &[String]) -> Result<(), Error> {
    let width = table.names.len() + 1;
    let mut seen = std::collections::HashSet::new();
    for (line, rec) in &table.body {
        if rec.len() != width {
            return Err(table
                .at(*line, rec.len().min(width) + 1, format!("has {} cells; the header has {width}", rec.len()))
                .hint("give every row one cell per column (empty cells are fine)"));
        }
        let doc = rec.get(0).unwrap_or_default().trim();
        if !documents.iter().any(|d| d == doc) {
            let hint = match documents.first() {
                None => "the folder holds no documents".to_owned(),
                Some(first) => format!("the first column must be a document's file name, e.g. {first}"),
            };
            return Err(table.at(*line, 1, format!("names \"{doc}\", which is not a document of the folder")).hint(hint));
        }
        if !seen.insert(doc) {
            return Err(table.at(*line, 1, format!("names {doc} a second time")).hint("give each document one row"));
        }
    }
    Ok(())
}

/// A condition on a variable: `NAME=VALUE`, `NAME!=VALUE`, `NAME>=X`, `NAME>X`, `NAME<=X`,
/// `NAME<X`. Numbers compare as numbers, dates and text as text (case-sensitive).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub variable: String,
    pub op: Op,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Condition {
    /// Parses `NAME OP VALUE`.
    pub fn parse(s: &str) -> Result<Condition, Error> {
        let ops = [(">=", Op::Ge), ("<=", Op::Le), ("!=", Op::Ne), ("=", Op::Eq), (">", Op::Gt), ("<", Op::Lt)];
        let found = ops
            .iter()
            .filter_map(|(t, op)| s.find(t).map(|at| (at, *t, *op)))
            .min_by_key(|(at, t, _)| (*at, usize::MAX - t.len()));
        let Some((at, token, op)) = found else {
            return Err(
                Error::usage(format!("--where \"{s}\" has no comparison")).hint("write NAME=VALUE, NAME>=X, NAME<X, NAME!=VALUE")
            );
        };
        let variable = s[..at].trim().to_owned();
        let value = s[at + token.len()..].trim().to_owned();
        if variable.is_empty() {
            return Err(Error::usage(format!("--where \"{s}\" names no variable")).hint("write NAME=VALUE"));
        }
        Ok(Condition { variable, op, value })
    }

    /// Checks the condition against the variables' definitions.
    pub fn check(&self, vars: &Variables) -> Result<(), Error> {
        let Some(def) = vars.variable(&self.variable) else {
            let names: Vec<&str> = vars.variables.iter().map(|v| v.name.as_str()).collect();
            return Err(Error::usage(format!("--where: there is no variable \"{}\"", self.variable)).hint(if names.is_empty() {
                "this folder has no variables yet: see `marginalia vars import`".to_owned()
            } else {
                format!("the variables are: {}", names.join(", "))
            }));
        };
        if !matches!(self.op, Op::Eq | Op::Ne) && !self.value.is_empty() {
            check_value(def.kind, &self.value).map_err(|why| Error::usage(format!("--where {}: {why}", self.variable)))?;
        }
        Ok(())
    }

    /// Does a document with these values meet the condition? A document without a value meets
    /// only `!=`.
    pub fn holds(&self, vars: &Variables, document: &str) -> bool {
        let Some(def) = vars.variable(&self.variable) else { return false };
        let Some(value) = vars.value(document, &self.variable) else { return self.op == Op::Ne };
        let ord = match (vars.typed(def, value), vars.typed(def, &self.value)) {
            (Typed::Number(a), Typed::Number(b)) => a.partial_cmp(&b),
            (Typed::Text(a), Typed::Text(b)) => Some(a.cmp(b)),
            _ => None,
        };
        let Some(ord) = ord else { return self.op == Op::Ne };
        use std::cmp::Ordering::*;
        match self.op {
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
            Op::Le => ord != Greater,
            Op::Lt => ord == Less,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<String> {
        vec!["a.txt".into(), "b.txt".into(), "c.txt".into()]
    }

    #[test]
    fn csv_import_infers_kinds_and_writes_sorted_text() {
        let mut v = Variables::default();
        let csv = "document,outlet,date,words\na.txt,Le Monde,2024-01-02,120\nb.txt,Libé,2024-02-03,80.5\n";
        let r = import_csv(&mut v, csv, Path::new("v.csv"), &BTreeMap::new(), &docs()).unwrap();
        assert_eq!(r.values, 6);
        assert_eq!(v.variable("date").unwrap().kind, Kind::Date);
        assert_eq!(v.variable("words").unwrap().kind, Kind::Number);
        assert_eq!(v.variable("outlet").unwrap().kind, Kind::Text);
        let text = v.to_ron();
        let back = Variables::from_ron(&text, Path::new("x")).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.to_ron(), text);
        assert!(text.find("name: \"date\"").unwrap() < text.find("name: \"outlet\"").unwrap());
    }

    #[test]
    fn bad_cells_are_refused_with_row_and_column() {
        let mut v = Variables::default();
        let mut declared = BTreeMap::new();
        declared.insert("words".to_owned(), Kind::Number);
        let csv = "document,words\na.txt,12\nb.txt,twelve\n";
        let e = import_csv(&mut v, csv, Path::new("v.csv"), &declared, &docs()).unwrap_err();
        assert_eq!(e.place.map(|p| (p.line, p.column)), Some((3, 2)), "{e}");
        let e = import_csv(&mut v, "document,x\nzzz.txt,1\n", Path::new("v.csv"), &BTreeMap::new(), &docs()).unwrap_err();
        assert_eq!(e.place.map(|p| (p.line, p.column)), Some((2, 1)), "{e}");
        assert!(e.to_string().contains("zzz.txt"), "{e}");
    }

    #[test]
    fn conditions_compare_by_kind() {
        let mut v = Variables::default();
        v.declare("n", Kind::Number).unwrap();
        v.declare("d", Kind::Date).unwrap();
        v.set("a.txt", "n", "9").unwrap();
        v.set("b.txt", "n", "10").unwrap();
        v.set("a.txt", "d", "2024-01-31").unwrap();
        let c = Condition::parse("n>=10").unwrap();
        assert!(!c.holds(&v, "a.txt"));
        assert!(c.holds(&v, "b.txt"));
        assert!(!c.holds(&v, "c.txt"));
        assert!(Condition::parse("d<2024-02-01").unwrap().holds(&v, "a.txt"));
        assert!(Condition::parse("n!=9").unwrap().holds(&v, "c.txt"));
        assert_eq!(Condition::parse("n<=3").unwrap().op, Op::Le);
    }

    #[test]
    fn a_hand_written_file_may_leave_out_empty_lists() {
        let text = "(format: \"marginalia-variables\", version: 1, variables: [(name: \"outlet\", kind: text)])";
        let v = Variables::from_ron(text, Path::new("x")).unwrap();
        assert_eq!(v.variable("outlet").map(|d| d.kind), Some(Kind::Text));
        assert!(v.documents.is_empty());
        let e = Variables::from_ron(
            "(format: \"marginalia-variables\", version: 1, documents: {\"a.txt\": {\"n\": \"1\"}})",
            Path::new("x"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not defined"), "{e}");
    }

    #[test]
    fn every_edit_is_undone_by_the_edit_it_returns() {
        let mut vars = Variables::default();
        vars.declare("outlet", Kind::Choice).unwrap();
        vars.declare("pages", Kind::Number).unwrap();
        vars.set("a.txt", "outlet", "Coast Gazette").unwrap();
        vars.set("a.txt", "pages", "4").unwrap();
        vars.set("b.txt", "pages", "12").unwrap();
        let edits = [
            VarEdit::Set { document: "a.txt".into(), variable: "pages".into(), value: "5".into() },
            VarEdit::Set { document: "b.txt".into(), variable: "pages".into(), value: String::new() },
            VarEdit::Add { name: "published".into(), kind: Kind::Date },
            VarEdit::Rename { from: "pages".into(), to: "length".into() },
            VarEdit::Remove { name: "outlet".into() },
        ];
        for edit in edits {
            let before = vars.clone();
            let undo = edit.apply(&mut vars).unwrap();
            assert_ne!(vars, before, "{edit:?} changed something");
            undo.apply(&mut vars).unwrap();
            assert_eq!(vars.to_ron(), before.to_ron(), "{edit:?} undone");
        }
        let bad = VarEdit::Set { document: "a.txt".into(), variable: "pages".into(), value: "four".into() };
        assert!(bad.apply(&mut vars).is_err(), "a number variable refuses words");
        let taken = VarEdit::Rename { from: "pages".into(), to: "outlet".into() };
        assert!(taken.apply(&mut vars).is_err(), "two variables never share a name");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = Variables::default().to_ron().replace("variables: [],", "variables: [], extra: 1,");
        let e = Variables::from_ron(&text, Path::new("x")).unwrap_err();
        assert!(e.to_string().contains("extra"), "{e}");
    }
}
