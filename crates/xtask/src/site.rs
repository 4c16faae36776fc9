//! The site in dist/: a landing page that needs no wasm, and a page per lab that loads that
//! lab's own module.
//!
//! ```text
//!   dist/index.html            every lab: name, one line, picture, presets; share and embed
//!   dist/<slug>/index.html     the lab's page: its header drawn before the module loads
//!   dist/<slug>-<hash>.js      the lab's module (src/bin/<slug>.rs), bound by wasm-bindgen
//!   dist/<slug>-<hash>_bg.wasm      and shrunk by wasm-opt (the glue minified by esbuild)
//!   dist/style-<hash>.css      the one stylesheet, minified
//! ```
//!
//! Names carry a hash of their content, so a static host may cache them forever. The pages
//! come from `web/pages/` (templates and each lab's picture) and the registry (names, lines,
//! presets); the landing page sends links made before labs had pages (`#raft`, `#s=…`) on to
//! their lab's page.

use netsplit_labs::{LABS, ShareState, ViewState, presets};
use std::fs;
use std::path::{Path, PathBuf};

use crate::tools::{run, step, tool};
use crate::{Result, WASM_TARGET, root};

/// The cargo profile of the browser build.
pub const PROFILE: &str = "web-release";

/// Builds every lab's module and writes the site into dist/.
pub fn build_site() -> Result {
    step("release build: a module per lab");
    let mut cargo = tool("cargo");
    cargo.args([
        "build",
        "-p",
        "netsplit-web",
        "--target",
        WASM_TARGET,
        "--profile",
        PROFILE,
    ]);
    for lab in LABS {
        cargo.args(["--bin", lab.slug]);
    }
    run(&mut cargo)?;
    let dist = root().join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let bound_dir = root().join("target/site");
    fs::create_dir_all(&bound_dir).map_err(|e| e.to_string())?;
    let css = hashed(
        &dist,
        "style",
        "css",
        &minified(&root().join("web/style.css"), &bound_dir)?,
    )?;
    // A page's own rules, beside the shared ones: web/styles/<page>.css, when it has any.
    let own_css = |stem: &str, up: &str| -> Result<String> {
        let file = root().join(format!("web/styles/{stem}.css"));
        if !file.exists() {
            return Ok(String::new());
        }
        let name = hashed(&dist, stem, "css", &minified(&file, &bound_dir)?)?;
        Ok(format!(r#"<link rel="stylesheet" href="{up}{name}" />"#))
    };
    // The error panel's script, minified into every lab page: it must run even when the
    // module cannot.
    let fatal = String::from_utf8(minified(&root().join("web/fatal.js"), &bound_dir)?)
        .map_err(|e| format!("web/fatal.js is not UTF-8: {e}"))?;
    let features = wasm_opt_features()?;
    for lab in LABS {
        let built = root().join(format!("target/{WASM_TARGET}/{PROFILE}/{}.wasm", lab.slug));
        run(tool("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&bound_dir)
            .arg(&built))?;
        let bound = bound_dir.join(format!("{}_bg.wasm", lab.slug));
        let optimized = bound_dir.join(format!("{}.opt.wasm", lab.slug));
        // -Os: after gzip its output is smaller than -Oz's, for every lab; --converge runs the
        // passes again while they still shrink the module. --low-memory-unused folds address
        // arithmetic on the promise that nothing lives in the first kilobyte: Rust lays the
        // stack first, growing down from 1 MiB, so only a stack one kilobyte from overflowing
        // would reach it (1.2 KiB less on the Paxos page).
        run(tool("wasm-opt")
            .args(["-Os", "--converge", "--low-memory-unused"])
            .args(&features)
            .arg(&bound)
            .arg("-o")
            .arg(&optimized))?;
        let wasm = hashed(&dist, lab.slug, "wasm", &read(&optimized)?)?;
        let glue = bound_dir.join(format!("{}.js", lab.slug));
        let js = hashed(&dist, lab.slug, "js", &minified(&glue, &bound_dir)?)?;
        let page = fill(
            &read_text("web/pages/lab.html")?,
            &[
                ("title", escape(lab.title)),
                ("summary", escape(lab.summary)),
                ("css", css.clone()),
                ("own_css", own_css(lab.slug, "../")?),
                ("js", js),
                ("wasm", wasm),
                ("fatal", fatal.clone()),
                ("nav", nav(Some(lab.slug), "../")),
            ],
        )?;
        let folder = dist.join(lab.slug);
        fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        write(&folder.join("index.html"), page.as_bytes())?;
    }
    let landing = fill(
        &read_text("web/pages/index.html")?,
        &[
            ("tags", tags()),
            ("first", LABS[0].slug.to_string()),
            ("css", css),
            ("own_css", own_css("landing", "")?),
            ("nav", nav(None, "")),
            ("labs", cards()?),
        ],
    )?;
    write(&dist.join("index.html"), landing.as_bytes())?;
    // One icon for every page, fetched once and cached, rather than inlined into each.
    write(
        &dist.join("favicon.svg"),
        read_text("web/pages/favicon.svg")?.as_bytes(),
    )?;
    println!("  site: {}", dist.display());
    Ok(())
}

/// The header's link to every lab; `current` is the page's own lab.
fn nav(current: Option<&str>, up: &str) -> String {
    LABS.iter()
        .map(|lab| {
            if Some(lab.slug) == current {
                format!(
                    r#"<a class="tab current" aria-current="page" href="./">{}</a>"#,
                    escape(lab.title)
                )
            } else {
                format!(
                    r#"<a class="tab" href="{up}{}/">{}</a>"#,
                    lab.slug,
                    escape(lab.title)
                )
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

/// `{"1":"raft",…}`: each lab's page by its link tag, for the landing page's redirect.
fn tags() -> String {
    let pairs: Vec<String> = LABS
        .iter()
        .map(|lab| format!(r#""{}":"{}""#, lab.tag, lab.slug))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// A card for every lab: its picture, name, line, and a link to each of its presets.
fn cards() -> Result<String> {
    let mut out = String::new();
    for lab in LABS {
        let picture = read_text(&format!("web/pages/pictures/{}.svg", lab.slug))
            .map_err(|e| format!("{e}: every lab has a picture for the landing page"))?;
        let links: Vec<String> = presets(lab.slug)
            .into_iter()
            .map(|preset| {
                let code = ShareState {
                    scenario: preset.scenario,
                    view: ViewState::default(),
                }
                .encode();
                format!(
                    r#"<a href="{}/#s={code}">{}</a>"#,
                    lab.slug,
                    escape(preset.title)
                )
            })
            .collect();
        out.push_str(&format!(
            "          <li class=\"lab-card\">\n            {}\n            <h3><a href=\"{slug}/\">{title}</a></h3>\n            <p>{summary}</p>\n            <p class=\"presets\">Start from: {links}</p>\n          </li>\n",
            picture.trim(),
            slug = lab.slug,
            title = escape(lab.title),
            summary = escape(lab.summary),
            links = links.join(", "),
        ));
    }
    Ok(out)
}

/// `file` (JavaScript or CSS) minified by esbuild, which keeps its meaning and its module form.
fn minified(file: &Path, scratch: &Path) -> Result<Vec<u8>> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let out = scratch.join(format!("min.{name}"));
    let mut esbuild = tool("esbuild");
    esbuild.arg(file).arg("--minify").arg("--log-level=warning");
    if name.ends_with(".js") {
        esbuild.arg("--format=esm");
    }
    run(esbuild.arg(format!("--outfile={}", out.display())))?;
    read(&out)
}

/// `template` with every `{{key}}` replaced; a key left over is an error.
fn fill(template: &str, values: &[(&str, String)]) -> Result<String> {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    match out.find("{{") {
        Some(at) => Err(format!(
            "a page template names an unknown value: {}",
            out[at..].chars().take(24).collect::<String>()
        )),
        None => Ok(out),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `bytes` to dist/`stem`-`hash`.`ext` and returns that name.
fn hashed(dist: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<String> {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    let name = if ext == "wasm" {
        format!("{stem}-{:08x}_bg.wasm", crc.sum())
    } else {
        format!("{stem}-{:08x}.{ext}", crc.sum())
    };
    write(&dist.join(&name), bytes)?;
    Ok(name)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &str) -> Result<String> {
    let path: PathBuf = root().join(path);
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The wasm features the browser build gives wasm-opt: those of `trunk serve`'s index.html
/// (`data-wasm-opt-params`), so both builds agree.
pub fn wasm_opt_features() -> Result<Vec<String>> {
    let html = read_text("index.html")?;
    let start = html
        .find("data-wasm-opt-params=\"")
        .ok_or("index.html names no wasm-opt parameters")?
        + "data-wasm-opt-params=\"".len();
    let end = html[start..].find('"').ok_or("index.html is malformed")?;
    Ok(html[start..start + end]
        .split_whitespace()
        .map(str::to_string)
        .collect())
}
