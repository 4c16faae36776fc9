//! What a browser downloads, page by page, held to a budget; and what each lab and each
//! shared part of the code weighs.

use netsplit_labs::LABS;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::site::{PROFILE, wasm_opt_features};
use crate::tools::{run, step, tool};
use crate::{Result, WASM_TARGET, root};

/// The most a page may download before its lab is interactive, gzipped, however many labs
/// there are: each lab's page loads that lab's module alone.
const PAGE_BUDGET: u64 = 200 * 1024;

/// Prints, for the landing page and every lab's page, the gzipped size of what the browser
/// downloads to show it, and fails when a page is over the budget.
pub fn size_report() -> Result {
    step("size report: what each page downloads, gzipped");
    let dist = root().join("dist");
    let css = only_file(&dist, "style-", ".css")?;
    // A page's files: its HTML, its stylesheets and scripts, and its wasm (none on the landing
    // page). A page's own stylesheet is there when web/styles has one for it.
    let styles = |stem: &str| -> Result<Vec<PathBuf>> {
        let mut styles = vec![css.clone()];
        if root().join(format!("web/styles/{stem}.css")).exists() {
            styles.push(only_file(&dist, &format!("{stem}-"), ".css")?);
        }
        Ok(styles)
    };
    let mut pages = vec![(
        "landing page".to_string(),
        dist.join("index.html"),
        styles("landing")?,
        None,
    )];
    for lab in LABS {
        let mut scripts = styles(lab.slug)?;
        scripts.push(only_file(&dist, &format!("{}-", lab.slug), ".js")?);
        pages.push((
            format!("{} lab", lab.title),
            dist.join(lab.slug).join("index.html"),
            scripts,
            Some(only_file(&dist, &format!("{}-", lab.slug), "_bg.wasm")?),
        ));
    }
    println!(
        "  {:<26} {:>9} {:>9} {:>9} {:>9}",
        "page", "html", "css+js", "wasm", "total"
    );
    let mut over = Vec::new();
    let gzipped = |f: &PathBuf| {
        fs::read(f)
            .map_err(|e| format!("cannot read {}: {e}", f.display()))
            .and_then(|b| gzipped_len(&b))
    };
    for (page, html, scripts, wasm) in &pages {
        let html = gzipped(html)?;
        let scripts = scripts.iter().map(gzipped).sum::<Result<u64>>()?;
        let wasm = wasm.as_ref().map(gzipped).transpose()?.unwrap_or(0);
        let total = html + scripts + wasm;
        println!(
            "  {page:<26} {:>7.1} K {:>7.1} K {:>7.1} K {:>7.1} K",
            kib(html),
            kib(scripts),
            kib(wasm),
            kib(total)
        );
        if total > PAGE_BUDGET {
            over.push(format!("{page} ({:.1} KiB)", kib(total)));
        }
    }
    println!("  budget: {} KiB gzipped per page", PAGE_BUDGET / 1024);
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "over the {} KiB page budget: {}",
            PAGE_BUDGET / 1024,
            over.join(", ")
        ))
    }
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// The one file in `dir` named `prefix…suffix`.
fn only_file(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf> {
    let mut found = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
        });
    match (found.next(), found.next()) {
        (Some(file), None) => Ok(file),
        _ => Err(format!(
            "expected one {prefix}…{suffix} in {}",
            dir.display()
        )),
    }
}

fn gzipped_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len() as u64)
}

/// What each lab and each shared part weighs in the download: the app is built once more with
/// its function names kept (v0 symbol names, which keep generic arguments, so that the frame's
/// code for the Raft lab is the Raft lab's), through the same wasm-bindgen and wasm-opt as the
/// release build, and every function is counted for the lab whose crate or page it names.
/// The gzipped figure of a part is its functions' bytes compressed together: an estimate, since
/// gzip compresses the whole file at once.
pub fn weigh_parts() -> Result {
    step("what each lab weighs");
    let target_dir = root().join("target/names");
    run(tool("cargo")
        .args(["build", "-p", "netsplit-web", "--target", WASM_TARGET])
        .args(["--profile", PROFILE, "--target-dir"])
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C symbol-mangling-version=v0"))?;
    let built = target_dir.join(format!("{WASM_TARGET}/{PROFILE}/netsplit-web.wasm"));
    let out = target_dir.join("bindgen");
    run(tool("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(&out)
        .arg(&built))?;
    let bound = out.join("netsplit-web_bg.wasm");
    let optimized = out.join("optimized.wasm");
    run(tool("wasm-opt")
        .args(["-Oz", "-g"])
        .args(wasm_opt_features()?)
        .arg(&bound)
        .arg("-o")
        .arg(&optimized))?;
    let bytes = fs::read(&optimized).map_err(|e| e.to_string())?;
    let functions = functions(&bytes)?;
    let lab_of = |name: &str| {
        netsplit_labs::LABS
            .iter()
            .zip(netsplit_labs::CRATES)
            .filter(|(lab, krate)| {
                name.contains(&format!("{krate}::"))
                    || name.contains(&format!("netsplit_web::labs::{}::", lab.slug))
            })
            .map(|(lab, _)| lab.slug)
            .collect::<Vec<_>>()
    };
    let mut parts: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for (name, body) in &functions {
        let part = match lab_of(name).as_slice() {
            [lab] => format!("lab {lab}"),
            [] => format!("shared: {}", crate_of(name)),
            _ => "shared: several labs".to_string(),
        };
        parts.entry(part).or_default().extend_from_slice(body);
    }
    let mut rows: Vec<(String, usize, u64)> = parts
        .into_iter()
        .map(|(part, code)| {
            let gz = gzipped_len(&code).unwrap_or(0);
            (part, code.len(), gz)
        })
        .collect();
    rows.sort_by_key(|(part, raw, _)| (!part.starts_with("lab "), std::cmp::Reverse(*raw)));
    let total: usize = rows.iter().map(|r| r.1).sum();
    println!(
        "  {:<32} {:>10} {:>14}",
        "part", "code bytes", "gzipped alone"
    );
    let (shown, rest) = rows.split_at(rows.len().min(24));
    for (part, raw, gz) in shown {
        println!("  {part:<32} {raw:>10} {gz:>14}");
    }
    let rest_raw: usize = rest.iter().map(|r| r.1).sum();
    println!(
        "  {:<32} {rest_raw:>10}",
        format!("{} smaller parts", rest.len())
    );
    println!("  {:<32} {total:>10}", "all code");
    Ok(())
}

/// The crate a demangled function name belongs to: the first path in it, past `<` and `&`.
fn crate_of(name: &str) -> &str {
    let name = name.trim_start_matches(['<', '&', ' ']);
    let name = name.strip_prefix("dyn ").unwrap_or(name);
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    match &name[..end] {
        "" => "(other)",
        krate => krate,
    }
}

/// Every function defined in a wasm module: its demangled name and its code.
fn functions(wasm: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut names = std::collections::BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    if matches!(import.map_err(|e| e.to_string())?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(wasm[body.range()].to_vec()),
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(reader) = section.as_known() {
                    for subsection in reader {
                        if let Name::Function(map) = subsection.map_err(|e| e.to_string())? {
                            for naming in map {
                                let naming = naming.map_err(|e| e.to_string())?;
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let name = names.get(&(imported + i as u32)).map_or_else(
                || "(unnamed)".to_string(),
                |n| without_disambiguators(&format!("{:#}", rustc_demangle::demangle(n))),
            );
            (name, body)
        })
        .collect())
}

/// `name` without the crate hashes that v0 names carry (`netsplit_raft[7340b69fbe6bff48]::`).
fn without_disambiguators(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let hash = rest[open + 1..].find(']').filter(|&end| {
            end > 0
                && rest[open + 1..open + 1 + end]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit())
        });
        out.push_str(&rest[..open]);
        match hash {
            Some(end) => rest = &rest[open + end + 2..],
            None => {
                out.push('[');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}
