//! The live checks: every property the lab's monitor checks, whether it holds, the evidence of
//! the first violation, and the lab's findings (the same ones the command line prints).

use netsplit_sim::Violation;
use netsplit_sim::lab::Finding;
use yew::prelude::*;

/// The checks panel: `properties` as (name, meaning), and what was found.
pub fn invariants(
    properties: &[(&str, &str)],
    violations: &[Violation],
    findings: &[Finding],
) -> Html {
    let properties = properties.iter().map(|(name, what)| {
        let broken: Vec<_> = violations.iter().filter(|v| v.property == *name).collect();
        let (class, status) = if broken.is_empty() {
            ("holds", "✓ holds".to_string())
        } else {
            ("broken", format!("✗ broken ({})", broken.len()))
        };
        html! {
            <li class={class}>
                <strong>{ name.to_string() }</strong>{ format!(" — {status}") }
                <div class="what">{ what.to_string() }</div>
                if let Some(v) = broken.first() {
                    <div class="evidence">{ &v.explanation }</div>
                }
            </li>
        }
    });
    html! {
        <section class="panel invariants" aria-labelledby="invariants-title">
            <h2 id="invariants-title">{ "Live checks" }</h2>
            <ul class="properties">{ for properties }</ul>
            { findings_panel(findings) }
        </section>
    }
}

/// What the lab found beyond pass or fail, the same findings the command line prints.
pub fn findings_panel(findings: &[Finding]) -> Html {
    let findings = findings.iter().map(|f| {
        html! {
            <div class="finding">
                <h3>{ f.heading }</h3>
                <ul>{ for f.lines.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
            </div>
        }
    });
    html! { <div class="findings">{ for findings }</div> }
}
