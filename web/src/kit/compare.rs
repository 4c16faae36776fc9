//! A lab's comparison: its scenario replayed to the end under variants of its settings (the
//! CRDT lab's set types, the Transactions lab's protocols), a slice at a time between frames
//! through [`crate::kit::spec::LabSpec::side_work`], and drawn once done.

use std::cell::RefCell;
use std::thread::LocalKey;
use yew::Html;

use crate::kit::progress_note;

/// A comparison on its way.
pub trait Comparing {
    /// What it shows once done.
    type Outcome;
    /// Runs at most `events` more events; true once every replay is at its end.
    fn go(&mut self, events: u64) -> bool;
    /// How much of the way is gone, from 0 to 1.
    fn done(&self) -> f64;
    /// What it found; asked once it is done.
    fn outcome(&self) -> Self::Outcome;
}

/// The comparison of one scenario: on its way, done, or refused with a sentence.
pub enum Compared<W: Comparing> {
    /// On its way.
    Going(Box<W>),
    /// Done.
    Done(W::Outcome),
    /// The scenario cannot be compared, and why.
    Refused(String),
}

/// Where a lab keeps the comparison of the scenario on its page (a thread-local): a scenario
/// changes only when the user acts, so each is replayed once.
pub type Kept<S, W> = RefCell<Option<(S, Compared<W>)>>;

/// Goes on with the comparison of `scenario` (begun by `start` if the scenario is new) while
/// `more` says to, `slice` events at a time; true once it is done.
pub fn work<S: Clone + PartialEq, W: Comparing>(
    kept: &'static LocalKey<Kept<S, W>>,
    scenario: &S,
    start: impl FnOnce(&S) -> Result<W, String>,
    slice: u64,
    more: &mut dyn FnMut() -> bool,
) -> bool {
    kept.with_borrow_mut(|last| {
        if !last.as_ref().is_some_and(|(seen, _)| seen == scenario) {
            let fresh = match start(scenario) {
                Ok(comparison) => Compared::Going(Box::new(comparison)),
                Err(why) => Compared::Refused(why),
            };
            *last = Some((scenario.clone(), fresh));
        }
        let Some((_, state)) = last else {
            unreachable!("set above")
        };
        let Compared::Going(comparison) = state else {
            return true;
        };
        while more() {
            if comparison.go(slice) {
                *state = Compared::Done(comparison.outcome());
                return true;
            }
        }
        false
    })
}

/// Draws the comparison of `scenario`: `done` draws its outcome, `refused` a refusal, and a
/// progress line says how far it is meanwhile ("`what`: 40%").
pub fn show<S: PartialEq, W: Comparing>(
    kept: &'static LocalKey<Kept<S, W>>,
    scenario: &S,
    what: &str,
    done: impl FnOnce(&W::Outcome) -> Html,
    refused: impl FnOnce(&str) -> Html,
) -> Html {
    kept.with_borrow(|last| match last {
        Some((seen, Compared::Refused(why))) if seen == scenario => refused(why),
        Some((seen, Compared::Done(outcome))) if seen == scenario => done(outcome),
        going => {
            let so_far = match going {
                Some((seen, Compared::Going(comparison))) if seen == scenario => comparison.done(),
                _ => 0.0,
            };
            progress_note(what, so_far)
        }
    })
}
