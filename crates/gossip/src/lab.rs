//! The Gossip lab: what it checks, its settings, its findings and how it is fuzzed.

use netsplit_sim::lab::{
    About, Finding, Knob, NetworkLab, Preset, named_bug, over, provoke, whole_number, with_copies,
};
use netsplit_sim::{
    FaultPlan, Link, NoCommand, Record, Rng, Slot, Span, Strike, Time, TraceEvent, random_faults,
};

use crate::{Bug, DetectorMonitor, GossipNode, GossipScenario, GossipSim, Params};

/// The Gossip lab.
pub struct GossipLab;

/// When faults stop in a Gossip fuzz run; the rest of the run is calm.
pub const FAULTS_UNTIL: Time = Time(20_000);
/// How long a Gossip fuzz run lasts.
pub const FUZZ_DURATION: Span = Span::secs(40);

impl NetworkLab for GossipLab {
    const ABOUT: About = About {
        slug: "gossip",
        title: "Gossip",
        summary: "Heartbeats spread by gossip; a node suspects a peer whose counter stops \
                  growing, and partitions breed false suspicion.",
        tag: 0,
        version: 1,
    };
    const PROPERTIES: &'static [(&'static str, &'static str)] = &[
        (
            "Suspects on time",
            "A node suspects a peer once its heartbeat has been still for T_fail plus one gossip period.",
        ),
        (
            "Waits for the timeout",
            "A node never suspects a peer whose heartbeat grew within T_fail.",
        ),
    ];
    type Node = GossipNode;
    type Monitor = DetectorMonitor;
    type Params = Params;

    fn nodes(params: &Params) -> usize {
        params.nodes
    }

    fn validate_params(params: &Params) -> Result<(), String> {
        params.validate()
    }

    fn build(params: &Params, links: Link, seed: u64) -> GossipSim {
        params.build(links, seed)
    }

    fn set_param(params: &mut Params, key: &str, value: &str) -> Result<(), String> {
        match key {
            "bug" => params.bug = named_bug(value, &Bug::ALL, Bug::name)?,
            "nodes" => params.nodes = whole_number(key, value)? as usize,
            "gossip_period" => params.gossip_period = Span(whole_number(key, value)?),
            "fail_after" => params.fail_after = Span(whole_number(key, value)?),
            _ => {
                return Err(format!(
                    "Gossip has no setting \"{key}\"; the settings are nodes, gossip_period, \
                     fail_after and bug"
                ));
            }
        }
        Ok(())
    }

    /// Every gossip period each node beats and sends its list to one peer: a timer and a
    /// delivery (§2 of the paper). A crash or a restart costs about an event more.
    fn expected_events(s: &GossipScenario) -> u64 {
        let p = &s.params;
        let gossip = over(s.duration, 2 * p.nodes as u64, p.gossip_period);
        let actions = s.actions_taken();
        with_copies(gossip + 2 * actions, &s.links)
    }

    fn knobs() -> Vec<Knob<Params>> {
        vec![
            Knob::period("gossip_period", Params::GOSSIP_PERIOD_MS, |p| {
                p.gossip_period.0
            }),
            Knob::count("nodes", Params::NODES, |p| p.nodes as u64),
        ]
    }

    fn bug(params: &Params) -> Option<&'static str> {
        params.bug.map(Bug::name)
    }

    fn findings(sim: &GossipSim) -> Vec<Finding> {
        let monitor = sim.monitor();
        let detections: Vec<String> = monitor
            .detections()
            .iter()
            .map(|d| {
                format!(
                    "{} crashed at {}: every live node suspected it {} later",
                    d.node,
                    d.crashed_at,
                    d.took()
                )
            })
            .collect();
        vec![
            Finding {
                heading: "Detection times",
                lines: if detections.is_empty() {
                    vec!["no crash detected yet".to_string()]
                } else {
                    detections
                },
            },
            Finding {
                heading: "False suspicions",
                lines: vec![format!(
                    "false suspicions of live nodes: {}",
                    monitor.false_suspicions()
                )],
            },
        ]
    }

    fn presets() -> Vec<Preset<GossipScenario>> {
        crate::presets::presets()
    }

    fn fuzz_params() -> Params {
        Params::default()
    }

    /// Twelve nodes gossiping as often as allowed, suspecting after the shortest silence.
    fn heaviest_params() -> Vec<Params> {
        vec![Params {
            nodes: *Params::NODES.end(),
            gossip_period: Span(*Params::GOSSIP_PERIOD_MS.start()),
            fail_after: Span(*Params::FAIL_AFTER_MS.start()),
            bug: None,
        }]
    }

    /// Random crashes, restarts, partitions, one-way cuts, loss and duplication until
    /// [`FAULTS_UNTIL`] (with `faults`), and the strikes of [`GossipLab::aim`]; then 20 calm
    /// seconds in which every suspicion of a live node must clear.
    fn fuzz(seed: u64, params: Params, faults: bool) -> GossipScenario {
        let links = Link::default();
        let actions = if faults {
            random_faults(
                seed,
                &FaultPlan {
                    nodes: params.nodes,
                    until: FAULTS_UNTIL,
                    mean_gap: Span(800),
                    calm: links,
                },
            )
        } else {
            Vec::new()
        };
        let scenario = GossipScenario {
            seed,
            params,
            links,
            actions,
            duration: FUZZ_DURATION,
        };
        if faults {
            provoke::<GossipLab>(scenario, FAULTS_UNTIL)
        } else {
            scenario
        }
    }

    /// Where a failure detector is fragile: a digest held back until newer ones have arrived,
    /// so that it tells its receiver nothing new, and sometimes its sender crashed soon after,
    /// so that the stale digest arrives from a node already dead.
    fn aim(
        step: &[Record<GossipNode>],
        _nodes: &[Slot<GossipNode>],
        rng: &mut Rng,
    ) -> Vec<Strike<NoCommand>> {
        let mut strikes = Vec::new();
        for record in step {
            if let TraceEvent::Sent { id, from, .. } = record.event
                && rng.below(30) == 0
            {
                strikes.push(Strike::Delay {
                    message: id,
                    lasting: Span(500 + rng.below(2000)),
                });
                if rng.below(3) == 0 {
                    strikes.push(Strike::Bounce {
                        node: from,
                        after: Span(50 + rng.below(350)),
                        down: Span(4000 + rng.below(4000)),
                    });
                }
            }
        }
        strikes
    }
}
